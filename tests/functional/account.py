"""Shopper-account steps through real HTTP, as a browser takes them (forms with CSRF tokens)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
import shutil
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from app.accounts.tables import Customer
from app.catalog.services import load_catalog
from app.checkout.services import place_order
from app.core.settings import get_settings
from app.notifications.outbox import deliver_pending
from tests.builders import build_catalog, cart_with, checkout_request, product
from tests.html import form_values

PASSWORD = "a long shopper passphrase"
MUG = product("MG-001", "Stoneware Mug", category="mugs", price="12.50")


def forget_shop_store() -> None:
    """Shopper sessions, counters and sent mail live under VAR_DIR: each test starts without them."""
    for folder in ("shop-sessions", "shop-limits"):
        shutil.rmtree(get_settings().var_dir / folder, ignore_errors=True)
    for message in mail_folder().glob("*.eml"):
        message.unlink()


def mail_folder() -> Path:
    return get_settings().var_dir / "outbox"


def sent_mail() -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(mail_folder().glob("*.eml"))
    ]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def links_in_mail(kind: str) -> list[str]:
    """Paths of the account links (`verify` or `reset`) in the mail sent so far."""
    found: list[str] = []
    for message in sent_mail():
        found += re.findall(
            rf"http://shop\.test(/[a-z-]+/account/{kind}/[0-9]+\.[0-9a-f]{{64}})", body_of(message)
        )
    return found


async def post_page_form(client: Any, page_path: str, action: str, /, **fields: str) -> Any:
    page = await client.get(page_path)
    assert page.status_code in (200, 404, 422), page.text[:300]
    values = form_values(page.text, action)
    values.update(fields)
    return await client.post(action, data=values, follow_redirects=False)


async def sign_up(client: Any, address: str, password: str = PASSWORD, locale: str = "en") -> Any:
    path = f"/{locale}/account/signup"
    return await post_page_form(client, path, path, email=address, password=password)


async def log_in(client: Any, address: str, password: str = PASSWORD, locale: str = "en") -> Any:
    path = f"/{locale}/account/login"
    return await post_page_form(client, path, path, email=address, password=password)


async def verified_account(client: Any, address: str, locale: str = "en") -> int:
    """Sign up through the pages and follow the emailed link; returns the account id."""
    await sign_up(client, address, locale=locale)
    await deliver_pending()
    link = links_in_mail("verify")[-1]
    assert (await client.get(link)).status_code == 200
    row = (
        await Customer.select(Customer.id, Customer.verified_at)
        .where(Customer.email == address)
        .first()
        .run()
    )
    assert row["verified_at"] is not None
    return int(row["id"])


async def guest_order(address: str, customer_id: int | None = None) -> str:
    """A bank-transfer order placed with `address` (as a guest, or linked to an account)."""
    if not await load_catalog_has_mug():
        await build_catalog([MUG], stock=50)
    request = dataclasses.replace(checkout_request(email=address), customer_id=customer_id)
    placed = await place_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
    return placed.number


async def load_catalog_has_mug() -> bool:
    from app.catalog.tables import Product

    return bool(await Product.exists().where(Product.code == "MG-001").run())
