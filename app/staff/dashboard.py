"""The back-office dashboard's figures for a range of whole UTC days: revenue by day and by market,
orders, average order value, conversion, top products and FX rate ages.

What counts (the page says the same in words):
- Revenue: orders that were paid (status paid, shipped, delivered, partially refunded or refunded),
  each on the UTC day of its payment, at its recorded settlement total (goods, shipping and the
  taxes and duties collected at checkout, in the shop's currency at the order's own rate) less the
  settlement refunds made on it so far (a later refund lowers the day the order was paid). Pending
  and cancelled orders never count. The recorded settlement amounts are summed as they are, never
  re-converted: orders settled in another currency (the shop changed currency) are counted apart.
- Orders: those paid orders; average order value: net revenue / orders.
- Conversion: orders placed (any status, cancelled included) / carts created, each on its creation
  day in the range.
- Top products: goods sold in those paid orders (line settlement amounts, before refunds).

The `load_*` functions are the queries; everything else is pure folding into dataclasses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from moneyed import Money

from app.cart.tables import Cart
from app.catalog.tables import ProductTranslation
from app.core.money import from_minor, quantize
from app.fx.services import rate_status, stored_rates
from app.i18n.locales import fallback_chain
from app.i18n.markers import N_
from app.orders.rules import Status
from app.orders.tables import Order, OrderLine
from app.staff.services import within_days

REVENUE_STATUSES = frozenset(
    {Status.PAID, Status.SHIPPED, Status.DELIVERED, Status.PARTIALLY_REFUNDED, Status.REFUNDED}
)
_REVENUE_VALUES = sorted(status.value for status in REVENUE_STATUSES)  # for SQL IN (...)
DEFAULT_RANGE_DAYS = 30
MAX_RANGE_DAYS = 366  # a leap year; also bounds the chart and the rows folded per request
TOP_PRODUCTS = 10
# Bounds that keep date arithmetic (the default start, the day after the end) far from overflow.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)

BAD_DATE = N_("Enter dates as year-month-day, like 2026-03-31.")
REVERSED_RANGE = N_("The start date is after the end date.")
RANGE_TOO_LONG = N_("Choose a range of at most %(days)s days.")


class RangeRefused(ValueError):
    """A date range the dashboard will not show; `message` is a gettext msgid with `params`."""

    def __init__(self, message: str, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params = dict(params or {})


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def resolve_range(start: date | None, end: date | None, today: date) -> DateRange:
    """The range asked for: the end defaults to today and the start to 30 days up to the end."""
    for day in (start, end):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise RangeRefused(BAD_DATE)
    end = end or min(today, LAST_DAY)
    start = start or max(end - timedelta(days=DEFAULT_RANGE_DAYS - 1), FIRST_DAY)
    if start > end:
        raise RangeRefused(REVERSED_RANGE)
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeRefused(RANGE_TOO_LONG, {"days": MAX_RANGE_DAYS})
    return DateRange(start, end)


# --- facts the queries load -------------------------------------------------------------------


@dataclass(frozen=True)
class PaidOrder:
    day: date  # the UTC day it was paid
    market: str
    currency: str  # its settlement currency
    total_minor: int
    refunded_minor: int


@dataclass(frozen=True)
class SoldLine:
    product_code: str
    product_name: str  # as the order recorded it (the fallback when the product is gone)
    quantity: int
    currency: str  # the order's settlement currency
    settlement_minor: int


# --- what the page shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Revenue:
    orders: int
    gross: Money
    refunds: Money
    net: Money


@dataclass(frozen=True)
class DayRevenue:
    day: date
    revenue: Revenue


@dataclass(frozen=True)
class MarketRevenue:
    market: str  # "" for orders recorded without one
    revenue: Revenue


@dataclass(frozen=True)
class Summary:
    revenue: Revenue
    average_order: Money | None  # None without orders
    placed: int
    carts: int
    conversion_percent: Decimal | None  # None without carts; may pass 100 (orders from older carts)
    other_currency_orders: int  # paid orders settled in another currency: not in the sums


@dataclass(frozen=True)
class TopProduct:
    code: str
    name: str
    units: int
    revenue: Money


@dataclass(frozen=True)
class FxAge:
    currency: str
    rate: Decimal | None  # units per base unit; None: no rate
    source: str
    kind: str  # provider | peg | manual | snapshot | missing
    as_of: date | None
    fetched_at: datetime | None
    age_hours: Decimal | None  # from the end of the as-of day, as checkout measures staleness
    stale: bool


# --- pure folding -----------------------------------------------------------------------------


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of a timestamp (a naive one is taken as UTC, as SQLite may give it)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def settles_in(currency: str, orders: Iterable[PaidOrder]) -> list[PaidOrder]:
    return [order for order in orders if order.currency == currency]


def fold_revenue(orders: Iterable[PaidOrder], currency: str) -> Revenue:
    """Sum in integer minor units (exact), then one conversion to Money."""
    chosen = settles_in(currency, orders)
    gross = sum(order.total_minor for order in chosen)
    refunds = sum(order.refunded_minor for order in chosen)
    return Revenue(
        orders=len(chosen),
        gross=from_minor(gross, currency),
        refunds=from_minor(refunds, currency),
        net=from_minor(gross - refunds, currency),
    )


def revenue_by_day(orders: Sequence[PaidOrder], days: DateRange, currency: str) -> list[DayRevenue]:
    """One row per day of the range, in order; a day without orders is a row of zeros."""
    by_day: dict[date, list[PaidOrder]] = defaultdict(list)
    for order in orders:
        by_day[order.day].append(order)
    return [DayRevenue(day, fold_revenue(by_day.get(day, []), currency)) for day in days.days]


def revenue_by_market(orders: Sequence[PaidOrder], currency: str) -> list[MarketRevenue]:
    """One row per market with paid orders, highest net revenue first (then by code)."""
    by_market: dict[str, list[PaidOrder]] = defaultdict(list)
    for order in settles_in(currency, orders):
        by_market[order.market].append(order)
    rows = [MarketRevenue(market, fold_revenue(group, currency)) for market, group in by_market.items()]
    return sorted(rows, key=lambda row: (-row.revenue.net.amount, row.market))


def conversion_percent(placed: int, carts: int) -> Decimal | None:
    if carts <= 0:
        return None
    return (Decimal(placed) * 100 / Decimal(carts)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def summarise(orders: Sequence[PaidOrder], currency: str, placed: int, carts: int) -> Summary:
    revenue = fold_revenue(orders, currency)
    average = (
        Money(quantize(revenue.net.amount / revenue.orders, currency), currency) if revenue.orders else None
    )
    return Summary(
        revenue=revenue,
        average_order=average,
        placed=placed,
        carts=carts,
        conversion_percent=conversion_percent(placed, carts),
        other_currency_orders=len(orders) - revenue.orders,
    )


def localised_names(rows: Iterable[Mapping[str, Any]], locale: str) -> dict[str, str]:
    """Product code -> name in `locale`, else along its fallback chain (`de-at` -> `de` -> `en`)."""
    chain = fallback_chain(locale)
    names: dict[str, str] = {}
    rank: dict[str, int] = {}
    for row in rows:
        if row["locale"] in chain and chain.index(row["locale"]) < rank.get(row["code"], len(chain)):
            names[row["code"]], rank[row["code"]] = row["name"], chain.index(row["locale"])
    return names


def top_products(
    lines: Iterable[SoldLine], currency: str, names: Mapping[str, str], limit: int = TOP_PRODUCTS
) -> list[TopProduct]:
    """The products with the highest goods revenue (then units, then code)."""
    units: dict[str, int] = defaultdict(int)
    minor: dict[str, int] = defaultdict(int)
    recorded: dict[str, str] = {}
    for line in lines:
        if line.currency != currency:
            continue
        units[line.product_code] += line.quantity
        minor[line.product_code] += line.settlement_minor
        recorded.setdefault(line.product_code, line.product_name)
    ranked = sorted(units, key=lambda code: (-minor[code], -units[code], code))[:limit]
    return [
        TopProduct(code, names.get(code) or recorded[code], units[code], from_minor(minor[code], currency))
        for code in ranked
    ]


def hours(value: float | None) -> Decimal | None:
    """An age the FX rules give as a float, as an exact one-decimal figure for the page and CSV."""
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- queries ----------------------------------------------------------------------------------


async def load_paid_orders(days: DateRange) -> list[PaidOrder]:
    query = Order.select(
        Order.paid_at,
        Order.market,
        Order.currency,
        Order.settlement_currency,
        Order.settlement_total_minor,
        Order.refunded_settlement_minor,
    ).where(Order.status.is_in(_REVENUE_VALUES))
    rows = await within_days(query, Order.paid_at, days.start, days.end).run()
    return [
        PaidOrder(
            day=utc_day(row["paid_at"]),
            market=row["market"],
            currency=row["settlement_currency"] or row["currency"],
            total_minor=row["settlement_total_minor"],
            refunded_minor=row["refunded_settlement_minor"],
        )
        for row in rows
        if row["paid_at"] is not None
    ]


async def load_sold_lines(days: DateRange) -> list[SoldLine]:
    query = OrderLine.select(
        OrderLine.product_code,
        OrderLine.product_name,
        OrderLine.quantity,
        OrderLine.settlement_total_minor,
        OrderLine.order.currency.as_alias("currency"),
        OrderLine.order.settlement_currency.as_alias("settlement_currency"),
    ).where(OrderLine.order.status.is_in(_REVENUE_VALUES))
    rows = await within_days(query, OrderLine.order.paid_at, days.start, days.end).run()
    return [
        SoldLine(
            product_code=row["product_code"],
            product_name=row["product_name"],
            quantity=row["quantity"],
            currency=row["settlement_currency"] or row["currency"],
            settlement_minor=row["settlement_total_minor"],
        )
        for row in rows
    ]


async def load_placed_and_carts(days: DateRange) -> tuple[int, int]:
    placed = await within_days(Order.count(), Order.created_at, days.start, days.end).run()
    carts = await within_days(Cart.count(), Cart.created_at, days.start, days.end).run()
    return int(placed), int(carts)


async def load_top_products(days: DateRange, currency: str, locale: str) -> list[TopProduct]:
    lines = await load_sold_lines(days)
    codes = sorted({line.product_code for line in lines})
    rows = []
    if codes:
        rows = await (
            ProductTranslation.select(
                ProductTranslation.product.code.as_alias("code"),
                ProductTranslation.locale,
                ProductTranslation.name,
            )
            .where(ProductTranslation.product.code.is_in(codes))
            .where(ProductTranslation.locale.is_in(list(fallback_chain(locale))))
            .run()
        )
    return top_products(lines, currency, localised_names(rows, locale))


async def load_fx_ages(max_age_hours: float, now: datetime | None = None) -> list[FxAge]:
    """Every supported currency's rate with its dates, through the same rules `fx status` uses."""
    fetched = {rate.currency: rate.fetched_at for rate in await stored_rates()}
    return [
        FxAge(
            currency=row.currency,
            rate=row.rate,
            source=row.source,
            kind=row.kind,
            as_of=row.as_of,
            fetched_at=fetched.get(row.currency),
            age_hours=hours(row.age_hours),
            stale=row.stale,
        )
        for row in await rate_status(max_age_hours, now=now)
    ]
