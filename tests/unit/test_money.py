"""Money core: Babel precision, exact minor units, allocation that never loses a cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from app.core.money import (
    allocate,
    charge_precision,
    charge_unit,
    from_minor,
    is_chargeable,
    money,
    parse_typed_amount,
    precision,
    quantize,
    quantize_charge,
    to_minor,
)

CURRENCIES = ["EUR", "JPY", "KWD", "BHD", "USD", "KRW", "CHF", "GBP"]


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3)])
def test_precision_comes_from_iso_4217_via_babel(currency: str, places: int) -> None:
    assert precision(currency) == places


def test_to_minor_rounds_half_up_where_py_moneyed_would_truncate() -> None:
    amount = Money(Decimal("10.005"), "EUR")
    assert amount.get_amount_in_sub_unit() == 1000  # py-moneyed truncates
    assert to_minor(amount) == 1001
    assert to_minor(Money(Decimal("1234.5"), "JPY")) == 1235
    assert to_minor(Money(Decimal("1.2345"), "KWD")) == 1235


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        quantize(1.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        from_minor(1.0, "EUR")  # type: ignore[arg-type]


@given(minor=st.integers(min_value=-(10**12), max_value=10**12), currency=st.sampled_from(CURRENCIES))
def test_minor_units_round_trip_exactly(minor: int, currency: str) -> None:
    assert to_minor(from_minor(minor, currency)) == minor
    assert isinstance(from_minor(minor, currency).amount, Decimal)


@given(
    amount=st.decimals(
        min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, allow_infinity=False, places=6
    ),
    currency=st.sampled_from(CURRENCIES),
)
def test_quantize_is_idempotent_and_within_half_a_unit(amount: Decimal, currency: str) -> None:
    once = quantize(amount, currency)
    assert quantize(once, currency) == once
    assert abs(once - amount) <= Decimal(1).scaleb(-precision(currency)) / 2


@given(
    total=st.integers(min_value=-(10**9), max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(
        lambda w: sum(w) > 0
    ),
)
def test_allocation_sums_to_the_total_and_is_fair_to_a_unit(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(Decimal(part) - exact) < 1


def test_allocation_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        allocate(100, [])
    with pytest.raises(ValueError):
        allocate(100, [0, 0])


def test_money_helper_quantises() -> None:
    assert money("19.999", "EUR") == Money(Decimal("20.00"), "EUR")


@pytest.mark.parametrize(
    ("currency", "iso", "charged"),
    [
        # CLDR cash digits 0 where ISO 4217 gives 2: nobody pays in fillér, haléř or öre.
        ("HUF", 2, 0),
        ("CZK", 2, 0),
        ("SEK", 2, 0),
        ("NOK", 2, 0),
        ("IDR", 2, 0),
        # Cash *rounding* (CHF 0.05, DKK 0.50, CAD 0.05) is not applied: card payments settle to the cent.
        ("CHF", 2, 2),
        ("DKK", 2, 2),
        ("CAD", 2, 2),
        ("EUR", 2, 2),
        ("PLN", 2, 2),
        ("JPY", 0, 0),
        ("KWD", 3, 3),
    ],
)
def test_charge_precision_uses_cldr_cash_digits(currency: str, iso: int, charged: int) -> None:
    assert (precision(currency), charge_precision(currency)) == (iso, charged)
    assert charge_unit(currency) == Decimal(1).scaleb(-charged)


def test_quantize_charge_rounds_half_up_to_the_charge_unit_and_keeps_the_iso_exponent() -> None:
    assert quantize_charge(Decimal("4990.49"), "HUF") == Decimal("4990")
    assert str(quantize_charge(Decimal("4990.5"), "HUF")) == "4991.00"  # stored as 499100 minor units
    assert str(quantize_charge(Decimal("12.345"), "CHF")) == "12.35"
    assert str(quantize_charge(Decimal("1.2345"), "KWD")) == "1.235"
    assert is_chargeable(Decimal("4990.00"), "HUF") and not is_chargeable(Decimal("4990.50"), "HUF")
    assert is_chargeable(Decimal("12.35"), "CHF")
    with pytest.raises(TypeError):
        quantize_charge(1.5, "HUF")  # type: ignore[arg-type]


@given(
    amount=st.decimals(min_value=Decimal(0), max_value=Decimal("1e9"), places=4),
    currency=st.sampled_from([*CURRENCIES, "HUF", "CZK", "SEK", "NOK"]),
)
def test_charged_amounts_are_whole_units_and_sums_of_them_stay_so(amount: Decimal, currency: str) -> None:
    once = quantize_charge(amount, currency)
    assert quantize_charge(once, currency) == once and is_chargeable(once, currency)
    assert abs(once - amount) <= charge_unit(currency) / 2
    assert is_chargeable(once * 3 + once, currency)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.50", Decimal("12.50")), ("12,5", Decimal("12.5")), (" 7 ", Decimal("7")), ("0", Decimal("0"))],
)
def test_a_typed_amount_is_read_as_written(text: str, expected: Decimal) -> None:
    assert parse_typed_amount(text) == expected


@pytest.mark.parametrize(
    "text", ["1e3", "NaN", "Infinity", "-5", "+5", "1.2.3", "", "１２", "0x10", "12.", ".5"]
)
def test_anything_but_digits_and_one_separator_is_refused(text: str) -> None:
    assert parse_typed_amount(text) is None


@given(st.text(max_size=30))
def test_a_typed_amount_is_none_or_a_finite_non_negative_decimal(text: str) -> None:
    amount = parse_typed_amount(text)
    assert amount is None or (amount.is_finite() and amount >= 0)
