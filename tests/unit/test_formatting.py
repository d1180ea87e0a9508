"""Babel formats money, numbers, dates and country names for each page locale."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from moneyed import Money

from app.i18n.formatting import (
    country_name,
    format_date,
    format_dimensions_cm,
    format_money,
    format_number,
    format_weight,
)
from app.i18n.locales import LOCALES


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1235", "JPY", "ja", "￥1,235"),
        ("1234.50", "EUR", "de", "1.234,50\xa0€"),
        ("1234.50", "EUR", "fr", "1\u202f234,50\xa0€"),
        ("1234.50", "EUR", "en", "€1,234.50"),
        ("1234.50", "EUR", "es", "1.234,50\xa0€"),
        ("1234.567", "KWD", "en", "KWD1,234.567"),
        # CLDR cash digits: whole forints, crowns and kronor, without ",00".
        ("4990.00", "HUF", "en", "HUF4,990"),
        ("4990.00", "HUF", "de", "4.990\xa0HUF"),
        ("4990.00", "HUF", "fr", "4\u202f990\xa0HUF"),
        ("625.00", "CZK", "en", "CZK625"),
        ("1249.00", "SEK", "de", "1.249\xa0SEK"),
        ("99.00", "NOK", "en", "NOK99"),
        ("4990.50", "HUF", "en", "HUF4,990.50"),  # a fraction is never hidden (old data, refunds)
        ("12.35", "CHF", "de", "12,35\xa0CHF"),  # francs keep their cents
    ],
)
def test_money_in_the_page_locale(amount: str, currency: str, locale: str, expected: str) -> None:
    assert format_money(Money(Decimal(amount), currency), locale) == expected


def test_every_shipped_locale_formats_every_kind_of_value() -> None:
    for code in LOCALES:
        assert re.sub(r"\D", "", format_money(Money(Decimal("19.90"), "EUR"), code)) == "1990"
        assert re.sub(r"\D", "", format_money(Money(Decimal("4990.00"), "HUF"), code)) == "4990"
        assert format_number(1234567, code)
        assert format_date(date(2026, 11, 21), code)
        assert country_name("JP", code)


def test_country_names_and_dates_are_localised() -> None:
    assert country_name("DE", "ja") == "ドイツ"
    assert country_name("de", "ar") == "ألمانيا"
    assert country_name("XX", "en") == "XX"
    assert format_date(date(2026, 11, 21), "de") == "21. November 2026"
    assert format_date(date(2026, 11, 21), "ja") == "2026年11月21日"


def test_weights_and_dimensions() -> None:
    assert format_weight(190, "en") == "190 g"
    assert format_weight(1250, "de") == "1,25 kg"
    assert format_dimensions_cm((300, 240, 25), "de") == "30 × 24 × 2,5 cm"
