"""Shopper accounts: sign-up with a verified address, log-in limits, sessions, password resets."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.accounts.rules import token_digest
from app.accounts.sessions import GUESSES_PER_CLIENT_PER_HOUR
from app.accounts.tables import Customer, CustomerToken
from app.notifications.outbox import deliver_pending
from app.outbox.tables import OutboxMessage
from tests.functional.account import (
    PASSWORD,
    body_of,
    forget_shop_store,
    links_in_mail,
    log_in,
    post_page_form,
    sent_mail,
    sign_up,
    verified_account,
)
from tests.html import form_values, text

NEW_PASSWORD = "another long passphrase"


@pytest.fixture(autouse=True)
def fresh_shop_store() -> Iterator[None]:
    forget_shop_store()
    yield
    forget_shop_store()


async def test_sign_up_verify_by_the_emailed_link_then_log_in(client) -> None:
    signed = await sign_up(client, "  Alice@Example.COM ", locale="fr")
    assert signed.status_code == 200 and signed.headers["cache-control"] == "no-store"
    assert PASSWORD not in signed.text
    row = await Customer.select().first().run()
    assert row["email"] == "alice@example.com" and row["verified_at"] is None
    assert row["password_hash"].startswith("$argon2id$") and row["preferred_locale"] == "fr"
    assert "shop_session" not in signed.cookies  # signing up is not logging in

    await deliver_pending()  # the response's background task did it already; harmless again
    (message,) = sent_mail()
    assert message["To"] == "alice@example.com" and message["Content-Language"] == "fr"
    (link,) = links_in_mail("verify")
    assert link.startswith("/fr/account/verify/")
    # Only a SHA-256 of the token is stored; the outbox payload holds ids, never the token.
    token = link.rsplit("/", 1)[1]
    payloads = " ".join(row["payload"] for row in await OutboxMessage.select(OutboxMessage.payload).run())
    stored = await CustomerToken.select().run()
    assert token.split(".")[1] not in payloads and all(token not in str(row) for row in stored)
    assert stored[0]["token_hash"] == token_digest(token) and stored[0]["purpose"] == "verify"

    page = await client.get(link)
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    assert await Customer.select(Customer.verified_at).first().run() != {"verified_at": None}

    logged = await log_in(client, "ALICE@example.com ", locale="fr")
    assert logged.status_code == 303 and logged.headers["location"] == "/fr/account"
    account = await client.get("/fr/account")
    assert account.status_code == 200 and "alice@example.com" in text(account.text)
    assert account.headers["cache-control"] == "no-store"


async def test_a_used_or_expired_verification_link_is_refused(client) -> None:
    await sign_up(client, "bob@example.com")
    await deliver_pending()
    (link,) = links_in_mail("verify")
    assert (await client.get(link)).status_code == 200
    used = await client.get(link)
    assert used.status_code == 404 and "not valid any more" in text(used.text)

    # A fresh link that has expired (48 hours) is refused too, as is a forged one.
    await log_in(client, "bob@example.com")
    await Customer.update({Customer.verified_at: None}).where(Customer.email == "bob@example.com").run()
    page = await client.get("/en/account")
    resend = form_values(page.text, "/en/account/verify/resend")
    assert (await client.post("/en/account/verify/resend", data=resend)).status_code in (200, 303)
    await deliver_pending()
    fresh = links_in_mail("verify")[-1]
    await (
        CustomerToken.update({CustomerToken.expires_at: int(time.time()) - 1})
        .where(CustomerToken.used_at.is_null())
        .run()
    )
    assert (await client.get(fresh)).status_code == 404
    token_id = fresh.rsplit("/", 1)[1].split(".")[0]
    forged = f"/en/account/verify/{token_id}.{'0' * 64}"
    assert (await client.get(forged)).status_code == 404
    assert (await Customer.select(Customer.verified_at).first().run())["verified_at"] is None


async def test_signing_up_with_a_registered_address_answers_the_same_and_tells_its_owner(client) -> None:
    await verified_account(client, "carol@example.com")
    before = len(sent_mail())
    again = await sign_up(client, "Carol@Example.com", password="a different passphrase")
    fresh = await sign_up(client, "dave@example.com")
    assert again.status_code == fresh.status_code == 200
    assert text(again.text).replace("carol@", "X@") == text(fresh.text).replace("dave@", "X@")
    await deliver_pending()
    mail = sent_mail()
    assert len(mail) == before + 2
    to_carol = [m for m in mail if m["To"] == "carol@example.com" and "already" in str(m["Subject"])]
    assert to_carol and "/en/account/login" in body_of(to_carol[0])
    assert "/account/verify/" not in body_of(to_carol[0])
    # The original password still works; no second account exists.
    assert await Customer.count().where(Customer.email == "carol@example.com").run() == 1
    assert (await log_in(client, "carol@example.com")).status_code == 303


async def test_sign_up_errors_are_shown_with_the_address_kept_and_the_password_dropped(client) -> None:
    response = await sign_up(client, "not-an-address", password="short")
    assert response.status_code == 422
    assert 'value="not-an-address"' in response.text and 'value="short"' not in response.text
    assert "valid email address" in text(response.text) and "at least 10 characters" in text(response.text)
    assert 'aria-invalid="true"' in response.text
    assert await Customer.count().run() == 0


async def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client) -> None:
    await verified_account(client, "erin@example.com")
    wrong = await log_in(client, "erin@example.com", "not the password")
    unknown = await log_in(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert text(wrong.text).replace("erin@", "X@") == text(unknown.text).replace("nobody@", "X@")
    assert "not the password" not in wrong.text
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 303


async def test_logins_per_account_are_limited(client) -> None:
    await verified_account(client, "frank@example.com")
    for _ in range(5):
        assert (await log_in(client, "frank@example.com", "guess guess guess")).status_code == 400
    refused = await log_in(client, "frank@example.com")  # even the right password, while limited
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "Too many attempts" in text(refused.text) and 'name="password"' in refused.text
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 303


async def test_guesses_per_client_are_limited_across_addresses_and_forms(client) -> None:
    for number in range(GUESSES_PER_CLIENT_PER_HOUR - 1):
        assert (await log_in(client, f"guess{number}@example.com", "guess guess")).status_code == 400
    reset = await post_page_form(client, "/en/account/reset", "/en/account/reset", email="x@example.com")
    assert reset.status_code == 200 and int(reset.headers["ratelimit-remaining"]) == 0
    client.headers["accept-language"] = "de"
    refused = await log_in(client, "someone@example.com", locale="de")
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
    assert 'name="password"' in refused.text and 'lang="de"' in refused.text
    signup = await sign_up(client, "new@example.com")
    assert signup.status_code == 429
    assert await Customer.count().run() == 0


async def test_logout_ends_the_session_server_side(client) -> None:
    await verified_account(client, "gina@example.com")
    await log_in(client, "gina@example.com")
    session_id = client.cookies.get("shop_session")
    assert session_id
    page = await client.get("/en/account")
    out = await client.post(
        "/en/account/logout", data=form_values(page.text, "/en/account/logout"), follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/en/"
    assert not client.cookies.get("shop_session") or client.cookies.get("shop_session") == "null"
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 303
    client.cookies.set("shop_session", session_id, domain="shop.test")  # the old id, replayed
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 303


async def test_logging_in_gives_a_fresh_session_id(client) -> None:
    await verified_account(client, "hank@example.com")
    planted = "a" * 32
    client.cookies.set("shop_session", planted, domain="shop.test")
    await client.get("/en/account/login")
    logged = await log_in(client, "hank@example.com")
    assert logged.status_code == 303
    fresh = logged.cookies.get("shop_session")
    assert fresh and fresh != planted
    cookie = logged.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/" in cookie
    # The planted id is worth nothing: a browser holding it is not logged in.
    client.cookies.set("shop_session", planted, domain="shop.test")
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 303


async def test_a_session_ends_after_its_absolute_lifetime(client, monkeypatch) -> None:
    from app.accounts import sessions

    await verified_account(client, "iris@example.com")
    await log_in(client, "iris@example.com")
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 200
    monkeypatch.setattr(sessions, "SESSION_MAX_SECONDS", 0)
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 303


async def test_forms_without_the_csrf_token_are_refused(client) -> None:
    await verified_account(client, "jack@example.com")
    refused = await client.post(
        "/en/account/login", data={"email": "jack@example.com", "password": PASSWORD}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "shop_session" not in refused.cookies
    signup = await client.post("/en/account/signup", data={"email": "k@example.com", "password": PASSWORD})
    assert signup.status_code == 403 and await Customer.count().run() == 1


# --- password reset --------------------------------------------------------------------------------


async def request_reset(client, address: str):
    return await post_page_form(client, "/en/account/reset", "/en/account/reset", email=address)


async def test_a_reset_for_an_unknown_address_gets_the_same_answer(client) -> None:
    await verified_account(client, "kim@example.com")
    known = await request_reset(client, "kim@example.com")
    unknown = await request_reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert text(known.text) == text(unknown.text)
    await deliver_pending()
    assert len(links_in_mail("reset")) == 1


async def test_a_reset_link_works_once_and_ends_older_sessions(client) -> None:
    await verified_account(client, "lena@example.com")
    await log_in(client, "lena@example.com")
    old_session = client.cookies.get("shop_session")
    await request_reset(client, "lena@example.com")
    await deliver_pending()
    (link,) = links_in_mail("reset")
    page = await client.get(link)
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    short = await post_page_form(client, link, link, password="short")
    assert short.status_code == 422 and "at least 10 characters" in text(short.text)
    done = await post_page_form(client, link, link, password=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/en/account?done=password"
    assert client.cookies.get("shop_session") != old_session
    # Used once; the old session, and the old password, no longer work.
    assert (await client.get(link)).status_code == 404
    client.cookies.set("shop_session", old_session, domain="shop.test")
    assert (await client.get("/en/account", follow_redirects=False)).status_code == 303
    assert (await log_in(client, "lena@example.com", PASSWORD)).status_code == 400
    assert (await log_in(client, "lena@example.com", NEW_PASSWORD)).status_code == 303


async def test_a_new_reset_link_spends_the_older_one_and_links_expire(client) -> None:
    await verified_account(client, "max@example.com")
    await request_reset(client, "max@example.com")
    await deliver_pending()
    (first,) = links_in_mail("reset")
    await request_reset(client, "max@example.com")
    await deliver_pending()
    second = next(link for link in links_in_mail("reset") if link != first)
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    rows = (
        await CustomerToken.select().where(CustomerToken.purpose == "reset").order_by(CustomerToken.id).run()
    )
    assert 3500 <= rows[-1]["expires_at"] - int(time.time()) <= 3600  # one hour
    await (
        CustomerToken.update({CustomerToken.expires_at: int(time.time()) - 1})
        .where(CustomerToken.id == rows[-1]["id"])
        .run()
    )
    assert (await client.get(second)).status_code == 404
    token = str(client.cookies.get("csrftoken"))
    late = await client.post(
        second, data={"password": NEW_PASSWORD, "_csrf_token": token}, follow_redirects=False
    )
    assert late.status_code == 404
    assert (await log_in(client, "max@example.com", PASSWORD)).status_code == 303


async def test_reset_emails_per_account_are_limited_but_the_answer_is_the_same(client) -> None:
    await verified_account(client, "nia@example.com")
    answers = [text((await request_reset(client, "nia@example.com")).text) for _ in range(4)]
    assert len(set(answers)) == 1
    await deliver_pending()
    assert await CustomerToken.count().where(CustomerToken.purpose == "reset").run() == 3
