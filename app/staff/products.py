"""One product in the back office: the product list (search, published filter, pages) and the edit
of an existing product (published flag, customs fields, each variant's price and stock). Also what
the other product writes share (app.staff.product_new, app.staff.variant_additions,
app.staff.market_prices): the product as the forms show it, its load, the conflict a valid form can
still meet, and the tail of every save (audit row, catalogue revision bump, search index sync),
which runs in the save's one write transaction.

Stock is written compare-and-set (the value the form showed becomes the new value only if no
checkout moved it since), so an edit never clobbers a sale made while the form was open."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moneyed import Money

from app.catalog.rules import format_tariff_codes, parse_tariff_codes, sku_for
from app.catalog.services import bump_revision
from app.catalog.tables import CategoryTranslation, Product, ProductTranslation, Variant
from app.core.money import from_minor, precision
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.markets.tables import PriceOverride
from app.search.services import request_sync
from app.staff.product_fields import (
    BAD_STOCK,
    MAX_STOCK,
    Customs,
    Errors,
    form_getter,
    parse_count,
    parse_price,
    price_error,
    read_customs,
    stored_options,
)
from app.staff.services import Actor, record_audit

PRODUCTS_PAGE_SIZE = 50
SKU_TAKEN = N_("The SKU %(sku)s belongs to another variant already.")


class ProductNotFound(Exception):
    pass


class StockChanged(Exception):
    """A variant's stock moved (a checkout, another edit) since the form was shown."""

    def __init__(self, current: Mapping[int, int]) -> None:
        super().__init__("stock changed meanwhile")
        self.current = dict(current)


class Conflict(Exception):
    """What the database says against a valid form (a code or SKU taken meanwhile): one field's error."""

    def __init__(self, key: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.errors: Errors = {key: (message, params)}


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFilter:
    q: str = ""  # part of a code or of a name in any language
    published: str = ""  # "", "yes" or "no"

    def query(self) -> dict[str, str]:
        return {key: value for key, value in {"q": self.q, "published": self.published}.items() if value}


@dataclass(frozen=True)
class ProductRow:
    code: str
    name: str
    category: str
    published: bool
    stock: int
    low_price: Money | None
    high_price: Money | None


def _contains(column: Any, term: str) -> Any:
    """Case-insensitive LIKE: ILIKE on PostgreSQL; SQLite's LIKE already ignores ASCII case."""
    pattern = f"%{term}%"
    if column._meta.engine_type in ("postgres", "cockroach"):
        return column.ilike(pattern)
    return column.like(pattern)


def _filtered(query: Any, where: ProductFilter) -> Any:
    if where.published == "yes":
        query = query.where(Product.is_published == True)  # noqa: E712
    elif where.published == "no":
        query = query.where(Product.is_published == False)  # noqa: E712
    term = where.q.strip().replace("%", "").replace("_", "")
    if term:
        named = ProductTranslation.select(ProductTranslation.product).where(
            _contains(ProductTranslation.name, term)
        )
        query = query.where(_contains(Product.code, term) | Product.id.is_in(named))
    return query


def texts_in(rows: Iterable[Mapping[str, Any]], key: str, locale: str) -> dict[int, str]:
    """The name of each row's owner in `locale`, else in English, else any."""
    names: dict[int, str] = {}
    rank: dict[int, int] = {}
    for row in rows:
        order = 0 if row["locale"] == locale else 1 if row["locale"] == "en" else 2
        if order < rank.get(row[key], 3):
            names[row[key]], rank[row[key]] = row["name"], order
    return names


async def product_names(ids: Iterable[int], locale: str) -> dict[int, str]:
    """Each product's name in the staff member's language (else English, else any)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = (
        await ProductTranslation.select(
            ProductTranslation.product, ProductTranslation.locale, ProductTranslation.name
        )
        .where(ProductTranslation.product.is_in(ids))
        .run()
    )
    return texts_in(rows, "product", locale)


async def product_page(where: ProductFilter, locale: str, page: int = 1) -> tuple[list[ProductRow], bool]:
    """One page of products by code, and whether there is a next page."""
    page = max(page, 1)
    query = _filtered(Product.select(Product.id, Product.code, Product.category, Product.is_published), where)
    rows = (
        await query.order_by(Product.code)
        .limit(PRODUCTS_PAGE_SIZE + 1)
        .offset((page - 1) * PRODUCTS_PAGE_SIZE)
        .run()
    )
    more = len(rows) > PRODUCTS_PAGE_SIZE
    rows = rows[:PRODUCTS_PAGE_SIZE]
    ids = [row["id"] for row in rows]
    if not ids:
        return [], more
    names = await product_names(ids, locale)
    categories = texts_in(
        await CategoryTranslation.select(
            CategoryTranslation.category, CategoryTranslation.locale, CategoryTranslation.name
        )
        .where(CategoryTranslation.category.is_in(sorted({row["category"] for row in rows})))
        .run(),
        "category",
        locale,
    )
    variants = (
        await Variant.select(Variant.product, Variant.price_minor, Variant.currency, Variant.stock)
        .where(Variant.product.is_in(ids))
        .run()
    )
    stock: dict[int, int] = {}
    prices: dict[int, list[Money]] = {}
    for variant in variants:
        stock[variant["product"]] = stock.get(variant["product"], 0) + variant["stock"]
        prices.setdefault(variant["product"], []).append(
            from_minor(variant["price_minor"], variant["currency"])
        )
    result = []
    for row in rows:
        own = sorted(prices.get(row["id"], []), key=lambda price: price.amount)
        result.append(
            ProductRow(
                code=row["code"],
                name=names.get(row["id"], row["code"]),
                category=categories.get(row["category"], ""),
                published=bool(row["is_published"]),
                stock=stock.get(row["id"], 0),
                low_price=own[0] if own else None,
                high_price=own[-1] if own else None,
            )
        )
    return result, more


# --- one product -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantEdit:
    id: int
    sku: str
    options: str
    currency: str
    price: Money
    stock: int
    low_stock_threshold: int = 5
    choice: tuple[tuple[str, str], ...] = ()  # (axis, value) in the product's axis order


@dataclass(frozen=True)
class MarketPrice:
    """A merchant's fixed price of a variant in a market (wins over conversion there)."""

    variant_id: int
    sku: str
    market: str
    price: Money


@dataclass(frozen=True)
class ProductEdit:
    id: int
    code: str
    name: str
    published: bool
    customs: Customs
    variants: tuple[VariantEdit, ...]
    market_prices: tuple[MarketPrice, ...] = ()

    @property
    def axes(self) -> dict[str, list[str]]:
        """Each option axis with its values, in the order the variants have them."""
        axes: dict[str, list[str]] = {}
        for variant in self.variants:
            for axis, value in variant.choice:
                values = axes.setdefault(axis, [])
                if value not in values:
                    values.append(value)
        return axes

    def variant(self, variant_id: int) -> VariantEdit | None:
        return next((v for v in self.variants if v.id == variant_id), None)

    def snapshot(self) -> dict[str, Any]:
        """What the audit log keeps before and after a save."""
        return {
            "published": self.published,
            "hs_code": self.customs.hs_code,
            "origin_country": self.customs.origin_country,
            "weight_grams": self.customs.weight_grams,
            "dimensions_mm": [self.customs.length_mm, self.customs.width_mm, self.customs.height_mm],
            "customs_description": self.customs.description,
            "tariff_codes": dict(self.customs.tariff_codes),
            "variants": {
                v.sku: {"price": str(v.price.amount), "currency": v.currency, "stock": v.stock}
                for v in self.variants
            },
        }


async def load_product_edit(code: str, locale: str) -> ProductEdit:
    row = await Product.select().where(Product.code == code).first().run()
    if row is None:
        raise ProductNotFound(code)
    names = await product_names([row["id"]], locale)
    variants = await Variant.select().where(Variant.product == row["id"]).run()
    variants.sort(key=lambda v: (v["position"], v["id"]))
    skus = {v["id"]: v["sku"] for v in variants}
    fixed = (
        await PriceOverride.select()
        .where(PriceOverride.variant.is_in(list(skus) or [0]))
        .order_by(PriceOverride.market)
        .run()
    )
    edits = []
    for v in variants:
        choice = stored_options(v["options"])
        edits.append(
            VariantEdit(
                id=v["id"],
                sku=v["sku"],
                options=", ".join(f"{axis}: {value}" for axis, value in choice),
                currency=v["currency"],
                price=from_minor(v["price_minor"], v["currency"]),
                stock=v["stock"],
                low_stock_threshold=v["low_stock_threshold"],
                choice=choice,
            )
        )
    order = {v["id"]: index for index, v in enumerate(variants)}
    return ProductEdit(
        id=row["id"],
        code=row["code"],
        name=names.get(row["id"]) or str(row["code"]),
        published=bool(row["is_published"]),
        customs=Customs(
            hs_code=row["hs_code"],
            origin_country=row["origin_country"],
            weight_grams=row["weight_grams"],
            length_mm=row["length_mm"],
            width_mm=row["width_mm"],
            height_mm=row["height_mm"],
            description=row["customs_description"],
            tariff_codes=parse_tariff_codes(row["tariff_codes"]),
        ),
        variants=tuple(edits),
        market_prices=tuple(
            MarketPrice(
                f["variant"], skus[f["variant"]], f["market"], from_minor(f["price_minor"], f["currency"])
            )
            for f in sorted(fixed, key=lambda f: (order[f["variant"]], f["market"]))
        ),
    )


# --- the edit form (pure) ------------------------------------------------------------------


@dataclass
class ProductForm:
    """What was typed (kept to re-render) and what it means once valid."""

    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    published: bool = False
    customs: Customs | None = None
    prices: dict[int, int] = field(default_factory=dict)  # variant id -> minor units
    stock: dict[int, int] = field(default_factory=dict)  # variant id -> new stock
    stock_shown: dict[int, int] = field(default_factory=dict)  # variant id -> stock the form showed


def read_product_form(
    form: Mapping[str, str], product: ProductEdit, *, prices: bool = True, stock: bool = True
) -> ProductForm:
    """Validate a submitted edit of `product`: every field is checked, and every typed value kept.
    Prices are read only with `prices` (EDIT_PRICES), stock only with `stock` (MANAGE_STOCK)."""
    get = form_getter(form)
    values = {"published": "1" if form.get("published") else ""}
    result = ProductForm(values=values, published=bool(values["published"]))
    result.customs = read_customs(get, values, result.errors)
    for variant in product.variants:
        price_key, stock_key, shown_key = f"price_{variant.id}", f"stock_{variant.id}", f"shown_{variant.id}"
        if prices:
            values[price_key] = get(price_key)
            price = parse_price(values[price_key], variant.currency)
            if isinstance(price, int):
                result.prices[variant.id] = price
            else:
                result.errors[price_key] = price_error(price, variant.currency)
        if stock:
            values[stock_key], values[shown_key] = get(stock_key), get(shown_key)
            count = parse_count(values[stock_key], minimum=0, maximum=MAX_STOCK)
            if count is None:
                result.errors[stock_key] = (BAD_STOCK, {})
            else:
                result.stock[variant.id] = count
            shown = parse_count(values[shown_key], minimum=0, maximum=MAX_STOCK)
            # Without the value the form showed, the edit is compared with today's stock.
            result.stock_shown[variant.id] = variant.stock if shown is None else shown
    return result


# --- saving -----------------------------------------------------------------------------------


async def catalogue_changed(
    actor: Actor, action: str, code: str, product_id: int, before: Any, after: Any
) -> None:
    """The tail of every catalogue write, inside its transaction: audit, revision, search sync."""
    await record_audit(actor, action, f"product:{code}", before, after)
    await bump_revision()
    await request_sync([product_id])


async def save_product(actor: Actor, code: str, edit: ProductForm, locale: str) -> bool:
    """Apply a valid edit in one write transaction: the product's fields, each price, each stock
    change compare-and-set, the audit row, the catalogue revision and the search sync. Returns
    whether anything changed; raises StockChanged (and changes nothing) if a stock moved since the
    form was shown."""
    assert edit.customs is not None, "save only a valid form"
    async with write_transaction():
        before = await load_product_edit(code, locale)
        stale = {
            v.id: v.stock
            for v in before.variants
            if v.id in edit.stock
            and edit.stock[v.id] != edit.stock_shown[v.id]
            and v.stock != edit.stock_shown[v.id]
        }
        if stale:
            raise StockChanged(stale)
        values: dict[Any, Any] = {}
        if edit.published != before.published:
            values[Product.is_published] = edit.published
        columns = {
            Product.hs_code: "hs_code",
            Product.origin_country: "origin_country",
            Product.weight_grams: "weight_grams",
            Product.length_mm: "length_mm",
            Product.width_mm: "width_mm",
            Product.height_mm: "height_mm",
            Product.customs_description: "description",
        }
        for column, name in columns.items():
            if getattr(edit.customs, name) != getattr(before.customs, name):
                values[column] = getattr(edit.customs, name)
        if edit.customs.tariff_codes != before.customs.tariff_codes:
            values[Product.tariff_codes] = format_tariff_codes(edit.customs.tariff_codes)
        if values:
            await Product.update(values).where(Product.id == before.id).run()
        changed = bool(values)
        for variant in before.variants:
            price = edit.prices.get(variant.id)
            if price is not None and price != int(variant.price.amount.scaleb(precision(variant.currency))):
                await Variant.update({Variant.price_minor: price}).where(Variant.id == variant.id).run()
                changed = True
            stock, shown = edit.stock.get(variant.id), edit.stock_shown.get(variant.id)
            if stock is not None and shown is not None and stock != shown:
                written = (
                    await Variant.update({Variant.stock: stock})
                    .where((Variant.id == variant.id) & (Variant.stock == shown))
                    .returning(Variant.id)
                    .run()
                )
                if not written:  # a checkout got in between the read above and this write
                    current = (
                        await Variant.select(Variant.stock).where(Variant.id == variant.id).first().run()
                    )
                    raise StockChanged({variant.id: current["stock"] if current else 0})
                changed = True
        if not changed:
            return False
        after = await load_product_edit(code, locale)
        await catalogue_changed(actor, "product.update", code, before.id, before.snapshot(), after.snapshot())
    return True


# --- new variants, of a new product or of new option values --------------------------------


async def taken_skus(skus: list[str]) -> list[str]:
    """Which of `skus` another variant has already, in their order."""
    rows = await Variant.select(Variant.sku).where(Variant.sku.is_in(skus)).run()
    taken = {row["sku"] for row in rows}
    return [sku for sku in skus if sku in taken]


def variant_rows(
    product_id: int,
    code: str,
    combinations: list[dict[str, str]],
    price_minor: int,
    currency: str,
    start: int,
) -> list[Variant]:
    """Unsaved variants, one per combination, at one price with no stock, positioned from `start`."""
    return [
        Variant(
            product=product_id,
            sku=sku_for(code, combination),
            options=json.dumps(combination),
            price_minor=price_minor,
            currency=currency,
            stock=0,  # nothing is on sale until someone counts it in
            position=start + index,
        )
        for index, combination in enumerate(combinations)
    ]
