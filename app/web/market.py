"""The shopper's market and currency for a request, and a pricer for it."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import get_currency_name
from litestar import Request

from app.fx.data import supported_currencies
from app.fx.rules import RateTable
from app.i18n.formatting import country_name
from app.i18n.locales import LOCALES, ShopLocale, parse_accept_language
from app.markets.data import market_set
from app.markets.rules import Presentment, Pricer, resolve_presentment
from app.shipping.data import rate_table
from app.web.state import COUNTRY_COOKIE, CURRENCY_COOKIE, catalog_cache, fx_cache

COUNTRY = re.compile(r"^[A-Z]{2}$")
KNOWN_COUNTRIES = frozenset(str(code) for code in Locale("en").territories if COUNTRY.match(str(code)))
# A language alone says little about where someone lives; these are the likeliest regions.
LIKELY_REGION = {"ja": "JP", "de": "DE", "fr": "FR", "es": "ES", "zh-hans": "CN"}


def valid_country(value: str | None) -> str | None:
    value = (value or "").strip().upper()
    return value if value in KNOWN_COUNTRIES else None


_AVAILABLE: list[tuple[RateTable, tuple[str, ...]]] = []


def available_currencies(rates: RateTable) -> tuple[str, ...]:
    """Supported currencies this rate table can price; asked on every request, so remembered
    for the table in use (the FX cache hands out the same object until the rates change)."""
    if _AVAILABLE and _AVAILABLE[0][0] is rates:
        return _AVAILABLE[0][1]
    codes = tuple(code for code in supported_currencies() if rates.has(code))
    _AVAILABLE[:] = [(rates, codes)]
    return codes


def region_hint(request: Request[Any, Any, Any], locale: ShopLocale) -> str | None:
    """The region of the shopper's preferred language tag (en-GB -> GB), else the locale's likely one."""
    for tag, _ in parse_accept_language(request.headers.get("accept-language", "")):
        parts = tag.split("-")
        if parts[0] == locale.language and len(parts) > 1 and valid_country(parts[-1]):
            return parts[-1].upper()
    return LIKELY_REGION.get(locale.code)


def presentment_for(request: Request[Any, Any, Any], locale: ShopLocale, rates: RateTable) -> Presentment:
    return resolve_presentment(
        market_set(),
        chosen_country=valid_country(request.cookies.get(COUNTRY_COOKIE)),
        chosen_currency=(request.cookies.get(CURRENCY_COOKIE) or "").upper() or None,
        region_hint=region_hint(request, locale),
        available=available_currencies(rates),
    )


async def pricer_for(request: Request[Any, Any, Any], locale: ShopLocale) -> Pricer:
    rates = await fx_cache.get()
    catalog = await catalog_cache.get()
    return Pricer(presentment_for(request, locale, rates), rates, catalog.price_overrides)


@lru_cache(maxsize=32)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    codes = set(rate_table().countries) | {c for m in market_set().markets.values() for c in m.countries}
    return tuple(sorted(((c, country_name(c, locale)) for c in codes), key=lambda item: item[1].casefold()))


@lru_cache(maxsize=256)
def _currencies(locale: str, codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    babel = Locale.parse(LOCALES[locale].babel)
    return tuple((code, f"{code} – {get_currency_name(code, locale=babel)}") for code in codes)


def market_selector(locale: str, pricer: Pricer | None) -> dict[str, Any]:
    """What the country/currency selector shows: choices in the page language, and the current ones."""
    codes = available_currencies(pricer.rates) if pricer else tuple(supported_currencies())
    presentment = pricer.presentment if pricer else None
    return {
        "countries": _countries(locale),
        "currencies": _currencies(locale, codes),
        "country": presentment.country if presentment else None,
        "currency": presentment.currency if presentment and presentment.currency_chosen else "",
    }
