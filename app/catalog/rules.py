"""Pure catalogue logic: the read model, slugs, sorting, pagination, variant choice and national
tariff numbers."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache, cached_property
from itertools import product as cartesian

from babel import Locale

from app.i18n.locales import LOCALES, fallback_chain

SORTS = ("featured", "price-asc", "price-desc", "name", "newest")
DEFAULT_SORT = "featured"


@dataclass(frozen=True)
class Text:
    """Translated name, slug and description of a category or product."""

    name: str
    slug: str
    description: str
    seo_title: str = ""  # the page title; "" = the name
    seo_description: str = ""  # the meta description; "" = the start of the description


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

    def shown_text(self, locale: str) -> ShownText:
        return shown_text(self.texts, locale)


@dataclass(frozen=True)
class PageView:
    """A published content page of the shop (shipping and returns, about us)."""

    id: int
    code: str
    position: int
    texts: Mapping[str, Text]

    def text(self, locale: str) -> Text:
        return pick_text(self.texts, locale)

    def shown_text(self, locale: str) -> ShownText:
        return shown_text(self.texts, locale)


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
    alt: str = ""  # base-locale alt text of an uploaded image
    thumb_small: str = ""  # square WebP thumbnails of an uploaded image ("" for SVG placeholders)
    thumb_large: str = ""


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
    # National tariff numbers by destination country ({"US": "6205900010"}): see check_tariff_codes.
    tariff_codes: Mapping[str, str] = field(default_factory=dict)

    def text(self, locale: str) -> Text:
        return pick_text(self.texts, locale)

    def shown_text(self, locale: str) -> ShownText:
        return shown_text(self.texts, locale)

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
    # locale -> former slug -> id (the slug history): old addresses answer 301 to the current one
    old_product_slugs: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    old_category_slugs: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # Published content pages, their slugs (locale -> slug -> id) and former slugs, as for products.
    pages: Mapping[int, PageView] = field(default_factory=dict)
    page_slugs: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    old_page_slugs: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def product_at(self, locale: str, slug: str) -> tuple[int | None, str]:
        """The product a /p/ address in `locale` stands for, and its current slug there (a
        different slug: answer with a 301 to it). Unknown: (None, "")."""
        found = _slug_target(self.product_slugs, self.old_product_slugs, locale, slug, self.products)
        return (found, self.products[found].text(locale).slug) if found is not None else (None, "")

    def category_at(self, locale: str, slug: str) -> tuple[int | None, str]:
        """As `product_at`, for a /c/ address."""
        found = _slug_target(self.category_slugs, self.old_category_slugs, locale, slug, self.categories)
        return (found, self.categories[found].text(locale).slug) if found is not None else (None, "")

    def page_at(self, locale: str, slug: str) -> tuple[int | None, str]:
        """As `product_at`, for a /pages/ address."""
        found = _slug_target(self.page_slugs, self.old_page_slugs, locale, slug, self.pages)
        return (found, self.pages[found].text(locale).slug) if found is not None else (None, "")

    @property
    def footer_pages(self) -> list[PageView]:
        """The published pages in the merchant's order (the footer's links)."""
        return sorted(self.pages.values(), key=lambda p: (p.position, p.code))

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
    """The text in the locale, else along its fallback chain, else any (as shown_text, without
    saying which: this one runs for every product a listing sorts)."""
    for loc in fallback_chain(locale):
        if loc in texts:
            return texts[loc]
    return next(iter(texts.values()))


@dataclass(frozen=True)
class ShownText:
    """A text as a page in `page_locale` shows it, and the locale it came from: a fallback one
    when the page's locale has no translation (the page must then say so in a lang attribute)."""

    text: Text
    locale: str
    page_locale: str

    @property
    def lang_attributes(self) -> dict[str, str]:
        """What the element carrying the text needs: none in the page's own locale; else lang (the
        fallback's BCP 47 tag), and dir where its script runs the other way (English on an Arabic page)."""
        if self.locale == self.page_locale:
            return {}
        source, page = LOCALES.get(self.locale), LOCALES.get(self.page_locale)
        if source is None:
            return {"lang": self.locale}
        attributes = {"lang": source.hreflang}
        if page is None or page.direction != source.direction:
            attributes["dir"] = source.direction
        return attributes


def shown_text(texts: Mapping[str, Text], locale: str) -> ShownText:
    """The text in the locale, else along its fallback chain, else any, with the locale it is in."""
    for loc in fallback_chain(locale):
        if loc in texts:
            return ShownText(texts[loc], loc, locale)
    loc, text = next(iter(texts.items()))
    return ShownText(text, loc, locale)


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


# --- national tariff numbers ------------------------------------------------------------------
# Only the first 6 digits of a commodity code are the international Harmonized System; the digits
# after them belong to one country's tariff (US HTSUS 10, China 10, Korea 10, Japan 9, Brazil 8,
# Switzerland 8, EU CN 8). A product therefore keeps one national number per destination
# (Product.tariff_codes), each an extension of its own HS subheading.

TARIFF_CODE = re.compile(r"[0-9]{8,10}")
TARIFF_SEPARATORS = re.compile(r"[,;\n]")
TARIFF_NOISE = re.compile(r"[\s.]")  # "6205.90.00 10" is typed as printed in the tariffs
MAX_TARIFF_CODES = 25  # 25 numbers of 10 digits fit Product.tariff_codes, a Varchar(500)
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})  # CLDR groupings and pseudo-locales


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes of countries and territories (CLDR's list, without its groupings)."""
    codes = {str(code) for code in Locale("en").territories}
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha()) - NOT_COUNTRIES


def is_country_code(code: str) -> bool:
    return code in country_codes()


@dataclass(frozen=True)
class TariffProblem:
    """Why national tariff numbers are refused: the kind, and the entry concerned."""

    kind: str  # "format", "country", "duplicate", "digits", "prefix", "too_many"
    country: str = ""
    code: str = ""  # the number (or for "format", the entry) as typed
    hs: str = ""  # for "prefix": the 6 digits the number must start with

    def describe(self) -> str:
        """The problem in English (data files and the CLI; the back office translates its own)."""
        return {
            "format": f"{self.code!r} is not a country code, '=' and a number, like US=6205900010",
            "country": f"{self.country!r} is not a two-letter ISO country code",
            "duplicate": f"{self.country} is given twice",
            "digits": f"the number for {self.country} must have 8 to 10 digits, got {self.code!r}",
            "prefix": f"the number for {self.country} ({self.code}) must start with the HS code {self.hs}",
            "too_many": f"at most {MAX_TARIFF_CODES} national tariff numbers",
        }[self.kind]


def hs_subheading(hs_code: str) -> str:
    """The 6 international digits of a stored or typed HS code ("6205.90.0010" -> "620590"); "" when
    it has fewer than 6 digits."""
    digits = TARIFF_NOISE.sub("", hs_code)
    return digits[:6] if len(digits) >= 6 and digits[:6].isascii() and digits[:6].isdigit() else ""


def check_tariff_codes(
    entries: Mapping[str, object] | Iterable[tuple[object, object]], hs_code: str
) -> dict[str, str] | TariffProblem:
    """National tariff numbers by destination, checked and normalised ({"us": "6205.90.0010"} ->
    {"US": "6205900010"}), or the first problem. Keys are ISO country codes, numbers 8 to 10 digits
    (spaces and dots dropped) and, when the product has an HS code, they start with its 6 digits."""
    pairs = entries.items() if isinstance(entries, Mapping) else entries
    hs = hs_subheading(hs_code)
    checked: dict[str, str] = {}
    for key, value in pairs:
        country = key.strip().upper() if isinstance(key, str) else ""
        if not is_country_code(country):
            return TariffProblem("country", str(key).strip()[:40])
        if country in checked:
            return TariffProblem("duplicate", country)
        number = TARIFF_NOISE.sub("", value) if isinstance(value, str) else ""
        if not TARIFF_CODE.fullmatch(number):
            return TariffProblem("digits", country, str(value)[:40])
        if hs and not number.startswith(hs):
            return TariffProblem("prefix", country, number, hs)
        checked[country] = number
    if len(checked) > MAX_TARIFF_CODES:
        return TariffProblem("too_many")
    return {country: checked[country] for country in sorted(checked)}


def parse_tariff_text(text: str) -> list[tuple[str, str]] | TariffProblem:
    """The typed form `US=6205900010, CH=6205.90.00` as (country, number) pairs, unchecked (for
    check_tariff_codes); entries are separated by commas, semicolons or line breaks; "" -> []."""
    pairs: list[tuple[str, str]] = []
    for entry in TARIFF_SEPARATORS.split(text):
        if not entry.strip():
            continue
        country, equals, number = entry.partition("=")
        if not equals or not country.strip() or not number.strip():
            return TariffProblem("format", code=entry.strip()[:40])
        pairs.append((country, number))
    return pairs


def format_tariff_text(codes: Mapping[str, str], separator: str = ", ") -> str:
    """The typed form of stored numbers: `CH=62059000, US=6205900010` (countries sorted)."""
    return separator.join(f"{country}={codes[country]}" for country in sorted(codes))


def parse_tariff_codes(raw: str) -> dict[str, str]:
    """A product's national tariff numbers from its column ('{"US": "6205900010"}')."""
    return {str(country): str(code) for country, code in json.loads(raw or "{}").items()}


def format_tariff_codes(codes: Mapping[str, str]) -> str:
    """The column value: sorted keys, no spaces, so equal numbers store alike."""
    return json.dumps({country: codes[country] for country in sorted(codes)}, separators=(",", ":"))


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


# --- option axes, variants and SKUs (the demo importer and the back office share these) ---------

# Axis names and values are lowercase slugs ("size", "sky-blue"): OptionLabel rows translate them.
OPTION_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_OPTION_NAME = 32  # OptionLabel.axis and .value are Varchar(32)
PRODUCT_CODE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
MAX_PRODUCT_CODE = 32  # Product.code is a Varchar(32)
MAX_SKU = 64  # Variant.sku is a Varchar(64)
MAX_VARIANTS = 100  # per product: more combinations than this is a typing mistake, not a range


def variant_combinations(options: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """Every combination of option values, in the declared order ([{}] when no options)."""
    axes = list(options)
    return [dict(zip(axes, values, strict=True)) for values in cartesian(*(options[a] for a in axes))]


def sku_for(code: str, combination: Mapping[str, str]) -> str:
    """A variant's SKU: the product code and each option value, upper case (TS-001-M-RED)."""
    return "-".join([code, *(value.upper() for value in combination.values())])


def product_code_is_valid(code: str) -> bool:
    """Upper-case letters and digits in dash-separated groups (TS-001), at most 32 characters."""
    return 2 <= len(code) <= MAX_PRODUCT_CODE and PRODUCT_CODE.fullmatch(code) is not None


def sku_is_valid(sku: str) -> bool:
    return len(sku) <= MAX_SKU and PRODUCT_CODE.fullmatch(sku) is not None


def option_name(text: str) -> str:
    """A typed axis or value as stored: "Sky Blue" -> "sky-blue" (may still be invalid)."""
    text = unicodedata.normalize("NFKC", text).strip().casefold()
    return re.sub(r"[\s_]+", "-", text)


@dataclass(frozen=True)
class OptionProblem:
    """Why typed option axes are refused; `name` is the axis or value concerned."""

    kind: str  # "format", "name", "duplicate_axis", "duplicate_value", "no_values", "too_many"
    name: str = ""


def parse_option_values(text: str) -> list[str] | OptionProblem:
    """ "S, M, L" -> ["s", "m", "l"]; empty text -> []."""
    values: list[str] = []
    for part in text.split(","):
        if not part.strip():
            continue
        value = option_name(part)
        if len(value) > MAX_OPTION_NAME or not OPTION_NAME.fullmatch(value):
            return OptionProblem("name", part.strip())
        if value in values:
            return OptionProblem("duplicate_value", value)
        values.append(value)
    return values


def parse_option_axes(text: str) -> dict[str, list[str]] | OptionProblem:
    """One axis per line (or separated by ";"): "size: S, M, L" -> {"size": ["s", "m", "l"]}."""
    axes: dict[str, list[str]] = {}
    for line in re.split(r"[\n;]", text):
        if not line.strip():
            continue
        name, colon, rest = line.partition(":")
        if not colon:
            return OptionProblem("format", line.strip())
        axis = option_name(name)
        if len(axis) > MAX_OPTION_NAME or not OPTION_NAME.fullmatch(axis):
            return OptionProblem("name", name.strip())
        if axis in axes:
            return OptionProblem("duplicate_axis", axis)
        values = parse_option_values(rest)
        if isinstance(values, OptionProblem):
            return values
        if not values:
            return OptionProblem("no_values", axis)
        axes[axis] = values
    total = math.prod(len(values) for values in axes.values())
    return OptionProblem("too_many", str(total)) if total > MAX_VARIANTS else axes


def missing_combinations(
    axes: Mapping[str, Sequence[str]], existing: Iterable[Mapping[str, str]]
) -> list[dict[str, str]]:
    """The combinations of `axes` that no existing variant has yet, in the declared order."""
    have = {tuple(sorted(options.items())) for options in existing}
    return [c for c in variant_combinations(axes) if tuple(sorted(c.items())) not in have]


def duplicate_skus(skus: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """SKUs that repeat among `skus` or are in `taken` already (values like "a-b" + "c" and "a" +
    "b-c" give the same SKU), in the order they come."""
    seen = set(taken)
    clashes: list[str] = []
    for sku in skus:
        if sku in seen and sku not in clashes:
            clashes.append(sku)
        seen.add(sku)
    return clashes


def _slug_in_other_locale(index: Mapping[str, Mapping[str, int]], slug: str) -> int | None:
    """An id whose slug in some other locale matches (a shared or switched link)."""
    for slugs in index.values():
        if slug in slugs:
            return slugs[slug]
    return None


def _slug_target(
    current: Mapping[str, Mapping[str, int]],
    former: Mapping[str, Mapping[str, int]],
    locale: str,
    slug: str,
    known: Mapping[int, object],
) -> int | None:
    """The id a slug stands for in `locale`: a current slug there, else a former slug there
    (renamed), else a slug of another locale, current or former (an untranslated product's fallback
    text's slug is its address there). Only ids still in the catalogue count."""
    here = current.get(locale, {}).get(slug)
    if here is not None:
        return here
    for found in (former.get(locale, {}).get(slug), _slug_in_other_locale(current, slug)):
        if found in known:
            return found
    found = _slug_in_other_locale(former, slug)
    return found if found in known else None
