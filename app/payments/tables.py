"""Piccolo tables for payments and the provider events applied to them."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.orders.tables import Order


class Payment(Table):
    """One attempt to collect an order's total through a provider."""

    id = Serial(primary_key=True)
    order = ForeignKey(Order, null=False, on_delete=OnDelete.cascade, index=True)
    provider = Varchar(length=32)
    reference = Varchar(length=64, unique=True)
    status = Varchar(length=32)
    amount_minor = Integer()
    currency = Varchar(length=3)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PaymentEvent(Table):
    """A provider event (succeeded, failed, refunded); its unique id makes callbacks idempotent."""

    id = Serial(primary_key=True)
    payment = ForeignKey(Payment, null=False, on_delete=OnDelete.cascade, index=True)
    event_id = Varchar(length=128, unique=True)
    kind = Varchar(length=32)
    amount_minor = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
