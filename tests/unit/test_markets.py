"""Markets from currencies/markets.toml: every EU and EEA country lands in its intended market."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.fx.data import supported_currencies
from app.markets.data import market_set
from app.markets.rules import resolve_presentment

# The EU's 27 member states and the three other EEA states (IS, LI, NO), with the market and
# currency each should price in. The euro area (21 members since BG adopted the euro on 2026-01-01)
# shares the "eu" market; every other member state prices in its own currency; Liechtenstein uses
# the Swiss franc (customs union with CH). source: european-union.europa.eu (EU countries, euro
# area), efta.int (EEA), as of 2026-11-25.
EU_27 = {
    "AT": ("eu", "EUR"),
    "BE": ("eu", "EUR"),
    "BG": ("eu", "EUR"),
    "CY": ("eu", "EUR"),
    "CZ": ("cz", "CZK"),
    "DE": ("eu", "EUR"),
    "DK": ("dk", "DKK"),
    "EE": ("eu", "EUR"),
    "ES": ("eu", "EUR"),
    "FI": ("eu", "EUR"),
    "FR": ("eu", "EUR"),
    "GR": ("eu", "EUR"),
    "HR": ("eu", "EUR"),
    "HU": ("hu", "HUF"),
    "IE": ("eu", "EUR"),
    "IT": ("eu", "EUR"),
    "LT": ("eu", "EUR"),
    "LU": ("eu", "EUR"),
    "LV": ("eu", "EUR"),
    "MT": ("eu", "EUR"),
    "NL": ("eu", "EUR"),
    "PL": ("pl", "PLN"),
    "PT": ("eu", "EUR"),
    "RO": ("ro", "RON"),
    "SE": ("se", "SEK"),
    "SI": ("eu", "EUR"),
    "SK": ("eu", "EUR"),
}
EEA_NOT_EU = {"IS": ("is", "ISK"), "LI": ("ch", "CHF"), "NO": ("no", "NOK")}
EURO_AREA = {country for country, (_, currency) in EU_27.items() if currency == "EUR"}


def test_the_lists_are_complete() -> None:
    assert len(EU_27) == 27 and len(EURO_AREA) == 21 and len(EEA_NOT_EU) == 3
    from app.markets.regions import EU_MEMBER_STATES

    assert set(EU_27) == EU_MEMBER_STATES  # the same 27 as the tax wording uses


@pytest.mark.parametrize(("country", "expected"), sorted({**EU_27, **EEA_NOT_EU}.items()))
def test_every_eu_and_eea_country_lands_in_its_market_and_currency(
    country: str, expected: tuple[str, str]
) -> None:
    markets = market_set()
    market = markets.for_country(country)
    assert (market.code, market.currency_for(country)) == expected
    assert market.code != markets.default  # never the rest of the world (USD, duties wording)
    assert market.tax_inclusive  # VAT-inclusive prices, as EU/EEA consumers expect
    assert market.currency_for(country) in supported_currencies()
    shopper = resolve_presentment(
        markets,
        chosen_country=country,
        chosen_currency=None,
        region_hint=None,
        available=supported_currencies(),
    )
    assert (shopper.market.code, shopper.currency) == expected


@pytest.mark.parametrize("code", ["cz", "hu", "ro", "se", "dk", "pl"])
def test_non_euro_eu_markets_convert_like_each_other(code: str) -> None:
    market = market_set().markets[code]
    assert market.fx_markup_percent == Decimal("2")
    assert market.locale == "en"
    assert len(market.countries) == 1


def test_rest_of_world_keeps_the_others() -> None:
    for country in ["BR", "TR", "ZA", "MX"]:
        assert market_set().for_country(country).code == "row"
