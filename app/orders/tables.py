"""Piccolo tables for orders, their lines and their recorded state transitions.

Unique and CHECK constraints live in migrations/ (raw SQL that works on SQLite and PostgreSQL).
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.accounts.tables import Customer
from app.catalog.tables import Variant


class Order(Table, tablename="shop_order"):
    """An order with a frozen copy of its prices and address (amounts in minor units)."""

    id = Serial(primary_key=True)
    number = Varchar(length=20, unique=True)
    email = Varchar(length=320, index=True)
    locale = Varchar(length=16)
    currency = Varchar(length=3)
    status = Varchar(length=32, index=True)
    subtotal_minor = BigInt()
    shipping_minor = BigInt()
    # What the taxes changed in the total: charged at checkout less tax taken off the shown prices
    # (see app/checkout/landed.py); the lines are in OrderCharge.
    taxes_minor = BigInt(default=0)
    incoterm = Varchar(length=3, default="")
    total_minor = BigInt()
    refunded_minor = BigInt(default=0)
    shipping_method = Varchar(length=32)
    shipping_method_name = Varchar(length=200)
    shipping_country = Varchar(length=2)
    shipping_address = JSON(default="{}")
    payment_provider = Varchar(length=32)
    # Presentment (what the shopper paid) is `currency` and the *_minor amounts above; settlement
    # is the shop's base currency at `fx_rate` (presentment units per settlement unit).
    market = Varchar(length=16, default="")
    settlement_currency = Varchar(length=3, default="")
    settlement_subtotal_minor = BigInt(default=0)
    settlement_shipping_minor = BigInt(default=0)
    settlement_taxes_minor = BigInt(default=0)
    settlement_total_minor = BigInt(default=0)
    refunded_settlement_minor = BigInt(default=0)
    fx_rate = Varchar(length=40, default="1")
    # The rate prices were converted at, fee included, as the shopper was shown it (and the fee).
    fx_applied_rate = Varchar(length=40, default="")
    fx_markup_percent = Varchar(length=12, default="")
    fx_source = Varchar(length=300, default="")
    fx_as_of = Varchar(length=10, default="")
    fx_fetched_at = Timestamptz(null=True, default=None)
    # Set from the checkout form (or an API Idempotency-Key): a resubmission finds this order.
    checkout_key = Varchar(length=100, null=True, default=None, unique=True)
    # The shopper's account when a verified shopper was logged in at checkout (None: a guest).
    customer = ForeignKey(Customer, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    paid_at = Timestamptz(null=True, default=None)
    shipped_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)


class OrderLine(Table):
    """One line of an order, independent of later catalogue edits."""

    id = Serial(primary_key=True)
    order = ForeignKey(Order, null=False, on_delete=OnDelete.cascade, index=True)
    variant = ForeignKey(Variant, null=True, on_delete=OnDelete.set_null)
    sku = Varchar(length=64)
    product_code = Varchar(length=32)
    product_name = Varchar(length=300)
    variant_label = Varchar(length=300, default="")
    unit_price_minor = BigInt()
    quantity = Integer()
    line_total_minor = BigInt()
    settlement_total_minor = BigInt(default=0)
    hs_code = Varchar(length=12)
    # The product's national tariff number for the order's destination at checkout ("" = none given).
    tariff_code = Varchar(length=12, default="")
    origin_country = Varchar(length=2)
    customs_description = Varchar(length=300, default="")
    weight_grams = Integer()


class OrderCharge(Table):
    """A tax, duty or fee line of an order as the shopper was quoted it, with the rule behind it.

    `included`: already in the goods and shipping (tax-inclusive prices); `collected`: `checkout`
    (in the total) or `delivery` (an estimate the carrier collects); `removed` marks the tax taken
    off tax-inclusive prices when the goods are imported instead. `refunded_minor` grows with
    refunds, in proportion to the amount refunded.
    """

    id = Serial(primary_key=True)
    order = ForeignKey(Order, null=False, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    kind = Varchar(length=8)  # tax | duty | fee | removed
    name = Varchar(length=200)  # gettext msgid
    rate = Varchar(length=20, default="")  # percent as a decimal string; "" for flat amounts
    base_minor = BigInt(default=0)
    amount_minor = BigInt()
    settlement_minor = BigInt(default=0)
    refunded_minor = BigInt(default=0)
    collected = Varchar(length=10)
    included = Boolean(default=False)
    estimate = Boolean(default=False)
    rule = Varchar(length=120)
    source = Varchar(length=300, default="")
    explanation = Varchar(length=300, default="")  # gettext msgid
    params = JSON(default="{}")
    data_version = Varchar(length=24, default="")


class OrderEvent(Table):
    """A recorded state transition: when, who, from what to what."""

    id = Serial(primary_key=True)
    order = ForeignKey(Order, null=False, on_delete=OnDelete.cascade, index=True)
    from_status = Varchar(length=32, null=True, default=None)
    to_status = Varchar(length=32)
    actor = Varchar(length=100)
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
