"""UI translations: every shipped locale complete, no fuzzy entries, placeholders intact, .pot current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from app.core.settings import PROJECT_ROOT
from app.i18n.locales import LOCALES
from app.i18n.translations import catalogue_paths, get_translations

TRANSLATED = [loc.babel for loc in LOCALES.values() if loc.code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def message_ids(path: Path) -> set[tuple[str, ...]]:
    with path.open("rb") as file:
        catalog = read_po(file)
    return {m.id if isinstance(m.id, tuple) else (m.id,) for m in catalog if m.id}


@pytest.mark.parametrize("babel_locale", TRANSLATED)
def test_every_ui_string_is_translated_and_not_fuzzy(babel_locale: str) -> None:
    po_path, _ = catalogue_paths(babel_locale)
    with po_path.open("rb") as file:
        catalog = read_po(file, locale=babel_locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        if message.fuzzy:
            problems.append(f"fuzzy: {source}")
        if not all(strings):
            problems.append(f"untranslated: {source}")
        wanted = set(PLACEHOLDER.findall(source))
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # Plural forms may drop %(num)s where the word says the number ("one item").
            if string and not (found == wanted or (isinstance(message.id, tuple) and found <= wanted)):
                problems.append(f"placeholders differ: {source!r} -> {string!r}")
    assert problems == []


@pytest.mark.parametrize("babel_locale", TRANSLATED)
def test_every_catalogue_has_every_template_string(babel_locale: str) -> None:
    po_path, _ = catalogue_paths(babel_locale)
    missing = message_ids(PROJECT_ROOT / "locales" / "messages.pot") - message_ids(po_path)
    assert missing == set(), "run `make messages` and translate the new strings"


def test_messages_pot_is_not_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tmp_path / "messages.pot"
    monkeypatch.chdir(PROJECT_ROOT)  # babel.cfg patterns are relative to the project root
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(fresh), "."]
    )
    assert message_ids(fresh) == message_ids(PROJECT_ROOT / "locales" / "messages.pot"), "run `make messages`"


def test_translations_are_used_at_runtime() -> None:
    assert get_translations("de").gettext("Your cart") != "Your cart"
    assert get_translations("ja").ngettext("%(num)s item", "%(num)s items", 3) % {"num": 3} != "3 items"
    assert get_translations("en").gettext("Your cart") == "Your cart"


def test_demo_catalogue_data_is_complete() -> None:
    checker = subprocess.run(
        [sys.executable, "data/demo/check.py"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert checker.returncode == 0, checker.stdout
    assert re.search(r"^(\d+) products in (\d+) categories", checker.stdout, re.M)
    products, categories = map(
        int, re.search(r"^(\d+) products in (\d+) categories", checker.stdout, re.M).groups()
    )
    assert products >= 200 and categories >= 10
