"""Password reset: the same answer for every address, a single-use signed link that expires."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.settings import get_settings
from app.outbox.tables import OutboxMessage
from app.staff.rules import Role
from app.staff.tables import StaffResetToken
from tests.functional.admin import PASSWORD, forget_admin_store, login, make_staff, submit
from tests.html import text

NEW_PASSWORD = "a much longer new passphrase"


def mail_folder() -> Path:
    return get_settings().var_dir / "outbox"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    for message in mail_folder().glob("*.eml"):
        message.unlink()
    yield
    forget_admin_store()


def reset_links() -> list[str]:
    found = []
    for path in mail_folder().glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",))
        assert body is not None
        found += re.findall(r"http://shop\.test(/admin/reset/[0-9]+\.[0-9a-f]{64})", body.get_content())
    return found


async def request_reset(client, email: str):
    return await submit(client, "/admin/reset", "/admin/reset", email=email)


async def test_the_answer_is_the_same_whether_or_not_the_account_exists(client) -> None:
    await make_staff(Role.OWNER)
    known = await request_reset(client, "owner@shop.test")
    unknown = await request_reset(client, "nobody@shop.test")
    assert known.status_code == unknown.status_code == 200
    assert text(known.text) == text(unknown.text)
    assert len(reset_links()) == 1  # only the real account got an email
    message = next(mail_folder().glob("*.eml")).read_text()
    assert "To: owner@shop.test" in message


async def test_the_token_is_not_stored_in_the_outbox_or_the_database(client) -> None:
    await make_staff(Role.OWNER)
    await request_reset(client, "owner@shop.test")
    (link,) = reset_links()
    signature = link.rsplit(".", 1)[1]
    payloads = [row["payload"] for row in await OutboxMessage.select(OutboxMessage.payload).run()]
    tokens = await StaffResetToken.select().run()
    assert all(signature not in payload for payload in payloads)
    assert all(signature not in str(row) for row in tokens)


async def test_a_link_sets_the_password_once_and_ends_every_session(client) -> None:
    await make_staff(Role.OWNER)
    await login(client, "owner@shop.test")
    old_session = client.cookies.get("admin_session")
    await request_reset(client, "owner@shop.test")
    (link,) = reset_links()
    page = await client.get(link)
    assert page.status_code == 200
    mismatch = await submit(client, link, link, password=NEW_PASSWORD, password_again="something else!!")
    assert mismatch.status_code == 400 and NEW_PASSWORD not in mismatch.text
    done = await submit(client, link, link, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert done.status_code == 200
    # The old session no longer works, the old password neither; the new one does.
    client.cookies.set("admin_session", old_session, domain="shop.test", path="/admin")
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 303
    assert (await login(client, "owner@shop.test", PASSWORD)).status_code == 400
    assert (await login(client, "owner@shop.test", NEW_PASSWORD)).status_code == 303
    # Used once: the same link is dead now.
    again = await client.get(link)
    assert again.status_code == 404
    token = str(client.cookies.get("csrftoken"))
    reuse = await client.post(
        link,
        data={"password": PASSWORD, "password_again": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert reuse.status_code == 400
    client.cookies.delete("admin_session", domain="shop.test", path="/admin")
    assert (await login(client, "owner@shop.test", PASSWORD)).status_code == 400


async def test_an_expired_link_does_nothing(client) -> None:
    await make_staff(Role.OWNER)
    await request_reset(client, "owner@shop.test")
    (link,) = reset_links()
    await StaffResetToken.update({StaffResetToken.expires_at: int(time.time()) - 1}, force=True).run()
    assert (await client.get(link)).status_code == 404
    token = str(client.cookies.get("csrftoken"))
    response = await client.post(
        link, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 400
    assert (await login(client, "owner@shop.test", NEW_PASSWORD)).status_code == 400


async def test_a_forged_or_altered_link_does_nothing(client) -> None:
    await make_staff(Role.OWNER)
    await request_reset(client, "owner@shop.test")
    (link,) = reset_links()
    head, signature = link.rsplit(".", 1)
    altered = f"{head}.{('0' if signature[0] != '0' else '1')}{signature[1:]}"
    for bad in (
        altered,
        "/admin/reset/1." + "a" * 64,
        "/admin/reset/nonsense",
        "/admin/reset/99999." + "0" * 64,
    ):
        assert (await client.get(bad)).status_code == 404, bad


async def test_a_disabled_account_gets_no_link(client) -> None:
    await make_staff(Role.OWNER)
    support = await make_staff(Role.SUPPORT)
    from app.staff.services import Actor, set_active

    await set_active(Actor(None, "test", ""), support.id, False)
    await request_reset(client, "support@shop.test")
    assert reset_links() == []


async def test_reset_emails_per_account_are_limited_without_telling(client) -> None:
    """Guesses per client are limited by the rate-limit middleware (see test_admin_login); one
    account's inbox gets at most 3 reset emails an hour, whoever asks, and the page never says."""
    await make_staff(Role.OWNER)
    answers = [await request_reset(client, "owner@shop.test") for _ in range(5)]
    assert {answer.status_code for answer in answers} == {200}
    assert len({text(answer.text) for answer in answers}) == 1
    assert await StaffResetToken.count().run() == 3
