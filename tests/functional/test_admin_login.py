"""Logging in to the back office: limits per account and per client, argon2 rehashing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from app.staff.auth import GUESSES_PER_CLIENT_PER_HOUR
from app.staff.rules import Role
from app.staff.services import password_hasher
from app.staff.tables import StaffAccount, StaffAuditLog
from tests.functional.admin import PASSWORD, forget_admin_store, login, make_staff, submit
from tests.html import text


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client) -> None:
    await make_staff(Role.OWNER)
    wrong = await login(client, "owner@shop.test", "not the password")
    unknown = await login(client, "nobody@shop.test")
    assert wrong.status_code == unknown.status_code == 400
    assert text(wrong.text).replace("owner@", "") == text(unknown.text).replace("nobody@", "")
    assert "not the password" not in wrong.text  # the password is never echoed back
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 303


async def test_logins_per_account_are_limited_with_retry_after_and_a_localised_message(client) -> None:
    await make_staff(Role.OWNER)
    for _ in range(5):
        assert (await login(client, "owner@shop.test", "guess")).status_code == 400
    client.headers["accept-language"] = "de"
    refused = await login(client, "owner@shop.test")  # even the right password, while limited
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "Zu viele Versuche" in text(refused.text)
    assert (await client.get("/admin/", follow_redirects=False)).status_code == 303
    assert await StaffAuditLog.count().where(StaffAuditLog.action == "staff.login").run() == 0


async def test_guesses_per_client_are_limited_across_accounts_and_forms(client) -> None:
    """Litestar's rate-limit middleware counts a client's login and reset POSTs together."""
    await make_staff(Role.OWNER)
    for number in range(GUESSES_PER_CLIENT_PER_HOUR - 1):
        assert (await login(client, f"guess{number}@shop.test", "guess")).status_code == 400
    reset = await submit(client, "/admin/reset", "/admin/reset", email="owner@shop.test")
    assert reset.status_code == 200 and int(reset.headers["ratelimit-remaining"]) == 0
    client.headers["accept-language"] = "de"
    refused = await login(client, "owner@shop.test")  # the right password, from the same client
    assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
    assert "Zu viele Versuche" in text(refused.text) and 'name="password"' in refused.text
    again = await submit(client, "/admin/reset", "/admin/reset", email="owner@shop.test")
    assert again.status_code == 429 and "Zu viele Versuche" in text(again.text)
    assert (await client.get("/admin/login")).status_code == 200  # reading the form is not a guess
    assert await StaffAuditLog.count().where(StaffAuditLog.action == "staff.login").run() == 0


async def test_a_hash_with_old_parameters_is_replaced_at_login(client) -> None:
    owner = await make_staff(Role.OWNER)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    await StaffAccount.update({StaffAccount.password_hash: weak}).where(StaffAccount.id == owner.id).run()
    assert (await login(client, "owner@shop.test")).status_code == 303
    stored = (
        await StaffAccount.select(StaffAccount.password_hash).where(StaffAccount.id == owner.id).first().run()
    )
    assert stored is not None and stored["password_hash"] != weak
    assert stored["password_hash"].startswith("$argon2id$")
    assert not password_hasher().check_needs_rehash(stored["password_hash"])
    assert (await client.get("/admin/")).status_code == 200  # the session survives the rehash


async def test_the_login_is_audited_with_the_client_address(client) -> None:
    owner = await make_staff(Role.OWNER)
    await login(client, "owner@shop.test")
    row = await StaffAuditLog.select().where(StaffAuditLog.action == "staff.login").first().run()
    assert row is not None and row["staff_id"] == owner.id and row["ip"] == "testclient"
    last = (
        await StaffAccount.select(StaffAccount.last_login_at).where(StaffAccount.id == owner.id).first().run()
    )
    assert last is not None and last["last_login_at"] is not None
