"""Import catalogue data (the demo files' format, see data/demo/SCHEMA.md) into the database."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.catalog.images import write_placeholder_image
from app.catalog.page_import import import_pages, read_demo_pages
from app.catalog.rules import (  # variant_combinations and sku_for: shared with the back office
    TariffProblem,
    check_tariff_codes,
    format_duty_rates,
    format_restrictions,
    format_tariff_codes,
    hs_subheading,
    sku_for,
    slugify,
    unique_slug,
    variant_combinations,
)
from app.catalog.services import bump_revision
from app.catalog.sources import option_source_columns, source_columns
from app.catalog.tables import (
    Category,
    CategoryTranslation,
    OptionLabel,
    Product,
    ProductImage,
    ProductTranslation,
    Variant,
)
from app.core.money import money, to_minor
from app.core.settings import get_settings
from app.search.services import request_sync
from app.tax.model import PRODUCT_TAX_CLASSES

Progress = Callable[[int], None]

# A restriction tag is a lowercase identifier (lithium_battery, liquid, aerosol, food): the column
# stores them comma-separated, so a tag can hold no comma or space.
RESTRICTION_TAG = re.compile(r"[a-z][a-z0-9_]*")
RESTRICTIONS_MAX_LENGTH = 200  # Product.restrictions is a Varchar(200)
DUTY_RATES_MAX_LENGTH = 500  # Product.duty_rates is a Varchar(500)
DUTY_DESTINATION = re.compile(r"[A-Z]{2}")  # a country, or EU for every member state
MAX_DUTY_PERCENT = Decimal(1000)


class CatalogueDataError(ValueError):
    """Catalogue data the importer refuses; the message names the product and the field."""


@dataclass(frozen=True)
class ImportResult:
    categories: int
    products: int
    variants: int
    skipped: int
    # existing products whose tax class, restrictions or duty rates changed, or tariff numbers were filled
    updated: int = 0


def tax_fields(data: Mapping[str, Any]) -> tuple[str, str, str]:
    """A product's validated (tax_class, restrictions, duty_rates) column values; all optional in the data."""
    code = data.get("code", "?")
    tax_class = data.get("tax_class", "standard")
    if tax_class not in PRODUCT_TAX_CLASSES:
        raise CatalogueDataError(
            f"product {code}: unknown tax_class {tax_class!r}"
            f" (expected one of {', '.join(PRODUCT_TAX_CLASSES)})"
        )
    restrictions = data.get("restrictions", [])
    if not isinstance(restrictions, list) or not all(isinstance(tag, str) for tag in restrictions):
        raise CatalogueDataError(f"product {code}: restrictions must be a list of tags, got {restrictions!r}")
    bad = [tag for tag in restrictions if not RESTRICTION_TAG.fullmatch(tag)]
    if bad:
        raise CatalogueDataError(
            f"product {code}: restriction tags must be lowercase identifiers like lithium_battery, got {bad}"
        )
    column = format_restrictions(restrictions)
    if len(column) > RESTRICTIONS_MAX_LENGTH:
        raise CatalogueDataError(
            f"product {code}: restrictions longer than {RESTRICTIONS_MAX_LENGTH} characters"
        )
    return tax_class, column, duty_rates_column(code, data.get("duty_rates", {}))


def duty_rates_column(code: str, rates: object) -> str:
    """The merchant's duty rates by destination ({"CH": "2.5", "EU": "0"}), validated."""
    if not isinstance(rates, Mapping):
        raise CatalogueDataError(
            f"product {code}: duty_rates must map countries to percentages, got {rates!r}"
        )
    parsed = {}
    for country, rate in rates.items():
        if not (isinstance(country, str) and DUTY_DESTINATION.fullmatch(country)):
            raise CatalogueDataError(
                f"product {code}: duty_rates key {country!r} is not a country code or EU"
            )
        try:
            value = Decimal(str(rate)) if isinstance(rate, str | int) else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= MAX_DUTY_PERCENT:
            raise CatalogueDataError(
                f"product {code}: duty_rates[{country}] must be a percentage from 0 to {MAX_DUTY_PERCENT}"
            )
        parsed[country] = value
    column = format_duty_rates(parsed)
    if len(column) > DUTY_RATES_MAX_LENGTH:
        raise CatalogueDataError(f"product {code}: duty_rates longer than {DUTY_RATES_MAX_LENGTH} characters")
    return column


def tariff_codes_column(code: str, data: Mapping[str, Any]) -> str:
    """A product's national tariff numbers by destination ({"US": "6205900010"}), validated against
    its HS code (app.catalog.rules.check_tariff_codes); optional in the data."""
    codes = data.get("tariff_codes", {})
    if not isinstance(codes, Mapping) or not all(isinstance(number, str) for number in codes.values()):
        raise CatalogueDataError(
            f"product {code}: tariff_codes must map countries to numbers as strings, got {codes!r}"
        )
    checked = check_tariff_codes(codes, str(data.get("hs_code", "")))
    if isinstance(checked, TariffProblem):
        raise CatalogueDataError(f"product {code}: tariff_codes: {checked.describe()}")
    return format_tariff_codes(checked)


def demo_stock(sku: str) -> int:
    """Deterministic, realistic demo stock: mostly plenty, some low, a few sold out."""
    rng = random.Random(sku)
    roll = rng.random()
    if roll < 0.07:
        return 0
    if roll < 0.2:
        return rng.randint(1, 3)
    return rng.randint(8, 60)


async def import_categories(categories: list[dict[str, Any]]) -> int:
    """Insert categories (parents first) that do not exist yet; returns how many were added."""
    existing = {row["code"]: row["id"] for row in await Category.select(Category.id, Category.code).run()}
    taken: dict[str, set[str]] = {}
    for row in await CategoryTranslation.select(CategoryTranslation.locale, CategoryTranslation.slug).run():
        taken.setdefault(row["locale"], set()).add(row["slug"])
    added = 0
    for position, data in enumerate(categories):
        if data["code"] in existing:
            continue
        parent_id = existing[data["parent"]] if data.get("parent") else None
        rows = await Category.insert(Category(code=data["code"], parent=parent_id, position=position)).run()
        category_id = rows[0]["id"]
        existing[data["code"]] = category_id
        await CategoryTranslation.insert(
            *(
                CategoryTranslation(
                    category=category_id,
                    locale=locale,
                    name=name,
                    slug=unique_slug(slugify(name), taken.setdefault(locale, set())),
                    description=data.get("description", {}).get(locale, ""),
                    # Imported beside their source: recorded as made from it (not stale).
                    **source_columns(
                        data["name"], data.get("description", {}), get_settings().default_locale
                    ),
                )
                for locale, name in data["name"].items()
            )
        ).run()
        added += 1
    return added


async def import_option_labels(options: Mapping[str, Any]) -> None:
    """Insert axis and value labels that do not exist yet, each recorded as made from the
    base-locale label imported beside it (not stale)."""
    existing = {(r["axis"], r["value"], r["locale"]) for r in await OptionLabel.select().run()}
    base = get_settings().default_locale
    rows = [
        OptionLabel(
            axis=axis,
            value="",
            locale=locale,
            label=label,
            **option_source_columns(axis, "", labels.get(base, "")),
        )
        for axis, labels in options.get("axes", {}).items()
        for locale, label in labels.items()
        if (axis, "", locale) not in existing
    ] + [
        OptionLabel(
            axis=axis,
            value=value,
            locale=locale,
            label=label,
            **option_source_columns(axis, value, labels.get(base, "")),
        )
        for axis, values in options.get("values", {}).items()
        for value, labels in values.items()
        for locale, label in labels.items()
        if (axis, value, locale) not in existing
    ]
    if rows:
        await OptionLabel.insert(*rows).run()


async def import_products(
    products: Iterable[dict[str, Any]],
    *,
    currency: str,
    media_dir: Path,
    colour_hex: Mapping[str, str],
    stock: Callable[[str], int] = demo_stock,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> tuple[int, int, int, int]:
    """Insert products that do not exist yet with translations, variants and images.

    Products that exist already are skipped, apart from their tax class, restrictions and duty
    rates, which are brought up to date, and their national tariff numbers, filled in where they
    have none. Every product is validated before anything is written.
    Returns (products added, variants added, products skipped because they exist, products updated).
    """
    products = list(products)
    tax_by_code = {data["code"]: tax_fields(data) for data in products}
    tariffs_by_code = {data["code"]: tariff_codes_column(data["code"], data) for data in products}
    now = now or datetime.now(UTC)
    categories = {row["code"]: row["id"] for row in await Category.select(Category.id, Category.code).run()}
    stored_rows = await Product.select(
        Product.code,
        Product.tax_class,
        Product.restrictions,
        Product.duty_rates,
        Product.hs_code,
        Product.tariff_codes,
    ).run()
    existing = {
        row["code"]: (row["tax_class"], row["restrictions"], row["duty_rates"]) for row in stored_rows
    }
    stored_tariffs = {row["code"]: (row["hs_code"], row["tariff_codes"]) for row in stored_rows}
    taken: dict[str, set[str]] = {}
    for row in await ProductTranslation.select(ProductTranslation.locale, ProductTranslation.slug).run():
        taken.setdefault(row["locale"], set()).add(row["slug"])
    position_rng = random.Random(7)
    added = variants_added = skipped = updated = 0
    for index, data in enumerate(products):
        tax_class, restrictions, duty_rates = tax_by_code[data["code"]]
        tariff_codes = tariffs_by_code[data["code"]]
        if data["code"] in existing:
            skipped += 1
            changes: dict[Any, Any] = {}
            if existing[data["code"]] != (tax_class, restrictions, duty_rates):
                changes.update(
                    {
                        Product.tax_class: tax_class,
                        Product.restrictions: restrictions,
                        Product.duty_rates: duty_rates,
                    }
                )
            stored_hs, stored_codes = stored_tariffs[data["code"]]
            # Tariff numbers only fill a product that has none (imported before they existed), under
            # the same HS subheading: numbers a merchant entered in the back office are kept.
            if (
                stored_codes == "{}"
                and tariff_codes != "{}"
                and hs_subheading(stored_hs) == hs_subheading(str(data["hs_code"]))
            ):
                changes[Product.tariff_codes] = tariff_codes
            if changes:
                await Product.update(changes).where(Product.code == data["code"]).run()
                updated += 1
            if progress:
                progress(1)
            continue
        length, width, height = data["dimensions_mm"]
        rows = await Product.insert(
            Product(
                code=data["code"],
                category=categories[data["category"]],
                hs_code=data["hs_code"],
                origin_country=data["origin_country"],
                customs_description=data.get("customs_description", ""),
                tax_class=tax_class,
                restrictions=restrictions,
                duty_rates=duty_rates,
                tariff_codes=tariff_codes,
                weight_grams=data["weight_grams"],
                length_mm=length,
                width_mm=width,
                height_mm=height,
                position=position_rng.randint(0, 10_000),
                created_at=now - timedelta(hours=index * 7),
            )
        ).run()
        product_id = rows[0]["id"]
        await ProductTranslation.insert(
            *(
                ProductTranslation(
                    product=product_id,
                    locale=locale,
                    name=name,
                    slug=unique_slug(slugify(name), taken.setdefault(locale, set())),
                    description=data["description"].get(locale, ""),
                    **source_columns(data["name"], data["description"], get_settings().default_locale),
                )
                for locale, name in data["name"].items()
            )
        ).run()
        base_price = Decimal(data["price"])
        adjustments = {k: Decimal(v) for k, v in data.get("price_adjustments", {}).items()}
        combinations = variant_combinations(data.get("options", {}))
        variant_rows = []
        for position, combination in enumerate(combinations):
            price = base_price + sum(
                (adjustments.get(f"{axis}:{value}", Decimal(0)) for axis, value in combination.items()),
                Decimal(0),
            )
            sku = sku_for(data["code"], combination)
            variant_rows.append(
                Variant(
                    product=product_id,
                    sku=sku,
                    options=json.dumps(combination),
                    price_minor=to_minor(money(price, currency)),
                    currency=currency,
                    stock=stock(sku),
                    position=position,
                )
            )
        await Variant.insert(*variant_rows).run()
        colours = data.get("options", {}).get("colour") or [""]
        image_rows = []
        for position, colour in enumerate(colours):
            path = write_placeholder_image(
                media_dir,
                code=data["code"],
                category=data["category"],
                colour=colour,
                hex_colour=colour_hex.get(colour, "#8a9a8f"),
            )
            image_rows.append(ProductImage(product=product_id, path=path, colour=colour, position=position))
        await ProductImage.insert(*image_rows).run()
        added += 1
        variants_added += len(variant_rows)
        if progress:
            progress(1)
    return added, variants_added, skipped, updated


def read_demo_files(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    categories = json.loads((folder / "categories.json").read_text("utf-8"))
    options = json.loads((folder / "options.json").read_text("utf-8"))
    products: list[dict[str, Any]] = []
    for path in sorted((folder / "products").glob("*.json")):
        products.extend(json.loads(path.read_text("utf-8")))
    return categories, options, products


async def import_demo_catalogue(
    folder: Path,
    *,
    currency: str,
    media_dir: Path,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportResult:
    """Load the demo catalogue; running it again adds nothing, only updates tax classes, restrictions
    and duty rates, and fills in missing national tariff numbers."""
    categories, options, products = read_demo_files(folder)
    if on_total:
        on_total(len(products))
    added_categories = await import_categories(categories)
    added_pages = await import_pages(read_demo_pages(folder), get_settings().default_locale)
    await import_option_labels(options)
    added, variants, skipped, updated = await import_products(
        products,
        currency=currency,
        media_dir=media_dir,
        colour_hex=options.get("colour_hex", {}),
        progress=progress,
    )
    if added or added_categories or updated or added_pages:
        await bump_revision()
        await request_sync(everything=True)
    return ImportResult(
        categories=added_categories, products=added, variants=variants, skipped=skipped, updated=updated
    )
