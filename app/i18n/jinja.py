"""Jinja2 environments: gettext in the template's locale, Babel formatting filters.

HTML pages are autoescaped; plain-text emails are not (they are not HTML).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from app.core.richtext import html_to_text, rich
from app.core.settings import PROJECT_ROOT
from app.i18n import formatting
from app.i18n.explain import explain
from app.i18n.translations import get_translations

TEMPLATES_DIR = PROJECT_ROOT / "templates"


@pass_context
def _gettext(context: Context, message: str) -> str:
    return get_translations(context["locale_code"]).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return get_translations(context["locale_code"]).ngettext(singular, plural, n)


def _locale_filter(function: Any) -> Any:
    """Wrap a formatting function taking (value, locale) as a filter reading the page locale."""

    @pass_context
    def _filter(context: Context, value: Any, *args: Any) -> str:
        return function(value, context["locale_code"], *args)

    return _filter


@pass_context
def _error_text(context: Context, error: Any) -> str:
    """Translate a FieldError/CartError-like object (gettext msgid + params)."""
    text = get_translations(context["locale_code"]).gettext(error.message)
    params = {
        k: (get_translations(context["locale_code"]).gettext(v) if isinstance(v, str) else v)
        for k, v in error.params.items()
    }
    return text % params if params else text


@pass_context
def _explain(context: Context, msgid: str, params: Mapping[str, str]) -> str:
    return explain(msgid, params, context["locale_code"])


def create_environment(auto_reload: bool = False) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # HTML pages are escaped; plain-text emails (.txt) are not HTML, so nothing to escape there.
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        money=_locale_filter(formatting.format_money),
        number=_locale_filter(formatting.format_number),
        rate=_locale_filter(formatting.format_rate),
        date=_locale_filter(formatting.format_date),
        datetime=_locale_filter(formatting.format_datetime),
        country=_locale_filter(formatting.country_name),
        weight=_locale_filter(formatting.format_weight),
        dimensions=_locale_filter(formatting.format_dimensions_cm),
        percent=_locale_filter(formatting.format_percent_rate),
        error_text=_error_text,
        explain=_explain,
        rich=rich,
        plain=html_to_text,
    )
    return env
