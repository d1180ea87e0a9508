"""Loading the catalogue snapshot from the database and keeping it cached per process."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import replace
from typing import Any

from app.catalog.rules import (
    Catalog,
    CategoryView,
    ImageView,
    ProductView,
    Text,
    VariantView,
)
from app.catalog.tables import (
    CatalogRevision,
    Category,
    CategoryTranslation,
    OptionLabel,
    Product,
    ProductImage,
    ProductTranslation,
    Variant,
)
from app.markets.tables import PriceOverride


async def current_revision() -> int:
    row = await CatalogRevision.select(CatalogRevision.revision).first().run()
    return int(row["revision"]) if row else 0


async def bump_revision() -> None:
    """Tell every worker the catalogue changed (they reload on their next check)."""
    updated = await CatalogRevision.update(
        {CatalogRevision.revision: CatalogRevision.revision + 1}, force=True
    ).run()
    if not updated and not await CatalogRevision.exists().run():
        await CatalogRevision.insert(CatalogRevision(revision=1)).run()


def _options(raw: Any) -> tuple[tuple[str, str], ...]:
    data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return tuple((str(axis), str(value)) for axis, value in data.items())


async def load_catalog() -> Catalog:
    """Read the whole published catalogue into an immutable, indexed snapshot."""
    revision = await current_revision()
    category_rows = await Category.select().order_by(Category.position).run()
    category_texts = await CategoryTranslation.select().run()
    product_rows = await Product.select().where(Product.is_published == True).run()  # noqa: E712
    product_texts = await ProductTranslation.select().run()
    variant_rows = await Variant.select().order_by(Variant.position).order_by(Variant.id).run()
    image_rows = await ProductImage.select().order_by(ProductImage.position).run()
    label_rows = await OptionLabel.select().run()
    override_rows = await PriceOverride.select().run()

    texts_by_category: dict[int, dict[str, Text]] = defaultdict(dict)
    for row in category_texts:
        texts_by_category[row["category"]][row["locale"]] = Text(row["name"], row["slug"], row["description"])
    children: dict[int | None, list[int]] = defaultdict(list)
    for row in category_rows:
        children[row["parent"]].append(row["id"])
    categories = {
        row["id"]: CategoryView(
            id=row["id"],
            code=row["code"],
            parent_id=row["parent"],
            position=row["position"],
            texts=texts_by_category.get(row["id"], {}),
            child_ids=tuple(children.get(row["id"], [])),
        )
        for row in category_rows
        if texts_by_category.get(row["id"])
    }

    texts_by_product: dict[int, dict[str, Text]] = defaultdict(dict)
    for row in product_texts:
        texts_by_product[row["product"]][row["locale"]] = Text(row["name"], row["slug"], row["description"])
    variants_by_product: dict[int, list[VariantView]] = defaultdict(list)
    for row in variant_rows:
        variants_by_product[row["product"]].append(
            VariantView(
                id=row["id"],
                sku=row["sku"],
                options=_options(row["options"]),
                price_minor=row["price_minor"],
                currency=row["currency"],
                position=row["position"],
            )
        )
    images_by_product: dict[int, list[ImageView]] = defaultdict(list)
    for row in image_rows:
        images_by_product[row["product"]].append(ImageView(path=row["path"], colour=row["colour"]))

    products: dict[int, ProductView] = {}
    for row in product_rows:
        pid = row["id"]
        if (
            not texts_by_product.get(pid)
            or not variants_by_product.get(pid)
            or row["category"] not in categories
        ):
            continue  # incomplete products are not sellable
        products[pid] = ProductView(
            id=pid,
            code=row["code"],
            category_id=row["category"],
            position=row["position"],
            created_at=row["created_at"],
            texts=texts_by_product[pid],
            variants=tuple(variants_by_product[pid]),
            images=tuple(images_by_product.get(pid, [])),
            hs_code=row["hs_code"],
            origin_country=row["origin_country"],
            customs_description=row["customs_description"],
            weight_grams=row["weight_grams"],
            dimensions_mm=(row["length_mm"], row["width_mm"], row["height_mm"]),
        )
    catalog = build_catalog(revision, categories, products, label_rows)
    overrides = {(r["variant"], r["market"]): (r["price_minor"], r["currency"]) for r in override_rows}
    return replace(catalog, price_overrides=overrides)


def build_catalog(
    revision: int,
    categories: dict[int, CategoryView],
    products: dict[int, ProductView],
    label_rows: list[dict[str, Any]],
) -> Catalog:
    """Index a set of categories and products for page rendering."""
    category_slugs: dict[str, dict[str, int]] = defaultdict(dict)
    for category in categories.values():
        for locale, text in category.texts.items():
            category_slugs[locale][text.slug] = category.id
    product_slugs: dict[str, dict[str, int]] = defaultdict(dict)
    for product in products.values():
        for locale, text in product.texts.items():
            product_slugs[locale][text.slug] = product.id
    direct: dict[int, list[int]] = defaultdict(list)
    for product in products.values():
        direct[product.category_id].append(product.id)

    def subtree(category_id: int) -> list[int]:
        ids = list(direct.get(category_id, []))
        for child in categories[category_id].child_ids:
            if child in categories:
                ids.extend(subtree(child))
        return ids

    return Catalog(
        revision=revision,
        categories=categories,
        products=products,
        category_slugs=dict(category_slugs),
        product_slugs=dict(product_slugs),
        option_labels={(r["axis"], r["value"], r["locale"]): r["label"] for r in label_rows},
        products_in_category={cid: tuple(subtree(cid)) for cid in categories},
        variants_by_sku={v.sku: (p.id, v.id) for p in products.values() for v in p.variants},
        products_by_code={p.code: p.id for p in products.values()},
    )


class CatalogCache:
    """The snapshot, re-read when the revision row moves; checked at most every few seconds."""

    def __init__(self, check_seconds: float = 2.0) -> None:
        self.check_seconds = check_seconds
        self._catalog: Catalog | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> Catalog:
        catalog = self._catalog
        if catalog is not None and self.check_seconds > 0:
            if time.monotonic() - self._checked_at < self.check_seconds or self._lock.locked():
                return catalog  # fresh enough, or another request is already re-checking
        async with self._lock:
            if self._catalog is None or time.monotonic() - self._checked_at >= self.check_seconds:
                if self._catalog is None or await current_revision() != self._catalog.revision:
                    self._catalog = await load_catalog()
                self._checked_at = time.monotonic()
        assert self._catalog is not None
        return self._catalog

    def peek(self) -> Catalog | None:
        """The snapshot already in memory, without I/O (for error pages)."""
        return self._catalog

    def invalidate(self) -> None:
        self._checked_at = 0.0

    def reset(self) -> None:
        """Forget the snapshot entirely (tests that empty the database use this)."""
        self._catalog = None
        self._checked_at = 0.0


class StockCache:
    """Stock per variant for listings (sold-out badges), refreshed by one query every few seconds.

    Product pages and the cart read stock fresh; this only decides what a listing shows.
    """

    def __init__(self, ttl_seconds: float = 3.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._stock: dict[int, int] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self.version = 0  # moves whenever a reload finds different stock

    async def get(self) -> dict[int, int]:
        if time.monotonic() - self._loaded_at < self.ttl_seconds or (self._stock and self._lock.locked()):
            return self._stock
        async with self._lock:
            if time.monotonic() - self._loaded_at >= self.ttl_seconds:
                rows = await Variant.select(Variant.id, Variant.stock).run()
                stock = {row["id"]: row["stock"] for row in rows}
                if stock != self._stock:
                    self._stock = stock
                    self.version += 1
                self._loaded_at = time.monotonic()
        return self._stock

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")


async def variant_stock(variant_ids: list[int]) -> dict[int, int]:
    """Current stock of some variants, read fresh."""
    if not variant_ids:
        return {}
    rows = await Variant.select(Variant.id, Variant.stock).where(Variant.id.is_in(variant_ids)).run()
    return {row["id"]: row["stock"] for row in rows}
