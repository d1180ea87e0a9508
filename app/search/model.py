"""The search contract: documents, queries, results, and the interface both backends implement.

Pages and the API talk only to `SearchBackend`; the embedded engine (the default, no server) and
the Meilisearch adapter (`MEILISEARCH_URL`) implement it and pass the same contract tests.
Pure data: no I/O here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

MAX_QUERY_CHARS = 200  # longer queries are truncated, never refused
MAX_PER_PAGE = 48


@dataclass(frozen=True)
class LocalizedText:
    """What a shopper may type to find a product, in one locale."""

    name: str
    description: str = ""
    categories: tuple[str, ...] = ()  # the category and its ancestors, translated
    options: tuple[str, ...] = ()  # translated option values ("Rot", "Grande") and axis names


@dataclass(frozen=True)
class SearchDocument:
    """One published product as the index sees it (mapped from the catalogue)."""

    product_id: int
    code: str
    texts: Mapping[str, LocalizedText]  # by shop locale code ("en", "zh-hans", ...)
    category_ids: tuple[int, ...]  # its category and every ancestor: filtering by a parent finds it
    attributes: tuple[str, ...]  # "axis:value" of every variant, e.g. "colour:red", "size:m"
    price_minor: int  # cheapest variant, shop currency, minor units (filters and sorts)
    in_stock: bool
    position: int  # the merchant's order
    created_at: datetime


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price-asc"
    PRICE_DESC = "price-desc"
    NEWEST = "newest"


@dataclass(frozen=True)
class SearchQuery:
    text: str
    locale: str  # the page's locale: its texts rank first, others still match (cross-language)
    category_id: int | None = None
    attributes: tuple[str, ...] = ()  # "axis:value"; values of one axis OR together, axes AND
    min_price_minor: int | None = None  # shop currency (pages convert the shopper's bounds)
    max_price_minor: int | None = None
    in_stock: bool = False  # True: only products in stock
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = 24
    prefix: bool = True  # the last word may be incomplete (as-you-type)


@dataclass(frozen=True)
class Highlight:
    """A field's text cut into (segment, matched) pairs: templates escape each segment and mark
    the matched ones, so no markup from the index ever reaches a page unescaped."""

    field: str  # "name" or "description"
    segments: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Hit:
    product_id: int
    score: float
    locale: str  # the locale whose text matched best (may differ from the query's)
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True)
class Facets:
    """Counts over every match (all filters applied except the facet's own)."""

    categories: Mapping[int, int] = field(default_factory=dict)
    attributes: Mapping[str, int] = field(default_factory=dict)  # "axis:value" -> count
    in_stock: int = 0
    min_price_minor: int | None = None
    max_price_minor: int | None = None


@dataclass(frozen=True)
class SearchResults:
    hits: tuple[Hit, ...]
    total: int
    facets: Facets
    suggestion: str | None = None  # a corrected query when this one found little or nothing


@dataclass(frozen=True)
class IndexStatus:
    backend: str  # "embedded" or "meilisearch"
    documents: Mapping[str, int]  # by locale
    healthy: bool
    detail: str = ""


class SearchUnavailable(Exception):
    """The backend cannot answer (server down, index missing): pages say so and carry on."""


class SearchBackend(Protocol):
    """Both backends. Methods block (disk or network): async callers run them in a thread."""

    name: str

    def replace_all(
        self, documents: Sequence[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> None:
        """Rebuild the index from scratch with exactly these documents; `progress(done)` is told
        how many are in so far (a rebuild of 50,000 products takes minutes)."""
        ...

    def upsert(self, documents: Sequence[SearchDocument]) -> None: ...

    def delete(self, product_ids: Sequence[int]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResults:
        """Raises SearchUnavailable when it cannot answer; bad query text is never an error."""
        ...

    def suggest(self, text: str, locale: str, limit: int = 6) -> tuple[Hit, ...]:
        """As-you-type completions: the best few products for a partial query."""
        ...

    def status(self) -> IndexStatus: ...
