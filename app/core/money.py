"""Money helpers: Babel's currency precision, cash digits, exact minor-unit conversion, exact allocation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.core import get_global
from babel.numbers import get_currency_precision
from moneyed import Money


@lru_cache(maxsize=512)
def precision(currency: str) -> int:
    """Number of decimal places of a currency's minor unit (ISO 4217 via Babel: JPY 0, KWD 3)."""
    return int(get_currency_precision(currency))


@lru_cache(maxsize=512)
def minor_unit(currency: str) -> Decimal:
    """The value of one minor unit: Decimal('0.01') for EUR, Decimal('1') for JPY."""
    return Decimal(1).scaleb(-precision(currency))


@lru_cache(maxsize=512)
def charge_precision(currency: str) -> int:
    """Decimal places a shopper is actually charged in: CLDR's cash digits where CLDR gives them
    (HUF, CZK, SEK, NOK, IDR: 0, although ISO 4217 gives them 2), else the ISO digits.

    Storage stays in ISO minor units (`precision`); amounts in these currencies are whole multiples
    of the cash unit. CLDR's cash *rounding* increments (CHF 0.05, DKK 0.50) are deliberately not
    applied: cards and transfers settle to the minor unit, only coins round.
    """
    iso = precision(currency)
    fractions = get_global("currency_fractions")
    entry = fractions.get(currency, fractions["DEFAULT"])
    cash = int(entry[2]) if len(entry) > 2 and entry[2] is not None else iso
    return min(cash, iso)


@lru_cache(maxsize=512)
def charge_unit(currency: str) -> Decimal:
    """The smallest amount a shopper is charged: Decimal('1') for HUF, Decimal('0.01') for EUR."""
    return Decimal(1).scaleb(-charge_precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (before any conversion to minor units)."""
    if isinstance(amount, float):
        raise TypeError("money amounts must be Decimal, never float")
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def quantize_charge(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the unit a shopper is charged in (`charge_unit`), keeping the ISO exponent:
    HUF 4990.5 -> Decimal('4991.00'), EUR 1.005 -> Decimal('1.01')."""
    if isinstance(amount, float):
        raise TypeError("money amounts must be Decimal, never float")
    unit = charge_unit(currency)
    charged = amount.quantize(unit, rounding=ROUND_HALF_UP)
    return charged if unit == minor_unit(currency) else charged.quantize(minor_unit(currency))


def is_chargeable(amount: Decimal, currency: str) -> bool:
    """True when the amount is a whole number of charge units (HUF 4990.00 yes, 4990.50 no)."""
    return amount == amount.quantize(charge_unit(currency), rounding=ROUND_HALF_UP)


def to_minor(money: Money) -> int:
    """Money -> integer minor units, quantising first (py-moneyed's sub-unit helper truncates)."""
    code = money.currency.code
    return int(quantize(money.amount, code).scaleb(precision(code)))


def from_minor(minor: int, currency: str) -> Money:
    """Integer minor units -> Money with exactly the currency's precision."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise TypeError("minor units must be an int")
    return Money(Decimal(minor).scaleb(-precision(currency)), currency)


def money(amount: str | Decimal | int, currency: str) -> Money:
    """Money from a decimal string or Decimal, quantised to the currency."""
    if isinstance(amount, float):
        raise TypeError("money amounts must be Decimal or decimal strings, never float")
    return Money(quantize(Decimal(amount), currency), currency)


def zero(currency: str) -> Money:
    return from_minor(0, currency)


def multiply(unit: Money, quantity: int) -> Money:
    """A unit price times an integer quantity, exact."""
    return Money(unit.amount * quantity, unit.currency)


def allocate(total_minor: int, weights: Sequence[int]) -> list[int]:
    """Split a minor-unit total in proportion to weights; parts always sum to the total.

    Largest remainder: every part gets its floor share, the leftover units go to the parts
    with the largest fractional remainders (ties to the earlier part).
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    weight_sum = sum(weights)
    sign = -1 if total_minor < 0 else 1
    total = abs(total_minor)
    shares = [divmod(total * w, weight_sum) for w in weights]
    parts = [quotient for quotient, _ in shares]
    leftover = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for i in order[:leftover]:
        parts[i] += 1
    return [sign * p for p in parts]


TYPED_AMOUNT = re.compile(r"[0-9]{1,12}(?:[.,][0-9]{1,6})?")


def parse_typed_amount(text: str) -> Decimal | None:
    """An amount a person typed ("12.50", "12,50"), or None: digits with one optional decimal
    separator only, so no exponents, NaN, infinities, signs or floats get in."""
    text = text.strip()
    if not TYPED_AMOUNT.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
