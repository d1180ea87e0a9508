"""What an account sees: its orders once the address is verified (never another shopper's),
checkout linking orders to it, preferences, and page-cached shop pages that stay anonymous."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from app.accounts.tables import Customer
from app.orders.tables import Order
from app.server.app import create_app
from tests.builders import build_catalog
from tests.functional.account import (
    MUG,
    forget_shop_store,
    guest_order,
    log_in,
    sign_up,
    verified_account,
)
from tests.functional.shop import GERMAN_CHECKOUT, add_to_cart, post_form
from tests.html import form_values, text


@pytest.fixture(autouse=True)
def fresh_shop_store() -> Iterator[None]:
    forget_shop_store()
    yield
    forget_shop_store()


async def other_client():
    from litestar.testing import AsyncTestClient

    return AsyncTestClient(app=create_app(), base_url="http://shop.test")


async def test_an_unverified_account_sees_no_orders(client) -> None:
    number = await guest_order("olga@example.com")
    await sign_up(client, "olga@example.com")
    assert (await log_in(client, "olga@example.com")).status_code == 303  # unverified may log in
    page = await client.get("/en/account")
    body = text(page.text)
    assert "Please confirm your email address" in body and number not in body
    assert form_values(page.text, "/en/account/verify/resend")  # the resend button
    assert (await client.get(f"/en/account/orders/{number}", follow_redirects=False)).status_code == 404


async def test_a_verified_account_sees_its_guest_orders_by_email_and_no_one_elses(client) -> None:
    mine = await guest_order(" Pia@Example.com")  # typed with a space and capitals at checkout
    theirs = await guest_order("quinn@example.com")
    await verified_account(client, "pia@example.com")
    await log_in(client, "pia@example.com")
    page = await client.get("/en/account")
    body = text(page.text)
    assert mine in body and theirs not in body
    assert "Awaiting payment" in body and "€" in body  # status and total in the order's currency
    # Its own order opens (on to the private page); another shopper's is a 404.
    own = await client.get(f"/en/account/orders/{mine}", follow_redirects=False)
    assert own.status_code == 303 and re.match(
        rf"^/en/orders/{mine}\?key=[0-9a-f]{{32}}$", own.headers["location"]
    )
    assert (await client.get(own.headers["location"])).status_code == 200
    assert (await client.get(f"/en/account/orders/{theirs}", follow_redirects=False)).status_code == 404
    assert (await client.get("/en/account/orders/SF-NOTHING", follow_redirects=False)).status_code == 404


async def test_two_accounts_each_see_only_their_own_orders() -> None:
    first, second = await other_client(), await other_client()
    async with first as one, second as two:
        ruth = await guest_order("ruth@example.com")
        sam = await guest_order("sam@example.com")
        await verified_account(one, "ruth@example.com")
        await verified_account(two, "sam@example.com")
        await log_in(one, "ruth@example.com")
        await log_in(two, "sam@example.com")
        assert ruth in text((await one.get("/en/account")).text)
        assert sam not in text((await one.get("/en/account")).text)
        assert sam in text((await two.get("/en/account")).text)
        assert (await one.get(f"/en/account/orders/{sam}", follow_redirects=False)).status_code == 404
        assert (await two.get(f"/en/account/orders/{ruth}", follow_redirects=False)).status_code == 404
        assert (await two.get(f"/en/account/orders/{sam}", follow_redirects=False)).status_code == 303


async def test_an_anonymous_visitor_is_sent_to_log_in(client) -> None:
    number = await guest_order("tess@example.com")
    response = await client.get(f"/en/account/orders/{number}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/en/account/login?next=/en/account/orders/{number}"
    assert "shop_session" not in response.cookies  # no session for visitors who have none


async def checkout(client, **fields: str):
    return await post_form(client, "/en/checkout", "/en/checkout", **fields)


async def test_checkout_links_the_order_to_a_verified_account_only(client) -> None:
    await build_catalog([MUG], stock=20)
    customer_id = await verified_account(client, "uma@example.com")
    await log_in(client, "uma@example.com")
    await add_to_cart(client, "en", "stoneware-mug", "1")
    # Another address typed at checkout: the order still belongs to the account that placed it.
    placed = await checkout(
        client, **{**GERMAN_CHECKOUT, "email": "uma.work@example.com"}, payment_method="manual"
    )
    assert placed.status_code == 303, text(placed.text)[:500]
    order = await Order.select(Order.number, Order.customer).first().run()
    assert order["customer"] == customer_id
    assert order["number"] in text((await client.get("/en/account")).text)

    # An unverified account's order stays a guest order.
    other = await other_client()
    async with other as guest:
        guest.cookies.set("country", "DE", domain="shop.test")
        await sign_up(guest, "vic@example.com")
        await log_in(guest, "vic@example.com")
        await add_to_cart(guest, "en", "stoneware-mug", "1")
        again = await checkout(
            guest, **{**GERMAN_CHECKOUT, "email": "vic@example.com"}, payment_method="manual"
        )
        assert again.status_code == 303
    rows = await Order.select(Order.email, Order.customer).order_by(Order.id).run()
    assert rows[1] == {"email": "vic@example.com", "customer": None}


async def test_preferences_are_saved_and_applied_at_login(client) -> None:
    await verified_account(client, "wes@example.com")
    await log_in(client, "wes@example.com")
    page = await client.get("/en/account")
    values = form_values(page.text, "/en/account/settings")
    values.update(language="fr", currency="JPY")
    saved = await client.post("/en/account/settings", data=values, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/fr/account?done=saved"
    assert saved.cookies.get("currency") == "JPY"
    row = await Customer.select(Customer.preferred_locale, Customer.preferred_currency).first().run()
    assert row == {"preferred_locale": "fr", "preferred_currency": "JPY"}
    shown = await client.get("/fr/account?done=saved")
    assert 'value="fr" lang="fr" selected' in shown.text

    # On a new device: logging in (in English) leads to the French account page, in yen.
    fresh = await other_client()
    async with fresh as device:
        logged = await log_in(device, "wes@example.com")
        assert logged.headers["location"] == "/fr/account"
        assert logged.cookies.get("currency") == "JPY"


async def test_cached_shop_pages_carry_nothing_of_a_logged_in_shopper(client) -> None:
    """The page cache serves every shopper the same HTML: a logged-in shopper's visit must not put
    their account in it, nor be served anything of another's. One app, so one page cache."""
    await build_catalog([MUG], stock=5)
    await verified_account(client, "xena@example.com")
    await log_in(client, "xena@example.com")
    session_id = client.cookies.get("shop_session")
    page_cache = client.app.state.shop.page_cache
    pages = ["/en/", "/en/p/stoneware-mug", "/en/c/mugs"]
    strip = re.compile(r'name="_csrf_token" value="[^"]*"')

    def logged_out() -> None:
        client.cookies.delete("shop_session", domain="shop.test")

    def logged_back_in() -> None:
        client.cookies.set("shop_session", session_id, domain="shop.test")

    for first, then in ((None, logged_out), (logged_out, logged_back_in)):
        page_cache.clear()
        if first is not None:
            first()
        before = {path: await client.get(path) for path in pages}
        cached = len(page_cache._pages)
        assert cached >= len(pages)
        then()
        after = {path: await client.get(path) for path in pages}
        assert len(page_cache._pages) == cached  # served from the cache the first visit filled
        for path in pages:
            for response in (before[path], after[path]):
                assert response.status_code == 200
                assert "xena@example.com" not in response.text and "Log out" not in response.text
                assert 'href="/en/account"' in response.text  # the header's static link
                assert "shop_session" not in response.headers.get("set-cookie", "")
            assert strip.sub("", before[path].text) == strip.sub("", after[path].text)
    # The account page is never cached, and always no-store.
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 200
    cached = len(page_cache._pages)
    account = await client.get("/en/account")
    assert account.headers["cache-control"] == "no-store" and "xena@example.com" in account.text
    assert len(page_cache._pages) == cached
    for path in ("/en/account/login", "/en/account/signup", "/en/account/reset"):
        assert (await client.get(path, follow_redirects=False)).headers["cache-control"] == "no-store"
