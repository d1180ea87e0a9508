"""The back-office order screens through real HTTP: who may see and do what, the list's filters and
search, masked personal data, and each action (mark paid, ship, deliver, cancel, refund) going
through the state machine with its audit row, safe to repeat, CSRF-protected."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest

from app.catalog.services import load_catalog
from app.catalog.tables import Variant
from app.checkout.services import place_order
from app.core.settings import get_settings
from app.orders.rules import Status
from app.orders.services import load_order
from app.orders.tables import Order
from app.payments.providers import TestProvider
from app.payments.tables import Refund
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, cart_with, checkout_request, product, test_card
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.html import form_values, links, text

PHONE = "+49 30 12345678"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def place(email: str = "alice.smith@example.com", card: bool = False, stock: int = 5) -> str:
    """One 10.00 EUR mug to Cologne: a bank transfer awaiting payment, or paid by test card."""
    if not await Variant.exists().where(Variant.sku == "MG-001").run():
        await build_catalog([product("MG-001", "Mug", category="mugs", price="10.00")], stock=stock)
    request = checkout_request(TestProvider(), test_card()) if card else checkout_request()
    request = dataclasses.replace(request, email=email, phone=PHONE)
    placed = await place_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
    return placed.number


async def as_role(client, role: Role) -> None:
    await make_staff(role, locales=frozenset({"de"}))
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def audit(action: str) -> list[dict]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == action).order_by(StaffAuditLog.id).run()


async def stock() -> int:
    row = await Variant.select(Variant.stock).where(Variant.sku == "MG-001").first().run()
    return int(row["stock"])


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.CATALOGUE_MANAGER])
async def test_roles_without_orders_neither_see_the_menu_entry_nor_open_the_screens(client, role) -> None:
    number = await place()
    await as_role(client, role)
    home = await client.get("/admin/")
    assert "/admin/orders" not in links(home.text)
    for path in ("/admin/orders", f"/admin/orders/{number}"):
        assert (await client.get(path)).status_code == 403, path
    response = await client.post(
        f"/admin/orders/{number}/reveal", data={"_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert response.status_code == 403
    assert await audit("order.reveal_personal_data") == []


async def test_without_a_session_the_order_screens_send_the_browser_to_the_login_page(client) -> None:
    number = await place()
    for path in ("/admin/orders", f"/admin/orders/{number}"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")


async def test_support_reads_orders_with_masked_data_but_moves_no_money(client) -> None:
    number = await place(card=True)
    await as_role(client, Role.SUPPORT)
    home = await client.get("/admin/")
    assert "/admin/orders" in links(home.text)
    listing = await client.get("/admin/orders")
    assert listing.status_code == 200
    assert "a***h@example.com" in listing.text and "alice.smith@example.com" not in listing.text
    page = await client.get(f"/admin/orders/{number}")
    assert page.status_code == 200
    assert "alice.smith@example.com" not in page.text and "12345678" not in page.text
    assert "+493*****5678" in text(page.text)
    assert "Heidestraße" not in page.text and "KÖLN" in page.text  # roughly where, not which door
    # A masked role finds a customer's orders by their whole email only, never by a part of it.
    assert number in (await client.get("/admin/orders", params={"q": "Alice.Smith@example.com"})).text
    for part in ("alice", "@example.com", "a_ice.smith@example.com"):
        assert number not in (await client.get("/admin/orders", params={"q": part})).text, part
    # No action forms for support, and the routes refuse them.
    assert f"/admin/orders/{number}/refund" not in page.text
    token = csrf_token(client)
    for action, fields in {
        "refund": {"amount": "1.00", "key": "admin-" + "k" * 30},
        "mark-paid": {},
        "ship": {"carrier": "DHL", "tracking": "1"},
        "cancel": {},
        "deliver": {},
    }.items():
        response = await client.post(
            f"/admin/orders/{number}/{action}", data={**fields, "_csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 403, action
    assert await Refund.count().run() == 0
    assert (await load_order(number)).status is Status.PAID


async def test_revealing_personal_data_is_audited_and_lasts_one_page(client) -> None:
    number = await place()
    await as_role(client, Role.SUPPORT)
    response = await submit(client, f"/admin/orders/{number}", f"/admin/orders/{number}/reveal")
    assert response.status_code == 200
    assert "alice.smith@example.com" in response.text and PHONE in response.text
    assert "Heidestraße 17" in response.text
    [row] = await audit("order.reveal_personal_data")
    assert row["target"] == f"order:{number}" and row["actor"] == "support@shop.test"
    assert json.loads(row["after"]) == {"fields": "email,phone,address"}
    again = await client.get(f"/admin/orders/{number}")
    assert "alice.smith@example.com" not in again.text


async def test_the_owner_sees_full_contact_details_and_the_whole_breakdown(client) -> None:
    number = await place(card=True)
    await as_role(client, Role.OWNER)
    listing = await client.get("/admin/orders")
    assert "alice.smith@example.com" in listing.text
    page = await client.get(f"/admin/orders/{number}")
    body = text(page.text)
    assert PHONE in body and "alice.smith@example.com" in body
    order = await load_order(number)
    assert order.charges, "a German order carries its VAT line"
    for heading in ("Price breakdown", "Presentment and settlement", "Payment attempts", "History"):
        assert heading in body
    assert "Mug" in body and "Subtotal" in body and "MG-001" in body
    assert "test_" in body  # the payment attempt's reference


# --- the list -----------------------------------------------------------------------------------


async def test_filters_and_search_by_number_or_email(client) -> None:
    first = await place(email="first@example.com")
    second = await place(email="second@example.com", card=True)
    await as_role(client, Role.OWNER)

    async def numbers(query: str) -> set[str]:
        response = await client.get(f"/admin/orders?{query}")
        assert response.status_code == 200
        return {n for n in (first, second) if f"/admin/orders/{n}" in response.text}

    assert await numbers("") == {first, second}
    assert await numbers("status=paid") == {second}
    assert await numbers("status=pending_payment") == {first}
    assert await numbers("provider=manual") == {first}
    assert await numbers("provider=test") == {second}
    assert await numbers("country=DE") == {first, second}
    assert await numbers("country=FR") == set()
    assert await numbers(f"q={second}") == {second}
    assert await numbers(f"q={first.lower()}") == {first}
    assert await numbers("q=FIRST@example.com") == {first}
    assert await numbers("since=2000-01-01&until=2000-01-02") == set()
    assert await numbers("since=2000-01-01") == {first, second}
    market = (await load_order(first)).market
    assert await numbers(f"market={market}") == {first, second}
    assert await numbers("market=nowhere") == set()
    # Nonsense in the query string is ignored, never a 500.
    assert (await client.get("/admin/orders?since=notadate&status=bogus&page=x")).status_code == 200


async def test_the_list_is_paginated(client, monkeypatch) -> None:
    from app.staff import orders

    monkeypatch.setattr(orders, "ORDERS_PAGE_SIZE", 2)
    made = [await place(email=f"p{i}@example.com", stock=10) for i in range(3)]
    await as_role(client, Role.OWNER)
    first = await client.get("/admin/orders")
    assert "/admin/orders?page=2" in links(first.text)
    second = await client.get("/admin/orders?page=2")
    assert f"/admin/orders/{made[0]}" in second.text and f"/admin/orders/{made[2]}" not in second.text


# --- actions -----------------------------------------------------------------------------------


async def test_fulfilment_marks_paid_ships_and_delivers_once_each_with_audit_rows(client) -> None:
    number = await place()
    await as_role(client, Role.FULFILMENT)
    page = f"/admin/orders/{number}"
    response = await submit(client, page, f"{page}/mark-paid", reference="BANK-42")
    assert response.status_code == 303 and response.headers["location"] == f"{page}?done=paid"
    shown = await client.get(response.headers["location"])
    assert "The payment was recorded" in text(shown.text)
    assert "Heidestraße 17" in shown.text  # the parcel needs the whole address

    response = await submit(client, page, f"{page}/ship", carrier="DHL", tracking="JJD0001")
    assert response.status_code == 303
    order = await load_order(number)
    assert order.status is Status.SHIPPED
    assert order.events[-1].note == "carrier: DHL; tracking: JJD0001"
    assert order.events[-1].actor == "staff:fulfilment@shop.test"

    # A double click: the second submission is refused by the state machine, nothing changes.
    token = csrf_token(client)
    again = await client.post(
        f"{page}/ship",
        data={"carrier": "DHL", "tracking": "JJD0001", "_csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert "cannot become" in text(again.text)
    assert sum(e.to_status == "shipped" for e in (await load_order(number)).events) == 1

    assert (await submit(client, page, f"{page}/deliver")).status_code == 303
    assert (await load_order(number)).status is Status.DELIVERED
    paid, shipped, delivered = (
        await audit("order.mark_paid"),
        await audit("order.ship"),
        await audit("order.deliver"),
    )
    assert len(paid) == len(shipped) == len(delivered) == 1
    assert json.loads(shipped[0]["before"])["status"] == "paid"
    assert json.loads(shipped[0]["after"])["status"] == "shipped"
    assert json.loads(paid[0]["after"])["bank_reference"] == "BANK-42"

    # Marking paid again changes nothing and says so.
    repeat = await client.post(f"{page}/mark-paid", data={"_csrf_token": token}, follow_redirects=False)
    assert repeat.status_code == 409 and len(await audit("order.mark_paid")) == 1


async def test_fulfilment_cannot_refund(client) -> None:
    number = await place(card=True)
    await as_role(client, Role.FULFILMENT)
    page = await client.get(f"/admin/orders/{number}")
    assert f"/admin/orders/{number}/refund" not in page.text
    response = await client.post(
        f"/admin/orders/{number}/refund",
        data={"amount": "1.00", "key": "admin-" + "k" * 30, "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert await Refund.count().run() == 0


async def test_cancel_restocks_and_is_audited(client) -> None:
    number = await place()
    assert await stock() == 4
    await as_role(client, Role.OWNER)
    page = f"/admin/orders/{number}"
    response = await submit(client, page, f"{page}/cancel", note="customer asked")
    assert response.status_code == 303
    assert (await load_order(number)).status is Status.CANCELLED
    assert await stock() == 5
    [row] = await audit("order.cancel")
    assert json.loads(row["before"])["status"] == "pending_payment"
    assert json.loads(row["after"])["status"] == "cancelled"
    # Cancelling again restocks nothing more.
    again = await client.post(
        f"{page}/cancel", data={"_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert again.status_code == 409 and await stock() == 5


async def test_fulfilment_cancels_an_unpaid_order_but_not_a_paid_one(client) -> None:
    unpaid, paid = await place(), await place(card=True)
    await as_role(client, Role.FULFILMENT)
    assert (
        await submit(client, f"/admin/orders/{unpaid}", f"/admin/orders/{unpaid}/cancel")
    ).status_code == 303
    assert (await load_order(unpaid)).status is Status.CANCELLED
    page = await client.get(f"/admin/orders/{paid}")
    assert f"/admin/orders/{paid}/cancel" not in page.text  # paid money goes back by a refund
    refused = await client.post(
        f"/admin/orders/{paid}/cancel", data={"_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert refused.status_code == 409 and (await load_order(paid)).status is Status.PAID


async def test_a_double_submitted_refund_refunds_once(client) -> None:
    number = await place(card=True)
    await as_role(client, Role.OWNER)
    page = f"/admin/orders/{number}"
    form = form_values((await client.get(page)).text, f"{page}/refund")
    assert form["key"].startswith("admin-")
    form["amount"] = "5.00"
    first = await client.post(f"{page}/refund", data=form, follow_redirects=False)
    second = await client.post(f"{page}/refund", data=form, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"{page}?done=refunded"
    assert second.status_code == 409 and "already made" in text(second.text)
    order = await load_order(number)
    assert [r.amount.amount for r in order.refunds] == [5]
    assert order.status is Status.PARTIALLY_REFUNDED
    [requested] = await audit("order.refund_requested")
    assert json.loads(requested["after"])["refund_outcome"] == "requested"
    [row] = await audit("order.refund")
    after = json.loads(row["after"])
    assert (
        after["refund_amount"] == "5.00"
        and after["refunded"] == "5.00"
        and after["status"] == "partially_refunded"
        and after["refund_outcome"] == "succeeded"
    )

    # The rest, with a fresh form: the order is fully refunded; beyond that is refused.
    rest = str((order.total - order.refunded).amount)
    assert (await submit(client, page, f"{page}/refund", amount=rest)).status_code == 303
    assert (await load_order(number)).status is Status.REFUNDED
    assert len(await audit("order.refund")) == 2


async def test_a_refund_whose_audit_row_fails_is_not_made(client, monkeypatch) -> None:
    """The audit row is written in the refund's own transaction: if it cannot be written, no
    refund is recorded and the provider is never asked."""
    number = await place(card=True)
    await as_role(client, Role.OWNER)

    async def broken_audit(*args: object) -> None:
        raise RuntimeError("audit log unavailable")

    asked: list[object] = []
    monkeypatch.setattr("app.staff.orders.record_audit", broken_audit)
    monkeypatch.setattr(TestProvider, "refund", lambda self, *args: asked.append(args))
    page = f"/admin/orders/{number}"
    failed = await submit(client, page, f"{page}/refund", amount="5.00")
    assert failed.status_code == 500  # an internal failure, not the staff member's input
    assert asked == [] and await Refund.count().run() == 0
    assert (await load_order(number)).status is Status.PAID


async def test_refund_input_is_checked(client) -> None:
    number = await place(card=True)
    await as_role(client, Role.OWNER)
    page = f"/admin/orders/{number}"
    for amount, status in (("", 400), ("abc", 400), ("-1", 400), ("0.001", 400), ("1000", 409)):
        response = await submit(client, page, f"{page}/refund", amount=amount)
        assert response.status_code == status, amount
    no_key = await client.post(
        f"{page}/refund", data={"amount": "1", "_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert no_key.status_code == 400
    assert await Refund.count().run() == 0 and await audit("order.refund") == []


async def test_order_forms_refuse_a_missing_csrf_token(client) -> None:
    number = await place()
    await as_role(client, Role.OWNER)
    for action in ("mark-paid", "cancel", "reveal", "ship", "deliver", "refund"):
        response = await client.post(f"/admin/orders/{number}/{action}", data={}, follow_redirects=False)
        assert response.status_code == 403, action
    assert (await load_order(number)).status is Status.PENDING_PAYMENT
    assert await StaffAuditLog.count().where(StaffAuditLog.action.like("order.%")).run() == 0


async def test_an_unknown_order_is_a_404_page(client) -> None:
    await as_role(client, Role.OWNER)
    response = await client.get("/admin/orders/NOPE1234")
    assert response.status_code == 404 and "Order not found" in text(response.text)
    action = await client.post(
        "/admin/orders/NOPE1234/cancel", data={"_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert action.status_code == 404


async def test_messages_are_in_the_staff_members_language(client) -> None:
    from app.staff.services import Actor, set_ui_locale, staff_by_email

    number = await place()
    await as_role(client, Role.OWNER)
    member = await staff_by_email("owner@shop.test")
    await set_ui_locale(Actor(None, "test", ""), member.id, "de")
    again = await client.post(f"/admin/orders/{number}/deliver", data={"_csrf_token": csrf_token(client)})
    assert again.status_code == 409
    assert "Bestellungen" in again.text  # the menu entry
    assert await Order.count().run() == 1
