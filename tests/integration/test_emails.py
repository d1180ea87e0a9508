"""Order confirmation emails: in the order's language, with what was paid and what it equals."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

from app.core.settings import get_settings
from app.notifications.mailers import SmtpMailer
from app.notifications.orders import order_confirmation, send_order_confirmation
from app.orders.services import load_order
from tests.builders import build_catalog, product, store_rates
from tests.database import run_async
from tests.functional.shop import JAPANESE_CHECKOUT, add_to_cart, post_form, set_country
from tests.live_server import free_port

TEE = product("TS-001", "Plain Tee", price="24.90", options={"size": ["s", "m"]}, ja="無地Tシャツ")


def outbox() -> list[email.message.EmailMessage]:
    folder = get_settings().var_dir / "outbox"
    return (
        [
            email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("*.eml"))
        ]
        if folder.exists()
        else []
    )


def clear_outbox() -> None:
    for path in (get_settings().var_dir / "outbox").glob("*.eml"):
        path.unlink()


async def test_checkout_in_yen_sends_a_japanese_confirmation_with_both_amounts(client) -> None:
    clear_outbox()
    await build_catalog([TEE])
    await store_rates({"JPY": "160"})
    set_country(client, "JP")
    await add_to_cart(client, "ja", "無地tシャツ", "1", size="m")
    response = await post_form(
        client,
        "/ja/checkout",
        "/ja/checkout",
        **JAPANESE_CHECKOUT,
    )
    assert response.status_code == 303
    [message] = outbox()
    body = message.get_content()
    assert message["To"] == "hanako@example.jp" and message["Content-Language"] == "ja"
    assert "ご注文" in message["Subject"]
    assert "￥" in body and "€" in body  # what was charged, and what it equals in the shop currency
    assert "IBAN: DE89" in body  # bank transfer instructions
    assert "http://shop.test/ja/orders/SF-" in body and "?key=" in body
    assert "100-0001" in body and "日本" in body


async def test_a_failing_mailer_never_fails_the_order(client_order_async) -> None:
    class Broken:
        def send(self, message) -> None:
            raise OSError("mail server down")

    assert await send_order_confirmation(client_order_async, "http://shop.test/x", Broken()) is False


def test_smtp_mailer_delivers_to_a_real_smtp_server(client_order: str, tmp_path: Path) -> None:
    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = order_confirmation(
            run_async(load_order(client_order)), "http://shop.test/en/orders/x", get_settings()
        )
        SmtpMailer("127.0.0.1", port).send(message)
    finally:
        controller.stop()
    assert len(received) == 1 and client_order.encode() in received[0]
