"""Pure catalogue logic: the read model, slugs, sorting, pagination and variant choice."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from app.i18n.locales import fallback_chain

SORTS = ("featured", "price-asc", "price-desc", "name", "newest")
DEFAULT_SORT = "featured"


@dataclass(frozen=True)
class Text:
    """Translated name, slug and description of a category or product."""

    name: str
    slug: str
    description: str


@dataclass(frozen=True)
class CategoryView:
    id: int
    code: str
    parent_id: int | None
    position: int
    texts: Mapping[str, Text]
    child_ids: tuple[int, ...] = ()

    def text(self, locale: str) -> Text:
        return pick_text(self.texts, locale)


@dataclass(frozen=True)
class VariantView:
    id: int
    sku: str
    options: tuple[tuple[str, str], ...]
    price_minor: int
    currency: str
    position: int


@dataclass(frozen=True)
class ImageView:
    path: str
    colour: str


@dataclass(frozen=True)
class ProductView:
    id: int
    code: str
    category_id: int
    position: int
    created_at: datetime
    texts: Mapping[str, Text]
    variants: tuple[VariantView, ...]
    images: tuple[ImageView, ...]
    hs_code: str
    origin_country: str
    customs_description: str
    weight_grams: int
    dimensions_mm: tuple[int, int, int]
    tax_class: str  # one of app.tax.model.PRODUCT_TAX_CLASSES
    restrictions: frozenset[str]  # shipping restriction tags: lithium_battery, liquid, aerosol, food
    duty_rates: Mapping[str, Decimal] = field(default_factory=dict)  # percent by country ("EU": members)

    def text(self, locale: str) -> Text:
        return pick_text(self.texts, locale)

    @property
    def min_price_minor(self) -> int:
        return self.cheapest.price_minor

    @cached_property
    def cheapest(self) -> VariantView:
        """The variant with the lowest base price (all variants share the shop currency)."""
        return min(self.variants, key=lambda v: v.price_minor)

    def in_stock(self, stock: Mapping[int, int]) -> bool:
        return any(stock.get(v.id, 0) > 0 for v in self.variants)

    @cached_property
    def has_price_range(self) -> bool:
        return len({v.price_minor for v in self.variants}) > 1

    @property
    def axes(self) -> tuple[str, ...]:
        """Option axes in the order the variants declare them."""
        return tuple(axis for axis, _ in self.variants[0].options) if self.variants else ()

    def axis_values(self, axis: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(dict(v.options)[axis] for v in self.variants))

    def image_for(self, colour: str | None) -> ImageView | None:
        for image in self.images:
            if colour and image.colour == colour:
                return image
        return self.images[0] if self.images else None


@dataclass(frozen=True)
class Catalog:
    """An immutable snapshot of the published catalogue, indexed for page rendering."""

    revision: int
    categories: Mapping[int, CategoryView]
    products: Mapping[int, ProductView]
    category_slugs: Mapping[str, Mapping[str, int]]
    product_slugs: Mapping[str, Mapping[str, int]]
    option_labels: Mapping[tuple[str, str, str], str]
    products_in_category: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    variants_by_sku: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    products_by_code: Mapping[str, int] = field(default_factory=dict)
    # (variant id, market code) -> (price in minor units, currency): the merchant's price lists
    price_overrides: Mapping[tuple[int, str], tuple[int, str]] = field(default_factory=dict)

    @property
    def top_categories(self) -> list[CategoryView]:
        return sorted((c for c in self.categories.values() if c.parent_id is None), key=lambda c: c.position)

    def children(self, category: CategoryView) -> list[CategoryView]:
        return [self.categories[i] for i in category.child_ids]

    def ancestors(self, category: CategoryView) -> list[CategoryView]:
        """Root first, the category itself last."""
        chain = [category]
        while chain[0].parent_id is not None:
            chain.insert(0, self.categories[chain[0].parent_id])
        return chain

    def option_label(self, axis: str, value: str, locale: str) -> str:
        for loc in fallback_chain(locale):
            label = self.option_labels.get((axis, value, loc))
            if label:
                return label
        return value or axis

    def variant_label(self, variant: VariantView, locale: str) -> str:
        return " / ".join(self.option_label(axis, value, locale) for axis, value in variant.options)


def pick_text(texts: Mapping[str, Text], locale: str) -> Text:
    """The text in the locale, else along its fallback chain, else any."""
    for loc in fallback_chain(locale):
        if loc in texts:
            return texts[loc]
    return next(iter(texts.values()))


def parse_restrictions(raw: str) -> frozenset[str]:
    """The shipping restriction tags of a product's comma-separated column ("" -> none)."""
    return frozenset(tag.strip() for tag in raw.split(",") if tag.strip())


def format_restrictions(tags: Iterable[str]) -> str:
    """The column value for a set of tags: sorted, so the same set is always stored the same way."""
    return ",".join(sorted(set(tags)))


def parse_duty_rates(raw: str) -> dict[str, Decimal]:
    """The merchant's duty rates of a product's column ('{"CH": "2.5"}' -> {"CH": Decimal("2.5")})."""
    return {country: Decimal(rate) for country, rate in json.loads(raw or "{}").items()}


def format_duty_rates(rates: Mapping[str, Decimal]) -> str:
    """The column value: sorted keys, rates as decimal strings, so equal rates store alike."""
    return json.dumps({country: str(rates[country]) for country in sorted(rates)}, separators=(",", ":"))


def slugify(text: str) -> str:
    """A URL slug that keeps letters of every script: `Tシャツ オーロラ` -> `tシャツ-オーロラ`."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s-]", " ", text)
    text = re.sub(r"[\s_-]+", "-", text).strip("-")
    return text[:120].strip("-") or "item"


def unique_slug(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def summary(text: str, limit: int = 155) -> str:
    """Shorten to `limit` characters at a word boundary where the script has spaces."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:、，。") + "…"


def sort_products(
    products: Sequence[ProductView],
    sort: str,
    locale: str,
    price_of: Callable[[ProductView], Decimal | int] | None = None,
) -> list[ProductView]:
    """Products in the chosen order. Price sorts use `price_of` (the price the shopper is shown,
    e.g. `lambda p: pricer.from_price(p).amount`, which honours market price lists), else the
    cheapest base price; ties keep the merchant's order."""
    if sort in {"price-asc", "price-desc"}:
        key = price_of or (lambda p: p.min_price_minor)
        prices = {p.id: key(p) for p in products}  # each price once: a price list lookup is not free
        if sort == "price-asc":
            return sorted(products, key=lambda p: (prices[p.id], p.position, p.id))
        return sorted(products, key=lambda p: (-prices[p.id], p.position, p.id))
    if sort == "name":
        return sorted(products, key=lambda p: (p.text(locale).name.casefold(), p.id))
    if sort == "newest":
        return sorted(products, key=lambda p: (p.created_at, p.id), reverse=True)
    return sorted(products, key=lambda p: (p.position, p.id))


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total_items: int

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total_items / self.size))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages


def parse_page(raw: str | None, total_items: int, size: int) -> Page | None:
    """Page 1 when absent; None (-> 404) when not a positive integer within range."""
    if raw is None or raw == "":
        return Page(1, size, total_items)
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return None
    page = Page(int(raw), size, total_items)
    return page if 1 <= page.number <= page.total_pages else None


def parse_sort(raw: str | None) -> str:
    return raw if raw in SORTS else DEFAULT_SORT


def find_variant(product: ProductView, chosen: Mapping[str, str]) -> VariantView | None:
    """The variant matching every chosen option value, or None."""
    for variant in product.variants:
        if all(chosen.get(axis) == value for axis, value in variant.options):
            return variant
    return None
