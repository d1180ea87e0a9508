"""The back-office customer screens through real HTTP: customers grouped by email with exact totals,
masked contact details, the audited reveal, a search that is no email oracle, opaque keys in every
URL (never an email), and the role guard on each route."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import quote

import pytest
from moneyed import Money

from app.catalog.services import load_catalog
from app.catalog.tables import Variant
from app.checkout.services import place_order
from app.core.settings import get_settings
from app.orders.tables import Order
from app.staff import customer_controllers, customers
from app.staff.customers import customer_by_email, parse_customer_key
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, cart_with, checkout_request, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.html import links, parse, text

EMAIL = "alice.smith@example.com"
PHONE = "+49 30 12345678"
REVEAL_ACTION = "customer.reveal_personal_data"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def place(email: str = EMAIL) -> str:
    """One 10.00 EUR mug to Cologne by bank transfer, with a phone number."""
    if not await Variant.exists().where(Variant.sku == "MG-001").run():
        await build_catalog([product("MG-001", "Mug", category="mugs", price="10.00")], stock=20)
    request = dataclasses.replace(checkout_request(), email=email, phone=PHONE)
    placed = await place_order(await cart_with("MG-001"), request, await load_catalog(), get_settings())
    return placed.number


_numbers = iter(range(1, 10_000))


async def order_row(
    email: str,
    status: str,
    settlement_minor: int,
    refunded_settlement_minor: int = 0,
    *,
    currency: str = "EUR",
    settlement_currency: str = "EUR",
    country: str = "DE",
) -> str:
    """An order row with exactly these amounts (what the checkout would have stored)."""
    number = f"SF-T{next(_numbers):07d}"
    await Order.insert(
        Order(
            number=number,
            email=email,
            locale="en",
            currency=currency,
            status=status,
            subtotal_minor=settlement_minor,
            shipping_minor=0,
            total_minor=settlement_minor,
            shipping_method="standard",
            shipping_method_name="Standard",
            shipping_country=country,
            shipping_address=json.dumps({"country_code": country, "name": "Alice Smith", "city": "Paris"}),
            payment_provider="manual",
            settlement_currency=settlement_currency,
            settlement_total_minor=settlement_minor,
            refunded_settlement_minor=refunded_settlement_minor,
        )
    ).run()
    return number


async def as_role(client, role: Role) -> None:
    await make_staff(role, locales=frozenset({"de"}))
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def audit(action: str) -> list[dict]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == action).order_by(StaffAuditLog.id).run()


def customer_links(html: str) -> list[str]:
    return [href for href in links(html, "/admin/customers/")]


def urls(html: str) -> list[str]:
    """Every address the page can send the browser to: links, form actions, sources."""
    found = []
    for _, attrs in parse(html).tags:
        found += [value for name, value in attrs.items() if name in {"href", "action", "src", "formaction"}]
    return found


async def first_customer_page(client) -> str:
    listing = await client.get("/admin/customers")
    assert listing.status_code == 200
    [link] = customer_links(listing.text)
    return link


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.CATALOGUE_MANAGER])
async def test_roles_without_customers_get_403_everywhere(client, role) -> None:
    await place()
    await as_role(client, role)
    assert "/admin/customers" not in links((await client.get("/admin/")).text)
    key = (await customer_by_email(EMAIL, "EUR", get_settings().secret_key)).key
    for path in ("/admin/customers", f"/admin/customers/{key}"):
        assert (await client.get(path)).status_code == 403, path
    token = csrf_token(client)
    for path, fields in ((f"/admin/customers/{key}/reveal", {}), ("/admin/customers", {"q": EMAIL})):
        response = await client.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403, path
        assert EMAIL not in response.text
    assert await StaffAuditLog.count().where(StaffAuditLog.action.like("customer.%")).run() == 0


async def test_without_a_session_the_customer_screens_send_the_browser_to_the_login_page(client) -> None:
    await place()
    key = (await customer_by_email(EMAIL, "EUR", get_settings().secret_key)).key
    for path in ("/admin/customers", f"/admin/customers/{key}"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")


async def test_support_sees_masked_emails_phones_and_addresses(client) -> None:
    number = await place()
    await as_role(client, Role.SUPPORT)
    assert "/admin/customers" in links((await client.get("/admin/")).text)
    listing = await client.get("/admin/customers")
    assert listing.status_code == 200
    assert "a***h@example.com" in text(listing.text) and EMAIL not in listing.text

    page = await client.get(await first_customer_page(client))
    assert page.status_code == 200
    body = text(page.text)
    assert "a***h@example.com" in body and EMAIL not in page.text
    assert "+493*****5678" in body and "12345678" not in page.text
    # The address says the city and country, not who or which door.
    assert "KÖLN" in body and "Germany" in body
    assert "Heidestraße" not in page.text and "Mustermann" not in page.text and "51147" not in page.text
    assert f"/admin/orders/{number}" in links(page.text)
    assert "Show contact details" in body


async def test_support_reveals_contact_details_once_and_the_reveal_is_audited(client) -> None:
    await place()
    await as_role(client, Role.SUPPORT)
    page = await first_customer_page(client)
    key = page.rsplit("/", 1)[1]
    response = await submit(client, page, f"{page}/reveal")
    assert response.status_code == 200
    body = text(response.text)
    assert EMAIL in body and PHONE in body and "Heidestraße 17" in body and "Erika Mustermann" in body
    assert "Show contact details" not in body
    assert response.headers["cache-control"] == "no-store"

    [row] = await audit(REVEAL_ACTION)
    assert row["actor"] == "support@shop.test" and row["staff_id"] is not None
    assert row["ip"] and row["at"] is not None
    assert row["target"] == f"customer:{key}"
    assert json.loads(row["after"]) == {"fields": "email,phone,address"}
    assert EMAIL not in json.dumps(row, default=str)  # the audit log names the customer by key only

    again = await client.get(page)
    assert EMAIL not in again.text and "Heidestraße" not in again.text
    assert len(await audit(REVEAL_ACTION)) == 1  # looking again is no reveal


async def test_the_owner_sees_contact_details_without_a_reveal(client) -> None:
    await place()
    await as_role(client, Role.OWNER)
    listing = await client.get("/admin/customers")
    assert EMAIL in text(listing.text)
    page = await client.get(await first_customer_page(client))
    body = text(page.text)
    assert EMAIL in body and PHONE in body and "Heidestraße 17" in body
    assert "Show contact details" not in body
    assert await audit(REVEAL_ACTION) == []


async def test_the_order_page_reveal_still_works_through_the_shared_masking(client) -> None:
    number = await place()
    await as_role(client, Role.SUPPORT)
    page = await client.get(f"/admin/orders/{number}")
    assert EMAIL not in page.text and "+493*****5678" in text(page.text)
    revealed = await submit(client, f"/admin/orders/{number}", f"/admin/orders/{number}/reveal")
    assert EMAIL in revealed.text and PHONE in text(revealed.text)


# --- grouping and totals ------------------------------------------------------------------------


async def test_customers_are_grouped_by_email_whatever_its_case_with_exact_totals(client) -> None:
    alice = [
        await order_row(EMAIL, "paid", 1234),
        # Charged in yen; what counts is what the shop received in its own currency.
        await order_row("Alice.Smith@Example.COM", "shipped", 5000, currency="JPY"),
        await order_row(EMAIL, "partially_refunded", 3000, 1001),
        await order_row(EMAIL, "refunded", 2000, 2000),
        await order_row(EMAIL, "pending_payment", 9999),
        await order_row(EMAIL, "cancelled", 7777),
        # From before the settlement columns: settled in its own currency.
        await order_row(EMAIL, "delivered", 100, settlement_currency=""),
        # Settled in another currency: not added to a EUR total, counted aside.
        await order_row(EMAIL, "paid", 500, currency="GBP", settlement_currency="GBP", country="FR"),
    ]
    await order_row("bob@example.com", "paid", 999)
    found = await customer_by_email(" ALICE.smith@example.com", "EUR", get_settings().secret_key)
    assert found is not None
    assert found.orders == len(alice)
    assert found.spent == Money(Decimal("83.33"), "EUR")  # 12.34 + 50.00 + 19.99 + 1.00
    assert found.other_currency_orders == 1
    assert found.country == "FR"  # the newest order's destination

    await as_role(client, Role.OWNER)
    listing = await client.get("/admin/customers")
    rows = [text(row) for row in listing.text.split("<tr>")[2:]]
    assert len(rows) == 2
    alice_row = next(row for row in rows if EMAIL in row)
    assert "€83.33" in alice_row and " 8 " in f" {alice_row} " and "France" in alice_row
    assert "1 order in another currency not included" in alice_row
    bob_row = next(row for row in rows if "bob@example.com" in row)
    assert "€9.99" in bob_row
    # Newest buyer first.
    assert rows.index(bob_row) == 0

    page = await client.get(found_link := f"/admin/customers/{found.key}")
    assert page.status_code == 200, found_link
    body = text(page.text)
    assert "€83.33" in body
    assert all(f"/admin/orders/{number}" in links(page.text) for number in alice)


async def test_the_list_is_paginated(client, monkeypatch) -> None:
    monkeypatch.setattr(customers, "CUSTOMERS_PAGE_SIZE", 2)
    for name in ("first", "second", "third"):
        await order_row(f"{name}@example.com", "paid", 100)
    await as_role(client, Role.OWNER)
    first = await client.get("/admin/customers")
    assert "/admin/customers?page=2" in links(first.text)
    assert "third@example.com" in first.text and "first@example.com" not in first.text
    second = await client.get("/admin/customers?page=2")
    assert "first@example.com" in second.text and "third@example.com" not in second.text
    assert "/admin/customers?page=1" in links(second.text)
    for odd in ("page=x", "page=-1", "page=99999999", "page=0"):
        assert (await client.get(f"/admin/customers?{odd}")).status_code == 200, odd


# --- search -------------------------------------------------------------------------------------


async def test_search_by_whole_email_or_order_number_only(client) -> None:
    number = await place()
    await order_row("bob@example.com", "paid", 100)
    await as_role(client, Role.OWNER)

    async def search(term: str) -> tuple[int, list[str]]:
        response = await submit(client, "/admin/customers", "/admin/customers", q=term)
        return response.status_code, [text(row) for row in response.text.split("<tr>")[2:]]

    status, rows = await search("ALICE.Smith@example.com ")
    assert status == 200 and len(rows) == 1 and EMAIL in rows[0]
    status, rows = await search(number.lower().replace("-", " "))
    assert status == 200 and len(rows) == 1 and EMAIL in rows[0]
    # No partial matches: nothing to walk letter by letter.
    for partial in ("alice", "alice.smith@example", "@example.com", "a%", "alice.smith@"):
        status, rows = await search(partial)
        assert status == 400 and rows == [], partial
    # Wildcards are plain characters: the match is equality, not LIKE.
    for pattern in ("%@example.com", "_lice.smith@example.com", "%.smith@example.com"):
        status, rows = await search(pattern)
        assert status == 200 and rows == [], pattern
    status, rows = await search("nobody@example.com")
    assert status == 200 and rows == []
    status, rows = await search("SF-ZZZZZZZZ")
    assert status == 200 and rows == []


async def test_email_searches_by_masked_roles_are_audited_and_limited(client, monkeypatch) -> None:
    await place()
    monkeypatch.setattr(
        customer_controllers,
        "EMAIL_SEARCH_PER_STAFF",
        dataclasses.replace(customer_controllers.EMAIL_SEARCH_PER_STAFF, attempts=2),
    )
    await as_role(client, Role.SUPPORT)
    found = await submit(client, "/admin/customers", "/admin/customers", q=EMAIL.upper())
    assert found.status_code == 200 and "a***h@example.com" in text(found.text)
    missing = await submit(client, "/admin/customers", "/admin/customers", q="carol@example.com")
    assert missing.status_code == 200 and "No customer has this email" in text(missing.text)
    rows = await audit("customer.search_by_email")
    assert [json.loads(row["after"]) for row in rows] == [{"found": True}, {"found": False}]
    assert rows[0]["target"].startswith("customer:") and rows[1]["target"] == ""
    assert "carol" not in json.dumps(rows, default=str) and EMAIL not in json.dumps(rows, default=str)

    refused = await submit(client, "/admin/customers", "/admin/customers", q=EMAIL)
    assert refused.status_code == 429 and "Too many email searches" in text(refused.text)
    assert "a***h@example.com" not in text(refused.text).split("Too many")[1]
    # Order numbers are not limited: they are no way to test emails.
    number_search = await submit(client, "/admin/customers", "/admin/customers", q="SF-ZZZZZZZZ")
    assert number_search.status_code == 200


# --- URLs, logs, CSRF and keys ------------------------------------------------------------------


async def test_no_email_in_any_url_or_log_line(client, caplog) -> None:
    # The shop's own loggers at their most verbose, libraries at the production level (the test
    # client's httpx logger writes each request URL at INFO: one more place an email must not be).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="storefront")
    await place()
    await order_row("Bob+Shop@Example.com", "paid", 100)
    await as_role(client, Role.SUPPORT)
    pages = [await client.get("/admin/customers")]
    pages.append(await submit(client, "/admin/customers", "/admin/customers", q=EMAIL))
    for link in customer_links(pages[0].text):
        pages.append(await client.get(link))
        pages.append(await submit(client, link, f"{link}/reveal"))
    pages.append(await client.get("/admin/customers/1-" + "0" * 32))  # a 404 page
    assert len(pages) == 7 and all(page.status_code in (200, 404) for page in pages)
    # The reveals did show the emails (Bob bought last, so he comes first).
    assert "bob+shop@example.com" in pages[3].text and EMAIL in pages[5].text
    for page in pages:
        assert str(page.url).count("@") == 0
        for url in urls(page.text):
            for email in (EMAIL, "bob+shop@example.com"):
                for form in (email, quote(email), quote(email, safe=""), email.split("@")[0]):
                    assert form.lower() not in url.lower(), url
            assert "@" not in url and "%40" not in url.lower(), url
    for email in (EMAIL, "bob+shop@example.com", "Bob+Shop"):
        assert email.lower() not in caplog.text.lower()


async def test_customer_forms_refuse_a_missing_csrf_token(client) -> None:
    await place()
    await as_role(client, Role.SUPPORT)
    page = await first_customer_page(client)
    reveal = await client.post(f"{page}/reveal", data={}, follow_redirects=False)
    assert reveal.status_code == 403 and EMAIL not in reveal.text
    wrong = await client.post(f"{page}/reveal", data={"_csrf_token": "forged"}, follow_redirects=False)
    assert wrong.status_code == 403 and EMAIL not in wrong.text
    search = await client.post("/admin/customers", data={"q": EMAIL}, follow_redirects=False)
    assert search.status_code == 403
    assert await StaffAuditLog.count().where(StaffAuditLog.action.like("customer.%")).run() == 0


async def test_a_tampered_or_unknown_key_is_a_404_page(client) -> None:
    await place()
    await order_row("bob@example.com", "paid", 100)
    secret = get_settings().secret_key
    alice = await customer_by_email(EMAIL, "EUR", secret)
    bob = await customer_by_email("bob@example.com", "EUR", secret)
    alice_id, alice_mac = parse_customer_key(alice.key)
    bob_id, _ = parse_customer_key(bob.key)
    flipped = alice_mac[:-1] + ("0" if alice_mac[-1] != "0" else "1")
    await as_role(client, Role.SUPPORT)
    assert (await client.get(f"/admin/customers/{alice.key}")).status_code == 200
    for key in (
        f"{alice_id}-{flipped}",  # another MAC
        f"{bob_id}-{alice_mac}",  # Alice's MAC on Bob's order
        f"{alice_id + 1000}-{alice_mac}",  # no such order
        f"0{alice_id}-{alice_mac}",
        alice_mac,
        "x" * 500,
        "%00",
        "9" * 40 + "-" + alice_mac,
        f"{alice_id}-{alice_mac.upper()}",
        "1-" + "é" * 32,
    ):
        response = await client.get(f"/admin/customers/{quote(key, safe='')}")
        assert response.status_code == 404, key
        assert "Customer not found" in text(response.text)
        assert EMAIL not in response.text
        reveal = await client.post(
            f"/admin/customers/{quote(key, safe='')}/reveal",
            data={"_csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert reveal.status_code == 404, key
        assert EMAIL not in reveal.text
    assert await audit(REVEAL_ACTION) == []
    # Any of the customer's own orders finds them: the MAC, not the id, says who it is.
    bob_second = await order_row("bob@example.com", "paid", 100)
    second_id = await Order.select(Order.id).where(Order.number == bob_second).first().run()
    _, bob_mac = parse_customer_key(bob.key)
    assert (await client.get(f"/admin/customers/{second_id['id']}-{bob_mac}")).status_code == 200
