"""Per-process state: settings, templates and caches, created in the app's lifespan and kept on
`app.state.shop`; handlers receive it (and what is derived from it) by dependency injection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from litestar import Request
from litestar.datastructures import State
from litestar.stores.base import Store

from app.catalog.services import CatalogCache, StockCache
from app.core.settings import Settings
from app.fx.services import FxCache
from app.i18n.jinja import create_environment
from app.web.limits import limits_store
from app.web.page_cache import PageCache

CART_COOKIE = "cart"
LOCALE_COOKIE = "locale"
COUNTRY_COOKIE = "country"
CURRENCY_COOKIE = "currency"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30


@dataclass
class ShopState:
    """Everything a worker keeps between requests."""

    settings: Settings
    templates: Environment
    catalog_cache: CatalogCache
    stock_cache: StockCache
    fx_cache: FxCache
    page_cache: PageCache
    limits: Store  # attempt counters (order lookup): Redis when REDIS_URL is set


def create_shop_state(settings: Settings) -> ShopState:
    return ShopState(
        settings=settings,
        templates=create_environment(auto_reload=not settings.is_production),
        catalog_cache=CatalogCache(check_seconds=settings.catalog_check_seconds),
        stock_cache=StockCache(),
        fx_cache=FxCache(ttl_seconds=settings.fx_cache_seconds),
        page_cache=PageCache(settings.page_cache_pages),
        limits=limits_store(settings.redis_url),
    )


def shop_of(app_state: State) -> ShopState:
    shop = app_state.get("shop")
    if not isinstance(shop, ShopState):
        raise RuntimeError("the shop state is created in the app's lifespan")
    return shop


def request_shop(request: Request[Any, Any, Any]) -> ShopState:
    """For code outside dependency injection (the exception handler)."""
    return shop_of(request.app.state)
