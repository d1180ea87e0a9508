"""Piccolo tables for payments, the provider events applied to them, and refunds.

Amounts are 64-bit integer minor units: a large order in a currency like IDR passes 2^31.
"""

from __future__ import annotations

from piccolo.columns import BigInt, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
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
    amount_minor = BigInt()
    currency = Varchar(length=3)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PaymentEvent(Table):
    """A provider event (succeeded, failed, refunded); its unique id makes callbacks idempotent."""

    id = Serial(primary_key=True)
    payment = ForeignKey(Payment, null=False, on_delete=OnDelete.cascade, index=True)
    event_id = Varchar(length=128, unique=True)
    kind = Varchar(length=32)
    amount_minor = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Refund(Table):
    """Money paid back on an order, recorded before the provider is asked (see payments.services).

    `pending` until the provider's answer is recorded: `succeeded` (counted in the order's
    refunded amounts) or `failed`. The unique idempotency key makes a repeated request return
    this row instead of refunding again. CHECKs live in migrations/.
    """

    id = Serial(primary_key=True)
    order = ForeignKey(Order, null=False, on_delete=OnDelete.cascade, index=True)
    payment = ForeignKey(Payment, null=False, on_delete=OnDelete.cascade, index=True)
    idempotency_key = Varchar(length=100, unique=True)
    amount_minor = BigInt()
    currency = Varchar(length=3)
    # The shop-currency share, fixed when the refund succeeds (the last one takes the remainder).
    settlement_minor = BigInt(default=0)
    # The share of this refund that returns tax, and duty and fees, paid at checkout (in proportion).
    tax_minor = BigInt(default=0)
    duty_minor = BigInt(default=0)
    status = Varchar(length=16)
    provider = Varchar(length=32)
    provider_refund_id = Varchar(length=128)  # what the provider was given as its idempotency key
    provider_event_id = Varchar(length=128, default="")
    actor = Varchar(length=100)
    note = Text(default="")
    error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
