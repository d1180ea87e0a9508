"""The dashboard's pure folds: the date range, revenue by day and market (exact, in integer minor
units, summing to the total), average order value, conversion, top products and names."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from app.staff.dashboard import (
    BAD_DATE,
    MAX_RANGE_DAYS,
    RANGE_TOO_LONG,
    REVERSED_RANGE,
    DateRange,
    PaidOrder,
    RangeRefused,
    SoldLine,
    conversion_percent,
    fold_revenue,
    localised_names,
    resolve_range,
    revenue_by_day,
    revenue_by_market,
    summarise,
    top_products,
    utc_day,
)

TODAY = date(2026, 3, 31)
MARCH = DateRange(date(2026, 3, 1), date(2026, 3, 31))


def paid(day: int, market: str, total: int, refunded: int = 0, currency: str = "EUR") -> PaidOrder:
    return PaidOrder(date(2026, 3, day), market, currency, total, refunded)


# --- the range --------------------------------------------------------------------------------


def test_the_default_range_is_the_30_days_up_to_today() -> None:
    assert resolve_range(None, None, TODAY) == DateRange(date(2026, 3, 2), TODAY)
    assert len(resolve_range(None, None, TODAY).days) == 30


def test_a_start_alone_runs_to_today_and_an_end_alone_looks_back_30_days() -> None:
    assert resolve_range(date(2026, 1, 1), None, TODAY) == DateRange(date(2026, 1, 1), TODAY)
    assert resolve_range(None, date(2026, 1, 30), TODAY) == DateRange(date(2026, 1, 1), date(2026, 1, 30))


def test_one_day_and_a_whole_leap_year_are_ranges() -> None:
    assert resolve_range(TODAY, TODAY, TODAY).days == [TODAY]
    year = resolve_range(date(2028, 1, 1), date(2028, 12, 31), TODAY)
    assert len(year.days) == MAX_RANGE_DAYS == 366


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 3, 2), date(2026, 3, 1), REVERSED_RANGE),
        (date(2026, 4, 1), None, REVERSED_RANGE),  # after today, the default end
        (date(2025, 1, 1), date(2026, 1, 2), RANGE_TOO_LONG),
        (date(1, 1, 1), date(1, 1, 2), BAD_DATE),  # would overflow the date arithmetic
        (None, date(9999, 12, 31), BAD_DATE),
    ],
)
def test_refused_ranges_say_why(start, end, message) -> None:
    with pytest.raises(RangeRefused) as refused:
        resolve_range(start, end, TODAY)
    assert refused.value.message == message
    if message == RANGE_TOO_LONG:
        assert refused.value.params == {"days": 366}


def test_a_range_gives_its_query_for_links() -> None:
    assert MARCH.query() == {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 2, 0, 30, tzinfo=timezone(timedelta(hours=2))), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 23, 59), date(2026, 3, 1)),  # naive: SQLite's UTC
    ],
)
def test_orders_count_on_their_utc_day(moment, day) -> None:
    assert utc_day(moment) == day


# --- revenue ----------------------------------------------------------------------------------


def test_revenue_is_net_of_refunds_and_leaves_other_settlement_currencies_out() -> None:
    orders = [paid(1, "eu", 10000), paid(2, "us", 5550, 2775), paid(2, "eu", 9900, currency="USD")]
    revenue = fold_revenue(orders, "EUR")
    assert revenue.orders == 2
    assert revenue.gross == Money("155.50", "EUR")
    assert revenue.refunds == Money("27.75", "EUR")
    assert revenue.net == Money("127.75", "EUR")
    summary = summarise(orders, "EUR", placed=4, carts=12)
    assert summary.other_currency_orders == 1
    assert summary.average_order == Money("63.88", "EUR")  # 127.75 / 2 = 63.875, half up


def test_every_day_of_the_range_has_a_row_zero_when_nothing_was_paid() -> None:
    rows = revenue_by_day([paid(3, "eu", 1234)], MARCH, "EUR")
    assert [row.day for row in rows] == MARCH.days
    assert rows[0].revenue.orders == 0 and rows[0].revenue.net == Money("0.00", "EUR")
    assert rows[2].revenue.net == Money("12.34", "EUR")


def test_markets_come_highest_net_first_then_by_code() -> None:
    rows = revenue_by_market(
        [paid(1, "us", 500), paid(1, "gb", 500), paid(1, "eu", 100), paid(2, "eu", 300)], "EUR"
    )
    assert [(row.market, row.revenue.orders, row.revenue.net.amount) for row in rows] == [
        ("gb", 1, Decimal("5.00")),
        ("us", 1, Decimal("5.00")),
        ("eu", 2, Decimal("4.00")),
    ]


def test_zero_decimal_currencies_stay_whole() -> None:
    revenue = fold_revenue([PaidOrder(date(2026, 3, 1), "jp", "JPY", 1235, 0)], "JPY")
    assert revenue.net == Money(1235, "JPY") and revenue.net.amount == Decimal("1235")
    assert summarise(
        [PaidOrder(date(2026, 3, 1), "jp", "JPY", 1000, 0)] * 3, "JPY", 3, 3
    ).average_order == Money(1000, "JPY")


@pytest.mark.parametrize(
    ("placed", "carts", "percent"),
    [
        (0, 0, None),
        (3, 0, None),
        (0, 5, Decimal("0.0")),
        (2, 3, Decimal("66.7")),
        (1, 8, Decimal("12.5")),
        (5, 4, Decimal("125.0")),
    ],
)
def test_conversion_is_orders_placed_per_cart_created(placed, carts, percent) -> None:
    assert conversion_percent(placed, carts) == percent


def no_float(value: object) -> bool:
    """True when nothing inside `value` (dataclasses, lists, Money) is a float."""
    if isinstance(value, float):
        return False
    if isinstance(value, Money):
        return isinstance(value.amount, Decimal)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(no_float(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list | tuple):
        return all(no_float(item) for item in value)
    return True


@st.composite
def orders_in_march(draw: st.DrawFn) -> list[PaidOrder]:
    result = []
    for _ in range(draw(st.integers(0, 40))):
        total = draw(st.integers(0, 10**13))
        result.append(
            PaidOrder(
                day=draw(st.sampled_from(MARCH.days)),
                market=draw(st.sampled_from(["eu", "us", "gb", "jp", ""])),
                currency=draw(st.sampled_from(["EUR", "EUR", "EUR", "USD"])),
                total_minor=total,
                refunded_minor=draw(st.integers(0, total)),
            )
        )
    return result


@given(orders_in_march())
def test_days_and_markets_each_sum_exactly_to_the_total(orders: list[PaidOrder]) -> None:
    summary = summarise(orders, "EUR", placed=len(orders), carts=len(orders) + 1)
    by_day = revenue_by_day(orders, MARCH, "EUR")
    by_market = revenue_by_market(orders, "EUR")
    for rows in (by_day, by_market):
        for field in ("gross", "refunds", "net"):
            total = sum((getattr(row.revenue, field) for row in rows), Money(0, "EUR"))
            assert total == getattr(summary.revenue, field)
        assert sum(row.revenue.orders for row in rows) == summary.revenue.orders
    assert summary.revenue.net == summary.revenue.gross - summary.revenue.refunds
    assert summary.revenue.orders + summary.other_currency_orders == len(orders)
    assert len(by_day) == 31
    assert all(row.revenue.net.amount >= 0 for row in [*by_day, *by_market])
    assert no_float(summary) and no_float(by_day) and no_float(by_market)
    if summary.average_order is not None:
        assert summary.average_order.amount.as_tuple().exponent == -2


# --- top products -----------------------------------------------------------------------------


def line(code: str, quantity: int, minor: int, currency: str = "EUR", name: str = "") -> SoldLine:
    return SoldLine(code, name or f"{code} as ordered", quantity, currency, minor)


def test_top_products_rank_by_revenue_then_units_and_use_the_catalogue_name() -> None:
    lines = [
        line("A", 1, 1000),
        line("B", 5, 3000),
        line("A", 1, 1000),
        line("C", 1, 2000),
        line("D", 9, 9999, currency="USD"),  # another settlement currency: not summed
    ]
    rows = top_products(lines, "EUR", {"B": "Becher"}, limit=10)
    assert [(row.code, row.name, row.units, row.revenue) for row in rows] == [
        ("B", "Becher", 5, Money("30.00", "EUR")),
        ("A", "A as ordered", 2, Money("20.00", "EUR")),  # gone from the catalogue: the order's name
        ("C", "C as ordered", 1, Money("20.00", "EUR")),  # as much revenue, fewer units
    ]
    assert len(top_products(lines, "EUR", {}, limit=2)) == 2


def test_names_follow_the_locale_fallback_chain() -> None:
    rows = [
        {"code": "A", "locale": "en", "name": "Mug"},
        {"code": "A", "locale": "de", "name": "Becher"},
        {"code": "B", "locale": "en", "name": "Tee"},
        {"code": "B", "locale": "fr", "name": "T-shirt"},
    ]
    assert localised_names(rows, "de") == {"A": "Becher", "B": "Tee"}
    assert localised_names(list(reversed(rows)), "de") == {"A": "Becher", "B": "Tee"}
    assert localised_names(rows, "ja") == {"A": "Mug", "B": "Tee"}
