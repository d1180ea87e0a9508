"""Refunds are recorded before the provider pays out, once per key, never beyond what was paid."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from moneyed import Money

from app.catalog.services import load_catalog
from app.catalog.tables import Variant
from app.checkout.services import place_order
from app.core.money import to_minor
from app.core.settings import get_settings
from app.orders.rules import Status
from app.orders.services import load_order, order_id_for, transition
from app.orders.tables import Order, OrderEvent
from app.payments import services as payment_services
from app.payments.providers import ManualProvider, Outcome, PaymentProvider, ProviderResult, TestProvider
from app.payments.services import Applied, PaymentError, RefundFailed, apply_payment_event, refund
from app.payments.tables import Payment, PaymentEvent, Refund
from tests.builders import build_catalog, cart_with, checkout_request, product, test_card


class CountingProvider:
    """A provider that counts refund calls and, like real ones, pays out once per refund id."""

    label = "Counting provider"

    def __init__(self, code: str = "test", outcome: Outcome = Outcome.SUCCEEDED) -> None:
        self.code = code
        self.outcome = outcome
        self.calls: list[str] = []
        self.paid: dict[str, int] = {}  # provider refund id -> minor units paid out

    def validate(self, details: Mapping[str, str]) -> dict[str, str]:
        return dict(details)

    def charge(self, reference: str, amount: Money, details: Mapping[str, str]) -> ProviderResult:
        return ProviderResult(Outcome.SUCCEEDED, event_id=f"counting:{reference}:charge")

    def refund(self, reference: str, amount: Money, refund_id: str) -> ProviderResult:
        self.calls.append(refund_id)
        if self.outcome is Outcome.FAILED:
            return ProviderResult(Outcome.FAILED, event_id=f"counting:{refund_id}:failed", message="no funds")
        self.paid.setdefault(refund_id, to_minor(amount))
        return ProviderResult(Outcome.SUCCEEDED, event_id=f"counting:{refund_id}")

    @property
    def paid_out(self) -> int:
        return sum(self.paid.values())


async def place(provider: PaymentProvider, details: Mapping[str, str]) -> str:
    """One 10.00 EUR mug (German VAT included) shipped in Germany (4.90 net + 19 % VAT = 5.83):
    an order of 1583 cents, holding 15.83 x 19/119 = 2.53 VAT."""
    await build_catalog([product("MG-001", "Mug", category="mugs", price="10.00")], stock=3)
    request = checkout_request(provider, dict(details))
    placed = await place_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
    assert (await order_row(placed.number))["total_minor"] == 1000 + 583
    return placed.number


async def paid_order() -> str:
    number = await place(TestProvider(), test_card())
    assert (await load_order(number)).status is Status.PAID
    return number


async def order_row(number: str) -> dict:
    row = await Order.select().where(Order.number == number).first().run()
    assert row is not None
    return row


async def refunds_of(number: str) -> list[dict]:
    return await Refund.select().where(Refund.order == await order_id_for(number)).order_by(Refund.id).run()


async def test_the_same_key_twice_refunds_once() -> None:
    number = await paid_order()
    provider = CountingProvider()
    first = await refund(number, 400, provider, actor="cli:alice", idempotency_key="rf-1")
    again = await refund(number, 400, provider, actor="cli:alice", idempotency_key="rf-1")
    assert len(provider.calls) == 1 and provider.paid_out == 400
    assert (first.outcome, first.replayed, first.refunded_minor) == (Outcome.SUCCEEDED, False, 400)
    assert (again.outcome, again.replayed, again.refunded_minor) == (Outcome.SUCCEEDED, True, 400)
    assert again.refund_id == first.refund_id and again.status is Status.PARTIALLY_REFUNDED
    assert (await order_row(number))["refunded_minor"] == 400
    [row] = await refunds_of(number)
    assert (row["status"], row["amount_minor"], row["idempotency_key"]) == ("succeeded", 400, "rf-1")
    assert row["provider_refund_id"] == provider.calls[0]
    with pytest.raises(PaymentError, match="already used"):
        await refund(number, 500, provider, actor="cli:alice", idempotency_key="rf-1")
    assert len(provider.calls) == 1
    view = await load_order(number)
    assert [(r.idempotency_key, r.status, r.amount.amount) for r in view.refunds] == [
        ("rf-1", "succeeded", 4)
    ]


async def test_a_late_payment_on_a_cancelled_order_is_refunded_and_recorded() -> None:
    number = await place(ManualProvider(), {})
    order_id = await order_id_for(number)
    await transition(order_id, Status.CANCELLED, actor="cli:bob")
    stock_after_cancel = (await Variant.select(Variant.stock).first().run())["stock"]
    payment = await Payment.select().first().run()
    late = await apply_payment_event(
        payment["reference"], "bank:late", Outcome.SUCCEEDED, payment["amount_minor"], "EUR", "cli:bob"
    )
    assert late is Applied.IGNORED  # the money arrived, the order stays cancelled

    provider = CountingProvider(code="manual")
    total = (await order_row(number))["total_minor"]
    result = await refund(number, total, provider, actor="cli:bob", idempotency_key="late-1")
    assert result.status is Status.CANCELLED and result.refunded_minor == total
    assert provider.paid_out == total
    row = await order_row(number)
    assert (row["status"], row["refunded_minor"], row["refunded_settlement_minor"]) == (
        "cancelled",
        total,
        total,
    )
    [recorded] = await refunds_of(number)
    assert (recorded["status"], recorded["settlement_minor"]) == ("succeeded", total)
    # The whole order back returns all the VAT it held (2.53, see `place`), and no duty.
    assert (recorded["tax_minor"], recorded["duty_minor"]) == (253, 0)
    last = await OrderEvent.select().where(OrderEvent.order == order_id).order_by(OrderEvent.id).run()
    assert (last[-1]["from_status"], last[-1]["to_status"], last[-1]["actor"]) == (
        "cancelled",
        "cancelled",
        "cli:bob",
    )
    assert f"refund {total} EUR" in last[-1]["note"]
    assert (await Variant.select(Variant.stock).first().run())["stock"] == stock_after_cancel
    with pytest.raises(PaymentError):
        await refund(number, 1, provider, actor="cli:bob")


async def test_a_refused_refund_is_recorded_as_failed_and_changes_no_amount() -> None:
    number = await paid_order()
    refusing = CountingProvider(outcome=Outcome.FAILED)
    with pytest.raises(RefundFailed, match="no funds") as failure:
        await refund(number, 400, refusing, actor="cli:alice", idempotency_key="rf-1")
    assert failure.value.result.outcome is Outcome.FAILED
    row = await order_row(number)
    assert (row["status"], row["refunded_minor"], row["refunded_settlement_minor"]) == ("paid", 0, 0)
    [failed] = await refunds_of(number)
    assert (failed["status"], failed["error"]) == ("failed", "no funds")
    # Asking again with the same key shows the same failure without asking the provider again.
    with pytest.raises(RefundFailed):
        await refund(number, 400, refusing, actor="cli:alice", idempotency_key="rf-1")
    assert len(refusing.calls) == 1
    # A failed refund reserves nothing: the whole amount can still be refunded under a new key.
    provider = CountingProvider()
    total = row["total_minor"]
    result = await refund(number, total, provider, actor="cli:alice", idempotency_key="rf-2")
    assert result.status is Status.REFUNDED and provider.paid_out == total
    assert [r["status"] for r in await refunds_of(number)] == ["failed", "succeeded"]


async def test_a_crash_after_the_provider_paid_leaves_a_pending_refund_a_retry_completes_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = await paid_order()
    provider = CountingProvider()
    record_outcome = payment_services._record_outcome

    async def crash(*args: object, **kwargs: object) -> dict:
        raise ConnectionError("database went away")

    monkeypatch.setattr(payment_services, "_record_outcome", crash)
    with pytest.raises(ConnectionError):
        await refund(number, 400, provider, actor="cli:alice", idempotency_key="rf-1")
    assert provider.paid_out == 400  # the money went out...
    [pending] = await refunds_of(number)
    assert pending["status"] == "pending"  # ...and the shop knows a refund is under way
    assert (await order_row(number))["refunded_minor"] == 0
    total = (await order_row(number))["total_minor"]
    with pytest.raises(PaymentError, match="pending"):  # the pending refund counts against the total
        await refund(number, total, provider, actor="cli:alice", idempotency_key="rf-2")

    monkeypatch.setattr(payment_services, "_record_outcome", record_outcome)
    retried = await refund(number, 400, provider, actor="cli:alice", idempotency_key="rf-1")
    assert (retried.outcome, retried.refunded_minor, retried.status) == (
        Outcome.SUCCEEDED,
        400,
        Status.PARTIALLY_REFUNDED,
    )
    assert provider.calls == [pending["provider_refund_id"]] * 2  # same id: the provider pays once
    assert provider.paid_out == 400
    again = await refund(number, 400, provider, actor="cli:alice", idempotency_key="rf-1")
    assert again.replayed and len(provider.calls) == 2
    assert (await order_row(number))["refunded_minor"] == 400
    assert [r["status"] for r in await refunds_of(number)] == ["succeeded"]
    assert await PaymentEvent.count().where(PaymentEvent.kind == "refund").run() == 1


async def test_a_provider_error_leaves_the_refund_pending() -> None:
    number = await paid_order()

    class Unreachable(CountingProvider):
        def refund(self, reference: str, amount: Money, refund_id: str) -> ProviderResult:
            raise TimeoutError("provider timed out")

    with pytest.raises(TimeoutError):
        await refund(number, 400, Unreachable(), actor="cli:alice", idempotency_key="rf-1")
    assert [r["status"] for r in await refunds_of(number)] == ["pending"]
    provider = CountingProvider()
    assert (
        await refund(number, 400, provider, actor="cli:alice", idempotency_key="rf-1")
    ).refunded_minor == 400
    assert provider.paid_out == 400


async def test_over_refunds_are_refused() -> None:
    number = await paid_order()
    provider = CountingProvider()
    total = (await order_row(number))["total_minor"]
    with pytest.raises(PaymentError, match=f"at most {total}"):
        await refund(number, total + 1, provider, actor="cli:alice")
    with pytest.raises(PaymentError):
        await refund(number, 0, provider, actor="cli:alice")
    await refund(number, 1000, provider, actor="cli:alice")
    with pytest.raises(PaymentError, match=f"at most {total - 1000}"):
        await refund(number, total - 1000 + 1, provider, actor="cli:alice")
    assert provider.calls and len(provider.calls) == 1
    assert await Refund.count().run() == 1


async def test_concurrent_refunds_never_exceed_what_was_paid() -> None:
    """10 refunds of 300 to 309 race for the 1483 left of 1583: exactly 4 go through, all recorded.

    Each refund runs its own transactions (a connection each on PostgreSQL, where the order's
    row lock serialises them; BEGIN IMMEDIATE does on SQLite). The amounts differ so that
    each is a different refund for the provider too.
    """
    number = await paid_order()
    provider = CountingProvider()
    await refund(number, 100, provider, actor="cli:alice", idempotency_key="first")

    async def attempt(i: int) -> str:
        try:
            await refund(number, 300 + i, provider, actor=f"cli:{i}", idempotency_key=f"race-{i}")
            return "ok"
        except PaymentError:
            return "refused"

    results = await asyncio.gather(*(attempt(i) for i in range(10)))
    row = await order_row(number)
    succeeded = [r for r in await refunds_of(number) if r["status"] == "succeeded"]
    assert provider.paid_out <= row["total_minor"]
    assert row["refunded_minor"] == provider.paid_out == sum(r["amount_minor"] for r in succeeded)
    assert results.count("ok") == 4 and len(succeeded) == 5
    assert await Refund.count().run() == 5  # refused ones leave no row
    assert row["status"] == "partially_refunded"
    assert row["refunded_settlement_minor"] == sum(r["settlement_minor"] for r in succeeded)
    assert len(set(provider.calls)) == len(provider.calls) == 5
