"""Per-request context by dependency injection: the shop state, the page locale, the catalogue
snapshot (read once per request) and the shopper's pricer. Registered on the app, resolved once
per request and only for the handlers that ask for them."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.i18n.locales import ShopLocale, get_locale
from app.web.market import make_pricer, presentment_for
from app.web.pages import PageRequest
from app.web.state import ShopState, shop_of


def provide_shop(request: Request[Any, Any, Any]) -> ShopState:
    return shop_of(request.app.state)


def provide_shop_locale(locale: FromPath[str]) -> ShopLocale:
    """The locale of the URL prefix; an unknown prefix is a 404."""
    shop_locale = get_locale(locale)
    if shop_locale is None:
        raise NotFoundException()
    return shop_locale


async def provide_page(request: Request[Any, Any, Any], locale: FromPath[str]) -> PageRequest:
    """Everything a page handler needs, as one dependency: the shop state, the URL locale (404 if
    unknown), the catalogue snapshot (read once per request) and the shopper's pricer.

    One provider rather than a chain of small ones: Litestar resolves each level of a dependency
    chain separately (a task group for siblings), which doubled the cost of a cached page."""
    shop = shop_of(request.app.state)
    shop_locale = provide_shop_locale(locale)
    catalog = await shop.catalog_cache.get()
    rates = await shop.fx_cache.get()
    pricer = make_pricer(
        presentment_for(request, shop_locale, rates, shop.settings), rates, catalog, shop.settings
    )
    return PageRequest(request, shop, shop_locale, catalog, pricer)


APP_DEPENDENCIES = {"shop": Provide(provide_shop, sync_to_thread=False)}
# For the HTML pages under /{locale}/ (a router of their own, so API parameter names stay free).
PAGE_DEPENDENCIES = {
    "shop_locale": Provide(provide_shop_locale, sync_to_thread=False),
    "page": Provide(provide_page),
}
