"""Low stock: the variants at or below their own threshold (the /admin/stock page, the dashboard),
and the edit of each variant's threshold, audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from piccolo.columns.combination import WhereRaw

from app.catalog.tables import Variant
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.staff.product_fields import Errors, parse_count
from app.staff.products import ProductEdit, load_product_edit, product_names
from app.staff.services import Actor, record_audit

STOCK_PAGE_SIZE = 50
MAX_THRESHOLD = 1_000_000
BAD_THRESHOLD = N_("Enter the threshold as a whole number from 0 to 1,000,000.")

# Column against column: qualified, as the product join brings a second table into the query.
AT_OR_BELOW_THRESHOLD = WhereRaw('"variant"."stock" <= "variant"."low_stock_threshold"')


@dataclass(frozen=True)
class LowStockRow:
    product_code: str
    product_name: str
    sku: str
    stock: int
    threshold: int


async def low_stock_variants(locale: str, limit: int = 50, offset: int = 0) -> list[LowStockRow]:
    """Variants whose stock is at or below their threshold, fewest first (then by product code
    and SKU, so pages are stable), with the product's name in `locale` (else English, else any)."""
    rows = (
        await Variant.select(
            Variant.sku,
            Variant.stock,
            Variant.low_stock_threshold,
            Variant.product,
            Variant.product.code.as_alias("product_code"),
        )
        .where(AT_OR_BELOW_THRESHOLD)
        .order_by(Variant.stock, Variant.product.code, Variant.sku)
        .limit(max(limit, 0))
        .offset(max(offset, 0))
        .run()
    )
    names = await product_names((row["product"] for row in rows), locale)
    return [
        LowStockRow(
            product_code=row["product_code"],
            product_name=names.get(row["product"], row["product_code"]),
            sku=row["sku"],
            stock=row["stock"],
            threshold=row["low_stock_threshold"],
        )
        for row in rows
    ]


async def low_stock_page(locale: str, page: int = 1) -> tuple[list[LowStockRow], bool]:
    """One page of the low-stock list, and whether there is a next page."""
    page = max(page, 1)
    rows = await low_stock_variants(locale, STOCK_PAGE_SIZE + 1, (page - 1) * STOCK_PAGE_SIZE)
    return rows[:STOCK_PAGE_SIZE], len(rows) > STOCK_PAGE_SIZE


@dataclass
class ThresholdForm:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    thresholds: dict[int, int] = field(default_factory=dict)  # variant id -> threshold


def read_threshold_form(form: Mapping[str, str], product: ProductEdit) -> ThresholdForm:
    result = ThresholdForm(values={})
    for variant in product.variants:
        key = f"threshold_{variant.id}"
        result.values[key] = form.get(key, "").strip()[:20]
        value = parse_count(result.values[key], minimum=0, maximum=MAX_THRESHOLD)
        if value is None:
            result.errors[key] = (BAD_THRESHOLD, {})
        else:
            result.thresholds[variant.id] = value
    return result


async def save_thresholds(actor: Actor, code: str, form: ThresholdForm, locale: str) -> bool:
    """Write the changed thresholds with their audit row; returns whether any changed. The shop
    never shows thresholds, so no catalogue revision or search sync follows."""
    async with write_transaction():
        product = await load_product_edit(code, locale)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for variant in product.variants:
            wanted = form.thresholds.get(variant.id)
            if wanted is None or wanted == variant.low_stock_threshold:
                continue
            await Variant.update({Variant.low_stock_threshold: wanted}).where(Variant.id == variant.id).run()
            before[variant.sku], after[variant.sku] = variant.low_stock_threshold, wanted
        if not after:
            return False
        await record_audit(
            actor,
            "product.stock_thresholds",
            f"product:{code}",
            {"low_stock_thresholds": before},
            {"low_stock_thresholds": after},
        )
    return True
