"""A hard kill after an order commits loses nothing: the payment resumes, the email goes out once.

The real server runs in its own processes and gets SIGKILL while the (slow) test card provider is
still answering: the order, its payment and its follow-ups are committed, nothing after that ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from app.orders.tables import Order
from app.outbox.tables import OutboxMessage
from app.payments.providers import TestProvider
from app.payments.tables import Payment, PaymentEvent
from tests.builders import GERMAN_ADDRESS, build_catalog, product
from tests.database import run_async
from tests.integration.test_outbox import sent_for
from tests.live_server import ServerProcess

CHECKOUT = {
    "email": "crash@example.com",
    "country": "DE",
    "address": {k: v for k, v in GERMAN_ADDRESS.items() if k != "country_code"},
    "shipping_method": "standard",
    "payment": {"method": "test", "card_number": TestProvider.SLOW},
    "locale": "en",
}


def eventually(check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)
    return result


def state() -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        order = await Order.select(Order.number, Order.status).first().run()
        return {
            "order": order,
            "payments": await Payment.select(Payment.status).run(),
            "events": await PaymentEvent.count().run(),
            "pending_follow_ups": await OutboxMessage.count().where(OutboxMessage.done_at.is_null()).run(),
        }

    return run_async(read())


def test_a_server_killed_while_the_provider_answers_resumes_the_payment_and_emails_once() -> None:
    run_async(build_catalog([product("MG-001", "Mug", category="mugs")], stock=3))
    # This server delivers nothing itself (OUTBOX_POLL_SECONDS=0): had a delivery pass claimed the
    # payment's follow-up before the kill, its claim would hold it for the 5-minute lease.
    server = ServerProcess(workers=1, env={"OUTBOX_POLL_SECONDS": "0"})
    try:
        http = httpx.Client(base_url=server.base_url, timeout=30)
        token = http.post("/api/v1/carts").json()["token"]
        http.post(f"/api/v1/carts/{token}/lines", json={"sku": "MG-001", "quantity": 1}).raise_for_status()
        checkout: Callable[[], httpx.Response] = lambda: http.post(  # noqa: E731
            f"/api/v1/carts/{token}/checkout", json=CHECKOUT, headers={"Idempotency-Key": "crash-1"}
        )
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(checkout)
            number = eventually(lambda: (state()["order"] or {}).get("number"))
            time.sleep(0.5)  # well inside the provider's SLOW_SECONDS
            server.kill()
            with pytest.raises(httpx.TransportError):
                answer.result()
    finally:
        server.stop()

    crashed = state()
    assert crashed["order"]["status"] == "pending_payment"
    assert crashed["payments"] == [{"status": "pending"}] and crashed["events"] == 0
    assert crashed["pending_follow_ups"] == 2 and sent_for(number) == []  # capture + email

    server = ServerProcess(workers=1, env={"OUTBOX_POLL_SECONDS": "1"})
    try:
        [message] = eventually(lambda: sent_for(number))
        after = state()
        assert after["order"]["status"] == "paid" and after["payments"] == [{"status": "succeeded"}]
        assert after["events"] == 1
        eventually(lambda: state()["pending_follow_ups"] == 0)  # (and the search index it builds)
        # The capture ran before the email, which therefore says the order is paid.
        assert "Paid" in message.get_payload(decode=True).decode()
        # The shopper's client retries its request: the same order, paid, nothing charged again.
        retried = httpx.post(
            f"{server.base_url}/api/v1/carts/{token}/checkout",
            json=CHECKOUT,
            headers={"Idempotency-Key": "crash-1"},
            timeout=30,
        )
        assert retried.status_code == 201, retried.text
        assert retried.json()["number"] == number and retried.json()["status"] == "paid"
        time.sleep(2.5)  # two more delivery passes
    finally:
        server.stop()
    assert len(sent_for(number)) == 1 and state()["events"] == 1
