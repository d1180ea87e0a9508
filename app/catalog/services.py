"""Loading the catalogue snapshot from the database and keeping it cached per process."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from app.catalog.rules import (
    Catalog,
    CategoryView,
    ImageView,
    PageView,
    ProductView,
    Text,
    VariantView,
    parse_duty_rates,
    parse_restrictions,
    parse_tariff_codes,
)
from app.catalog.tables import (
    CatalogRevision,
    Category,
    CategoryTranslation,
    OptionLabel,
    Product,
    ProductImage,
    ProductTranslation,
    ShopPage,
    ShopPageTranslation,
    SlugHistory,
    Variant,
)
from app.core.background import refresh_in_background
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
        texts_by_category[row["category"]][row["locale"]] = _text(row)
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
        texts_by_product[row["product"]][row["locale"]] = _text(row)
    variants_by_product: dict[int, list[VariantView]] = defaultdict(list)
    for row in variant_rows:
        variants_by_product[row["product"]].append(_variant(row))
    images_by_product: dict[int, list[ImageView]] = defaultdict(list)
    for row in image_rows:
        images_by_product[row["product"]].append(_image(row))

    products: dict[int, ProductView] = {}
    for row in product_rows:
        pid = row["id"]
        if (
            not texts_by_product.get(pid)
            or not variants_by_product.get(pid)
            or row["category"] not in categories
        ):
            continue  # incomplete products are not sellable
        products[pid] = _product_view(
            row, texts_by_product[pid], variants_by_product[pid], images_by_product.get(pid, [])
        )
    catalog = build_catalog(revision, categories, products, label_rows)
    overrides = {(r["variant"], r["market"]): (r["price_minor"], r["currency"]) for r in override_rows}
    old_slugs: dict[str, dict[str, dict[str, int]]] = {"product": {}, "category": {}, "page": {}}
    for r in await SlugHistory.select().run():
        owner = r["product"] or r["category"] or r["page"]
        old_slugs.setdefault(r["kind"], {}).setdefault(r["locale"], {})[r["slug"]] = owner
    pages = await load_pages()
    return replace(
        catalog,
        price_overrides=overrides,
        old_product_slugs=old_slugs["product"],
        old_category_slugs=old_slugs["category"],
        pages=pages,
        page_slugs=slug_index(pages.values()),
        old_page_slugs=old_slugs["page"],
    )


async def load_pages() -> dict[int, PageView]:
    """The published content pages that have a text in some locale."""
    rows = await ShopPage.select().where(ShopPage.is_published == True).run()  # noqa: E712
    texts: dict[int, dict[str, Text]] = defaultdict(dict)
    for row in await ShopPageTranslation.select().run():
        texts[row["page"]][row["locale"]] = _text(row)
    return {
        row["id"]: PageView(row["id"], row["code"], row["position"], texts[row["id"]])
        for row in rows
        if texts.get(row["id"])
    }


def slug_index(owners: Iterable[PageView]) -> dict[str, dict[str, int]]:
    """locale -> slug -> id of the pages' texts."""
    index: dict[str, dict[str, int]] = defaultdict(dict)
    for owner in owners:
        for locale, text in owner.texts.items():
            index[locale][text.slug] = owner.id
    return dict(index)


def _text(row: dict[str, Any]) -> Text:
    return Text(row["name"], row["slug"], row["description"], row["seo_title"], row["seo_description"])


def _variant(row: dict[str, Any]) -> VariantView:
    return VariantView(
        id=row["id"],
        sku=row["sku"],
        options=_options(row["options"]),
        price_minor=row["price_minor"],
        currency=row["currency"],
        position=row["position"],
    )


def _image(row: dict[str, Any]) -> ImageView:
    return ImageView(
        path=row["path"],
        colour=row["colour"],
        alt=row["alt"],
        thumb_small=row["thumb_small"],
        thumb_large=row["thumb_large"],
    )


def _product_view(
    row: dict[str, Any], texts: dict[str, Text], variants: list[VariantView], images: list[ImageView]
) -> ProductView:
    return ProductView(
        id=row["id"],
        code=row["code"],
        category_id=row["category"],
        position=row["position"],
        created_at=row["created_at"],
        texts=texts,
        variants=tuple(variants),
        images=tuple(images),
        hs_code=row["hs_code"],
        origin_country=row["origin_country"],
        customs_description=row["customs_description"],
        weight_grams=row["weight_grams"],
        dimensions_mm=(row["length_mm"], row["width_mm"], row["height_mm"]),
        tax_class=row["tax_class"],
        restrictions=parse_restrictions(row["restrictions"]),
        duty_rates=parse_duty_rates(row["duty_rates"]),
        tariff_codes=parse_tariff_codes(row["tariff_codes"]),
    )


async def load_product(code: str) -> ProductView | None:
    """One product as the shop would show it, published or not (the back office's preview of an
    unpublished one); None when there is no such product or it has no texts or variants."""
    row = await Product.select().where(Product.code == code).first().run()
    if row is None:
        return None
    pid = row["id"]
    texts = {
        r["locale"]: _text(r)
        for r in await ProductTranslation.select().where(ProductTranslation.product == pid).run()
    }
    variants = [
        _variant(r)
        for r in await Variant.select()
        .where(Variant.product == pid)
        .order_by(Variant.position)
        .order_by(Variant.id)
        .run()
    ]
    images = [
        _image(r)
        for r in await ProductImage.select()
        .where(ProductImage.product == pid)
        .order_by(ProductImage.position)
        .run()
    ]
    return _product_view(row, texts, variants, images) if texts and variants else None


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
    """The snapshot, re-read when the revision row moves; checked at most every few seconds.

    Only a request that has no snapshot to serve (the first, or after `invalidate()`) waits for the
    database; the periodic check runs in a background task while requests keep the snapshot they
    have. Why: under load, a query through aiosqlite makes about seven hops between its thread and
    a saturated event loop (connect, PRAGMA, execute, commit, fetch, close), each waiting behind
    every queued request: the check took 0.5-2.6 s at 32 connections, and the one request that ran
    it inline waited all of it. A handful of those requests made the p99 of cache-miss pages.
    `check_seconds` 0 checks on every request, and waits for it (tests see changes at once).
    """

    def __init__(self, check_seconds: float = 2.0) -> None:
        self.check_seconds = check_seconds
        self._catalog: Catalog | None = None
        self._checked_at = float("-inf")  # -inf: check before serving
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    async def get(self) -> Catalog:
        catalog = self._catalog
        if catalog is None or self.check_seconds <= 0 or self._checked_at == float("-inf"):
            await self._check()
        elif time.monotonic() - self._checked_at >= self.check_seconds:
            self._background = refresh_in_background(self._background, self._check, "catalogue check")
        assert self._catalog is not None
        return self._catalog

    async def _check(self) -> None:
        async with self._lock:  # one check at a time; a waiter finds it done
            if self._catalog is not None and time.monotonic() - self._checked_at < self.check_seconds:
                return
            if self._catalog is None or await current_revision() != self._catalog.revision:
                self._catalog = await load_catalog()
                if self.check_seconds > 0:  # 0 is for tests: a new catalogue per test, no point
                    freeze_long_lived_objects()
            self._checked_at = time.monotonic()

    def peek(self) -> Catalog | None:
        """The snapshot already in memory, without I/O (for error pages)."""
        return self._catalog

    def invalidate(self) -> None:
        """Check the revision before serving the next request."""
        self._checked_at = float("-inf")

    def reset(self) -> None:
        """Forget the snapshot entirely (tests that empty the database use this)."""
        self._catalog = None
        self._checked_at = float("-inf")


class StockCache:
    """Stock per variant for listings (sold-out badges), refreshed by one query every few seconds.

    Product pages and the cart read stock fresh; this only decides what a listing shows. As for
    the catalogue, only the first load is waited for; later reloads (all variants, one row each)
    run in the background, so listings show stock at most `ttl_seconds` plus one reload old.
    """

    def __init__(self, ttl_seconds: float = 3.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._stock: dict[int, int] = {}
        self._loaded_at = float("-inf")  # -inf: load before serving
        self._revision: int | None = None  # the catalogue revision the stock was read for
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self.version = 0  # moves whenever a reload finds different stock

    async def get(self, revision: int) -> dict[int, int]:
        """Stock by variant id for the catalogue at `revision`. A new revision may bring variants
        the last read never saw (they would show as sold out): it is read before serving."""
        if revision != self._revision:
            self._revision = revision
            self._loaded_at = float("-inf")
        if self._loaded_at == float("-inf"):
            await self._reload()
        elif time.monotonic() - self._loaded_at >= self.ttl_seconds:
            self._background = refresh_in_background(self._background, self._reload, "stock reload")
        return self._stock

    async def _reload(self) -> None:
        async with self._lock:
            if time.monotonic() - self._loaded_at < self.ttl_seconds:
                return  # another request just loaded it
            rows = await Variant.select(Variant.id, Variant.stock).run()
            stock = {row["id"]: row["stock"] for row in rows}
            if stock != self._stock:
                self._stock = stock
                self.version += 1
            self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")


def freeze_long_lived_objects() -> None:
    """Exempt the catalogue snapshot (and whatever else lives as long: modules, templates) from
    the cyclic garbage collector.

    A full (generation 2) collection walks every tracked object; with the snapshot loaded that
    took 60-200 ms under load, about every 3 s per worker, stalling every request in flight. The
    snapshot is immutable and free of reference cycles (reference counting frees an old one), so
    the collector has nothing to find in it: frozen, full collections take 1-7 ms. Collect first
    so no garbage is frozen with it (once per catalogue change: one pause instead of one every 3 s).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def variant_stock(variant_ids: list[int]) -> dict[int, int]:
    """Current stock of some variants, read fresh."""
    if not variant_ids:
        return {}
    rows = await Variant.select(Variant.id, Variant.stock).where(Variant.id.is_in(variant_ids)).run()
    return {row["id"]: row["stock"] for row in rows}
