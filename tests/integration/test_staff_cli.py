"""`storefront staff`: the first owner, the list, disabling, and a reset email, from the shell."""

from __future__ import annotations

import email
import email.policy

import pytest
from click.testing import CliRunner

from app.cli import main
from app.core.settings import get_settings
from app.staff.services import authenticate, staff_by_email
from app.staff.tables import StaffAuditLog, StaffResetToken
from tests.database import run_async

runner = CliRunner()
PASSWORD = "an owner's long passphrase"


def create_owner(address: str = "boss@shop.test") -> None:
    result = runner.invoke(
        main, ["staff", "create-owner", address], env={"STOREFRONT_OWNER_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output


def test_create_owner_reads_the_password_from_the_environment() -> None:
    create_owner("Boss@Shop.test")
    member = run_async(staff_by_email("boss@shop.test"))
    assert member is not None and member.role.value == "owner" and member.active
    assert run_async(authenticate("boss@shop.test", PASSWORD, "127.0.0.1")) is not None
    rows = run_async(StaffAuditLog.select().where(StaffAuditLog.action == "staff.create").run())
    assert rows[0]["actor"].startswith("cli:") and PASSWORD not in str(rows)


def test_create_owner_prompts_twice_and_refuses_a_short_password() -> None:
    result = runner.invoke(
        main,
        ["staff", "create-owner", "boss@shop.test"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env={"STOREFRONT_OWNER_PASSWORD": ""},
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    short = runner.invoke(
        main, ["staff", "create-owner", "b2@shop.test"], env={"STOREFRONT_OWNER_PASSWORD": "short"}
    )
    assert short.exit_code != 0 and "12 characters" in short.output
    taken = runner.invoke(
        main, ["staff", "create-owner", "boss@shop.test"], env={"STOREFRONT_OWNER_PASSWORD": PASSWORD}
    )
    assert taken.exit_code != 0 and "already exists" in taken.output


def test_list_and_disable() -> None:
    create_owner()
    create_owner("second@shop.test")
    listed = runner.invoke(main, ["staff", "list"])
    assert listed.exit_code == 0 and "boss@shop.test" in listed.output and "second@shop.test" in listed.output
    assert runner.invoke(main, ["staff", "disable", "second@shop.test"]).exit_code == 0
    member = run_async(staff_by_email("second@shop.test"))
    assert member is not None and not member.active
    # The last active owner stays.
    refused = runner.invoke(main, ["staff", "disable", "boss@shop.test"])
    assert refused.exit_code != 0 and "active owner" in refused.output
    assert runner.invoke(main, ["staff", "disable", "nobody@shop.test"]).exit_code != 0


@pytest.fixture
def mail_folder():
    folder = get_settings().var_dir / "outbox"
    for message in folder.glob("*.eml"):
        message.unlink()
    return folder


def test_reset_sends_a_link(mail_folder) -> None:
    create_owner()
    result = runner.invoke(main, ["staff", "reset", "boss@shop.test", "--base-url", "https://shop.example"])
    assert result.exit_code == 0, result.output
    (path,) = list(mail_folder.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "boss@shop.test"
    body = message.get_body(("plain",))
    assert body is not None and "https://shop.example/admin/reset/1." in body.get_content()
    assert len(run_async(StaffResetToken.select().run())) == 1
    assert runner.invoke(main, ["staff", "reset", "nobody@shop.test"]).exit_code != 0
