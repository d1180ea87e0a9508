"""Shopper accounts and their single-use email tokens (verification, password reset)."""

from __future__ import annotations

from piccolo.columns import BigInt, ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Customer(Table, tablename="customer"):
    """A shopper's account. `email` is stored normalised (trimmed, lower-case), so it is unique
    case-insensitively. `auth_version` moves when the password changes: sessions carry the version
    they were opened with, so every older session stops working at once."""

    id = Serial(primary_key=True)
    email = Varchar(length=254, unique=True)
    password_hash = Varchar(length=255)  # argon2id, PHC string
    verified_at = Timestamptz(null=True, default=None)
    preferred_locale = Varchar(length=16, default="")  # "" = none chosen
    preferred_currency = Varchar(length=3, default="")  # "" = the shipping country's currency
    auth_version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class CustomerToken(Table, tablename="customer_token"):
    """A single-use emailed token. Only its SHA-256 is stored (`token_hash`); the token itself is
    `<id>.<HMAC(SECRET_KEY, purpose, id, customer, expiry)>`, so the outbox can build the email
    again from the row without the token ever being written anywhere, and a leaked table (or
    backup) cannot produce one. `used_at` is set by a conditional UPDATE; `expires_at` is epoch
    seconds."""

    id = Serial(primary_key=True)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=10)  # verify | reset
    token_hash = Varchar(length=64, default="")
    expires_at = BigInt()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
