"""Piccolo tables for FX: the current rate of each currency and a log of refresh attempts."""

from __future__ import annotations

from piccolo.columns import Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class FxRate(Table):
    """The last good rate of a currency against the base (a decimal string: never a float)."""

    id = Serial(primary_key=True)
    currency = Varchar(length=3, unique=True)
    base = Varchar(length=3)
    rate = Varchar(length=40)
    source = Varchar(length=300)
    as_of = Varchar(length=10)
    fetched_at = Timestamptz(default=TimestamptzNow())


class FxEvent(Table):
    """One refresh attempt of one provider: ok, partial (some rates refused) or failed."""

    id = Serial(primary_key=True)
    provider = Varchar(length=32)
    outcome = Varchar(length=16)
    detail = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
