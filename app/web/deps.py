"""Per-request context by dependency injection: the shop state, the page locale, the catalogue
snapshot (read once per request) and the shopper's pricer. Registered on the app, resolved once
per request and only for the handlers that ask for them."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.catalog.rules import Catalog
from app.i18n.locales import ShopLocale, get_locale
from app.markets.rules import Pricer
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


async def provide_catalog(shop: NamedDependency[ShopState]) -> Catalog:
    """The catalogue snapshot, read once per request."""
    return await shop.catalog_cache.get()


async def provide_pricer(
    request: Request[Any, Any, Any],
    shop_locale: NamedDependency[ShopLocale],
    shop: NamedDependency[ShopState],
    catalog: NamedDependency[Catalog],
) -> Pricer:
    rates = await shop.fx_cache.get()
    return make_pricer(presentment_for(request, shop_locale, rates, shop.settings), rates, catalog)


APP_DEPENDENCIES = {"shop": Provide(provide_shop, sync_to_thread=False)}
# For the HTML pages under /{locale}/ (a router of their own, so API parameter names stay free).
PAGE_DEPENDENCIES = {
    "shop_locale": Provide(provide_shop_locale, sync_to_thread=False),
    "catalog": Provide(provide_catalog),
    "pricer": Provide(provide_pricer),
}


def provide_page(
    request: Request[Any, Any, Any],
    shop: NamedDependency[ShopState],
    shop_locale: NamedDependency[ShopLocale],
    catalog: NamedDependency[Catalog],
    pricer: NamedDependency[Pricer],
) -> PageRequest:
    return PageRequest(request, shop, shop_locale, catalog, pricer)


PAGE_DEPENDENCIES["page"] = Provide(provide_page, sync_to_thread=False)
