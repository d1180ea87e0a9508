"""Piccolo tables for carts.

Unique and CHECK constraints live in migrations/ (raw SQL that works on SQLite and PostgreSQL).
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.catalog.tables import Variant


class Cart(Table):
    """A cart; `token` is the secret the shopper's cookie or API client holds."""

    id = Serial(primary_key=True)
    token = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CartLine(Table):
    """A quantity of one variant in a cart."""

    id = Serial(primary_key=True)
    cart = ForeignKey(Cart, null=False, on_delete=OnDelete.cascade, index=True)
    variant = ForeignKey(Variant, null=False, on_delete=OnDelete.cascade)
    quantity = Integer()
    added_at = Timestamptz(default=TimestamptzNow())
