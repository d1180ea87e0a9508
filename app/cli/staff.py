"""`storefront staff`: back-office accounts from the command line (the first owner, lists, lockouts)."""

from __future__ import annotations

import os

import click
from rich.table import Table

from app.cli.common import console, operator_actor, run


@click.group()
def staff() -> None:
    """Back-office accounts: create the first owner, list, disable, send a password reset."""


@staff.command("create-owner")
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the part of EMAIL before the @).")
def create_owner(email: str, name: str) -> None:
    """Create an owner account. The password comes from STOREFRONT_OWNER_PASSWORD, or is asked twice."""
    from app.staff.rules import Role, email_is_valid, normalise_email, password_problem
    from app.staff.services import Actor, StaffError, create_staff

    email = normalise_email(email)
    if not email_is_valid(email):
        raise click.ClickException("EMAIL is not a valid email address")
    password = os.environ.get("STOREFRONT_OWNER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    actor = Actor(None, operator_actor(), "cli")
    try:
        member = run(create_staff(actor, email, name or email.split("@", 1)[0], password, Role.OWNER))
    except StaffError as refused:
        raise click.ClickException(refused.message) from None
    console.print(f"owner {member.email} created (id {member.id}); log in at /admin/login")


@staff.command("list")
def staff_list() -> None:
    """Every account with its role and status."""
    from app.staff.services import list_staff

    table = Table("id", "email", "name", "role", "locales", "active", "last login")
    for member in run(list_staff()):
        table.add_row(
            str(member.id),
            member.email,
            member.name,
            member.role.value,
            ",".join(sorted(member.locales)),
            "yes" if member.active else "no",
            member.last_login_at.isoformat(timespec="minutes") if member.last_login_at else "-",
        )
    console.print(table)


@staff.command("disable")
@click.argument("email")
def staff_disable(email: str) -> None:
    """Disable an account: it cannot log in, and its open sessions stop working at once."""
    from app.staff.services import Actor, StaffError, set_active, staff_by_email

    async def disable() -> None:
        member = await staff_by_email(email)
        if member is None:
            raise click.ClickException(f"no account {email}")
        await set_active(Actor(None, operator_actor(), "cli"), member.id, False)

    try:
        run(disable())
    except StaffError as refused:
        raise click.ClickException(refused.message) from None
    console.print(f"{email} disabled")


@staff.command("reset")
@click.argument("email")
@click.option("--base-url", default="", help="The shop's address for the link (default: PUBLIC_BASE_URL).")
def staff_reset(email: str, base_url: str) -> None:
    """Send the account a single-use link to set a new password."""
    from app.core.settings import get_settings
    from app.notifications.outbox import deliver_pending
    from app.staff.services import Actor, request_password_reset

    base = base_url or get_settings().public_base_url or "http://127.0.0.1:8000"

    async def reset() -> bool:
        queued = await request_password_reset(email, Actor(None, operator_actor(), "cli"), base)
        if queued:
            await deliver_pending()
        return queued

    if not run(reset()):
        raise click.ClickException(f"no active account {email}")
    console.print(f"password reset link sent to {email}")
