"""Per-process state shared by the controllers: settings, template environment and caches."""

from __future__ import annotations

from app.catalog.services import CatalogCache, StockCache
from app.core.settings import get_settings
from app.fx.services import FxCache
from app.i18n.jinja import create_environment

settings = get_settings()
templates = create_environment(auto_reload=not settings.is_production)
catalog_cache = CatalogCache(check_seconds=settings.catalog_check_seconds)
stock_cache = StockCache()
fx_cache = FxCache(ttl_seconds=settings.fx_cache_seconds)

CART_COOKIE = "cart"
LOCALE_COOKIE = "locale"
COUNTRY_COOKIE = "country"
CURRENCY_COOKIE = "currency"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30
