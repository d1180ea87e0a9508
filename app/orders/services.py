"""Order persistence: recorded state transitions, lookups, and the order as a shopper sees it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from moneyed import Money

from app.catalog.tables import Variant
from app.core.money import from_minor
from app.core.transactions import write_transaction
from app.orders.rules import Fulfilment, IllegalTransition, Status, check_transition, releases_stock
from app.orders.tables import Order, OrderCharge, OrderEvent, OrderLine
from app.payments.tables import Refund
from app.search.services import request_sync

TIMESTAMP_COLUMNS = {
    Status.PAID: Order.paid_at,
    Status.SHIPPED: Order.shipped_at,
    Status.DELIVERED: Order.delivered_at,
    Status.CANCELLED: Order.cancelled_at,
}


class OrderNotFound(LookupError):
    pass


class ConcurrentUpdate(RuntimeError):
    """The order changed between reading and writing; the caller may retry."""


def fulfilment_of(row: dict[str, Any]) -> Fulfilment:
    return Fulfilment(shipped=row["shipped_at"] is not None, delivered=row["delivered_at"] is not None)


async def record_event(
    order_id: int, from_status: str | None, to_status: str, actor: str, note: str = ""
) -> None:
    await OrderEvent.insert(
        OrderEvent(order=order_id, from_status=from_status, to_status=to_status, actor=actor, note=note)
    ).run()


async def release_stock(order_id: int) -> None:
    lines = (
        await OrderLine.select(OrderLine.variant, OrderLine.quantity).where(OrderLine.order == order_id).run()
    )
    restocked: list[int] = []
    for line in sorted(lines, key=lambda row: row["variant"] or 0):
        if line["variant"] is not None:
            rows = await (
                Variant.update({Variant.stock: Variant.stock + line["quantity"]})
                .where(Variant.id == line["variant"])
                .returning(Variant.product)
                .run()
            )
            restocked += [row["product"] for row in rows]
    await request_sync(restocked)  # back in stock for the search filter


async def apply_transition(
    order_id: int, target: Status, actor: str, note: str = "", extra: dict[Any, Any] | None = None
) -> Status:
    """Move an order to `target` inside the caller's transaction; returns the previous status.

    Compare-and-set on the status: of two concurrent callers only one wins, the other gets
    ConcurrentUpdate. Illegal transitions raise IllegalTransition and change nothing.
    """
    row = await Order.select().where(Order.id == order_id).first().run()
    if row is None:
        raise OrderNotFound(order_id)
    current = Status(row["status"])
    fulfilment = fulfilment_of(row)
    check_transition(current, target, fulfilment)
    now = datetime.now(UTC)
    values: dict[Any, Any] = {Order.status: target.value, Order.updated_at: now, **(extra or {})}
    if target in TIMESTAMP_COLUMNS and row[TIMESTAMP_COLUMNS[target]._meta.name] is None:
        values[TIMESTAMP_COLUMNS[target]] = now
    updated = (
        await Order.update(values)
        .where((Order.id == order_id) & (Order.status == current.value))
        .returning(Order.id)
        .run()
    )
    if not updated:
        raise ConcurrentUpdate(order_id)
    if releases_stock(current, target, fulfilment):
        await release_stock(order_id)
    await record_event(order_id, current.value, target.value, actor, note)
    return current


async def transition(order_id: int, target: Status, actor: str, note: str = "") -> Status:
    """Apply one transition in its own transaction."""
    async with write_transaction():
        return await apply_transition(order_id, target, actor, note)


async def order_id_for(number: str) -> int:
    row = await Order.select(Order.id).where(Order.number == number).first().run()
    if row is None:
        raise OrderNotFound(number)
    return int(row["id"])


@dataclass(frozen=True)
class OrderLineView:
    sku: str
    product_code: str
    product_name: str
    variant_label: str
    unit_price: Money
    quantity: int
    total: Money


@dataclass(frozen=True)
class OrderChargeView:
    """A tax, duty or fee line as quoted at checkout (kind "removed": tax taken off the prices)."""

    kind: str
    name: str  # gettext msgid
    rate: Decimal | None
    amount: Money
    refunded: Money
    collected: str  # checkout | delivery
    included: bool
    estimate: bool
    rule: str
    source: str
    explanation: str  # gettext msgid
    params: dict[str, str]
    data_version: str


@dataclass(frozen=True)
class OrderEventView:
    from_status: str | None
    to_status: str
    actor: str
    note: str
    created_at: datetime


@dataclass(frozen=True)
class RefundView:
    idempotency_key: str
    amount: Money
    settlement: Money | None  # the shop-currency share, once the refund succeeded
    status: str  # pending, succeeded, failed
    actor: str
    note: str
    error: str
    created_at: datetime
    tax: Money | None = None  # the share of tax, and of duties and fees, this refund returned
    duty: Money | None = None


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    email: str
    locale: str
    status: Status
    currency: str
    subtotal: Money
    shipping: Money
    total: Money
    refunded: Money
    shipping_method: str
    shipping_method_name: str
    shipping_country: str
    shipping_address: dict[str, str]
    payment_provider: str
    created_at: datetime
    lines: tuple[OrderLineView, ...]
    events: tuple[OrderEventView, ...]
    market: str = ""
    settlement_total: Money | None = None
    refunded_settlement: Money | None = None
    fx_rate: Decimal = Decimal(1)
    fx_applied_rate: Decimal | None = None  # fee included, as shown at checkout (None: older orders)
    fx_markup_percent: Decimal | None = None
    fx_source: str = ""
    fx_as_of: date | None = None
    refunds: tuple[RefundView, ...] = ()
    taxes: Money | None = None  # what the taxes changed in the total (None: orders before landed cost)
    incoterm: str = ""
    charges: tuple[OrderChargeView, ...] = ()

    @property
    def due_on_delivery(self) -> Money:
        """The estimate of import charges the carrier collects (DAP)."""
        return sum(
            (c.amount for c in self.charges if c.collected == "delivery"), from_minor(0, self.currency)
        )

    @property
    def converted(self) -> bool:
        """Charged in another currency than the shop's."""
        return self.settlement_total is not None and self.settlement_total.currency.code != self.currency

    @property
    def fulfilment(self) -> Fulfilment:
        return Fulfilment(
            shipped=any(e.to_status == Status.SHIPPED for e in self.events),
            delivered=any(e.to_status == Status.DELIVERED for e in self.events),
        )


async def load_order(number: str) -> OrderView:
    row = await Order.select().where(Order.number == number).first().run()
    if row is None:
        raise OrderNotFound(number)
    currency = row["currency"]
    lines = await OrderLine.select().where(OrderLine.order == row["id"]).order_by(OrderLine.id).run()
    events = await OrderEvent.select().where(OrderEvent.order == row["id"]).order_by(OrderEvent.id).run()
    refunds = await Refund.select().where(Refund.order == row["id"]).order_by(Refund.id).run()
    charges = (
        await OrderCharge.select().where(OrderCharge.order == row["id"]).order_by(OrderCharge.position).run()
    )
    settlement_currency = row["settlement_currency"] or currency
    address = row["shipping_address"]
    return OrderView(
        id=row["id"],
        number=row["number"],
        email=row["email"],
        locale=row["locale"],
        status=Status(row["status"]),
        currency=currency,
        subtotal=from_minor(row["subtotal_minor"], currency),
        shipping=from_minor(row["shipping_minor"], currency),
        total=from_minor(row["total_minor"], currency),
        refunded=from_minor(row["refunded_minor"], currency),
        shipping_method=row["shipping_method"],
        shipping_method_name=row["shipping_method_name"],
        shipping_country=row["shipping_country"],
        shipping_address=json.loads(address) if isinstance(address, str) else dict(address),
        payment_provider=row["payment_provider"],
        created_at=row["created_at"],
        lines=tuple(
            OrderLineView(
                sku=line["sku"],
                product_code=line["product_code"],
                product_name=line["product_name"],
                variant_label=line["variant_label"],
                unit_price=from_minor(line["unit_price_minor"], currency),
                quantity=line["quantity"],
                total=from_minor(line["line_total_minor"], currency),
            )
            for line in lines
        ),
        events=tuple(
            OrderEventView(e["from_status"], e["to_status"], e["actor"], e["note"], e["created_at"])
            for e in events
        ),
        market=row["market"],
        settlement_total=from_minor(row["settlement_total_minor"], row["settlement_currency"] or currency),
        refunded_settlement=from_minor(
            row["refunded_settlement_minor"], row["settlement_currency"] or currency
        ),
        fx_rate=Decimal(row["fx_rate"] or "1"),
        fx_applied_rate=Decimal(row["fx_applied_rate"]) if row["fx_applied_rate"] else None,
        fx_markup_percent=Decimal(row["fx_markup_percent"]) if row["fx_markup_percent"] else None,
        fx_source=row["fx_source"],
        fx_as_of=date.fromisoformat(row["fx_as_of"]) if row["fx_as_of"] else None,
        refunds=tuple(
            RefundView(
                idempotency_key=r["idempotency_key"],
                amount=from_minor(r["amount_minor"], r["currency"]),
                settlement=from_minor(r["settlement_minor"], settlement_currency)
                if r["status"] == "succeeded"
                else None,
                status=r["status"],
                actor=r["actor"],
                note=r["note"],
                error=r["error"],
                created_at=r["created_at"],
                tax=from_minor(r["tax_minor"], r["currency"]),
                duty=from_minor(r["duty_minor"], r["currency"]),
            )
            for r in refunds
        ),
        taxes=from_minor(row["taxes_minor"], currency) if row["incoterm"] else None,
        incoterm=row["incoterm"],
        charges=tuple(
            OrderChargeView(
                kind=c["kind"],
                name=c["name"],
                rate=Decimal(c["rate"]) if c["rate"] else None,
                amount=from_minor(c["amount_minor"], currency),
                refunded=from_minor(c["refunded_minor"], currency),
                collected=c["collected"],
                included=c["included"],
                estimate=c["estimate"],
                rule=c["rule"],
                source=c["source"],
                explanation=c["explanation"],
                params=json.loads(c["params"]) if isinstance(c["params"], str) else dict(c["params"]),
                data_version=c["data_version"],
            )
            for c in charges
        ),
    )


async def find_order_for_shopper(number: str, email: str) -> str | None:
    """The order number if an order with this number was placed with this email (case-insensitive)."""
    if not number or not email:
        return None
    row = (
        await Order.select(Order.number)
        .where((Order.number == number) & (Order.email == email.lower()))
        .first()
        .run()
    )
    return row["number"] if row else None


async def transition_order(number: str, target: Status, actor: str, note: str = "") -> Status:
    """Move the order with this number (see `transition`); returns its previous status."""
    return await transition(await order_id_for(number), target, actor, note)


@dataclass(frozen=True)
class OrderSummary:
    """One row of an order listing."""

    number: str
    status: Status
    total: Money
    shipping_country: str
    created_at: datetime


async def recent_orders(status: Status | None = None, limit: int = 20) -> list[OrderSummary]:
    """The most recent orders first, optionally only those in `status`."""
    query = (
        Order.select(
            Order.number,
            Order.status,
            Order.total_minor,
            Order.currency,
            Order.shipping_country,
            Order.created_at,
        )
        .order_by(Order.id, ascending=False)
        .limit(limit)
    )
    if status is not None:
        query = query.where(Order.status == status.value)
    return [
        OrderSummary(
            number=row["number"],
            status=Status(row["status"]),
            total=from_minor(row["total_minor"], row["currency"]),
            shipping_country=row["shipping_country"],
            created_at=row["created_at"],
        )
        for row in await query.run()
    ]


async def expire_unpaid(cutoff: datetime, actor: str, note: str = "not paid in time") -> int:
    """Cancel every order still awaiting payment that was placed before `cutoff`, putting its
    stock back on sale; returns how many were cancelled (one paid meanwhile is left alone)."""
    rows = (
        await Order.select(Order.id)
        .where((Order.status == Status.PENDING_PAYMENT.value) & (Order.created_at < cutoff))
        .order_by(Order.id)
        .run()
    )
    cancelled = 0
    for row in rows:
        try:
            await transition(row["id"], Status.CANCELLED, actor=actor, note=note)
        except (IllegalTransition, ConcurrentUpdate):
            continue  # paid (or cancelled) meanwhile
        cancelled += 1
    return cancelled
