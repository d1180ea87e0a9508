"""Babel formatting of money, numbers, dates and country names for a locale."""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import NumberPattern, format_currency, format_decimal, format_percent
from babel.units import format_unit
from moneyed import Money

from app.core.money import charge_precision, is_chargeable, precision
from app.i18n.locales import LOCALES


def babel_locale(locale_code: str) -> str:
    return LOCALES[locale_code].babel


@lru_cache(maxsize=64)
def _babel(locale_code: str) -> Locale:
    return Locale.parse(babel_locale(locale_code))


@lru_cache(maxsize=256)
def _cash_pattern(locale_code: str, digits: int) -> NumberPattern:
    """The locale's currency pattern with `digits` decimals (CLDR cash digits: HUF, CZK 0)."""
    pattern = copy.copy(_babel(locale_code).currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern


def format_money(amount: Money, locale_code: str) -> str:
    """`￥1,235` on a Japanese page, `1.234,50 €` on a German one, `4 990 Ft` (not `4 990,00 Ft`):
    currencies with CLDR cash digits show them when the amount is a whole number of cash units
    (charged prices always are; an amount with a fraction keeps its ISO digits, never hidden)."""
    code = amount.currency.code
    digits = charge_precision(code)
    if digits != precision(code) and is_chargeable(amount.amount, code):
        return _cash_pattern(locale_code, digits).apply(
            amount.amount, _babel(locale_code), currency=code, currency_digits=False
        )
    return format_currency(amount.amount, code, locale=_babel(locale_code))


def format_number(value: int | Decimal, locale_code: str) -> str:
    return format_decimal(value, locale=_babel(locale_code))


def format_rate(value: Decimal, locale_code: str) -> str:
    """An exchange rate with every digit it has (format_number would stop at 3 decimals)."""
    return format_decimal(value, locale=_babel(locale_code), decimal_quantization=False)


def format_percent_rate(value: Decimal, locale_code: str) -> str:
    """A tax rate given in percent (19, 5.5) as the locale writes it: `19 %`, `5,5 %`, `19%`."""
    return format_percent(value / 100, locale=_babel(locale_code), decimal_quantization=False)


def format_date(value: date | datetime, locale_code: str, style: str = "long") -> str:
    return babel_format_date(value, format=style, locale=_babel(locale_code))


def format_datetime(value: datetime, locale_code: str, style: str = "medium") -> str:
    return babel_format_datetime(value, format=style, locale=_babel(locale_code))


def country_name(code: str, locale_code: str) -> str:
    """The country's name in the page language (falls back to the code)."""
    return str(_babel(locale_code).territories.get(code.upper(), code.upper()))


def format_weight(grams: int, locale_code: str) -> str:
    """`190 g`, `1,2 kg`: grams below a kilogram, kilograms above."""
    if grams >= 1000:
        return format_unit(Decimal(grams) / 1000, "mass-kilogram", length="short", locale=_babel(locale_code))
    return format_unit(grams, "mass-gram", length="short", locale=_babel(locale_code))


def format_dimensions_cm(dimensions_mm: tuple[int, int, int], locale_code: str) -> str:
    """`30 × 24 × 2,5 cm`: the unit is Babel's, on the last figure."""
    locale = _babel(locale_code)
    length_mm, width_mm, height_mm = dimensions_mm
    first = [format_decimal(Decimal(mm) / 10, locale=locale) for mm in (length_mm, width_mm)]
    last = format_unit(Decimal(height_mm) / 10, "length-centimeter", length="short", locale=locale)
    return " × ".join([*first, last])
