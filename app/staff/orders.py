"""The back office's order work: the filtered order list, and each staff action on an order
(mark paid, ship, deliver, cancel, refund, reveal personal data) through the order and payment
services, with its audit row."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from moneyed import Money

from app.core.money import from_minor
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.orders.rules import Status
from app.orders.services import OrderNotFound, transition_order
from app.orders.tables import Order
from app.payments.providers import Outcome
from app.payments.services import (
    Applied,
    PaymentError,
    RefundFailed,
    RefundResult,
    mark_transfer_paid,
    refund_order,
)
from app.payments.tables import Payment, Refund
from app.staff.reveal import record_reveal
from app.staff.rules import normalise_email
from app.staff.services import Actor, record_audit, within_days

ORDERS_PAGE_SIZE = 50
REFUND_KEY_PREFIX = "admin-"


class OrderActionRefused(Exception):
    """An action the rules or the order's state refuse; `message` is a gettext msgid."""

    def __init__(self, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params = params or {}


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    market: str = ""
    status: str = ""
    country: str = ""
    provider: str = ""
    since: date | None = None
    until: date | None = None  # inclusive
    q: str = ""  # part of an order number, or of an email (a whole email for `exact_email`)
    # Roles that see masked emails may look a customer up by their whole email, never by a part:
    # a partial match would let them list the addresses the masking hides.
    exact_email: bool = True

    def query(self) -> dict[str, str]:
        values = {
            "market": self.market,
            "status": self.status,
            "country": self.country,
            "provider": self.provider,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "q": self.q,
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class OrderRow:
    number: str
    email: str
    status: Status
    market: str
    country: str
    provider: str
    total: Money
    settlement_total: Money
    created_at: datetime


def _filtered(query: Any, where: OrderFilter) -> Any:
    if where.market:
        query = query.where(Order.market == where.market)
    if where.status:
        query = query.where(Order.status == where.status)
    if where.country:
        query = query.where(Order.shipping_country == where.country.upper())
    if where.provider:
        query = query.where(Order.payment_provider == where.provider)
    query = within_days(query, Order.created_at, where.since, where.until)
    term = where.q.strip().replace("%", "").replace("_", "")
    if term:
        pattern = f"%{term}%"
        # Numbers are stored upper case and emails lower case: LIKE (case-sensitive on PostgreSQL,
        # and SQLite has no ILIKE) finds either whatever case was typed.
        if where.exact_email:
            email_match = Order.email == normalise_email(where.q)
        else:
            email_match = Order.email.like(pattern.lower())
        query = query.where(Order.number.like(pattern.upper()) | email_match)
    return query


async def order_page(where: OrderFilter, page: int = 1) -> tuple[list[OrderRow], bool]:
    """One page of orders, newest first, and whether there is a next page."""
    page = max(page, 1)
    query = _filtered(Order.select(), where).order_by(Order.id, ascending=False)
    rows = await query.limit(ORDERS_PAGE_SIZE + 1).offset((page - 1) * ORDERS_PAGE_SIZE).run()
    return [
        OrderRow(
            number=row["number"],
            email=row["email"],
            status=Status(row["status"]),
            market=row["market"],
            country=row["shipping_country"],
            provider=row["payment_provider"],
            total=from_minor(row["total_minor"], row["currency"]),
            settlement_total=from_minor(
                row["settlement_total_minor"], row["settlement_currency"] or row["currency"]
            ),
            created_at=row["created_at"],
        )
        for row in rows[:ORDERS_PAGE_SIZE]
    ], len(rows) > ORDERS_PAGE_SIZE


async def filter_choices() -> dict[str, list[str]]:
    """The markets, destination countries and payment methods the orders use (for the filters)."""
    choices = {}
    for name, column in (
        ("market", Order.market),
        ("country", Order.shipping_country),
        ("provider", Order.payment_provider),
    ):
        rows = await Order.select(column).distinct().order_by(column).run()
        choices[name] = [row[column._meta.name] for row in rows if row[column._meta.name]]
    return choices


# --- what the detail page adds to OrderView ----------------------------------------------------


@dataclass(frozen=True)
class PaymentAttempt:
    provider: str
    reference: str
    status: str
    amount: Money
    created_at: datetime
    updated_at: datetime


async def payment_attempts(order_id: int) -> list[PaymentAttempt]:
    rows = await Payment.select().where(Payment.order == order_id).order_by(Payment.id).run()
    return [
        PaymentAttempt(
            row["provider"],
            row["reference"],
            row["status"],
            from_minor(row["amount_minor"], row["currency"]),
            row["created_at"],
            row["updated_at"],
        )
        for row in rows
    ]


def new_refund_form_key() -> str:
    """Generated into each refund form: submitting that form twice refunds once."""
    return f"{REFUND_KEY_PREFIX}{secrets.token_urlsafe(24)}"


# --- actions ----------------------------------------------------------------------------------


def order_actor(actor: Actor) -> str:
    """How the order's history names a staff member (the column holds 100 characters)."""
    return f"staff:{actor.name}"[:100]


async def _state(number: str) -> dict[str, Any]:
    row = (
        await Order.select(Order.status, Order.refunded_minor, Order.currency, Order.total_minor)
        .where(Order.number == number)
        .first()
        .run()
    )
    if row is None:
        raise OrderNotFound(number)
    return {
        "status": row["status"],
        "total": str(from_minor(row["total_minor"], row["currency"]).amount),
        "refunded": str(from_minor(row["refunded_minor"], row["currency"]).amount),
        "currency": row["currency"],
    }


async def move_order(actor: Actor, number: str, target: Status, action: str, note: str = "") -> None:
    """Ship, deliver or cancel through the order state machine, with the audit row in the same
    transaction (the service's own transaction joins this one). A repeated request meets an
    illegal transition (shipped cannot become shipped) and changes nothing."""
    async with write_transaction():
        before = await _state(number)
        await transition_order(number, target, actor=order_actor(actor), note=note)
        after = await _state(number)
        if note:
            after["note"] = note
        await record_audit(actor, action, f"order:{number}", before, after)


async def mark_paid(actor: Actor, number: str, reference: str = "") -> None:
    """Record a bank transfer as received (and the audit row, in one transaction)."""
    async with write_transaction():
        before = await _state(number)
        try:
            applied = await mark_transfer_paid(number, reference, actor=order_actor(actor))
        except PaymentError as refused:
            raise OrderActionRefused(N_("This order is not paid by bank transfer.")) from refused
        if applied is not Applied.APPLIED:
            raise OrderActionRefused(N_("Nothing changed: this payment was already recorded."))
        after = await _state(number)
        if reference:
            after["bank_reference"] = reference
        await record_audit(actor, "order.mark_paid", f"order:{number}", before, after)


async def refund_existing(key: str) -> dict[str, Any] | None:
    return (
        await Refund.select(Refund.status, Refund.amount_minor)
        .where(Refund.idempotency_key == key)
        .first()
        .run()
    )


async def refund(actor: Actor, number: str, amount: Decimal, key: str, note: str = "") -> RefundResult:
    """Refund `amount` of the order's currency under the form's key: the same key again never
    pays out twice (the payment service finds its recorded refund).

    The payment service records the refund before the provider pays and its outcome after, each
    in its own transaction (the provider call must sit between them); the audit rows are written
    inside those same transactions ("order.refund_requested", then "order.refund" with the
    outcome), so no refund is recorded without its audit row. A replayed key writes none.
    """
    earlier = await refund_existing(key)
    if earlier is not None and earlier["status"] != Outcome.PENDING.value:
        raise OrderActionRefused(N_("This refund was already made; nothing was refunded again."))
    before = await _state(number)
    refundable = Decimal(before["total"]) - Decimal(before["refunded"])
    if amount > refundable:
        raise OrderActionRefused(
            N_("At most %(amount)s %(currency)s can be refunded."),
            {"amount": str(max(refundable, Decimal(0))), "currency": before["currency"]},
        )

    async def audit_refund(stage: str, row: dict[str, Any]) -> None:
        after = await _state(number)
        after.update(refund_amount=str(amount), refund_key=key, refund_outcome=stage, note=note)
        action = "order.refund_requested" if stage == "requested" else "order.refund"
        await record_audit(actor, action, f"order:{number}", before, after)

    try:
        return await refund_order(
            number, amount, order_actor(actor), idempotency_key=key, note=note, on_record=audit_refund
        )
    except (RefundFailed, PaymentError) as refused:
        raise OrderActionRefused(
            N_("The refund was refused: %(reason)s"), {"reason": str(refused)}
        ) from refused


async def record_order_reveal(actor: Actor, number: str) -> None:
    """A staff member looked at a customer's unmasked email, phone and address: that is audited."""
    async with write_transaction():
        await _state(number)  # OrderNotFound before any audit row
        await record_reveal(actor, "order", number, ("email", "phone", "address"))
