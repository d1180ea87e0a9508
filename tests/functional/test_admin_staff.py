"""The owner's screens: staff accounts (create, change role, disable) and the audit log (filters,
pages, CSV export), each change audited in its transaction; the log cannot be edited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from piccolo.engine import engine_finder

from app.staff.rules import Role
from app.staff.services import AUDIT_PAGE_SIZE, Actor, record_audit, staff_by_email
from app.staff.tables import AuditLogIsAppendOnly, StaffAccount, StaffAuditLog
from tests.functional.admin import PASSWORD, forget_admin_store, login, make_staff, submit
from tests.html import links, tags, text


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def owner_client(client):
    owner = await make_staff(Role.OWNER)
    assert (await login(client, "owner@shop.test")).status_code == 303
    return owner


async def audit_rows(action: str) -> list[dict]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == action).order_by(StaffAuditLog.id).run()


async def test_the_owner_creates_an_account_and_it_is_audited(client) -> None:
    owner = await owner_client(client)
    response = await submit(
        client,
        "/admin/staff",
        "/admin/staff",
        email="Trans@Shop.test",
        name="Yuki",
        role="translator",
        locales=["ja", "zh-hans"],
        password=PASSWORD,
    )
    assert response.status_code == 303
    member = await staff_by_email("trans@shop.test")
    assert member is not None and member.role is Role.TRANSLATOR and member.locales == {"ja", "zh-hans"}
    (row,) = [row for row in await audit_rows("staff.create") if row["staff_id"] is not None]
    assert row["staff_id"] == owner.id and row["ip"] == "testclient" and row["before"] == ""
    assert '"role": "translator"' in row["after"] and "password" not in row["after"]
    page = await client.get("/admin/staff")
    assert "trans@shop.test" in text(page.text)


async def test_a_refused_account_keeps_the_form_but_never_the_password(client) -> None:
    await owner_client(client)
    bad = await submit(
        client,
        "/admin/staff",
        "/admin/staff",
        email="new@shop.test",
        name="<script>x</script>",
        role="support",
        password="short",
    )
    assert bad.status_code == 400
    assert "12 characters" in text(bad.text)
    assert tags(bad.text, "input", name="email")[0]["value"] == "new@shop.test"
    assert tags(bad.text, "input", name="password")[0].get("value") is None
    assert "<script>x</script>" not in bad.text and "&lt;script&gt;x&lt;/script&gt;" in bad.text
    taken = await submit(
        client,
        "/admin/staff",
        "/admin/staff",
        email="owner@shop.test",
        name="Again",
        role="support",
        password=PASSWORD,
    )
    assert taken.status_code == 400 and "already exists" in text(taken.text)
    assert await StaffAccount.count().run() == 1


async def test_role_changes_and_disabling_are_audited_with_before_and_after(client) -> None:
    owner = await owner_client(client)
    support = await make_staff(Role.SUPPORT)
    response = await submit(
        client, "/admin/staff", f"/admin/staff/{support.id}/role", role="translator", locales=["ar"]
    )
    assert response.status_code == 303
    (role_row,) = await audit_rows("staff.role")
    assert '"role": "support"' in role_row["before"] and '"role": "translator"' in role_row["after"]
    assert '"locales": ["ar"]' in role_row["after"] and role_row["staff_id"] == owner.id
    response = await submit(client, "/admin/staff", f"/admin/staff/{support.id}/active", active="0")
    assert response.status_code == 303
    (disable_row,) = await audit_rows("staff.disable")
    assert '"active": true' in disable_row["before"] and '"active": false' in disable_row["after"]


async def test_the_last_active_owner_cannot_be_disabled_or_demoted(client) -> None:
    owner = await owner_client(client)
    for action, fields in (
        (f"/admin/staff/{owner.id}/active", {"active": "0"}),
        (f"/admin/staff/{owner.id}/role", {"role": "support"}),
    ):
        response = await submit(client, "/admin/staff", action, **fields)
        assert response.status_code == 409
        assert "at least one active owner" in text(response.text)
    assert await audit_rows("staff.disable") == [] and await audit_rows("staff.role") == []


async def test_the_audit_log_filters_pages_and_exports(client) -> None:
    owner = await owner_client(client)
    other = Actor(None, "cli:ops", "cli")
    for number in range(AUDIT_PAGE_SIZE + 5):
        await record_audit(other, "test.bulk", f"thing:{number}", None, {"n": number})
    await record_audit(other, "test.formula", '=HYPERLINK("http://evil")', None, {"n": "@x"})
    first = await client.get("/admin/audit")
    assert first.status_code == 200
    assert any("page=2" in link for link in links(first.text, "/admin/audit?"))
    second = await client.get("/admin/audit?page=2")
    assert "thing:0" in text(second.text)
    mine = await client.get(f"/admin/audit?staff={owner.id}")
    assert "staff.login" in text(mine.text) and "thing:" not in text(mine.text)
    only = await client.get("/admin/audit?action=test.formula")
    assert "test.formula" in text(only.text) and "thing:" not in text(only.text)
    future = await client.get("/admin/audit?since=2999-01-01")
    assert "Nothing matches" in text(future.text)
    export = await client.get("/admin/audit.csv?action=test.bulk")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0][:6] == ["id", "at", "staff_id", "actor", "ip", "action"]
    assert len(rows) == 1 + AUDIT_PAGE_SIZE + 5
    formula = list(csv.reader(io.StringIO((await client.get("/admin/audit.csv?action=test.formula")).text)))
    assert formula[1][6].startswith("'=")  # a spreadsheet shows it as text, never runs it


async def test_audit_rows_cannot_be_changed_or_removed(client) -> None:
    await owner_client(client)
    with pytest.raises(AuditLogIsAppendOnly):
        StaffAuditLog.update({StaffAuditLog.action: "forged"}, force=True)
    with pytest.raises(AuditLogIsAppendOnly):
        StaffAuditLog.delete(force=True)
    row = await StaffAuditLog.objects().first().run()
    assert row is not None
    row.action = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        await row.save().run()
    engine = engine_finder()
    assert engine is not None
    with pytest.raises(Exception, match="append-only"):
        await engine.run_ddl("UPDATE staff_audit_log SET action = 'forged'")
    assert await StaffAuditLog.count().where(StaffAuditLog.action == "forged").run() == 0


async def test_a_change_and_its_audit_row_commit_together(client, monkeypatch) -> None:
    owner = await owner_client(client)
    support = await make_staff(Role.SUPPORT)
    import app.staff.services as services

    async def failing(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "record_audit", failing)
    with pytest.raises(RuntimeError):
        await services.set_active(Actor(owner.id, owner.email, ""), support.id, False)
    member = await staff_by_email("support@shop.test")
    assert member is not None and member.active  # no change without its audit row
