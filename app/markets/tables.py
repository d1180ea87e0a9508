"""Piccolo table for price lists: a merchant's fixed price of a variant in a market."""

from __future__ import annotations

from piccolo.columns import BigInt, ForeignKey, OnDelete, Serial, Varchar
from piccolo.table import Table

from app.catalog.tables import Variant


class PriceOverride(Table):
    """Wins over conversion when the shopper pays in `currency` in `market`.

    Unique per (variant, market): see migrations/.
    """

    id = Serial(primary_key=True)
    variant = ForeignKey(Variant, null=False, on_delete=OnDelete.cascade)
    market = Varchar(length=16)
    price_minor = BigInt()
    currency = Varchar(length=3)
