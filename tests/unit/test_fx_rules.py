"""FX and pricing core, property-based: exact decimals, idempotent rounding, totals that add up."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pytest
from babel.numbers import get_decimal_symbol, get_group_symbol
from hypothesis import assume, given
from hypothesis import strategies as st
from moneyed import Money

from app.core.money import charge_precision, from_minor, money, precision, to_minor
from app.fx.data import supported_currencies
from app.fx.rules import (
    Rate,
    Rounding,
    age_days,
    disclosed_rate,
    fresh_currencies,
    is_fresh,
    make_table,
    round_price,
    round_significant,
    validate_rates,
)
from app.i18n.formatting import format_money
from app.i18n.locales import LOCALES
from app.markets.data import market_set
from app.markets.rules import Pricer, forget_conversions, resolve_presentment

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
    # Whole charge units (HUF, CZK, SEK, NOK, IDR: whole units), stored with the ISO exponent.
    assert once == once.quantize(Decimal(1).scaleb(-charge_precision(currency)))
    assert once.as_tuple().exponent == -precision(currency)
    assert once > 0


@pytest.mark.parametrize("spec", RULES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_zero_price_stays_zero(currency: str, spec: str) -> None:
    assert round_price(Decimal(0), currency, Rounding.parse(spec)) == 0


@given(
    amount=amounts,
    currency=st.sampled_from(["EUR", "USD", "GBP", "CHF", "KWD"]),
    ending=st.sampled_from(["0.99", "0.95"]),
)
def test_charm_endings_round_to_the_unit_then_up_to_the_whole_number_then_apply_the_ending(
    amount: Decimal, currency: str, ending: str
) -> None:
    """Shopify Markets: the converted price is rounded (here to the minor unit), then up to the next
    whole number, then the ending is applied (.99: whole - 0.01). Checked against that recipe
    computed independently, and against its consequences."""
    rounded = round_price(amount, currency, Rounding.parse(f"up_to_ending:{ending}"))
    unit = Decimal(1).scaleb(-precision(currency))
    to_unit = amount.quantize(unit, rounding=ROUND_HALF_UP)
    assume(to_unit > 0)
    whole = to_unit.to_integral_value(rounding=ROUND_CEILING)
    assert rounded == whole - 1 + Decimal(ending)
    assert str(rounded).endswith(ending[1:] if precision(currency) == 2 else ending[1:] + "0")
    # Never more than a unit up; down only by less than the gap between the ending and the whole.
    assert to_unit - (1 - Decimal(ending)) <= rounded < to_unit + 1


@pytest.mark.parametrize(
    ("amount", "currency", "spec", "expected"),
    [
        ("23.42", "USD", "up_to_ending:0.99", "23.99"),
        ("23.99", "USD", "up_to_ending:0.99", "23.99"),
        # Shopify's rule: rounded up to the whole number, then the ending (was 24.99).
        ("24.00", "USD", "up_to_ending:0.99", "23.99"),
        ("24.01", "USD", "up_to_ending:0.99", "24.99"),
        # EUR 27.20 converted to GBP 23.9986: 24.00 at the minor unit, so 23.99 (was 24.99).
        ("23.9986", "GBP", "up_to_ending:0.99", "23.99"),
        ("23.994", "GBP", "up_to_ending:0.99", "23.99"),
        ("23.97", "AUD", "up_to_ending:0.95", "23.95"),
        ("23.96", "AUD", "up_to_ending:0.95", "23.95"),
        ("23.941", "AUD", "up_to_ending:0.95", "23.95"),
        ("0", "USD", "up_to_ending:0.99", "0"),  # a free item stays free (was 0.99)
        ("0.001", "USD", "up_to_ending:0.99", "0.99"),  # positive never rounds to zero
        ("0.0004", "KWD", "up_to_ending:0.95", "0.950"),
        # HUF/CZK/SEK/NOK are charged in whole units (CLDR cash digits 0; ISO 4217 says 2).
        ("4990.40", "HUF", "minor", "4990"),
        ("4990.50", "HUF", "minor", "4991"),
        ("623.49", "CZK", "minor", "623"),
        ("249.49", "SEK", "up_to_ending:0.99", "249"),  # no .99 in whole crowns: the charge unit
        ("0.3", "NOK", "minor", "1"),
        ("12.326", "CHF", "minor", "12.33"),  # CHF keeps 2 digits: cash rounding (0.05) is not applied
        ("12.34", "HUF", "nearest:0.05", "12"),  # a step finer than the charge unit: the charge unit
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
def test_every_currency_formats_in_every_locale_with_its_charge_unit(
    currency: str, locale: str, minor: int
) -> None:
    """Charged amounts show the digits they are charged in (HUF 4,990 not 4,990.00); an amount with
    a fraction of the cash unit (never charged, but possible in old data) keeps its ISO digits."""
    cash_minor = 10 ** (precision(currency) - charge_precision(currency))  # ISO minor units per cash unit
    decimal_mark = get_decimal_symbol(LOCALES[locale].babel)
    for amount_minor, places in [
        (minor - minor % cash_minor, charge_precision(currency)),  # a whole number of cash units
        (minor - minor % cash_minor + 1, precision(currency))
        if cash_minor > 1
        else (minor, precision(currency)),
    ]:
        text = format_money(from_minor(amount_minor, currency), locale)
        digits = re.sub(r"\D", "", text)
        shown = str(amount_minor // 10 ** (precision(currency) - places))
        assert digits.lstrip("0") == shown.lstrip("0") or (amount_minor == 0 and set(digits) <= {"0"}), text
        if places:
            assert re.search(re.escape(decimal_mark) + r"\d{" + str(places) + r"}(?!\d)", text), text
        else:
            assert decimal_mark not in text.replace(get_group_symbol(LOCALES[locale].babel), ""), text


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
    forget_conversions()  # no earlier result may stand in for this computation
    pricer = Pricer(presentment, rates_table)
    first = pricer.price(1, base_minor, "EUR", tax_class="standard")
    assert isinstance(first.amount, Decimal) and first.currency.code == currency
    assert first.amount > 0
    # The same price from an independent Decimal computation (not from the memo):
    market = presentment.market
    rule = market.rounding if presentment.uses_market_currency else Rounding("minor")
    per_eur = Decimal(1) if currency == "EUR" else rates_table.rates[currency].per_base
    converted = Decimal(base_minor) / 100 * per_eur * (1 + market.fx_markup_percent / 100)
    expected = Decimal(base_minor) / 100 if currency == "EUR" else round_price(converted, currency, rule)
    assert first.amount == expected
    # A second pricer after the memo is emptied recomputes the same price (and a memo hit too).
    forget_conversions()
    assert Pricer(presentment, rates_table).price(1, base_minor, "EUR", tax_class="standard") == first
    assert pricer.price(1, base_minor, "EUR", tax_class="standard") == first


def test_fixed_market_prices_win_over_conversion() -> None:
    forget_conversions()  # the converted price below is computed here, not remembered from elsewhere
    rates_table = table(JPY="160")
    presentment = resolve_presentment(
        market_set(), chosen_country="JP", chosen_currency=None, region_hint=None, available=["EUR", "JPY"]
    )
    pricer = Pricer(presentment, rates_table, {(7, "jp"): (2480, "JPY")})
    assert pricer.price(7, 1000, "EUR", tax_class="standard") == Money(2480, "JPY")
    assert pricer.price(8, 1000, "EUR", tax_class="standard") == Money(
        1630, "JPY"
    )  # 10.00 x 160 x 1.02 = 1632 -> nearest 10
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
    assert euro.price(7, 1000, "EUR", tax_class="standard") == Money(
        "10.00", "EUR"
    )  # the JPY price list does not apply in EUR


def test_float_never_enters_a_money_path() -> None:
    with pytest.raises(TypeError):
        from_minor(10.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money(10.5, "EUR")  # type: ignore[arg-type]


@given(
    lines=st.lists(st.tuples(st.integers(1, 500_000), st.integers(1, 20)), min_size=1, max_size=12),
    shipping_minor=st.integers(0, 20_000),
    # The taxes' adjustment as a share of goods + shipping: from a removed 19 % VAT (-19/119 = -16 %)
    # to duties and taxes added at checkout.
    tax_permille=st.integers(-160, 400),
    currency=st.sampled_from(["JPY", "KWD", "USD", "CHF", "KRW"]),
    rate=rates,
)
def test_order_totals_add_up_in_both_currencies(
    lines: list[tuple[int, int]], shipping_minor: int, tax_permille: int, currency: str, rate: Decimal
) -> None:
    """Presentment lines sum to the subtotal; settlement line shares (largest remainder) sum to the
    settlement subtotal; subtotal + shipping + taxes = total in both currencies, to the minor unit."""
    from app.cart.rules import PricedCart, PricedLine
    from app.checkout.calculations import settle
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
    shipping = from_minor(shipping_minor, currency)
    adjustment = from_minor(
        (to_minor(cart.subtotal) + shipping_minor) * tax_permille // 1000, currency
    )  # whole minor units, as the tax lines are
    total = cart.subtotal + shipping + adjustment
    s_subtotal, s_shipping, s_taxes, s_total, line_settlements = settle(
        cart, shipping, adjustment, "EUR", rate
    )
    assert sum(to_minor(line.total) for line in priced) == to_minor(cart.subtotal)
    assert to_minor(cart.subtotal) + to_minor(shipping) + to_minor(adjustment) == to_minor(total)
    assert sum(line_settlements) == to_minor(s_subtotal)
    assert to_minor(s_subtotal) + to_minor(s_shipping) + to_minor(s_taxes) == to_minor(s_total)
    assert abs(s_taxes.amount - adjustment.amount / rate) <= Decimal("0.005")
    assert abs(s_total.amount - total.amount / rate) <= Decimal("0.005")
    assert all(isinstance(m.amount, Decimal) for m in (total, s_total))


# ---- the disclosed rate is the applied rate ----------------------------------------------------


def test_applied_rate_is_the_cross_rate_with_the_markup_that_prices_use() -> None:
    rates_table = table(USD="1.10", JPY="160", GBP="0.85")
    japan = resolve_presentment(
        market_set(), chosen_country="JP", chosen_currency=None, region_hint=None, available=["EUR", "JPY"]
    )
    forget_conversions()
    pricer = Pricer(japan, rates_table)
    assert pricer.applied_rate("EUR") == Decimal("163.2")  # 160 x 1.02, not the mid-market 160
    assert pricer.applied_rate("JPY") == 1
    assert pricer.applied_rate("USD") == Decimal(160) / Decimal("1.10") * Decimal("1.02")
    # What a price is converted with: 24.90 EUR x 163.2 = 4063.68 -> nearest 10.
    assert pricer.price(1, 2490, "EUR", tax_class="standard").amount == round_price(
        Decimal("24.90") * Decimal("163.2"), "JPY", japan.market.rounding
    )
    chosen_gbp = resolve_presentment(
        market_set(), chosen_country="JP", chosen_currency="GBP", region_hint=None, available=["EUR", "GBP"]
    )
    # A shopper-chosen currency keeps the market's markup (the rule is "minor", the markup stays).
    assert Pricer(chosen_gbp, rates_table).applied_rate("EUR") == Decimal("0.85") * Decimal("1.02")


base_amounts = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2), min_size=1, max_size=8
)
applied_rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("50000"), places=12).filter(
    lambda r: r > 0
)


@given(rate=applied_rates, amounts=base_amounts, currency=st.sampled_from(CURRENCIES))
def test_the_disclosed_rate_reproduces_every_converted_amount(
    rate: Decimal, amounts: list[Decimal], currency: str
) -> None:
    shown = disclosed_rate(rate, amounts, currency)
    unit = Decimal(1).scaleb(-charge_precision(currency))
    for amount in amounts:
        assert (amount * shown).quantize(unit, ROUND_HALF_UP) == (amount * rate).quantize(unit, ROUND_HALF_UP)
    digits = len(shown.as_tuple().digits)
    assert digits >= 6
    assert shown == round_significant(rate, digits)  # the rate itself, rounded (never another number)
    if digits > 6:  # the fewest digits: one fewer would misstate some amount
        fewer = round_significant(rate, digits - 1)
        assert any(
            (a * fewer).quantize(unit, ROUND_HALF_UP) != (a * rate).quantize(unit, ROUND_HALF_UP)
            for a in amounts
        )


@given(rate=applied_rates, amounts=base_amounts, spec=st.sampled_from(RULES))
def test_the_disclosed_rate_reproduces_prices_under_the_market_rule(
    rate: Decimal, amounts: list[Decimal], spec: str
) -> None:
    rule = Rounding.parse(spec)
    shown = disclosed_rate(rate, amounts, "USD", rule)
    for amount in amounts:
        assert round_price(amount * shown, "USD", rule) == round_price(amount * rate, "USD", rule)


def test_disclosed_rate_examples() -> None:
    assert disclosed_rate(Decimal("163.2"), [Decimal("24.90")], "JPY") == Decimal("163.200")
    # 0.85 x 1.02 / 1.1 style rates have endless digits: six suffice for small amounts ...
    rate = Decimal("0.867") / Decimal("1.1")
    assert disclosed_rate(rate, [Decimal("24.90")], "GBP") == Decimal("0.788182")
    # ... a large amount needs more, so that it still converts to the same penny.
    large = disclosed_rate(rate, [Decimal("24.90"), Decimal("98765.43")], "GBP")
    assert len(large.as_tuple().digits) > 6
    assert (Decimal("98765.43") * large).quantize(Decimal("0.01"), ROUND_HALF_UP) == (
        Decimal("98765.43") * rate
    ).quantize(Decimal("0.01"), ROUND_HALF_UP)
    with pytest.raises(ValueError):
        disclosed_rate(Decimal(0), [Decimal(1)], "EUR")


# ---- freshness per currency --------------------------------------------------------------------


def test_fresh_currencies_decides_per_currency() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    rates_table = make_table(
        "EUR",
        [
            Rate("JPY", Decimal(160), "ECB", date(2026, 11, 24), now),
            Rate("KWD", Decimal("0.355"), "bundled snapshot", date(2026, 11, 10), now),
            Rate("USD", Decimal("1.1"), "ECB", date(2026, 11, 24), now),
        ],
    )
    assert fresh_currencies(rates_table, ["EUR", "JPY", "KWD", "CHF"], 120, now) == {"EUR", "JPY", "USD"} - {
        "USD"
    }
    assert fresh_currencies(rates_table, ["JPY", "KWD"], 0, now) == {"JPY", "KWD"}  # 0: no limit
    # A shop settling in a currency whose own rate is stale sells only in that currency.
    assert fresh_currencies(rates_table, ["JPY", "USD"], 120, now, settlement="USD") == {"JPY", "USD"}
    assert fresh_currencies(rates_table, ["JPY", "KWD"], 120, now, settlement="KWD") == {"KWD"}


def test_the_default_stale_limit_survives_an_easter_weekend() -> None:
    """Good Friday and Easter Monday are TARGET holidays: Thursday's ECB rates (2027-03-25) stay in
    force until Tuesday's publication at ~16:00 CET; a refresh some hours later must not find them stale."""
    from app.core.settings import FX_MAX_AGE_HOURS_DEFAULT, load_settings

    thursday = date(2027, 3, 25)
    rates_table = make_table("EUR", [Rate("USD", Decimal("1.1"), "ECB", thursday, datetime.now(UTC))])
    tuesday_publication = datetime(2027, 3, 30, 15, tzinfo=UTC)  # 16:00 CET
    assert 110 < age_days(thursday, tuesday_publication) * 24 < 113
    assert FX_MAX_AGE_HOURS_DEFAULT == 120
    assert fresh_currencies(
        rates_table, ["USD"], FX_MAX_AGE_HOURS_DEFAULT, tuesday_publication + timedelta(hours=6)
    ) == {"USD"}
    assert not fresh_currencies(
        rates_table, ["USD"], FX_MAX_AGE_HOURS_DEFAULT, datetime(2027, 3, 31, 1, tzinfo=UTC)
    )
    import os

    saved = os.environ.pop("FX_MAX_AGE_HOURS", None)
    try:
        for env in ["development", "test", "production"]:
            os.environ["APP_ENV"] = env
            os.environ.setdefault("SECRET_KEY", "x" * 40)
            os.environ.setdefault("PUBLIC_BASE_URL", "https://shop.example")  # required in production
            assert load_settings().fx_max_age_hours == 120, env  # on everywhere, not only in production
    finally:
        os.environ["APP_ENV"] = "test"
        os.environ.pop("PUBLIC_BASE_URL", None)
        if saved is not None:
            os.environ["FX_MAX_AGE_HOURS"] = saved


# ---- cash digits: HUF, CZK, SEK, NOK are charged in whole units ---------------------------------


def test_forints_are_charged_in_whole_units_for_prices_shipping_price_lists_and_totals() -> None:
    forget_conversions()
    rates_table = table(HUF="395.2", SEK="11.045", CHF="0.95")
    hungary = resolve_presentment(
        market_set(), chosen_country="HU", chosen_currency=None, region_hint=None, available=["EUR", "HUF"]
    )
    pricer = Pricer(hungary, rates_table, {(9, "hu"): (499050, "HUF")})
    # 24.90 x 395.2 x 1.02 = 10037.4 -> nearest 10; stored with ISO's two decimals.
    assert pricer.price(1, 2490, "EUR", tax_class="standard") == Money(Decimal("10040.00"), "HUF")
    # Shipping converts with the "minor" rule: 21.90 x 395.2 x 1.02 = 8827.97 -> 8828, not 8827.97.
    shipping = pricer.convert(money("21.90", "EUR"), rounding=False)
    assert shipping.amount == Decimal("8828") and to_minor(shipping) == 882800
    # A price list entry with fillér is charged in whole forints too.
    assert pricer.price(9, 2490, "EUR", tax_class="standard").amount == Decimal("4991")
    total = pricer.price(1, 2490, "EUR", tax_class="standard") * 3 + shipping
    assert total.amount == total.amount.to_integral_value()  # sums of whole units stay whole
    # A German shopper who picks kronor gets the "minor" rule, also in whole kronor.
    swedish = resolve_presentment(
        market_set(), chosen_country="DE", chosen_currency="SEK", region_hint=None, available=["EUR", "SEK"]
    )
    # 24.90 x 11.045 (no markup in the euro market) = 275.02 -> 275.
    assert Pricer(swedish, rates_table).price(1, 2490, "EUR", tax_class="standard").amount == Decimal("275")
    # Francs keep their cents: CLDR's 5-Rappen cash rounding is not applied (only cash digits are).
    swiss_chooses_chf = resolve_presentment(
        market_set(), chosen_country="DE", chosen_currency="CHF", region_hint=None, available=["EUR", "CHF"]
    )
    assert Pricer(swiss_chooses_chf, rates_table).price(
        1, 2490, "EUR", tax_class="standard"
    ).amount == Decimal("23.66")


# ---- currencies no provider publishes -----------------------------------------------------------


def test_kwd_is_the_supported_currency_no_provider_or_peg_covers() -> None:
    from app.fx.data import dollar_pegs
    from app.fx.providers import ECB_CURRENCIES, EcbProvider, ForexPythonProvider, SnapshotProvider
    from app.fx.rules import uncovered_currencies

    coverage = {p.name: p.publishes for p in (EcbProvider, ForexPythonProvider)}
    assert uncovered_currencies(coverage, dollar_pegs(), CURRENCIES, "EUR") == ("KWD",)
    assert "BGN" not in ECB_CURRENCIES and len(ECB_CURRENCIES) == 29  # BGN left with the euro (2026)
    # The snapshot is no live source; with no providers, everything but the pegs is uncovered.
    assert SnapshotProvider.publishes == frozenset()
    nothing = uncovered_currencies({"snapshot": SnapshotProvider.publishes}, dollar_pegs(), CURRENCIES, "EUR")
    assert set(nothing) == set(CURRENCIES) - set(dollar_pegs()) - {"EUR"}


def test_rate_kinds_and_how_a_currency_is_priced_now() -> None:
    from app.fx.rules import describe_pricing, rate_kind

    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    snapshot = "bundled snapshot: offline approximation"

    def rate(code: str, source: str, as_of: date) -> Rate:
        return Rate(code, Decimal(1), source, as_of, now)

    manual = rate("KWD", "manual: CBK", date(2026, 11, 21))  # 3.5 days after its end
    assert rate_kind(manual, ["AED"], snapshot) == "manual"
    assert rate_kind(rate("AED", "manual: CBUAE", date(2026, 11, 22)), ["AED"], snapshot) == "manual"
    assert rate_kind(rate("AED", "CBUAE × USD (ECB)", date(2026, 11, 24)), ["AED"], snapshot) == "peg"
    assert rate_kind(rate("KWD", snapshot, date(2026, 11, 20)), ["AED"], snapshot) == "snapshot"
    assert (
        rate_kind(rate("JPY", "ECB euro reference rates", date(2026, 11, 24)), ["AED"], snapshot)
        == "provider"
    )
    assert describe_pricing(manual, "manual", now) == "manual rate (CBK) 3 d old"
    assert (
        describe_pricing(rate("KWD", snapshot, date(2026, 11, 20)), "snapshot", now)
        == "bundled snapshot only (2026-11-20, 4 d old)"
    )
    assert describe_pricing(None, None, now) == "no rate: not offered"


def test_manual_rates_are_checked_before_they_are_stored() -> None:
    from app.fx.rules import check_manual_rate, manual_source

    today = date(2026, 11, 25)
    ok = {"supported": CURRENCIES, "base": "EUR", "as_of": today, "today": today}
    assert check_manual_rate(" kwd ", Decimal("0.3551"), **ok) == ("KWD", Decimal("0.3551"))
    assert check_manual_rate("KWD", "0.3551", **ok) == ("KWD", Decimal("0.3551"))
    for currency, raw in [
        ("EUR", Decimal(1)),
        ("XXX", Decimal(1)),
        ("KWD", Decimal(0)),
        ("KWD", Decimal(-1)),
        ("KWD", Decimal("NaN")),
        ("KWD", Decimal("sNaN")),
        ("KWD", Decimal("Infinity")),
        ("KWD", 0.3551),
        ("KWD", True),
        ("KWD", "abc"),
        ("KWD", "1" * 50),
    ]:
        with pytest.raises(ValueError):
            check_manual_rate(currency, raw, **ok)
    with pytest.raises(ValueError, match="future"):
        check_manual_rate("KWD", "0.3551", **{**ok, "as_of": today + timedelta(days=1)})
    assert manual_source("  CBK   daily ") == "manual: CBK daily"
    with pytest.raises(ValueError):
        manual_source(" ")
