"""Follow-ups commit with the order and are delivered once, after a crash too, with retries."""

from __future__ import annotations

import asyncio
import email
import json
import time
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from app.catalog.services import load_catalog
from app.checkout.services import CheckoutError, _write_order, place_order
from app.core.settings import get_settings
from app.notifications.outbox import deliver_pending
from app.orders.tables import Order
from app.outbox.rules import ORDER_CONFIRMATION, PAYMENT_CAPTURE, retry_delay
from app.outbox.services import deliver_due
from app.outbox.tables import OutboxMessage
from app.payments.providers import TestProvider
from app.payments.tables import Payment, PaymentEvent
from app.server.app import create_app
from tests.builders import build_catalog, cart_with, checkout_request, product, test_card

LINK = "http://shop.test/en/orders/{}?key=k"


async def placed_with_email(stock: int = 3) -> str:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=stock)
    request = replace(checkout_request(), confirmation_link=LINK.format)
    placed = await place_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
    return placed.number


def sent_for(number: str) -> list[email.message.EmailMessage]:
    folder = get_settings().var_dir / "outbox"
    messages = (
        [email.message_from_bytes(p.read_bytes()) for p in folder.glob("*.eml")] if folder.exists() else []
    )
    return [m for m in messages if number in str(m["Subject"])]


async def test_the_email_is_written_with_the_order_and_only_then() -> None:
    number = await placed_with_email()
    [row] = await OutboxMessage.select().run()
    assert row["kind"] == ORDER_CONFIRMATION and row["done_at"] is None
    assert json.loads(row["payload"]) == {"number": number, "link": LINK.format(number)}
    refused = replace(checkout_request(), confirmation_link=LINK.format, expected_version="an old quote")
    with pytest.raises(CheckoutError):  # an order refused (prices changed) leaves nothing behind
        await place_order(await cart_with("MG-001"), refused, await load_catalog(), get_settings())
    assert await OutboxMessage.count().run() == 1


async def test_a_failed_delivery_is_retried_later_and_then_sent_once() -> None:
    number = await placed_with_email()
    calls: list[str] = []

    async def broken(payload) -> None:
        calls.append("broken")
        raise OSError("mail server down")

    async def working(payload) -> None:
        calls.append(payload["number"])

    assert await deliver_due({ORDER_CONFIRMATION: broken}) == 0
    [row] = await OutboxMessage.select().run()
    assert row["attempts"] == 1 and row["done_at"] is None and "mail server down" in row["last_error"]
    assert row["next_attempt_at"] >= int(time.time()) + retry_delay(1) - 2  # backoff, not a hot loop
    assert await deliver_due({ORDER_CONFIRMATION: working}) == 0  # not due yet
    await OutboxMessage.update({OutboxMessage.next_attempt_at: 0}, force=True).run()
    assert await deliver_due({ORDER_CONFIRMATION: working}) == 1
    assert await deliver_due({ORDER_CONFIRMATION: working}) == 0  # done: never again
    assert calls == ["broken", number]
    assert (await OutboxMessage.select(OutboxMessage.done_at).first().run())["done_at"] is not None


async def test_two_workers_never_deliver_the_same_follow_up() -> None:
    await placed_with_email()
    delivered: list[str] = []

    async def slow(payload) -> None:
        await asyncio.sleep(0.05)
        delivered.append(payload["number"])

    results = await asyncio.gather(*(deliver_due({ORDER_CONFIRMATION: slow}) for _ in range(4)))
    assert sum(results) == 1 and len(delivered) == 1


async def test_an_email_left_behind_by_a_crash_is_sent_when_the_shop_starts_again() -> None:
    """The order committed, then the process died before sending: the next start sends it, once."""
    number = await placed_with_email()  # committed; nothing delivered it
    assert sent_for(number) == []
    for _ in range(2):  # start the shop twice
        async with AsyncTestClient(app=create_app(), base_url="http://shop.test"):
            for _ in range(100):
                if sent_for(number):
                    break
                await asyncio.sleep(0.05)
    [message] = sent_for(number)
    assert LINK.format(number) in message.get_payload(decode=True).decode()
    assert (await OutboxMessage.select(OutboxMessage.done_at).first().run())["done_at"] is not None


async def placed_with_card(card: str) -> str:
    """A card order committed with its payment follow-up, then the process died: nothing charged."""
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=3)
    request = replace(checkout_request(TestProvider(), test_card(card)), confirmation_link=LINK.format)
    number, _ = await _write_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
    return number


async def order_status(number: str) -> tuple[str, list[str]]:
    order = await Order.select(Order.id, Order.status).where(Order.number == number).first().run()
    payments = await Payment.select(Payment.status).where(Payment.order == order["id"]).run()
    return order["status"], [p["status"] for p in payments]


@pytest.fixture
def charges(monkeypatch) -> list[str]:
    """The payment references the test provider is asked to charge."""
    asked: list[str] = []
    real_charge = TestProvider.charge
    monkeypatch.setattr(TestProvider, "charge", lambda *a: asked.append(a[1]) or real_charge(*a))
    return asked


async def test_a_payment_left_unanswered_is_charged_once_by_the_outbox_and_its_email_says_paid(
    charges: list[str],
) -> None:
    number = await placed_with_card(TestProvider.SUCCEEDS)
    kinds = [r["kind"] for r in await OutboxMessage.select().order_by(OutboxMessage.id).run()]
    assert kinds == [PAYMENT_CAPTURE, ORDER_CONFIRMATION]  # payment first: the email tells the outcome
    payload = json.loads((await OutboxMessage.select().first().run())["payload"])
    assert payload["method"] == "pm_test_succeeds" and TestProvider.SUCCEEDS not in json.dumps(payload)
    assert await order_status(number) == ("pending_payment", ["pending"])
    assert await deliver_pending() == 2
    assert await order_status(number) == ("paid", ["succeeded"])
    [message] = sent_for(number)
    assert "Paid" in message.get_payload(decode=True).decode()
    assert await deliver_pending() == 0 and len(charges) == 1


async def test_the_usual_checkout_charges_once_and_its_follow_up_then_finds_nothing_to_do(
    charges: list[str],
) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=3)
    request = checkout_request(TestProvider(), test_card())
    placed = await place_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
    assert placed.status.value == "paid" and len(charges) == 1
    assert await deliver_pending() == 1  # the capture follow-up, done without asking again
    assert len(charges) == 1 and await PaymentEvent.count().run() == 1


async def test_a_declined_card_found_after_a_crash_leaves_the_order_visibly_awaiting_payment() -> None:
    number = await placed_with_card(TestProvider.DECLINED)
    assert await deliver_pending() == 2
    assert await order_status(number) == ("pending_payment", ["failed"])  # the shopper can pay again


async def test_a_capture_that_cannot_run_is_retried_with_backoff_and_stays_visible(monkeypatch) -> None:
    number = await placed_with_card(TestProvider.SUCCEEDS)
    disabled = replace(get_settings(), test_payments_enabled=False)  # switched off since the order
    monkeypatch.setattr("app.checkout.services.get_settings", lambda: disabled)
    assert await deliver_pending() == 1  # the email went; the capture did not
    capture = await OutboxMessage.select().where(OutboxMessage.kind == PAYMENT_CAPTURE).first().run()
    assert capture["done_at"] is None and "not enabled" in capture["last_error"]
    assert capture["next_attempt_at"] > int(time.time())
    assert await order_status(number) == ("pending_payment", ["pending"])
