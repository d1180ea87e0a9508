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
    description = Text(default="")  # sanitised HTML (app.core.richtext.sanitise_html)
    # The translation workflow (app/staff/translation_editor.py), as for ProductTranslation below.
    seo_title = Varchar(length=200, default="")
    seo_description = Varchar(length=400, default="")
    source_hash = Varchar(length=64, default="")
    source_text = Text(default="")
    status = Varchar(length=16, default="imported")
    updated_by = Varchar(length=254, default="")
    updated_at = Timestamptz(null=True, default=None)


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
    # National tariff numbers by destination country, each the HS subheading plus that country's
    # digits: {"CH": "62059000", "US": "6205900010"} (app.catalog.rules.check_tariff_codes).
    tariff_codes = Varchar(length=500, default="{}")
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
    description = Text(default="")  # sanitised HTML (app.core.richtext.sanitise_html)
    seo_title = Varchar(length=200, default="")  # "" = the shop uses the name
    seo_description = Varchar(length=400, default="")  # "" = the shop uses the description
    # The translation workflow (app/staff/translation_editor.py): the fingerprint and JSON copy of the
    # base-locale texts this row was made from. A row whose source_hash differs from the hash of
    # today's source is stale, whoever changed the source; "" = made from a source never recorded.
    source_hash = Varchar(length=64, default="")
    source_text = Text(default="")
    status = Varchar(length=16, default="imported")  # draft, imported (machine or import), reviewed
    updated_by = Varchar(length=254, default="")  # the staff email of the last back-office change
    updated_at = Timestamptz(null=True, default=None)  # None: never changed in the back office


class ProductImage(Table):
    """An image file (relative to the media folder); `colour` ties it to variants of that colour."""

    id = Serial(primary_key=True)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.cascade, index=True)
    path = Varchar(length=300)
    colour = Varchar(length=32, default="")
    position = Integer(default=0)
    # Uploaded images (back office): alt text in the base locale, the original's pixel size and
    # square WebP thumbnails (320 and 800 px) next to it; "" / 0 for the demo's SVG placeholders.
    alt = Varchar(length=200, default="")
    width = Integer(default=0)
    height = Integer(default=0)
    thumb_small = Varchar(length=300, default="")
    thumb_large = Varchar(length=300, default="")


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
    # At or below this stock the variant is on the back office's low-stock list (0: only sold out).
    low_stock_threshold = Integer(default=5)


class OptionLabel(Table):
    """Translated label of an option axis (value == "") or of one of its values."""

    id = Serial(primary_key=True)
    axis = Varchar(length=32)
    value = Varchar(length=32, default="")
    locale = Varchar(length=16)
    label = Varchar(length=100)
    # The translation workflow (app/staff/translation_editor.py), as for ProductTranslation: the
    # fingerprint and JSON copy of the base-locale label (else the axis or value name) it was made from.
    source_hash = Varchar(length=64, default="")
    source_text = Text(default="")
    status = Varchar(length=16, default="imported")  # draft, imported, reviewed
    updated_by = Varchar(length=254, default="")
    updated_at = Timestamptz(null=True, default=None)


class ShopPage(Table):
    """A content page of the shop (shipping and returns, about us): its texts are ShopPageTranslation rows."""

    id = Serial(primary_key=True)
    code = Varchar(length=64, unique=True)
    position = Integer(default=0)  # the order of the footer's links
    is_published = Boolean(default=True)


class ShopPageTranslation(Table):
    """Name, slug and body of a content page in one locale, with the translation workflow's
    columns as ProductTranslation has them."""

    id = Serial(primary_key=True)
    page = ForeignKey(ShopPage, null=False, on_delete=OnDelete.cascade)
    locale = Varchar(length=16)
    name = Varchar(length=200)
    slug = Varchar(length=200)
    description = Text(default="")  # the page's body: sanitised HTML (app.core.richtext.sanitise_html)
    seo_title = Varchar(length=200, default="")
    seo_description = Varchar(length=400, default="")
    source_hash = Varchar(length=64, default="")
    source_text = Text(default="")
    status = Varchar(length=16, default="imported")
    updated_by = Varchar(length=254, default="")
    updated_at = Timestamptz(null=True, default=None)


class SlugHistory(Table):
    """A product's, category's or content page's former slug in one locale: the shop answers it
    with a 301 to the current one, so links and search results made before a rename keep working."""

    id = Serial(primary_key=True)
    kind = Varchar(length=10)  # "product", "category" or "page"
    product = ForeignKey(Product, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(Category, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    page = ForeignKey(ShopPage, null=True, default=None, on_delete=OnDelete.cascade, index=True)
    locale = Varchar(length=16)
    slug = Varchar(length=300)
    retired_at = Timestamptz(default=TimestamptzNow())


class CatalogRevision(Table):
    """One row whose counter moves on every catalogue change, so workers know to reload."""

    id = Serial(primary_key=True)
    revision = Integer(default=0)
