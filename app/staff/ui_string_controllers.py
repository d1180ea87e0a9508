"""The completion of the UI strings' gettext catalogues (/admin/translations/ui): per locale this
person translates, translated, fuzzy and untranslated counts; with ?locale=, that locale's
fuzzy and untranslated messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.di import NamedDependency

from app.i18n.locales import LOCALES
from app.staff.auth import StaffForbidden, render_admin, requires
from app.staff.rules import can
from app.staff.services import StaffMember
from app.staff.translation_rules import locales_for
from app.staff.translation_screens import TRANSLATE
from app.staff.translations import base_locale
from app.staff.ui_strings import MESSAGE_STATE_LABELS, MessageState, ui_completion


@get("/translations/ui", name="admin-translations-ui", guards=[requires(TRANSLATE)])
async def ui_strings(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    """Completion of the gettext catalogues of the locales this person translates; with ?locale=,
    that locale's fuzzy and untranslated messages."""
    locales = locales_for(staff.identity, base_locale())
    chosen = request.query_params.get("locale", "")
    if chosen in LOCALES and not can(staff.identity, TRANSLATE, chosen):
        raise StaffForbidden()
    chosen = chosen if chosen in locales else ""
    rows = [
        {"locale": LOCALES[code], "completion": ui_completion(code), "url": ui_url(code)} for code in locales
    ]
    return render_admin(
        request,
        "admin/translations_ui.html",
        {
            "rows": rows,
            "states": list(MessageState),
            "state_labels": MESSAGE_STATE_LABELS,
            "chosen": LOCALES[chosen] if chosen else None,
            "detail": ui_completion(chosen) if chosen else None,
        },
        member=staff,
    )


def ui_url(locale: str) -> str:
    return f"/admin/translations/ui?{urlencode({'locale': locale})}"


UI_STRING_HANDLERS = [ui_strings]
