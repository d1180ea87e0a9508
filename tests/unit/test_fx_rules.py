"""FX and pricing core, property-based: exact decimals, idempotent rounding, totals that add up."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from babel.numbers import get_decimal_symbol
from hypothesis import assume, given
from hypothesis import strategies as st
from moneyed import Money

from app.core.money import from_minor, money, precision, to_minor
from app.fx.data import supported_currencies
from app.fx.rules import Rate, Rounding, age_days, is_fresh, make_table, round_price, validate_rates
from app.i18n.formatting import format_money
from app.i18n.locales import LOCALES
from app.markets.data import market_set
from app.markets.rules import Pricer, resolve_presentment

CURRENCIES = list(supported_currencies())
RULES = [
    "minor",
    "up_to_ending:0.99",
    "up_to_ending:0.95",
    "nearest:1",
    "nearest:10",
    "nearest:100",
    "nearest:0.05",
]
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=6, allow_nan=False, allow_infinity=False
)
rates = st.decimals(min_value=Decimal("0.05"), max_value=Decimal("25000"), places=6)


def table(**per_eur: str):
    now = datetime.now(UTC)
    return make_table("EUR", [Rate(c, Decimal(v), "test", now.date(), now) for c, v in per_eur.items()])


@given(amount=amounts, currency=st.sampled_from(CURRENCIES), spec=st.sampled_from(RULES))
def test_rounding_is_idempotent_exact_and_never_zero(amount: Decimal, currency: str, spec: str) -> None:
    rule = Rounding.parse(spec)
    once = round_price(amount, currency, rule)
    assert isinstance(once, Decimal)
    assert round_price(once, currency, rule) == once
    assert once == once.quantize(Decimal(1).scaleb(-precision(currency)))
    assert once > 0


@given(
    amount=amounts,
    currency=st.sampled_from(["EUR", "USD", "GBP", "CHF", "KWD"]),
    ending=st.sampled_from(["0.99", "0.95"]),
)
def test_charm_endings_round_up_to_the_next_ending(amount: Decimal, currency: str, ending: str) -> None:
    rounded = round_price(amount, currency, Rounding.parse(f"up_to_ending:{ending}"))
    assert rounded >= amount and rounded - amount < 1
    assert str(rounded).endswith(ending[1:] if precision(currency) == 2 else ending[1:] + "0")


@pytest.mark.parametrize(
    ("amount", "currency", "spec", "expected"),
    [
        ("23.42", "USD", "up_to_ending:0.99", "23.99"),
        ("23.99", "USD", "up_to_ending:0.99", "23.99"),
        ("24.00", "USD", "up_to_ending:0.99", "24.99"),
        ("1234.4", "JPY", "nearest:10", "1230"),
        ("1235", "JPY", "nearest:10", "1240"),
        ("3", "JPY", "nearest:10", "10"),
        ("31249", "KRW", "nearest:100", "31200"),
        ("12.326", "CHF", "nearest:0.05", "12.35"),
        ("7.12345", "KWD", "minor", "7.123"),
        ("12.34", "JPY", "up_to_ending:0.99", "12"),  # no .99 in yen: the minor unit instead
    ],
)
def test_rounding_examples(amount: str, currency: str, spec: str, expected: str) -> None:
    assert round_price(Decimal(amount), currency, Rounding.parse(spec)) == Decimal(expected)


@pytest.mark.parametrize("spec", ["", "ceil", "nearest:0", "up_to_ending:1.5", "nearest:-1", "up_to_ending"])
def test_bad_rounding_rules_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        Rounding.parse(spec)


@given(
    minor=st.integers(min_value=1, max_value=10**9),
    source=st.sampled_from(CURRENCIES),
    target=st.sampled_from(CURRENCIES),
    source_rate=rates,
    target_rate=rates,
)
def test_a_to_b_to_a_stays_within_one_minor_unit(
    minor: int, source: str, target: str, source_rate: Decimal, target_rate: Decimal
) -> None:
    rates_table = table(
        **{c: str(r) for c, r in ((source, source_rate), (target, target_rate)) if c != "EUR"}
    )
    there_rate = rates_table.cross(source, target)
    # The bound holds when the target's minor unit is worth no more than the source's.
    assume(Decimal(1).scaleb(-precision(target)) / there_rate <= Decimal(1).scaleb(-precision(source)))
    original = from_minor(minor, source)
    there = money(original.amount * there_rate, target)
    back = money(there.amount * rates_table.cross(target, source), source)
    assert abs(to_minor(back) - minor) <= 1


@given(
    currency=st.sampled_from(CURRENCIES), locale=st.sampled_from(list(LOCALES)), minor=st.integers(0, 10**10)
)
def test_every_currency_formats_in_every_locale_with_its_minor_unit(
    currency: str, locale: str, minor: int
) -> None:
    text = format_money(from_minor(minor, currency), locale)
    digits = re.sub(r"\D", "", text)
    assert digits.lstrip("0") == str(minor).lstrip("0") or (minor == 0 and set(digits) <= {"0"})
    decimal_mark = get_decimal_symbol(LOCALES[locale].babel)
    if precision(currency):
        assert re.search(re.escape(decimal_mark) + r"\d{" + str(precision(currency)) + r"}(?!\d)", text)


def test_validation_keeps_only_sane_rates() -> None:
    previous = {"USD": Decimal("1.10"), "JPY": Decimal("160")}
    checked = validate_rates(
        {"USD": "1.12", "JPY": "800", "GBP": "0", "CHF": "-1", "SEK": "NaN", "NOK": "abc", "XXX": "1"},
        previous,
        wanted=["USD", "JPY", "GBP", "CHF", "SEK", "NOK", "KWD"],
        max_jump=Decimal("0.2"),
    )
    assert checked.accepted == {"USD": Decimal("1.12")}
    assert set(checked.rejected) == {"JPY", "GBP", "CHF", "SEK", "NOK"}
    assert "jumped" in checked.rejected["JPY"]
    assert checked.missing == ("KWD",)


def test_rate_age_and_freshness() -> None:
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    assert age_days(date(2026, 11, 21), now) == 0
    assert 1.4 < age_days(date(2026, 11, 19), now) < 1.6
    old = make_table("EUR", [Rate("JPY", Decimal(160), "t", date(2026, 11, 10), now)])
    assert not is_fresh(old, ["JPY", "EUR"], 96, now)
    assert is_fresh(old, ["JPY", "EUR"], 0, now)  # 0: no limit
    assert is_fresh(old, ["EUR"], 96, now)
    assert is_fresh(old, ["JPY"], 24 * 12, now + timedelta(hours=1))


def test_presentment_follows_the_choice_then_the_language_region_then_the_default() -> None:
    markets = market_set()
    available = CURRENCIES
    swiss_german = resolve_presentment(
        markets, chosen_country="CH", chosen_currency=None, region_hint="DE", available=available
    )
    assert (swiss_german.market.code, swiss_german.currency) == ("ch", "CHF")
    kuwait = resolve_presentment(
        markets, chosen_country="KW", chosen_currency=None, region_hint=None, available=available
    )
    assert (kuwait.market.code, kuwait.currency) == ("gulf", "KWD")
    japanese = resolve_presentment(
        markets, chosen_country=None, chosen_currency=None, region_hint="JP", available=available
    )
    assert japanese.currency == "JPY"
    nowhere = resolve_presentment(
        markets, chosen_country=None, chosen_currency=None, region_hint=None, available=available
    )
    assert (nowhere.market.code, nowhere.currency) == ("row", "USD")
    chosen = resolve_presentment(
        markets, chosen_country="JP", chosen_currency="EUR", region_hint=None, available=available
    )
    assert chosen.currency == "EUR" and chosen.currency_chosen
    unknown = resolve_presentment(
        markets, chosen_country="JP", chosen_currency="XXX", region_hint=None, available=available
    )
    assert unknown.currency == "JPY"
    no_rate = resolve_presentment(
        markets, chosen_country="JP", chosen_currency=None, region_hint=None, available=["EUR"]
    )
    assert no_rate.currency == "EUR"


def test_markets_cover_thirty_currencies_including_zero_and_three_decimal_ones() -> None:
    assert len(CURRENCIES) >= 30
    assert {"JPY", "KRW", "KWD", "BHD"} <= set(CURRENCIES)
    assert len(market_set().markets) >= 17
    assert market_set().currencies <= set(CURRENCIES)


@given(
    base_minor=st.integers(1, 10**8),
    currency=st.sampled_from(["JPY", "KWD", "CHF", "USD", "GBP", "EUR"]),
    country=st.sampled_from(["JP", "KW", "CH", "US", "GB", "DE", "BR"]),
)
def test_pricer_uses_decimal_only_and_is_stable(base_minor: int, currency: str, country: str) -> None:
    rates_table = table(USD="1.1", JPY="160", KWD="0.34", CHF="0.95", GBP="0.85")
    presentment = resolve_presentment(
        market_set(),
        chosen_country=country,
        chosen_currency=currency,
        region_hint=None,
        available=["EUR", *rates_table.rates],
    )
    pricer = Pricer(presentment, rates_table)
    first = pricer.price(1, base_minor, "EUR")
    assert isinstance(first.amount, Decimal) and first.currency.code == currency
    assert Pricer(presentment, rates_table).price(1, base_minor, "EUR") == first
    assert first.amount > 0


def test_fixed_market_prices_win_over_conversion() -> None:
    rates_table = table(JPY="160")
    presentment = resolve_presentment(
        market_set(), chosen_country="JP", chosen_currency=None, region_hint=None, available=["EUR", "JPY"]
    )
    pricer = Pricer(presentment, rates_table, {(7, "jp"): (2480, "JPY")})
    assert pricer.price(7, 1000, "EUR") == Money(2480, "JPY")
    assert pricer.price(8, 1000, "EUR") == Money(1630, "JPY")  # 10.00 x 160 x 1.02 = 1632 -> nearest 10
    euro = Pricer(
        resolve_presentment(
            market_set(),
            chosen_country="JP",
            chosen_currency="EUR",
            region_hint=None,
            available=["EUR", "JPY"],
        ),
        rates_table,
        {(7, "jp"): (2480, "JPY")},
    )
    assert euro.price(7, 1000, "EUR") == Money("10.00", "EUR")  # the JPY price list does not apply in EUR


def test_float_never_enters_a_money_path() -> None:
    with pytest.raises(TypeError):
        from_minor(10.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money(10.5, "EUR")  # type: ignore[arg-type]


@given(
    lines=st.lists(st.tuples(st.integers(1, 500_000), st.integers(1, 20)), min_size=1, max_size=12),
    shipping_minor=st.integers(0, 20_000),
    currency=st.sampled_from(["JPY", "KWD", "USD", "CHF", "KRW"]),
    rate=rates,
)
def test_order_totals_add_up_in_both_currencies(
    lines: list[tuple[int, int]], shipping_minor: int, currency: str, rate: Decimal
) -> None:
    """Presentment lines sum to the subtotal; settlement line shares (largest remainder) sum to the
    settlement subtotal; subtotal + shipping = total in both currencies, to the minor unit."""
    from app.cart.rules import PricedCart, PricedLine
    from app.checkout.rules import quote_order
    from app.core.money import multiply, zero

    priced = tuple(
        PricedLine(
            product=None,
            variant=None,
            quantity=q,
            available=q,
            unit_price=from_minor(u, currency),
            total=multiply(from_minor(u, currency), q),
        )  # type: ignore[arg-type]
        for u, q in lines
    )
    cart = PricedCart(priced, sum((line.total for line in priced), zero(currency)), zero("EUR"))
    quote = quote_order(cart, from_minor(shipping_minor, currency), "EUR", rate)
    assert sum(to_minor(line.total) for line in priced) == to_minor(quote.subtotal)
    assert to_minor(quote.subtotal) + to_minor(quote.shipping) == to_minor(quote.total)
    assert sum(quote.line_settlements) == to_minor(quote.settlement_subtotal)
    assert to_minor(quote.settlement_subtotal) + to_minor(quote.settlement_shipping) == to_minor(
        quote.settlement_total
    )
    assert abs(quote.settlement_total.amount - quote.total.amount / rate) <= Decimal("0.005")
    assert all(isinstance(m.amount, Decimal) for m in (quote.total, quote.settlement_total))
