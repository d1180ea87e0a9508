"""Payments: create attempts, apply provider events exactly once, refund recorded before it is paid."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from app.core.money import charge_unit, from_minor, is_chargeable, money, to_minor
from app.core.transactions import write_transaction
from app.markets.rules import settlement_amount
from app.orders.rules import Status, allowed_transitions, refund_status, refunded_charges
from app.orders.services import OrderNotFound, apply_transition, fulfilment_of, record_event
from app.orders.tables import Order, OrderCharge, OrderEvent
from app.payments.providers import Outcome, PaymentProvider, ProviderResult, provider_registry
from app.payments.tables import Payment, PaymentEvent, Refund


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
    refunded_minor: int  # the order's refunded total, in its currency
    status: Status  # the order's status
    refund_id: int = 0
    idempotency_key: str = ""
    outcome: Outcome = Outcome.SUCCEEDED  # this refund: pending (ask again with the key), succeeded, failed
    amount_minor: int = 0
    replayed: bool = False  # the key was seen before: its recorded refund (a pending one completed)


class RefundFailed(PaymentError):
    """The provider refused the refund; it is recorded as failed and the order is unchanged."""

    def __init__(self, message: str, result: RefundResult) -> None:
        super().__init__(message)
        self.result = result


# Called inside a refund's own transactions with its stage and row (see `refund`).
RefundHook = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class _Claim:
    """A refund row as step (a) left it, with what the provider call needs."""

    refund: dict[str, Any]
    reference: str  # the payment's reference at the provider
    replayed: bool


REFUND_KEY_MAX = 100


def new_refund_key() -> str:
    """A key for a caller that brought none: unique, so it protects nothing against a resubmission."""
    return f"auto-{secrets.token_hex(16)}"


def provider_refund_id(order_number: str, refund_id: int) -> str:
    """What the provider gets as the refund's id (its idempotency key): stable across retries."""
    return f"{order_number}-refund-{refund_id}"


async def _lock_order(condition: Any) -> dict[str, Any] | None:
    """Read the order and hold its row until the transaction ends.

    PostgreSQL: SELECT ... FOR UPDATE, so refunds of one order queue here and each sees the
    amounts the previous one committed. SQLite has no row locks; `write_transaction()`'s
    BEGIN IMMEDIATE already lets one writer in at a time.
    """
    query = Order.select().where(condition)
    if Order._meta.db.engine_type != "sqlite":
        query = query.lock_rows()
    return await query.first().run()


async def _refund_result(refund: dict[str, Any], replayed: bool) -> RefundResult:
    order = (
        await Order.select(Order.refunded_minor, Order.status)
        .where(Order.id == refund["order"])
        .first()
        .run()
    )
    assert order is not None
    return RefundResult(
        refunded_minor=order["refunded_minor"],
        status=Status(order["status"]),
        refund_id=refund["id"],
        idempotency_key=refund["idempotency_key"],
        outcome=Outcome(refund["status"]),
        amount_minor=refund["amount_minor"],
        replayed=replayed,
    )


async def _claim_refund(
    order_number: str,
    amount_minor: int,
    provider: PaymentProvider,
    actor: str,
    key: str,
    note: str,
    on_record: RefundHook | None = None,
) -> _Claim:
    """Step (a): under the order's lock, find this key's refund or reserve a new pending one.

    What may still be refunded is the paid total less the refunds that succeeded and those
    still pending, so concurrent refunds can never add up to more than was paid.
    """
    async with write_transaction():
        order = await _lock_order(Order.number == order_number)
        if order is None:
            raise OrderNotFound(order_number)
        existing = await Refund.select().where(Refund.idempotency_key == key).first().run()
        if existing is not None:
            if existing["order"] != order["id"] or existing["amount_minor"] != amount_minor:
                raise PaymentError(f"the key {key!r} was already used for another refund")
            payment = (
                await Payment.select(Payment.reference).where(Payment.id == existing["payment"]).first().run()
            )
            assert payment is not None
            return _Claim(existing, payment["reference"], replayed=True)
        payment = (
            await Payment.select()
            .where((Payment.order == order["id"]) & (Payment.status == Outcome.SUCCEEDED.value))
            .order_by(Payment.id)
            .first()
            .run()
        )
        if payment is None:
            raise PaymentError("this order has no successful payment to refund")
        if payment["provider"] != provider.code:
            raise PaymentError(f"this order was paid through {payment['provider']!r}, not {provider.code!r}")
        pending = await (
            Refund.select(Refund.amount_minor)
            .where((Refund.order == order["id"]) & (Refund.status == Outcome.PENDING.value))
            .run()
        )
        pending_minor = sum(row["amount_minor"] for row in pending)
        refundable = order["total_minor"] - order["refunded_minor"] - pending_minor
        if amount_minor > refundable:
            waiting = f" ({pending_minor} more are pending)" if pending_minor else ""
            raise PaymentError(f"at most {max(refundable, 0)} minor units can be refunded{waiting}")
        inserted = await Refund.insert(
            Refund(
                order=order["id"],
                payment=payment["id"],
                idempotency_key=key,
                amount_minor=amount_minor,
                currency=order["currency"],
                status=Outcome.PENDING.value,
                provider=provider.code,
                actor=actor,
                note=note,
            )
        ).run()
        refund_id = inserted[0]["id"]
        await (
            Refund.update({Refund.provider_refund_id: provider_refund_id(order_number, refund_id)})
            .where(Refund.id == refund_id)
            .run()
        )
        row = await Refund.select().where(Refund.id == refund_id).first().run()
        assert row is not None
        if on_record is not None:
            await on_record("requested", row)
        return _Claim(row, payment["reference"], replayed=False)


async def refund_charges(order: dict[str, Any], new_refunded_minor: int) -> tuple[int, int]:
    """Return the order's taxes and duties in proportion to what is refunded (charges paid at
    checkout, included or added); returns this refund's (tax, duty and fee) share."""
    rows = (
        await OrderCharge.select(
            OrderCharge.id, OrderCharge.kind, OrderCharge.amount_minor, OrderCharge.refunded_minor
        )
        .where(
            (OrderCharge.order == order["id"])
            & (OrderCharge.collected == "checkout")
            & (OrderCharge.kind != "removed")
        )
        .run()
    )
    if not rows:
        return 0, 0
    now_refunded = refunded_charges(
        {r["id"]: (r["amount_minor"], r["refunded_minor"]) for r in rows},
        order["total_minor"],
        new_refunded_minor,
    )
    tax = duty = 0
    for row in rows:
        delta = now_refunded[row["id"]] - row["refunded_minor"]
        if delta:
            await (
                OrderCharge.update({OrderCharge.refunded_minor: now_refunded[row["id"]]})
                .where(OrderCharge.id == row["id"])
                .run()
            )
        if row["kind"] == "tax":
            tax += delta
        else:
            duty += delta
    return tax, duty


async def _record_outcome(
    refund_id: int, result: ProviderResult, actor: str, on_record: RefundHook | None = None
) -> dict[str, Any]:
    """Step (c): under the order's lock, record the provider's answer once.

    A success counts in the order's refunded amounts (the settlement share at the stored rate,
    the last refund taking exactly what is left) and moves the order to partially refunded or
    refunded where the state machine allows; otherwise (a late payment on a cancelled order)
    the status stays and an event records the refund. Returns the refund row as recorded.
    """
    async with write_transaction():
        claimed = await Refund.select(Refund.order).where(Refund.id == refund_id).first().run()
        assert claimed is not None
        order = await _lock_order(Order.id == claimed["order"])
        assert order is not None
        refund = await Refund.select().where(Refund.id == refund_id).first().run()
        assert refund is not None
        if refund["status"] != Outcome.PENDING.value:
            return refund  # a concurrent retry with the same key recorded it first
        now = datetime.now(UTC)
        amount_minor = refund["amount_minor"]
        if result.outcome is Outcome.FAILED:
            changes: dict[Any, Any] = {
                Refund.status: Outcome.FAILED.value,
                Refund.error: result.message or "the provider refused the refund",
            }
            if result.event_id:
                await _insert_event(refund["payment"], result.event_id, "refund_failed", amount_minor)
        else:
            new_refunded = order["refunded_minor"] + amount_minor
            settled = settlement_refund(order, amount_minor, new_refunded)
            tax_minor, duty_minor = await refund_charges(order, new_refunded)
            changes = {
                Refund.status: Outcome.SUCCEEDED.value,
                Refund.settlement_minor: settled,
                Refund.tax_minor: tax_minor,
                Refund.duty_minor: duty_minor,
            }
            if result.event_id:
                await _insert_event(refund["payment"], result.event_id, "refund", amount_minor)
            amounts: dict[Any, Any] = {
                Order.refunded_minor: new_refunded,
                Order.refunded_settlement_minor: order["refunded_settlement_minor"] + settled,
            }
            current = Status(order["status"])
            target = refund_status(order["total_minor"], new_refunded)
            note = f"refund {amount_minor} {order['currency']} (key {refund['idempotency_key']})"
            if target in allowed_transitions(current, fulfilment_of(order)):
                await apply_transition(order["id"], target, actor=actor, note=note, extra=amounts)
            else:
                await Order.update({**amounts, Order.updated_at: now}).where(Order.id == order["id"]).run()
                await record_event(order["id"], current.value, current.value, actor, note)
        await (
            Refund.update(
                {**changes, Refund.provider_event_id: result.event_id[:128], Refund.updated_at: now}
            )
            .where(Refund.id == refund_id)
            .run()
        )
        recorded = await Refund.select().where(Refund.id == refund_id).first().run()
        assert recorded is not None
        if on_record is not None:
            await on_record(recorded["status"], recorded)
        return recorded


async def refund(
    order_number: str,
    amount_minor: int,
    provider: PaymentProvider,
    actor: str,
    idempotency_key: str | None = None,
    note: str = "",
    on_record: RefundHook | None = None,
) -> RefundResult:
    """Refund part or all of what was paid, in the order's currency, through its provider.

    (a) A pending refund is recorded under the order's lock, within what is left to refund;
    (b) the provider is asked outside any transaction, with the refund's own id as its
    idempotency key; (c) its answer is recorded under the lock again. The same
    `idempotency_key` again returns the recorded refund without asking the provider (or, if the
    refund is still pending because (b) or (c) was interrupted, asks again and completes it).
    A refund the provider refused is recorded as failed and raises RefundFailed.

    `on_record(stage, refund_row)` runs inside the transactions of (a) ("requested", a new claim
    only) and (c) (the recorded status), so a caller's own record of the refund, such as the back
    office's audit row, commits or rolls back with the refund's.
    """
    if amount_minor <= 0:
        raise PaymentError("refund amount must be positive")
    key = idempotency_key if idempotency_key is not None else new_refund_key()
    if not key or len(key) > REFUND_KEY_MAX:
        raise PaymentError(f"the refund key must be 1 to {REFUND_KEY_MAX} characters")
    claim = await _claim_refund(order_number, amount_minor, provider, actor, key, note, on_record)
    refund = claim.refund
    if refund["status"] == Outcome.PENDING.value:
        if refund["provider"] != provider.code:
            raise PaymentError(f"this refund goes through {refund['provider']!r}, not {provider.code!r}")
        amount = from_minor(refund["amount_minor"], refund["currency"])
        # Off the event loop: a real provider is a network call. An exception here or in the
        # next step leaves the refund pending; asking again with the same key completes it.
        answer = await asyncio.to_thread(
            provider.refund, claim.reference, amount, refund["provider_refund_id"]
        )
        if answer.outcome is Outcome.PENDING:
            if answer.event_id:
                await _insert_event(
                    refund["payment"], answer.event_id, "refund_pending", refund["amount_minor"]
                )
            return await _refund_result(refund, replayed=claim.replayed)
        refund = await _record_outcome(refund["id"], answer, actor, on_record)
    result = await _refund_result(refund, replayed=claim.replayed)
    if result.outcome is Outcome.FAILED:
        raise RefundFailed(f"the provider refused the refund: {refund['error']}", result)
    return result


async def mark_transfer_paid(number: str, reference: str, actor: str) -> Applied:
    """Record that an order's bank transfer arrived; the same call twice changes nothing.

    The event id is per order, so a repeated call is a duplicate. `reference` (the bank's, may
    be empty) is noted on the order's "paid" history event.
    """
    async with write_transaction():
        order = await Order.select(Order.id).where(Order.number == number).first().run()
        if order is None:
            raise OrderNotFound(number)
        payment = (
            await Payment.select()
            .where((Payment.order == order["id"]) & (Payment.provider == "manual"))
            .order_by(Payment.id, ascending=False)
            .first()
            .run()
        )
        if payment is None:
            raise PaymentError(f"{number} has no bank transfer payment")
        applied = await apply_payment_event(
            payment["reference"],
            f"manual:{number}:paid",
            Outcome.SUCCEEDED,
            payment["amount_minor"],
            payment["currency"],
            actor=actor,
        )
        if applied is Applied.APPLIED and reference:
            paid_note = f"payment {payment['reference']}"  # what apply_payment_event recorded
            await (
                OrderEvent.update({OrderEvent.note: f"{paid_note}, bank reference {reference}"})
                .where(
                    (OrderEvent.order == order["id"])
                    & (OrderEvent.to_status == Status.PAID.value)
                    & (OrderEvent.note == paid_note)
                )
                .run()
            )
    return applied


async def refund_order(
    number: str,
    amount: Decimal,
    actor: str,
    *,
    idempotency_key: str | None = None,
    note: str = "",
    on_record: RefundHook | None = None,
) -> RefundResult:
    """Refund `amount` of the order's own currency (e.g. 12.50) through the provider it was paid
    with; see `refund` for the idempotency key and the outcomes."""
    order = (
        await Order.select(Order.currency, Order.payment_provider).where(Order.number == number).first().run()
    )
    if order is None:
        raise OrderNotFound(number)
    if not amount.is_finite():
        raise PaymentError("the refund amount must be a decimal number")
    if not is_chargeable(amount, order["currency"]):  # refunds move real money: whole cash units
        raise PaymentError(
            f"{order['currency']} amounts are paid in steps of {charge_unit(order['currency'])}"
        )
    # Every provider, the test one included: an order paid with the test card in development
    # is refunded through it even where new test payments are turned off.
    provider = provider_registry(True).get(order["payment_provider"])
    if provider is None:
        raise PaymentError(f"unknown payment provider {order['payment_provider']!r}")
    minor = to_minor(money(amount, order["currency"]))
    return await refund(
        number, minor, provider, actor, idempotency_key=idempotency_key, note=note, on_record=on_record
    )
