"""What every translation screen shares (the coverage, the queue, the editors, the file
exchange): the locale check (a translator works in their own locales only), the 404 page, the
screens' URLs, the context of a locale's pages, and the editors' messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response

from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.staff.auth import StaffForbidden, admin_url, render_admin
from app.staff.rules import Permission, can
from app.staff.services import StaffMember
from app.staff.translation_rules import FIELD_LABELS, KIND_LABELS, KIND_NAMES, STATE_LABELS, fallback_for
from app.staff.translations import base_locale

TRANSLATE = Permission.TRANSLATE
DONE = {
    "saved": N_("The translation is saved. The shop shows it within seconds."),
    "cleaned": N_(
        "The translation is saved. Markup that is not allowed (scripts, styles, other tags or "
        "attributes) was removed from the description."
    ),
    "unchanged": N_("Nothing changed: the form had the translation's current texts and status."),
}
FIX_ERRORS = N_("The translation was not saved. Correct the fields marked below.")
TRANSLATION_CHANGED = N_(
    "Someone else saved this translation while you were editing it. Nothing was saved: your texts are "
    "kept below; save again to replace theirs."
)


def check_locale(staff: StaffMember, locale: str) -> bool:
    """403 (raised) for a locale this person may not translate; False for no such target locale."""
    if locale in LOCALES and not can(staff.identity, TRANSLATE, locale):
        raise StaffForbidden()
    return locale in LOCALES and locale != base_locale()


def not_found(request: Request[Any, Any, Any], staff: StaffMember) -> Response[Any]:
    return render_admin(request, "admin/translations_missing.html", {}, member=staff, status=404)


def editor_url(locale: str, kind: str, code: str, done: str = "") -> str:
    return admin_url("translations", locale, kind, code, done=done)


def queue_url(locale: str, kind: str = "", state: str = "") -> str:
    query = urlencode({key: value for key, value in {"kind": kind, "state": state}.items() if value})
    return f"/admin/translations/{locale}" + (f"?{query}" if query else "")


def common_context(locale: str) -> dict[str, Any]:
    base = base_locale()
    return {
        "target": LOCALES[locale],
        "base": LOCALES[base],
        "fallback": [LOCALES[code] for code in fallback_for(locale, base)],
        "state_labels": STATE_LABELS,
        "kind_labels": KIND_LABELS,
        "kind_names": KIND_NAMES,
        "field_labels": FIELD_LABELS,
    }
