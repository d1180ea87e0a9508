"""Payments: create attempts, apply provider events exactly once, refund against stored amounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from app.core.money import from_minor, to_minor
from app.core.transactions import write_transaction
from app.markets.rules import settlement_amount
from app.orders.rules import Status, refund_status
from app.orders.services import ConcurrentUpdate, OrderNotFound, apply_transition
from app.orders.tables import Order
from app.payments.providers import Outcome, PaymentProvider
from app.payments.tables import Payment, PaymentEvent


class Applied(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # this event was applied before: nothing changed
    IGNORED = "ignored"  # valid event, but the order had moved on (e.g. cancelled)


class PaymentError(ValueError):
    pass


def new_reference(provider: str) -> str:
    return f"{provider}_{secrets.token_hex(12)}"


async def create_payment(order_id: int, provider: str, amount_minor: int, currency: str) -> str:
    """A pending payment for an order (call inside the order's transaction); returns its reference."""
    reference = new_reference(provider)
    await Payment.insert(
        Payment(
            order=order_id,
            provider=provider,
            reference=reference,
            status=Outcome.PENDING.value,
            amount_minor=amount_minor,
            currency=currency,
        )
    ).run()
    return reference


async def _insert_event(payment_id: int, event_id: str, kind: str, amount_minor: int) -> bool:
    """Record an event id; False if it was recorded before (the unique index decides)."""
    inserted = (
        await PaymentEvent.insert(
            PaymentEvent(payment=payment_id, event_id=event_id, kind=kind, amount_minor=amount_minor)
        )
        .on_conflict(action="DO NOTHING")
        .returning(PaymentEvent.id)
        .run()
    )
    return bool(inserted)


async def apply_payment_event(
    reference: str, event_id: str, outcome: Outcome, amount_minor: int, currency: str, actor: str
) -> Applied:
    """Apply a provider's verdict on a payment, idempotently.

    The same event id twice changes nothing; a success for the wrong amount or currency is
    refused; a success marks the order paid only if it is still awaiting payment.
    """
    if outcome is Outcome.PENDING:
        return Applied.IGNORED
    async with write_transaction():
        payment = await Payment.select().where(Payment.reference == reference).first().run()
        if payment is None:
            raise PaymentError("unknown payment reference")
        if outcome is Outcome.SUCCEEDED and (
            payment["amount_minor"] != amount_minor or payment["currency"] != currency
        ):
            raise PaymentError("amount or currency does not match the payment")
        if not await _insert_event(payment["id"], event_id, outcome.value, amount_minor):
            return Applied.DUPLICATE
        if payment["status"] != Outcome.PENDING.value:
            return Applied.IGNORED
        await (
            Payment.update({Payment.status: outcome.value, Payment.updated_at: datetime.now(UTC)})
            .where(Payment.id == payment["id"])
            .run()
        )
        if outcome is Outcome.FAILED:
            return Applied.APPLIED
        order = await Order.select(Order.status).where(Order.id == payment["order"]).first().run()
        if order is None or order["status"] != Status.PENDING_PAYMENT.value:
            return Applied.IGNORED  # e.g. paid after the order was cancelled: an operator refunds it
        await apply_transition(payment["order"], Status.PAID, actor=actor, note=f"payment {reference}")
        return Applied.APPLIED


def settlement_refund(order: dict, amount_minor: int, new_refunded_minor: int) -> int:
    """The shop-currency share of a refund, at the rate the order was charged at.

    The last refund takes whatever settlement is left, so a full refund returns exactly the
    settlement total, whatever rounding the partial ones did.
    """
    remaining = order["settlement_total_minor"] - order["refunded_settlement_minor"]
    if new_refunded_minor == order["total_minor"]:
        return remaining
    presentment = from_minor(amount_minor, order["currency"])
    settlement_currency = order["settlement_currency"] or order["currency"]
    share = to_minor(settlement_amount(presentment, Decimal(order["fx_rate"] or "1"), settlement_currency))
    return min(share, remaining)


@dataclass(frozen=True)
class RefundResult:
    refunded_minor: int
    status: Status


async def refund(order_number: str, amount_minor: int, provider: PaymentProvider, actor: str) -> RefundResult:
    """Refund part or all of what was paid, in the order's currency, through its provider."""
    if amount_minor <= 0:
        raise PaymentError("refund amount must be positive")
    async with write_transaction():
        order = await Order.select().where(Order.number == order_number).first().run()
        if order is None:
            raise OrderNotFound(order_number)
        payment = (
            await Payment.select()
            .where((Payment.order == order["id"]) & (Payment.status == Outcome.SUCCEEDED.value))
            .first()
            .run()
        )
        if payment is None:
            raise PaymentError("this order has no successful payment to refund")
        refundable = order["total_minor"] - order["refunded_minor"]
        if amount_minor > refundable:
            raise PaymentError(f"at most {refundable} minor units can be refunded")
        new_refunded = order["refunded_minor"] + amount_minor
        target = refund_status(order["total_minor"], new_refunded)
        settled = settlement_refund(order, amount_minor, new_refunded)
        refund_id = f"{order['number']}-{new_refunded}"
        result = provider.refund(payment["reference"], from_minor(amount_minor, order["currency"]), refund_id)
        if result.outcome is not Outcome.SUCCEEDED:
            raise PaymentError("the provider refused the refund")
        await _insert_event(payment["id"], result.event_id, "refund", amount_minor)
        try:
            await apply_transition(
                order["id"],
                target,
                actor=actor,
                note=f"refund {amount_minor} {order['currency']}",
                extra={
                    Order.refunded_minor: new_refunded,
                    Order.refunded_settlement_minor: order["refunded_settlement_minor"] + settled,
                },
            )
        except ConcurrentUpdate as error:
            raise PaymentError("the order changed meanwhile; try again") from error
        return RefundResult(refunded_minor=new_refunded, status=target)
