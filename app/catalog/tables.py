"""Piccolo tables for the catalogue; prices are integer minor units plus a currency code.

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


class Category(Table):
    """A node of the category tree (parent is null for top-level categories)."""

    id = Serial(primary_key=True)
    code = Varchar(length=64, unique=True)
    parent: ForeignKey[Category] = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    position = Integer(default=0)


class CategoryTranslation(Table):
    """Name, slug and description of a category in one locale."""

    id = Serial(primary_key=True)
    category = ForeignKey(Category, null=False, on_delete=OnDelete.cascade)
    locale = Varchar(length=16)
    name = Varchar(length=200)
    slug = Varchar(length=200)
    description = Text(default="")


class Product(Table):
    """A sellable product; the data customs and shipping need lives here too."""

    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True)
    category = ForeignKey(Category, null=False, on_delete=OnDelete.restrict, index=True)
    hs_code = Varchar(length=12)
    origin_country = Varchar(length=2)
    customs_description = Varchar(length=300, default="")
    # One of app.tax.model.PRODUCT_TAX_CLASSES: picks the destination's VAT/GST rate for the product.
    tax_class = Varchar(length=24, default="standard")
    # Comma-separated shipping restriction tags (lithium_battery, liquid, aerosol, food); "" = none.
    restrictions = Varchar(length=200, default="")
    # The merchant's duty rates (percent) by destination, overriding the tariff defaults of
    # data/tax/duties.toml: a canonical JSON object such as {"CH": "2.5", "EU": "0"} ("EU": every member).
    duty_rates = Varchar(length=500, default="{}")
    weight_grams = Integer()
    length_mm = Integer()
    width_mm = Integer()
    height_mm = Integer()
    is_published = Boolean(default=True)
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class ProductTranslation(Table):
    """Name, slug and description of a product in one locale."""

    id = Serial(primary_key=True)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.cascade)
    locale = Varchar(length=16)
    name = Varchar(length=300)
    slug = Varchar(length=300)
    description = Text(default="")


class ProductImage(Table):
    """An image file (relative to the media folder); `colour` ties it to variants of that colour."""

    id = Serial(primary_key=True)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.cascade, index=True)
    path = Varchar(length=300)
    colour = Varchar(length=32, default="")
    position = Integer(default=0)


class Variant(Table):
    """A stock-keeping unit: one combination of option values with its price and stock."""

    id = Serial(primary_key=True)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.cascade, index=True)
    sku = Varchar(length=64, unique=True)
    options = JSON(default="{}")
    price_minor = BigInt()
    currency = Varchar(length=3)
    stock = Integer(default=0)
    position = Integer(default=0)


class OptionLabel(Table):
    """Translated label of an option axis (value == "") or of one of its values."""

    id = Serial(primary_key=True)
    axis = Varchar(length=32)
    value = Varchar(length=32, default="")
    locale = Varchar(length=16)
    label = Varchar(length=100)


class CatalogRevision(Table):
    """One row whose counter moves on every catalogue change, so workers know to reload."""

    id = Serial(primary_key=True)
    revision = Integer(default=0)
