"""CSV files for spreadsheets: formula-safe cells, and the catalogue exports (one row per variant
with its product's fields; stock per SKU) in the columns the import reads back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from app.catalog.rules import format_tariff_text, parse_tariff_codes
from app.catalog.tables import Product, ProductTranslation, Variant
from app.staff.csv_import import TARIFF_SEPARATOR, decimal_text, options_text
from app.staff.csv_parse import FORMULA_START, PRODUCT_COLUMNS, STOCK_COLUMNS
from app.staff.product_fields import stored_options

BOM = "\ufeff"  # spreadsheet programs read a CSV as UTF-8 only with it; the import accepts both


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text (a leading =, +, -, @ would make it a formula)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in FORMULA_START else text


def csv_document(header: Iterable[str], rows: Iterable[Iterable[Any]], *, bom: bool = False) -> str:
    """A whole CSV file, every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return (BOM if bom else "") + buffer.getvalue()


async def products_csv(base_locale: str) -> str:
    """Every variant with its product's code, base-locale name, publishing and customs fields,
    price (a decimal string in the variant's currency) and stock, by product code then position."""
    products = {
        row["id"]: row
        for row in await Product.select(
            Product.id,
            Product.code,
            Product.is_published,
            Product.hs_code,
            Product.tariff_codes,
            Product.origin_country,
            Product.weight_grams,
        ).run()
    }
    names = {
        row["product"]: row["name"]
        for row in await ProductTranslation.select(ProductTranslation.product, ProductTranslation.name)
        .where(ProductTranslation.locale == base_locale)
        .run()
    }
    variants = await Variant.select(
        Variant.product,
        Variant.sku,
        Variant.options,
        Variant.price_minor,
        Variant.currency,
        Variant.stock,
        Variant.position,
        Variant.id,
    ).run()
    variants.sort(key=lambda v: (products[v["product"]]["code"], v["position"], v["id"]))
    rows = []
    for variant in variants:
        product = products[variant["product"]]
        rows.append(
            [
                product["code"],
                variant["sku"],
                options_text(stored_options(variant["options"])),
                names.get(product["id"], ""),
                "yes" if product["is_published"] else "no",
                product["hs_code"],
                format_tariff_text(parse_tariff_codes(product["tariff_codes"]), TARIFF_SEPARATOR),
                product["origin_country"],
                product["weight_grams"],
                decimal_text(variant["price_minor"], variant["currency"]),
                variant["currency"],
                variant["stock"],
            ]
        )
    return csv_document(PRODUCT_COLUMNS, rows, bom=True)


async def stock_csv() -> str:
    rows = await Variant.select(Variant.sku, Variant.stock).order_by(Variant.sku).run()
    return csv_document(STOCK_COLUMNS, ([row["sku"], row["stock"]] for row in rows), bom=True)
