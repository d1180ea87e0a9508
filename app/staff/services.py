"""Staff accounts, logins, password resets and the audit log: every change is written with its
audit row in one transaction, so a change without its record (or a record without its change)
cannot exist."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from app.core.passwords import hash_password, password_hasher, verify_password
from app.core.settings import get_settings
from app.core.transactions import write_transaction
from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.notifications.mailers import Mailer
from app.outbox.services import enqueue
from app.staff.rules import (
    Role,
    StaffIdentity,
    normalise_email,
    parse_locales,
)
from app.staff.tables import StaffAccount, StaffAuditLog, StaffResetToken

log = logging.getLogger("storefront.staff")

PASSWORD_RESET = "staff_password_reset"  # noqa: S105 (an outbox kind, not a password); payload {"token_id", "base_url"}
RESET_TOKEN_SECONDS = 60 * 60
RESET_SUBJECT = N_("Set a new password for %(shop)s")
AUDIT_PAGE_SIZE = 50


class StaffError(Exception):
    """A change the rules refuse; `message` is a gettext msgid shown to the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Actor:
    """Who makes a change and from where, for the audit log."""

    staff_id: int | None
    name: str  # the staff email, or "cli:<user>"
    ip: str = ""


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    name: str
    role: Role
    locales: frozenset[str]
    ui_locale: str
    active: bool
    auth_version: int
    created_at: datetime
    last_login_at: datetime | None

    @property
    def identity(self) -> StaffIdentity:
        return StaffIdentity(self.id, self.email, self.name, self.role, self.locales, self.active)

    def snapshot(self) -> dict[str, Any]:
        """What the audit log keeps of an account (never the password hash)."""
        return {
            "email": self.email,
            "name": self.name,
            "role": self.role.value,
            "locales": sorted(self.locales),
            "active": self.active,
            "ui_locale": self.ui_locale,
        }


def member_of(row: Mapping[str, Any]) -> StaffMember:
    return StaffMember(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        locales=parse_locales(row["locales"], LOCALES),
        ui_locale=row["ui_locale"] if row["ui_locale"] in LOCALES else "en",
        active=bool(row["active"]),
        auth_version=row["auth_version"],
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
    )


# --- passwords: argon2id in app/core/passwords.py, shared with shopper accounts -------------------


# --- the audit log -----------------------------------------------------------------------------


def _json(value: Mapping[str, Any] | None) -> str:
    return "" if value is None else json.dumps(dict(value), sort_keys=True, ensure_ascii=False, default=str)


async def record_audit(
    actor: Actor,
    action: str,
    target: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit row; call it inside the transaction of the change it records."""
    await StaffAuditLog.insert(
        StaffAuditLog(
            staff_id=actor.staff_id,
            actor=actor.name[:254],
            ip=actor.ip[:64],
            action=action,
            target=target[:200],
            before=_json(before),
            after=_json(after),
        )
    ).run()


@dataclass(frozen=True)
class AuditFilter:
    staff_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    staff_id: int | None
    actor: str
    ip: str
    action: str
    target: str
    before: str
    after: str


def _audit_query(query: Any, where: AuditFilter) -> Any:
    if where.staff_id is not None:
        query = query.where(StaffAuditLog.staff_id == where.staff_id)
    if where.action:
        query = query.where(StaffAuditLog.action == where.action)
    return within_days(query, StaffAuditLog.at, where.since, where.until)


def within_days(query: Any, column: Any, since: date | None, until: date | None) -> Any:
    """Rows whose timestamp falls on `since` .. `until` (whole UTC days, either bound optional)."""
    if since is not None:
        query = query.where(column >= datetime.combine(since, day_time.min, UTC))
    if until is not None:
        query = query.where(column < datetime.combine(until + timedelta(days=1), day_time.min, UTC))
    return query


async def audit_page(where: AuditFilter, page: int = 1) -> tuple[list[AuditEntry], bool]:
    """One page of the log, newest first, and whether there is a next page."""
    page = max(page, 1)
    query = _audit_query(StaffAuditLog.select(), where).order_by(StaffAuditLog.id, ascending=False)
    rows = await query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE).run()
    return [AuditEntry(**row) for row in rows[:AUDIT_PAGE_SIZE]], len(rows) > AUDIT_PAGE_SIZE


async def audit_entries(where: AuditFilter, limit: int = 100_000) -> list[AuditEntry]:
    """Every matching row, oldest first (the CSV export)."""
    query = _audit_query(StaffAuditLog.select(), where).order_by(StaffAuditLog.id)
    return [AuditEntry(**row) for row in await query.limit(limit).run()]


async def audit_actions() -> list[str]:
    rows = await StaffAuditLog.select(StaffAuditLog.action).distinct().order_by(StaffAuditLog.action).run()
    return [row["action"] for row in rows]


# --- accounts ----------------------------------------------------------------------------------


async def staff_by_id(staff_id: int) -> StaffMember | None:
    row = await StaffAccount.select().where(StaffAccount.id == staff_id).first().run()
    return member_of(row) if row else None


async def staff_by_email(email: str) -> StaffMember | None:
    row = await StaffAccount.select().where(StaffAccount.email == normalise_email(email)).first().run()
    return member_of(row) if row else None


async def list_staff() -> list[StaffMember]:
    return [member_of(row) for row in await StaffAccount.select().order_by(StaffAccount.email).run()]


async def create_staff(
    actor: Actor,
    email: str,
    name: str,
    password: str,
    role: Role,
    locales: frozenset[str] = frozenset(),
) -> StaffMember:
    """A new active account; raises StaffError when the email is taken."""
    email = normalise_email(email)
    password_hash = await hash_password(password)  # before the transaction: it takes a while
    async with write_transaction():
        if await StaffAccount.exists().where(StaffAccount.email == email).run():
            raise StaffError(N_("An account with this email already exists."))
        rows = await StaffAccount.insert(
            StaffAccount(
                email=email,
                name=name.strip(),
                password_hash=password_hash,
                role=role.value,
                locales=",".join(sorted(locales)),
            )
        ).run()
        member = await staff_by_id(rows[0]["id"])
        assert member is not None
        await record_audit(actor, "staff.create", f"staff:{member.id}", None, member.snapshot())
    log.info("staff account %s created", member.id)  # the id only: no personal data in logs
    return member


async def _active_owner_count() -> int:
    return int(
        await StaffAccount.count()
        .where((StaffAccount.role == Role.OWNER.value) & (StaffAccount.active == True))  # noqa: E712
        .run()
    )


async def _change(actor: Actor, staff_id: int, action: str, values: dict[Any, Any]) -> StaffMember:
    """Apply `values` to one account with its audit row; a change that would leave the shop
    without an active owner is refused. Moves `auth_version` when access changes."""
    async with write_transaction():
        before = await staff_by_id(staff_id)
        if before is None:
            raise StaffError(N_("There is no such account."))
        if before.role is Role.OWNER and before.active:
            stays_owner = values.get(StaffAccount.role, before.role.value) == Role.OWNER.value
            stays_active = values.get(StaffAccount.active, True)
            if not (stays_owner and stays_active) and await _active_owner_count() <= 1:
                raise StaffError(N_("The shop needs at least one active owner."))
        if {StaffAccount.role, StaffAccount.active, StaffAccount.password_hash} & values.keys():
            values[StaffAccount.auth_version] = StaffAccount.auth_version + 1
        await StaffAccount.update(values).where(StaffAccount.id == staff_id).run()
        after = await staff_by_id(staff_id)
        assert after is not None
        before_state, after_state = before.snapshot(), after.snapshot()
        if action == "staff.password_change":
            before_state, after_state = {}, {"password": "changed"}
        await record_audit(actor, action, f"staff:{staff_id}", before_state, after_state)
    return after


async def set_active(actor: Actor, staff_id: int, active: bool) -> StaffMember:
    """Disable (every live session stops working) or enable an account."""
    return await _change(
        actor, staff_id, "staff.enable" if active else "staff.disable", {StaffAccount.active: active}
    )


async def change_role(actor: Actor, staff_id: int, role: Role, locales: frozenset[str]) -> StaffMember:
    values = {StaffAccount.role: role.value, StaffAccount.locales: ",".join(sorted(locales))}
    return await _change(actor, staff_id, "staff.role", values)


async def set_ui_locale(actor: Actor, staff_id: int, locale: str) -> StaffMember:
    if locale not in LOCALES:
        raise StaffError(N_("There is no such language."))
    return await _change(actor, staff_id, "staff.language", {StaffAccount.ui_locale: locale})


async def set_password(actor: Actor, staff_id: int, password: str) -> StaffMember:
    password_hash = await hash_password(password)
    return await _change(
        actor, staff_id, "staff.password_change", {StaffAccount.password_hash: password_hash}
    )


# --- logging in --------------------------------------------------------------------------------


async def authenticate(email: str, password: str, ip: str) -> StaffMember | None:
    """The account for these credentials, if it is active; records the login. A hash made with
    older argon2 parameters is replaced, now that the password is known."""
    row = await StaffAccount.select().where(StaffAccount.email == normalise_email(email)).first().run()
    if not await verify_password(row["password_hash"] if row else None, password):
        return None
    assert row is not None
    member = member_of(row)
    if not member.active:
        return None
    values: dict[Any, Any] = {StaffAccount.last_login_at: datetime.now(UTC)}
    if password_hasher().check_needs_rehash(row["password_hash"]):
        # Same password, new parameters: sessions stay valid (auth_version does not move).
        values[StaffAccount.password_hash] = await hash_password(password)
    async with write_transaction():
        await StaffAccount.update(values).where(StaffAccount.id == member.id).run()
        await record_audit(Actor(member.id, member.email, ip), "staff.login", f"staff:{member.id}")
    return member


async def session_staff(staff_id: int, auth_version: int) -> StaffMember | None:
    """The account behind a session, while it is active and its access has not changed since."""
    member = await staff_by_id(staff_id)
    if member is None or not member.active or member.auth_version != auth_version:
        return None
    return member


async def record_logout(member: StaffMember, ip: str) -> None:
    async with write_transaction():
        await record_audit(Actor(member.id, member.email, ip), "staff.logout", f"staff:{member.id}")


# --- password reset ----------------------------------------------------------------------------


def _signature(token_id: int, nonce: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"staff-reset:{token_id}:{nonce}".encode(), hashlib.sha256).hexdigest()


def reset_token_text(token_id: int, nonce: str) -> str:
    return f"{token_id}.{_signature(token_id, nonce)}"


async def request_password_reset(email: str, actor: Actor, base_url: str) -> bool:
    """Queue a reset email for an active account (in the transaction that creates the token).
    Returns whether one was queued; callers answer the same either way."""
    member = await staff_by_email(email)
    if member is None or not member.active:
        return False
    async with write_transaction():
        rows = await StaffResetToken.insert(
            StaffResetToken(
                staff=member.id,
                nonce=secrets.token_hex(16),
                expires_at=int(time.time()) + RESET_TOKEN_SECONDS,
            )
        ).run()
        await enqueue(PASSWORD_RESET, {"token_id": rows[0]["id"], "base_url": base_url})
        await record_audit(actor, "staff.password_reset_requested", f"staff:{member.id}")
    return True


def _parse_token(token: str) -> tuple[int, str] | None:
    head, dot, signature = token.partition(".")
    if not dot or not head.isdigit() or len(head) > 12 or len(signature) != 64:
        return None
    return int(head), signature


async def valid_reset_token(token: str) -> tuple[int, StaffMember] | None:
    """The token's id and account while the token is genuine, unused and unexpired."""
    parsed = _parse_token(token)
    if parsed is None:
        return None
    token_id, signature = parsed
    row = await StaffResetToken.select().where(StaffResetToken.id == token_id).first().run()
    if row is None or row["used_at"] is not None or row["expires_at"] <= int(time.time()):
        return None
    if not hmac.compare_digest(_signature(token_id, row["nonce"]), signature):
        return None
    member = await staff_by_id(row["staff"])
    if member is None or not member.active:
        return None
    return token_id, member


async def complete_password_reset(token: str, password: str, ip: str) -> StaffMember | None:
    """Set the new password if the token is good, and spend the token (once: a conditional UPDATE,
    so two submissions of the same link cannot both succeed). Every session of the account ends."""
    found = await valid_reset_token(token)
    if found is None:
        return None
    token_id, member = found
    password_hash = await hash_password(password)
    async with write_transaction():
        spent = (
            await StaffResetToken.update({StaffResetToken.used_at: datetime.now(UTC)})
            .where(
                (StaffResetToken.id == token_id)
                & StaffResetToken.used_at.is_null()
                & (StaffResetToken.expires_at > int(time.time()))
            )
            .returning(StaffResetToken.id)
            .run()
        )
        if not spent:
            return None
        await (
            StaffAccount.update(
                {
                    StaffAccount.password_hash: password_hash,
                    StaffAccount.auth_version: StaffAccount.auth_version + 1,
                }
            )
            .where(StaffAccount.id == member.id)
            .run()
        )
        await record_audit(
            Actor(member.id, member.email, ip),
            "staff.password_reset",
            f"staff:{member.id}",
            {},
            {"password": "changed"},
        )
    return member


def password_reset_email(member: StaffMember, link: str) -> EmailMessage:
    from app.notifications.orders import email_templates

    settings = get_settings()
    translate = get_translations(member.ui_locale).gettext
    body = (
        email_templates()
        .get_template("admin/emails/password_reset.txt")
        .render(
            locale_code=member.ui_locale,
            member=member,
            link=link,
            settings=settings,
            minutes=RESET_TOKEN_SECONDS // 60,
        )
    )
    message = EmailMessage()
    message["Subject"] = translate(RESET_SUBJECT) % {"shop": settings.shop_name}
    message["From"] = settings.mail_from
    message["To"] = member.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="storefront")
    message.set_content(body)
    message["Content-Language"] = member.ui_locale
    return message


async def deliver_password_reset(payload: Mapping[str, Any], mailer: Mailer | None = None) -> None:
    """The outbox handler. The token is derived again from the row and SECRET_KEY, so neither the
    outbox payload nor the log ever holds it; a token already used or expired is not sent."""
    from app.notifications.orders import configured_mailer

    token_id = int(payload["token_id"])
    row = await StaffResetToken.select().where(StaffResetToken.id == token_id).first().run()
    if row is None or row["used_at"] is not None or row["expires_at"] <= int(time.time()):
        log.info("password reset %s not sent: used or expired", token_id)
        return
    member = await staff_by_id(row["staff"])
    if member is None or not member.active:
        return
    link = f"{str(payload['base_url']).rstrip('/')}/admin/reset/{reset_token_text(token_id, row['nonce'])}"
    message = password_reset_email(member, link)
    await asyncio.to_thread((mailer or configured_mailer(get_settings())).send, message)
    log.info("password reset %s sent", token_id)
