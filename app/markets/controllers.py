"""The country/currency selector on every page: remembered in cookies, back to the same page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from app.fx.data import supported_currencies
from app.i18n.locales import ShopLocale
from app.web import urls
from app.web.forms import read_form
from app.web.market import valid_country
from app.web.pages import cookie
from app.web.state import COUNTRY_COOKIE, CURRENCY_COOKIE


def safe_next(raw: str | None, fallback: str) -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative `//`."""
    value = (raw or "").strip()
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 for c in value)
    ):
        return fallback
    return value


@post("/{locale:str}/preferences", name="preferences", include_in_schema=False)
async def save_preferences(
    request: Request[Any, Any, Any], shop_locale: NamedDependency[ShopLocale]
) -> Response[Any]:
    form = await read_form(request)
    response = Redirect(safe_next(form.get("next"), urls.home_url(shop_locale.code)), status_code=303)
    country = valid_country(form.get("country"))
    if country:
        response.set_cookie(cookie(COUNTRY_COOKIE, country))
    currency = (form.get("currency") or "").strip().upper()
    if currency in supported_currencies():
        response.set_cookie(cookie(CURRENCY_COOKIE, currency))
    elif currency == "":
        response.delete_cookie(CURRENCY_COOKIE, path="/")  # follow the country's currency
    return response


CONTROLLERS = [save_preferences]
