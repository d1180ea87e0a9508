"""The search pages' parts: the shopper's query string read leniently, the backend query, the call
off the event loop, and the results, facets and links the templates show. The JSON API shares the
parsing, the price conversion and the call (app/api/search.py)."""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from babel.numbers import NumberFormatError, parse_decimal
from moneyed import Money

from app.catalog.rules import Catalog, CategoryView, ProductView
from app.core.money import precision
from app.core.settings import Settings
from app.i18n.formatting import babel_locale
from app.i18n.locales import LOCALES, ShopLocale
from app.markets.rules import Pricer
from app.search.model import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    Facets,
    Highlight,
    Hit,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
    Sort,
)
from app.search.services import configured_backend

log = logging.getLogger("storefront.search")

SORTS = tuple(Sort)
MAX_ATTRIBUTES = 20  # filters in one query string; more are ignored
MAX_RESULTS_WINDOW = 10_000  # deep pages cost linearly in any engine: page * per_page stays under this
MAX_PRICE = Decimal(10) ** 9  # a price bound above this is ignored (no product costs a billion)
SUGGESTIONS = 6
POPULAR_CATEGORIES = 8
# Price bounds are converted with the standard tax class's factor: the one most products have.
PRICE_TAX_CLASS = "standard"
_ATTRIBUTE = re.compile(r"[a-z0-9_-]{1,32}:[^\s:]{1,64}")
# Bidirectional overrides and isolates would reorder the rest of the page around the echoed query.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TRUE = frozenset({"1", "true", "on", "yes"})


def clean_query(raw: object) -> str:
    """What a shopper typed, made safe to search and to echo: NFC, control characters (and bidi
    overrides) as spaces, whitespace folded, at most MAX_QUERY_CHARS. Never refused."""
    if not isinstance(raw, str):
        return ""
    text = unicodedata.normalize("NFC", raw[: MAX_QUERY_CHARS * 4])
    kept = [
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cs", "Co", "Cn")
    ]
    return " ".join("".join(kept).split())[:MAX_QUERY_CHARS].strip()


def parse_amount(raw: object, locale: str) -> Decimal | None:
    """A price bound as typed ("12.5", "12,50", "1.234,50" in German); anything else is ignored."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 32:
        return None
    text = raw.strip()
    try:
        value = (
            Decimal(text)
            if re.fullmatch(r"\d+(?:\.\d+)?", text)
            else parse_decimal(text, babel_locale(locale))
        )
    except (InvalidOperation, NumberFormatError, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        return None
    return value


def parse_int(raw: object, default: int, low: int, high: int) -> int:
    """A positive integer clamped into [low, high]; anything else is the default."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return default
    return max(low, min(high, int(raw)))


def parse_sort(raw: object) -> Sort:
    return Sort(raw) if isinstance(raw, str) and raw in Sort._value2member_map_ else Sort.RELEVANCE


def parse_attributes(values: Iterable[object]) -> tuple[str, ...]:
    """ "axis:value" filters in a sane shape (unknown ones simply match nothing), deduplicated."""
    chosen = [v for v in values if isinstance(v, str) and _ATTRIBUTE.fullmatch(v)]
    return tuple(dict.fromkeys(chosen))[:MAX_ATTRIBUTES]


def max_page(per_page: int) -> int:
    return max(1, MAX_RESULTS_WINDOW // per_page)


def category_by_code(catalog: Catalog, code: object) -> CategoryView | None:
    if not isinstance(code, str) or not code:
        return None
    return next((c for c in catalog.categories.values() if c.code == code), None)


# --- prices: the shopper's currency <-> the shop's --------------------------------------------


def shop_minor(pricer: Pricer, amount: Decimal, shop_currency: str, *, upper: bool) -> int:
    """A bound typed in the shopper's currency as shop-currency minor units (what the index holds).

    Approximate by nature: the inverse of base price x rate x markup x tax factor, before the
    market's rounding, with the standard tax class; a market price list (fixed prices per market)
    can put a product's shown price on the other side of the bound. Lower bounds round down and
    upper bounds up, so the filter never drops a product the shopper asked for."""
    factor = pricer.applied_rate(shop_currency) * pricer.tax_factor(PRICE_TAX_CLASS)
    base = (amount / factor).scaleb(precision(shop_currency))
    return int(base.to_integral_value(ROUND_CEILING if upper else ROUND_FLOOR))


def shopper_price(pricer: Pricer, minor: int, shop_currency: str) -> Money:
    """An index price (shop currency, minor units) as the shopper would see it: converted, taxed
    and rounded like a product of the standard tax class (approximate where price lists apply)."""
    return pricer.price(0, minor, shop_currency, tax_class=PRICE_TAX_CLASS)


# --- the shopper's request --------------------------------------------------------------------


@dataclass(frozen=True)
class SearchForm:
    """What the shopper asked for, every value already valid (bad ones dropped or clamped)."""

    q: str = ""
    category: CategoryView | None = None
    attributes: tuple[str, ...] = ()
    min_price: Decimal | None = None  # in the shopper's currency
    max_price: Decimal | None = None
    in_stock: bool = False
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = 24

    @property
    def filtered(self) -> bool:
        return bool(
            self.category
            or self.attributes
            or self.in_stock
            or self.min_price is not None
            or self.max_price is not None
        )

    def query(self, locale: str, pricer: Pricer, shop_currency: str) -> SearchQuery:
        return SearchQuery(
            text=self.q,
            locale=locale,
            category_id=self.category.id if self.category else None,
            attributes=self.attributes,
            min_price_minor=None
            if self.min_price is None
            else shop_minor(pricer, self.min_price, shop_currency, upper=False),
            max_price_minor=None
            if self.max_price is None
            else shop_minor(pricer, self.max_price, shop_currency, upper=True),
            in_stock=self.in_stock,
            sort=self.sort,
            page=self.page,
            per_page=self.per_page,
            prefix=False,  # a submitted query is complete; suggestions use the prefix
        )


def make_form(
    catalog: Catalog,
    locale: str,
    per_page: int,
    *,
    q: object = None,
    category: object = None,
    attributes: Iterable[object] = (),
    min_price: object = None,
    max_price: object = None,
    in_stock: object = None,
    sort: object = None,
    page: object = None,
) -> SearchForm:
    low, high = parse_amount(min_price, locale), parse_amount(max_price, locale)
    if low is not None and high is not None and low > high:
        low, high = high, low
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    return SearchForm(
        q=clean_query(q),
        category=category_by_code(catalog, category),
        attributes=parse_attributes(attributes),
        min_price=low,
        max_price=high,
        in_stock=isinstance(in_stock, str) and in_stock.lower() in _TRUE,
        sort=parse_sort(sort),
        page=parse_int(page, 1, 1, max_page(per_page)),
        per_page=per_page,
    )


def form_from_query(params: Any, catalog: Catalog, locale: str, per_page: int) -> SearchForm:
    """The results page's query string (a multi-dict), read leniently: never an error."""
    return make_form(
        catalog,
        locale,
        per_page,
        q=params.get("q"),
        category=params.get("category"),
        attributes=params.getall("attribute", []),
        min_price=params.get("min_price"),
        max_price=params.get("max_price"),
        in_stock=params.get("in_stock"),
        sort=params.get("sort"),
        page=params.get("page"),
    )


def search_url(locale: str, form: SearchForm | None = None, **changes: Any) -> str:
    """The results page for `form` with `changes` applied (page back to 1 unless given)."""
    form = replace(form or SearchForm(), **{"page": 1, **changes})
    pairs: list[tuple[str, str]] = []
    if form.q:
        pairs.append(("q", form.q))
    if form.category:
        pairs.append(("category", form.category.code))
    pairs.extend(("attribute", a) for a in form.attributes)
    if form.min_price is not None:
        pairs.append(("min_price", str(form.min_price)))
    if form.max_price is not None:
        pairs.append(("max_price", str(form.max_price)))
    if form.in_stock:
        pairs.append(("in_stock", "1"))
    if form.sort is not Sort.RELEVANCE:
        pairs.append(("sort", form.sort.value))
    if form.page > 1:
        pairs.append(("page", str(form.page)))
    return f"/{locale}/search" + (f"?{urlencode(pairs)}" if pairs else "")


# --- calling the backend ----------------------------------------------------------------------


async def run_search(settings: Settings, query: SearchQuery) -> SearchResults:
    """The backend's answer, off the event loop. Raises SearchUnavailable for any failure: a
    backend that cannot open its index or crashes on a query is an outage for the page, not a 500."""
    try:
        backend = configured_backend(settings)
        return await asyncio.to_thread(backend.search, query)
    except SearchUnavailable:
        raise
    except Exception as error:  # the page must render whatever the engine does
        log.exception("search backend failed")
        raise SearchUnavailable(str(error)) from error


async def run_suggest(
    settings: Settings, text: str, locale: str, limit: int = SUGGESTIONS
) -> tuple[Hit, ...]:
    try:
        backend = configured_backend(settings)
        return await asyncio.to_thread(backend.suggest, text, locale, limit)
    except SearchUnavailable:
        raise
    except Exception as error:
        log.exception("search suggestions failed")
        raise SearchUnavailable(str(error)) from error


async def search_all_pages(settings: Settings, query: SearchQuery) -> SearchResults:
    """A page number past the last one is clamped to the last page (a stale link, a hand-edited URL)."""
    results = await run_search(settings, query)
    if not results.hits and results.total and query.page > 1:
        last = max(1, -(-results.total // query.per_page))
        if last < query.page:
            results = await run_search(settings, replace(query, page=last))
    return results


# --- what the templates show ------------------------------------------------------------------


@dataclass(frozen=True)
class ResultItem:
    product: ProductView
    name: Highlight | None  # the name with its matches, when it matched in the page's locale
    snippet: Highlight | None  # a piece of the description around the matches
    other_locale: ShopLocale | None  # the hit matched text in this other language
    other_name: Highlight | None


def _field(hit: Hit, name: str) -> Highlight | None:
    found = next((h for h in hit.highlights if h.field == name), None)
    return found if found is not None and any(matched for _, matched in found.segments) else None


def result_items(catalog: Catalog, hits: Sequence[Hit], locale: str) -> list[ResultItem]:
    """Hits as cards; a product the index still has but the catalogue no longer does is skipped.
    A hit in another language links to the product in the page's language and says what matched."""
    items = []
    for hit in hits:
        product = catalog.products.get(hit.product_id)
        if product is None:
            continue
        same = hit.locale == locale or hit.locale not in LOCALES
        name = _field(hit, "name")
        items.append(
            ResultItem(
                product=product,
                name=name if same else None,
                snippet=_field(hit, "description") if same else None,
                other_locale=None if same else LOCALES[hit.locale],
                other_name=None if same else (name or _field(hit, "description")),
            )
        )
    return items


@dataclass(frozen=True)
class FacetLink:
    code: str
    label: str
    count: int
    url: str
    selected: bool
    depth: int = 0


@dataclass(frozen=True)
class FacetValue:
    value: str  # "axis:value"
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class AttributeFacet:
    axis: str
    label: str
    values: tuple[FacetValue, ...]


def _tree(catalog: Catalog) -> list[tuple[CategoryView, int]]:
    out: list[tuple[CategoryView, int]] = []

    def walk(category: CategoryView, depth: int) -> None:
        out.append((category, depth))
        for child in catalog.children(category):
            walk(child, depth + 1)

    for top in catalog.top_categories:
        walk(top, 0)
    return out


def category_facets(catalog: Catalog, facets: Facets, form: SearchForm, locale: str) -> list[FacetLink]:
    """Categories with matches, in the catalogue's tree order; the chosen one links to "all"."""
    links = []
    for category, depth in _tree(catalog):
        count = facets.categories.get(category.id, 0)
        selected = form.category is not None and form.category.id == category.id
        if count or selected:
            url = search_url(locale, form, category=None if selected else category)
            links.append(FacetLink(category.code, category.text(locale).name, count, url, selected, depth))
    return links


def attribute_facets(catalog: Catalog, facets: Facets, form: SearchForm, locale: str) -> list[AttributeFacet]:
    """Values by axis with translated labels, the most common first; chosen values always shown."""
    by_axis: dict[str, dict[str, int]] = {}
    for key, count in facets.attributes.items():
        by_axis.setdefault(key.partition(":")[0], {})[key] = count
    for chosen in form.attributes:
        by_axis.setdefault(chosen.partition(":")[0], {}).setdefault(chosen, 0)
    groups = []
    for axis in sorted(by_axis):
        values = [
            FacetValue(
                key, catalog.option_label(axis, key.partition(":")[2], locale), count, key in form.attributes
            )
            for key, count in by_axis[axis].items()
        ]
        values.sort(key=lambda v: (-v.count, v.label))
        groups.append(AttributeFacet(axis, catalog.option_label(axis, "", locale), tuple(values)))
    return groups


def price_range(pricer: Pricer, facets: Facets, shop_currency: str) -> tuple[Money, Money] | None:
    """The matches' price range in the shopper's currency (approximate where price lists apply)."""
    if facets.min_price_minor is None or facets.max_price_minor is None:
        return None
    return (
        shopper_price(pricer, facets.min_price_minor, shop_currency),
        shopper_price(pricer, facets.max_price_minor, shop_currency),
    )


def popular_categories(catalog: Catalog, limit: int = POPULAR_CATEGORIES) -> list[CategoryView]:
    """Categories with the most products, below the top level when there are any (more specific)."""
    counts: Mapping[int, Sequence[int]] = catalog.products_in_category
    candidates = [c for c in catalog.categories.values() if counts.get(c.id)]
    specific = [c for c in candidates if c.parent_id is not None] or candidates
    return sorted(specific, key=lambda c: (-len(counts.get(c.id, ())), c.id))[:limit]


def sort_labels(gettext: Callable[[str], str]) -> dict[str, str]:
    return {
        Sort.RELEVANCE.value: gettext("Relevance"),
        Sort.PRICE_ASC.value: gettext("Price: low to high"),
        Sort.PRICE_DESC.value: gettext("Price: high to low"),
        Sort.NEWEST.value: gettext("Newest"),
    }
