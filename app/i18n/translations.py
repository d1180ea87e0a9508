"""Gettext catalogues from locales/<babel>/LC_MESSAGES, compiled from .po whenever stale."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.core.settings import PROJECT_ROOT
from app.i18n.locales import LOCALES

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"


def catalogue_paths(babel_locale: str, root: Path = LOCALES_DIR) -> tuple[Path, Path]:
    folder = root / babel_locale / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def compile_catalogue(po_path: Path, mo_path: Path) -> None:
    """Compile one .po into .mo (fuzzy entries are left out, as gettext does)."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    mo_path.write_bytes(buffer.getvalue())


def compile_all(root: Path = LOCALES_DIR) -> list[str]:
    """Compile every stale catalogue; returns the locales compiled."""
    compiled = []
    for shop_locale in LOCALES.values():
        po_path, mo_path = catalogue_paths(shop_locale.babel, root)
        if po_path.exists() and (not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime):
            compile_catalogue(po_path, mo_path)
            compiled.append(shop_locale.code)
    return compiled


@cache
def get_translations(locale_code: str) -> NullTranslations:
    """The gettext catalogue for a shipped locale (English is the source language)."""
    shop_locale = LOCALES[locale_code]
    po_path, mo_path = catalogue_paths(shop_locale.babel)
    if not po_path.exists():
        return NullTranslations()
    if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
        compile_catalogue(po_path, mo_path)
    with mo_path.open("rb") as mo_file:
        return Translations(mo_file, domain=DOMAIN)
