"""The outbox: one row per follow-up (an email to send), written in the transaction of the change."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxMessage(Table):
    """`next_attempt_at` and `claimed_until` are epoch seconds (plain integers compare the same way
    on SQLite and PostgreSQL). A worker claims a row by moving `claimed_until` into the future in
    one conditional UPDATE, so two workers never deliver the same row at once."""

    id = Serial(primary_key=True)
    kind = Varchar(length=40)
    payload = Text(default="{}")  # JSON; no more personal data than delivery needs
    attempts = Integer(default=0)
    next_attempt_at = BigInt(default=0)
    claimed_until = BigInt(default=0)
    done_at = Timestamptz(null=True, default=None)
    last_error = Varchar(length=300, default="")
    created_at = Timestamptz(default=TimestamptzNow())
