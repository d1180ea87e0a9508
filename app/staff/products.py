"""The back office's catalogue work: the product list (search, published filter, pages) and the
edit of a product's base fields and its variants' prices and stock, each save in one write
transaction with its audit row, the catalogue revision bump and the search index sync.

Stock is written compare-and-set (the value the form showed becomes the new value only if no
checkout moved it since), so an edit never clobbers a sale made while the form was open."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from babel import Locale
from moneyed import Money

from app.catalog.services import bump_revision
from app.catalog.tables import CategoryTranslation, Product, ProductTranslation, Variant
from app.core.money import from_minor, minor_unit, parse_typed_amount, precision
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.search.services import request_sync
from app.staff.services import Actor, record_audit

PRODUCTS_PAGE_SIZE = 50
HS_CODE = re.compile(r"^[0-9]{6,10}$")
MAX_WEIGHT_GRAMS = 1_000_000
MAX_STOCK = 1_000_000_000
MAX_PRICE_MINOR = 10**15
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})  # CLDR groupings, not countries

BAD_HS_CODE = N_("The HS code has 6 to 10 digits, like 610910.")
BAD_ORIGIN = N_("Enter the country of origin as a two-letter ISO code, like PT.")
BAD_WEIGHT = N_("Enter the weight in grams as a whole number greater than zero.")
BAD_PRICE = N_("Enter a price greater than zero, like 12.50.")
BAD_PRICE_STEP = N_("%(currency)s prices have at most %(digits)s decimal places.")
BAD_STOCK = N_("Enter the stock as a whole number, zero or more.")


class ProductNotFound(Exception):
    pass


class StockChanged(Exception):
    """A variant's stock moved (a checkout, another edit) since the form was shown."""

    def __init__(self, current: Mapping[int, int]) -> None:
        super().__init__("stock changed meanwhile")
        self.current = dict(current)


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


def _texts_in(rows: list[dict[str, Any]], key: str, locale: str) -> dict[int, str]:
    """The name of each row's owner in `locale`, else in English, else any."""
    names: dict[int, str] = {}
    rank: dict[int, int] = {}
    for row in rows:
        order = 0 if row["locale"] == locale else 1 if row["locale"] == "en" else 2
        if order < rank.get(row[key], 3):
            names[row[key]], rank[row[key]] = row["name"], order
    return names


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
    names = _texts_in(
        await ProductTranslation.select(
            ProductTranslation.product, ProductTranslation.locale, ProductTranslation.name
        )
        .where(ProductTranslation.product.is_in(ids))
        .run(),
        "product",
        locale,
    )
    categories = _texts_in(
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


@dataclass(frozen=True)
class ProductEdit:
    id: int
    code: str
    name: str
    published: bool
    hs_code: str
    origin_country: str
    weight_grams: int
    variants: tuple[VariantEdit, ...]

    def snapshot(self) -> dict[str, Any]:
        """What the audit log keeps before and after a save."""
        return {
            "published": self.published,
            "hs_code": self.hs_code,
            "origin_country": self.origin_country,
            "weight_grams": self.weight_grams,
            "variants": {
                v.sku: {"price": str(v.price.amount), "currency": v.currency, "stock": v.stock}
                for v in self.variants
            },
        }


def _options_text(raw: Any) -> str:
    import json

    data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return ", ".join(f"{axis}: {value}" for axis, value in data.items())


async def load_product_edit(code: str, locale: str) -> ProductEdit:
    row = await Product.select().where(Product.code == code).first().run()
    if row is None:
        raise ProductNotFound(code)
    texts = (
        await ProductTranslation.select(
            ProductTranslation.product, ProductTranslation.locale, ProductTranslation.name
        )
        .where(ProductTranslation.product == row["id"])
        .run()
    )
    variants = await Variant.select().where(Variant.product == row["id"]).order_by(Variant.position).run()
    return ProductEdit(
        id=row["id"],
        code=row["code"],
        name=_texts_in(texts, "product", locale).get(row["id"]) or str(row["code"]),
        published=bool(row["is_published"]),
        hs_code=row["hs_code"],
        origin_country=row["origin_country"],
        weight_grams=row["weight_grams"],
        variants=tuple(
            VariantEdit(
                id=v["id"],
                sku=v["sku"],
                options=_options_text(v["options"]),
                currency=v["currency"],
                price=from_minor(v["price_minor"], v["currency"]),
                stock=v["stock"],
            )
            for v in sorted(variants, key=lambda v: (v["position"], v["id"]))
        ),
    )


# --- reading the form (pure) -------------------------------------------------------------------


@cache
def _countries() -> frozenset[str]:
    territories = Locale("en").territories
    codes = {str(code) for code in territories}
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha()) - NOT_COUNTRIES


def country_is_valid(code: str) -> bool:
    return code in _countries()


def parse_price(text: str, currency: str) -> int | str:
    """Minor units of a typed price, or why it is refused (a gettext msgid). No floats, no
    exponents, no NaN: digits with one optional decimal separator only."""
    amount = parse_typed_amount(text)
    if amount is None or amount <= 0:
        return BAD_PRICE
    if amount != amount.quantize(minor_unit(currency)):
        return BAD_PRICE_STEP
    minor = int(amount.scaleb(precision(currency)))
    return minor if minor <= MAX_PRICE_MINOR else BAD_PRICE


def parse_count(text: str, *, minimum: int, maximum: int) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


@dataclass
class ProductForm:
    """What was typed (kept to re-render) and what it means once valid."""

    values: dict[str, str]
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    published: bool = False
    hs_code: str = ""
    origin_country: str = ""
    weight_grams: int = 0
    prices: dict[int, int] = field(default_factory=dict)  # variant id -> minor units
    stock: dict[int, int] = field(default_factory=dict)  # variant id -> new stock
    stock_shown: dict[int, int] = field(default_factory=dict)  # variant id -> stock the form showed


def read_product_form(form: Mapping[str, str], product: ProductEdit) -> ProductForm:
    """Validate a submitted edit of `product`: every field is checked, and every typed value kept."""

    def get(key: str, limit: int = 40) -> str:
        return form.get(key, "").strip()[:limit]

    values = {
        "published": "1" if form.get("published") else "",
        "hs_code": get("hs_code"),
        "origin_country": get("origin_country").upper(),
        "weight_grams": get("weight_grams"),
    }
    result = ProductForm(values=values, published=bool(values["published"]))
    hs_code = values["hs_code"].replace(".", "").replace(" ", "")
    if HS_CODE.match(hs_code):
        result.hs_code = hs_code
    else:
        result.errors["hs_code"] = (BAD_HS_CODE, {})
    if country_is_valid(values["origin_country"]):
        result.origin_country = values["origin_country"]
    else:
        result.errors["origin_country"] = (BAD_ORIGIN, {})
    weight = parse_count(values["weight_grams"], minimum=1, maximum=MAX_WEIGHT_GRAMS)
    if weight is None:
        result.errors["weight_grams"] = (BAD_WEIGHT, {})
    else:
        result.weight_grams = weight
    for variant in product.variants:
        price_key, stock_key, shown_key = f"price_{variant.id}", f"stock_{variant.id}", f"shown_{variant.id}"
        values[price_key], values[stock_key] = get(price_key), get(stock_key)
        values[shown_key] = get(shown_key)
        price = parse_price(values[price_key], variant.currency)
        if isinstance(price, int):
            result.prices[variant.id] = price
        else:
            digits = precision(variant.currency)
            result.errors[price_key] = (price, {"currency": variant.currency, "digits": digits})
        stock = parse_count(values[stock_key], minimum=0, maximum=MAX_STOCK)
        if stock is None:
            result.errors[stock_key] = (BAD_STOCK, {})
        else:
            result.stock[variant.id] = stock
        shown = parse_count(values[shown_key], minimum=0, maximum=MAX_STOCK)
        # Without the value the form showed, the edit is compared with today's stock.
        result.stock_shown[variant.id] = variant.stock if shown is None else shown
    return result


# --- saving -----------------------------------------------------------------------------------


async def save_product(actor: Actor, code: str, edit: ProductForm, locale: str) -> bool:
    """Apply a valid edit in one write transaction: the product's fields, each price, each stock
    change compare-and-set, the audit row, the catalogue revision and the search sync. Returns
    whether anything changed; raises StockChanged (and changes nothing) if a stock moved since the
    form was shown."""
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
        if edit.hs_code != before.hs_code:
            values[Product.hs_code] = edit.hs_code
        if edit.origin_country != before.origin_country:
            values[Product.origin_country] = edit.origin_country
        if edit.weight_grams != before.weight_grams:
            values[Product.weight_grams] = edit.weight_grams
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
        await record_audit(actor, "product.update", f"product:{code}", before.snapshot(), after.snapshot())
        await bump_revision()
        await request_sync([before.id])
    return True
