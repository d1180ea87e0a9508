"""The shopper's market and currency for a request, and a pricer for it."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import get_currency_name
from litestar import Request

from app.catalog.rules import Catalog
from app.core.settings import Settings
from app.fx import rules
from app.fx.data import supported_currencies
from app.fx.rules import RateTable
from app.i18n.formatting import country_name
from app.i18n.locales import LOCALES, ShopLocale, parse_accept_language
from app.markets.data import market_set
from app.markets.rules import Presentment, Pricer, resolve_presentment, sellable_presentment
from app.markets.taxes import price_taxes
from app.shipping.data import rate_table
from app.web.state import COUNTRY_COOKIE, CURRENCY_COOKIE

COUNTRY = re.compile(r"^[A-Z]{2}$")
KNOWN_COUNTRIES = frozenset(str(code) for code in Locale("en").territories if COUNTRY.match(str(code)))
# A language alone says little about where someone lives; these are the likeliest regions.
LIKELY_REGION = {"ja": "JP", "de": "DE", "fr": "FR", "es": "ES", "zh-hans": "CN"}
FRESHNESS_SECONDS = 60  # rates age by the minute at most between checks


def valid_country(value: str | None) -> str | None:
    value = (value or "").strip().upper()
    return value if value in KNOWN_COUNTRIES else None


_AVAILABLE: list[tuple[RateTable, tuple[str, ...]]] = []
_FRESH: dict[tuple[str, float, str, int], frozenset[str]] = {}


def available_currencies(rates: RateTable) -> tuple[str, ...]:
    """Supported currencies this rate table can price; asked on every request, so remembered
    for the table in use (the FX cache hands out the same object until the rates change)."""
    if _AVAILABLE and _AVAILABLE[0][0] is rates:
        return _AVAILABLE[0][1]
    codes = tuple(code for code in supported_currencies() if rates.has(code))
    _AVAILABLE[:] = [(rates, codes)]
    return codes


def fresh_currencies(rates: RateTable, settings: Settings) -> frozenset[str]:
    """Currencies whose rates are young enough to sell at (worked out once a minute per table)."""
    minute = int(time.time() // FRESHNESS_SECONDS)
    key = (rates.version, settings.fx_max_age_hours, settings.shop_currency, minute)
    found = _FRESH.get(key)
    if found is None:
        found = rules.fresh_currencies(
            rates, available_currencies(rates), settings.fx_max_age_hours, settlement=settings.shop_currency
        )
        _FRESH.clear()
        _FRESH[key] = found
    return found


def region_hint(request: Request[Any, Any, Any], locale: ShopLocale) -> str | None:
    """The region of the shopper's preferred language tag (en-GB -> GB), else the locale's likely one."""
    for tag, _ in parse_accept_language(request.headers.get("accept-language", "")):
        parts = tag.split("-")
        if parts[0] == locale.language and len(parts) > 1 and valid_country(parts[-1]):
            return parts[-1].upper()
    return LIKELY_REGION.get(locale.code)


def shopper_presentment(
    rates: RateTable,
    settings: Settings,
    *,
    country: str | None,
    currency: str | None,
    region: str | None = None,
) -> Presentment:
    """Country and currency choice -> the presentment to price with, under the stale-rate policy."""
    wanted = resolve_presentment(
        market_set(),
        chosen_country=country,
        chosen_currency=currency,
        region_hint=region,
        available=available_currencies(rates),
    )
    return sellable_presentment(wanted, fresh_currencies(rates, settings), settings.shop_currency)


def presentment_for(
    request: Request[Any, Any, Any], locale: ShopLocale, rates: RateTable, settings: Settings
) -> Presentment:
    return shopper_presentment(
        rates,
        settings,
        country=valid_country(request.cookies.get(COUNTRY_COOKIE)),
        currency=(request.cookies.get(CURRENCY_COOKIE) or "").upper() or None,
        region=region_hint(request, locale),
    )


def make_pricer(
    presentment: Presentment, rates: RateTable, catalog: Catalog | None, settings: Settings
) -> Pricer:
    """The shopper's pricer: the market's price lists, the rates, and the taxes prices hold there today."""
    taxes = price_taxes(settings, presentment, rates, datetime.now(UTC).date())
    return Pricer(presentment, rates, catalog.price_overrides if catalog else None, taxes)


@lru_cache(maxsize=32)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    codes = set(rate_table().countries) | {c for m in market_set().markets.values() for c in m.countries}
    return tuple(sorted(((c, country_name(c, locale)) for c in codes), key=lambda item: item[1].casefold()))


@lru_cache(maxsize=256)
def _currencies(locale: str, codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    babel = Locale.parse(LOCALES[locale].babel)
    return tuple((code, f"{code} – {get_currency_name(code, locale=babel)}") for code in codes)


def market_selector(
    locale: str, pricer: Pricer | None, fresh: frozenset[str] | None = None
) -> dict[str, Any]:
    """What the country/currency selector shows: choices in the page language, and the current ones.
    Only currencies with fresh rates are offered."""
    codes = available_currencies(pricer.rates) if pricer else tuple(supported_currencies())
    if fresh is not None:
        codes = tuple(code for code in codes if code in fresh)
    presentment = pricer.presentment if pricer else None
    return {
        "countries": _countries(locale),
        "currencies": _currencies(locale, codes),
        "country": presentment.country if presentment else None,
        "currency": presentment.currency if presentment and presentment.currency_chosen else "",
    }
