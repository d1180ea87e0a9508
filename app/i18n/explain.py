"""Rule explanations (a gettext msgid and its params) in a shopper's language."""

from __future__ import annotations

from collections.abc import Mapping

from app.i18n.formatting import country_name
from app.i18n.translations import get_translations

COUNTRY_PARAMS = frozenset({"country", "origin", "destination"})


def explain(msgid: str, params: Mapping[str, str], locale_code: str) -> str:
    """The msgid translated and filled in, country codes as the locale names them."""
    values = {
        key: country_name(value, locale_code)
        if key in COUNTRY_PARAMS and isinstance(value, str) and len(value) == 2 and value.isupper()
        else value
        for key, value in params.items()
    }
    text = get_translations(locale_code).gettext(msgid)
    try:
        return text % values if values else text
    except (KeyError, ValueError, TypeError):  # a translation naming a parameter the rule did not give
        return msgid % values if values else msgid
