"""Staff accounts, their password-reset tokens and the append-only audit log."""

from __future__ import annotations

from typing import Any, NoReturn

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class StaffAccount(Table, tablename="staff_account"):
    """One person who works in the back office. `auth_version` moves when the password, role or
    active flag changes: sessions carry the version they were opened with, so every older session
    stops working at once (across workers and servers, whatever the session store)."""

    id = Serial(primary_key=True)
    email = Varchar(length=254, unique=True)  # stored lower-case
    name = Varchar(length=120)
    password_hash = Varchar(length=255)  # argon2id, PHC string
    role = Varchar(length=30)
    locales = Varchar(length=200, default="")  # a translator's assigned locales, comma-separated
    ui_locale = Varchar(length=10, default="en")  # the language of their back office
    active = Boolean(default=True)
    auth_version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class StaffResetToken(Table, tablename="staff_reset_token"):
    """A password-reset token: the emailed token is `<id>.<HMAC(SECRET_KEY, id, nonce)>`, so the
    table alone (a leaked backup) cannot produce one. Used once: `used_at` is set by a conditional
    UPDATE; `expires_at` is epoch seconds."""

    id = Serial(primary_key=True)
    staff = ForeignKey(references=StaffAccount)
    nonce = Varchar(length=64)
    expires_at = BigInt()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class AuditLogIsAppendOnly(RuntimeError):
    """Audit rows are written once and never changed or removed by the application."""


class StaffAuditLog(Table, tablename="staff_audit_log"):
    """Who did what, when, from where, with the state before and after (JSON). Append-only: this
    class refuses `update` and `delete`, and a database trigger refuses UPDATE (and, on
    PostgreSQL, DELETE: retention is an operator's decision taken in SQL, outside the app)."""

    id = Serial(primary_key=True)
    at = Timestamptz(default=TimestamptzNow())
    staff_id = Integer(null=True, default=None)  # no foreign key: the record outlives any change
    actor = Varchar(length=254)  # the staff email at the time, or "cli:<user>"
    ip = Varchar(length=64, default="")
    action = Varchar(length=60)
    target = Varchar(length=200, default="")
    before = Text(default="")  # JSON, or "" when nothing existed
    after = Text(default="")

    @classmethod
    def update(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("the audit log cannot be updated")

    @classmethod
    def delete(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("the audit log cannot be deleted from")
