"""The catalogue CSV import's database side: loading the catalogue state a file names, and applying
a checked plan in one write transaction with its audit row, revision bump and search sync: all of
it or nothing. The parsing and planning are pure (app.staff.csv_parse, app.staff.csv_import).

Stock and concurrent sales: an import reads the variants it changes inside its write
transaction (PostgreSQL: SELECT ... FOR UPDATE, products then variants, each in id order as the
checkout's decrements are, so the two queue instead of deadlocking; SQLite: BEGIN IMMEDIATE, one
writer at a time), plans against those values and writes each stock compare-and-set against them.
A sale therefore either lands before the import read (the import's "before" includes it) or
waits and applies to the imported value; it is never overwritten. A stock file states absolute
counts: sales between making the file and importing it are shown in the dry run (before ->
after), and the import a dry run approved runs only while it would change exactly what the dry
run showed (the plan's fingerprint); otherwise nothing is written and the new report is shown.
"""

from __future__ import annotations

import json
from typing import Any

from app.catalog.rules import format_tariff_codes, parse_tariff_codes, slugify, unique_slug
from app.catalog.services import bump_revision
from app.catalog.tables import Product, ProductTranslation, Variant
from app.core.transactions import DUPLICATE_KEY_ERRORS, write_transaction
from app.search.services import request_sync
from app.staff.csv_import import CatalogueState, Plan, ProductState, VariantState, plan_import
from app.staff.csv_parse import PRODUCTS, ParsedFile
from app.staff.product_fields import stored_options
from app.staff.services import Actor, record_audit

CHUNK = 500  # ids per IN (...): well under every engine's limit on bound parameters
PRODUCT_COLUMNS = {
    "published": Product.is_published,
    "hs_code": Product.hs_code,
    "tariff_codes": Product.tariff_codes,
    "origin_country": Product.origin_country,
    "weight_grams": Product.weight_grams,
}


class PlanChanged(Exception):
    """The import would do something else than the report the person approved: roll back."""


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def _locks_rows() -> bool:
    return bool(Variant._meta.db.engine_type != "sqlite")  # SQLite has no row locks (see above)


async def _rows_by_id(table: Any, columns: list[Any], ids: set[int], *, lock: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(sorted(ids)):
        query = table.select(*columns).where(table.id.is_in(chunk)).order_by(table.id)
        rows.extend(await (query.lock_rows() if lock and _locks_rows() else query).run())
    return rows


async def _ids(column: Any, values: set[str]) -> set[int]:
    table = column._meta.table
    found: set[int] = set()
    for chunk in _chunks(sorted(values)):
        found.update(row["id"] for row in await table.select(table.id).where(column.is_in(chunk)).run())
    return found


async def load_state(
    parsed: ParsedFile, base_locale: str, base_currency: str, *, lock: bool = False
) -> CatalogueState:
    """The variants and products the file names, as they are now (locked when `lock`)."""
    skus = {row.cells.get("sku", "") for row in parsed.rows} - {""}
    codes = {row.cells.get("product_code", "") for row in parsed.rows} - {""}
    variant_ids = await _ids(Variant.sku, skus)
    products: dict[str, ProductState] = {}
    code_of: dict[int, str] = {}
    if parsed.kind == PRODUCTS:
        product_ids = await _ids(Product.code, codes)
        owners = await _rows_by_id(Variant, [Variant.id, Variant.product], variant_ids, lock=False)
        product_ids |= {row["product"] for row in owners}
        product_rows = await _rows_by_id(Product, [Product.all_columns()], product_ids, lock=lock)
        names = {
            row["product"]: row["name"]
            for chunk in _chunks(sorted(product_ids))
            for row in await ProductTranslation.select(ProductTranslation.product, ProductTranslation.name)
            .where(ProductTranslation.product.is_in(chunk) & (ProductTranslation.locale == base_locale))
            .run()
        }
        combinations: dict[int, set[frozenset[tuple[str, str]]]] = {}
        axes: dict[int, tuple[str, ...]] = {}
        for chunk in _chunks(sorted(product_ids)):
            query = (
                Variant.select(Variant.product, Variant.options)
                .where(Variant.product.is_in(chunk))
                .order_by(Variant.position)
                .order_by(Variant.id)
            )
            for row in await query.run():
                options = stored_options(row["options"])
                combinations.setdefault(row["product"], set()).add(frozenset(options))
                axes.setdefault(row["product"], tuple(axis for axis, _ in options))
        for row in product_rows:
            code_of[row["id"]] = row["code"]
            products[row["code"]] = ProductState(
                id=row["id"],
                code=row["code"],
                name=names.get(row["id"]),
                published=bool(row["is_published"]),
                hs_code=row["hs_code"],
                origin_country=row["origin_country"],
                weight_grams=row["weight_grams"],
                combinations=frozenset(combinations.get(row["id"], set())),
                axes=axes.get(row["id"]),
                tariff_codes=parse_tariff_codes(row["tariff_codes"]),
            )
    variant_rows = await _rows_by_id(Variant, [Variant.all_columns()], variant_ids, lock=lock)
    variants = {
        row["sku"]: VariantState(
            id=row["id"],
            sku=row["sku"],
            product_id=row["product"],
            product_code=code_of.get(row["product"], ""),
            options=stored_options(row["options"]),
            price_minor=row["price_minor"],
            currency=row["currency"],
            stock=row["stock"],
        )
        for row in variant_rows
    }
    return CatalogueState(variants=variants, products=products, base_currency=base_currency)


async def _write_name(product_id: int, name: str, locale: str, taken: set[str] | None) -> set[str] | None:
    """Rename in the base locale (the slug stays: links keep working); a product without a text
    there gets one. Returns the locale's slugs once they had to be read."""
    updated = (
        await ProductTranslation.update({ProductTranslation.name: name})
        .where((ProductTranslation.product == product_id) & (ProductTranslation.locale == locale))
        .returning(ProductTranslation.id)
        .run()
    )
    if updated:
        return taken
    if taken is None:
        query = ProductTranslation.select(ProductTranslation.slug).where(ProductTranslation.locale == locale)
        rows = await query.run()
        taken = {row["slug"] for row in rows}
    slug = unique_slug(slugify(name), taken)
    await ProductTranslation.insert(
        ProductTranslation(product=product_id, locale=locale, name=name, slug=slug)
    ).run()
    return taken


async def _apply(plan: Plan, locale: str) -> None:
    """Write a checked plan (inside the caller's transaction)."""
    taken: set[str] | None = None
    for product_id, values in sorted(plan.product_values.items()):
        columns: dict[Any, Any] = {
            PRODUCT_COLUMNS[k]: format_tariff_codes(v) if k == "tariff_codes" else v
            for k, v in values.items()
            if k in PRODUCT_COLUMNS
        }
        if columns:
            await Product.update(columns).where(Product.id == product_id).run()
        if "name" in values:
            taken = await _write_name(product_id, values["name"], locale, taken)
    for variant_id, (_, price) in sorted(plan.prices.items()):
        await Variant.update({Variant.price_minor: price}).where(Variant.id == variant_id).run()
    for variant_id, (before, after) in sorted(plan.stock.items()):
        written = (
            await Variant.update({Variant.stock: after})
            .where((Variant.id == variant_id) & (Variant.stock == before))
            .returning(Variant.id)
            .run()
        )
        if not written:
            raise PlanChanged()
    if plan.new_variants:
        ids = {new.product_id for new in plan.new_variants}
        positions: dict[int, int] = {}
        for chunk in _chunks(sorted(ids)):
            query = Variant.select(Variant.product, Variant.position).where(Variant.product.is_in(chunk))
            for row in await query.run():
                positions[row["product"]] = max(positions.get(row["product"], 0), row["position"])
        rows = []
        for new in plan.new_variants:
            positions[new.product_id] = positions.get(new.product_id, -1) + 1
            rows.append(
                Variant(
                    product=new.product_id,
                    sku=new.sku,
                    options=json.dumps(dict(new.options)),
                    price_minor=new.price_minor,
                    currency=new.currency,
                    stock=new.stock,
                    position=positions[new.product_id],
                )
            )
        await Variant.insert(*rows).run()


async def dry_run(parsed: ParsedFile, *, may_edit_prices: bool, locale: str, currency: str) -> Plan:
    """What importing `parsed` would change now: checked against the catalogue, nothing locked or written."""
    return plan_import(parsed, await load_state(parsed, locale, currency), may_edit_prices=may_edit_prices)


def audit_states(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every changed field before and after, by SKU (variants) or product code (products)."""
    before: dict[str, dict[str, Any]] = {}
    after: dict[str, dict[str, Any]] = {}
    for change in plan.changes:
        if change.field != "new":
            before.setdefault(change.target, {})[change.field] = change.before
        after.setdefault(change.target, {})[change.field] = change.after
    return before, after


async def run_import(
    actor: Actor,
    parsed: ParsedFile,
    filename: str,
    *,
    expected: str,
    may_edit_prices: bool,
    locale: str,
    currency: str,
) -> tuple[Plan, str]:
    """Check and apply in one write transaction. Returns the plan and what happened: "errors",
    "changed" (not what the dry run approved; nothing written), "unchanged" or "imported"."""
    try:
        async with write_transaction():
            state = await load_state(parsed, locale, currency, lock=True)
            plan = plan_import(parsed, state, may_edit_prices=may_edit_prices)
            if not plan.ok:
                return plan, "errors"
            if expected and expected != plan.fingerprint():
                return plan, "changed"
            if not plan.changes:
                return plan, "unchanged"
            await _apply(plan, locale)
            before, after = audit_states(plan)
            summary = {
                "file": filename,
                "kind": parsed.kind,
                "rows": plan.rows,
                "changes": len(plan.changes),
                "new_variants": len(plan.new_variants),
                "products": len(plan.touched_products),
            }
            await record_audit(
                actor,
                "catalogue.import",
                f"csv:{parsed.kind}:{filename}",
                before,
                {**summary, "after": after},
            )
            await bump_revision()
            await request_sync(sorted(plan.touched_products))
    except Exception as refused:
        # A stock moved after all, or someone else created one of the new SKUs meanwhile (its
        # unique index refused it): rolled back whole; the report shows the catalogue as it is now.
        if not isinstance(refused, (PlanChanged, *DUPLICATE_KEY_ERRORS)):
            raise
        state = await load_state(parsed, locale, currency)
        return plan_import(parsed, state, may_edit_prices=may_edit_prices), "changed"
    return plan, "imported"
