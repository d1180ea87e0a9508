"""Pure translation between the search contract and Meilisearch's JSON: index documents, index
settings, filter expressions, and responses back into hits and facets (app/search/meili.py does
the I/O). Reading the vocabulary file is its only side effect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.i18n.locales import fallback_chain
from app.search.model import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    Facets,
    Highlight,
    Hit,
    LocalizedText,
    SearchDocument,
    SearchQuery,
    Sort,
)
from app.search.vocabulary import Vocabulary

# Meilisearch's language codes (ISO 639-3; `cmn` is Mandarin) for each shop locale.
LANGUAGES = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "ja": "jpn", "zh-hans": "cmn", "ar": "ara"}

# The page locale's own fields, best first: their order is what the `attribute` rule ranks by.
PRIMARY_FIELDS = ("name", "categories", "options", "description", "code")
FILTERABLE = ("product_id", "category_ids", "attributes", "price_minor", "in_stock")
SORTABLE = ("price_minor", "created_at", "position")
FACETS = ("category_ids", "attributes", "in_stock", "price_minor")
# `sort` right after `words`: a price sort orders every result that matches the query's words,
# while relevance (no sort) is untouched; the merchant's order breaks the remaining ties.
RANKING_RULES = ("words", "sort", "typo", "proximity", "attribute", "exactness", "position:asc")
# Meilisearch's defaults, stated so a changed server default cannot change results silently.
TYPO_TOLERANCE = {
    "enabled": True,
    "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    "disableOnAttributes": ["code"],  # a product code is exact or nothing
}
SORTS = {
    Sort.PRICE_ASC: ["price_minor:asc"],
    Sort.PRICE_DESC: ["price_minor:desc"],
    Sort.NEWEST: ["created_at:desc"],
}

# Private-use characters as highlight tags: they cannot be confused with markup, and documents
# are stripped of them, so every tag in a response is one Meilisearch inserted.
PRE_TAG, POST_TAG = "\ue000", "\ue001"
_TAGS = re.compile(f"({PRE_TAG}|{POST_TAG})")
_UNSAFE_QUERY_CHARS = re.compile(f"[\x00-\x1f\x7f-\x9f{PRE_TAG}{POST_TAG}]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

NOTHING = "product_id NOT EXISTS"  # a filter no document passes (every document has its id)


# --- documents and settings ------------------------------------------------------------------


def alt_field(locale: str) -> str:
    return "alt_" + locale.replace("-", "_")


def _strip_tags(text: str) -> str:
    return text.replace(PRE_TAG, "").replace(POST_TAG, "")


def _text_for(document: SearchDocument, locale: str) -> LocalizedText:
    """The locale's text, else its fallback chain's, else any: every product is in every index."""
    for code in fallback_chain(locale):
        if code in document.texts:
            return document.texts[code]
    return next(iter(document.texts.values()), LocalizedText(name=document.code))


def _epoch(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # naive times are UTC here
    return int(aware.timestamp())


def index_document(document: SearchDocument, locale: str, locales: Iterable[str]) -> dict[str, Any]:
    """The document as `locale`'s index stores it."""
    text = _text_for(document, locale)
    body: dict[str, Any] = {
        "product_id": document.product_id,
        "code": document.code,
        "name": _strip_tags(text.name),
        "description": _strip_tags(text.description),
        "categories": list(text.categories),
        "options": list(text.options),
        "category_ids": list(document.category_ids),
        "attributes": list(document.attributes),
        "price_minor": document.price_minor,
        "in_stock": document.in_stock,
        "position": document.position,
        "created_at": _epoch(document.created_at),
    }
    for other in locales:
        other_text = document.texts.get(other)
        if other != locale and other_text is not None:
            body[alt_field(other)] = [other_text.name, *other_text.categories, *other_text.options]
    return body


def _localized_attributes(locale: str, locales: Sequence[str]) -> list[dict[str, list[str]]]:
    """Each field's language. A locale without a code in LANGUAGES gets no rule: Meilisearch
    then detects its language as it would with no setting."""
    rules = []
    if locale in LANGUAGES:
        rules.append({"attributePatterns": list(PRIMARY_FIELDS), "locales": [LANGUAGES[locale]]})
    for other in locales:
        if other != locale and other in LANGUAGES:
            rules.append({"attributePatterns": [alt_field(other)], "locales": [LANGUAGES[other]]})
    return rules


def index_settings(locale: str, locales: Sequence[str], vocabulary: Vocabulary) -> dict[str, Any]:
    """The whole settings object of `locale`'s index: sent in full, so applying it is idempotent."""
    return {
        "searchableAttributes": [*PRIMARY_FIELDS, *(alt_field(o) for o in locales if o != locale)],
        "filterableAttributes": list(FILTERABLE),
        "sortableAttributes": list(SORTABLE),
        "rankingRules": list(RANKING_RULES),
        "typoTolerance": TYPO_TOLERANCE,
        "stopWords": list(vocabulary.stop_words),
        "synonyms": vocabulary.synonyms(),
        "localizedAttributes": _localized_attributes(locale, locales),
        "faceting": {"maxValuesPerFacet": 500},  # attribute facets list every colour and size
        "pagination": {"maxTotalHits": 10_000},
    }


# --- queries ---------------------------------------------------------------------------------


def quote_filter_value(value: str) -> str | None:
    """`value` as a filter string literal, or None when Meilisearch's filter parser cannot express it.

    That parser ends a literal at the first quote not preceded by a backslash and unescapes only
    backslash-quote; any other backslash is literal and a backslash cannot itself be escaped. So
    the literal is exact when its quote character never follows a backslash in the value and the
    value does not end with a backslash; otherwise no quoting is exact, and the caller must not
    guess (a wrong guess could end the literal early and inject filter syntax).
    """
    if value.endswith("\\"):
        return None
    for quote in ('"', "'"):
        if "\\" + quote not in value:
            return quote + value.replace(quote, "\\" + quote) + quote
    return None


@dataclass(frozen=True)
class Condition:
    """One filter of a query: `key` names what a facet computed without it is for."""

    key: str  # "category", "price", "stock" or "attr:<axis>"
    facet: str  # the facet attribute whose counts ignore this condition
    expression: str


def _attribute_conditions(attributes: Sequence[str]) -> list[Condition]:
    """Values of one axis OR together (one IN per axis); axes AND together."""
    axes: dict[str, list[str]] = {}
    for attribute in dict.fromkeys(attributes):
        axes.setdefault(attribute.split(":", 1)[0], []).append(attribute)
    conditions = []
    for axis, values in axes.items():
        literals = [lit for lit in map(quote_filter_value, values) if lit is not None]
        expression = f"attributes IN [{', '.join(literals)}]" if literals else NOTHING
        conditions.append(Condition(f"attr:{axis}", "attributes", expression))
    return conditions


def filter_conditions(query: SearchQuery) -> list[Condition]:
    conditions = []
    if query.category_id is not None:
        conditions.append(Condition("category", "category_ids", f"category_ids = {int(query.category_id)}"))
    conditions += _attribute_conditions(query.attributes)
    bounds = []
    if query.min_price_minor is not None:
        bounds.append(f"price_minor >= {int(query.min_price_minor)}")
    if query.max_price_minor is not None:
        bounds.append(f"price_minor <= {int(query.max_price_minor)}")
    if bounds:
        conditions.append(Condition("price", "price_minor", " AND ".join(bounds)))
    if query.in_stock:
        conditions.append(Condition("stock", "in_stock", "in_stock = true"))
    return conditions


def join_filter(conditions: Iterable[Condition]) -> str | None:
    parts = [f"({condition.expression})" for condition in conditions]
    return " AND ".join(parts) or None


def clean_query(text: str, prefix: bool = True) -> str:
    """Truncated, without control characters; a trailing space makes Meilisearch match the last
    word whole instead of as a prefix (it has no per-query switch for that)."""
    cleaned = " ".join(_UNSAFE_QUERY_CHARS.sub(" ", text[:MAX_QUERY_CHARS]).split())
    return cleaned + " " if cleaned and not prefix else cleaned


def locale_hints(text: str, page_locale: str) -> list[list[str] | None]:
    """Query languages to try, in order. Kana is Japanese; Han text alone is Chinese or Japanese
    (the page decides which comes first; the other is tried when the first finds nothing). Other
    scripts split on spaces in every shop language, so Meilisearch's own detection is left alone."""
    if _KANA.search(text):
        return [["jpn"]]
    if _HAN.search(text):
        return [["jpn"], ["cmn"]] if page_locale == "ja" else [["cmn"], ["jpn"]]
    return [None]


def page_bounds(query: SearchQuery) -> tuple[int, int]:
    return max(1, query.page), min(max(1, query.per_page), MAX_PER_PAGE)


# --- responses -------------------------------------------------------------------------------


def highlight_segments(formatted: str) -> tuple[tuple[str, bool], ...]:
    """Cut a highlighted value at the tags: (text, matched) pairs, neighbours of a kind merged."""
    segments: list[tuple[str, bool]] = []
    matched = False
    for part in _TAGS.split(formatted):
        if part in (PRE_TAG, POST_TAG):
            matched = part == PRE_TAG
        elif part and segments and segments[-1][1] == matched:
            segments[-1] = (segments[-1][0] + part, matched)
        elif part:
            segments.append((part, matched))
    return tuple(segments)


def _highlights(hit: Mapping[str, Any]) -> tuple[Highlight, ...]:
    formatted = hit.get("_formatted") or {}
    highlights = []
    for field in ("name", "description"):
        value = formatted.get(field)
        if isinstance(value, str) and PRE_TAG in value:
            highlights.append(Highlight(field, highlight_segments(value)))
    return tuple(highlights)


def _matched_locale(hit: Mapping[str, Any], page_locale: str, locales: Sequence[str]) -> str:
    """The page's locale when its own fields matched, else the other locale whose field did."""
    fields = {key.split(".")[0] for key in hit.get("_matchesPosition") or {}}
    if not fields or fields & set(PRIMARY_FIELDS):
        return page_locale
    return next((other for other in locales if alt_field(other) in fields), page_locale)


def to_hit(hit: Mapping[str, Any], page_locale: str, locales: Sequence[str]) -> Hit:
    return Hit(
        product_id=int(hit["product_id"]),
        score=float(hit.get("_rankingScore", 0.0)),
        locale=_matched_locale(hit, page_locale, locales),
        highlights=_highlights(hit),
    )


def _int_keys(counts: Mapping[str, Any]) -> dict[int, int]:
    return {int(key): int(count) for key, count in counts.items() if key.lstrip("-").isdigit()}


def _axis_key(attribute: str) -> str:
    return "attr:" + attribute.split(":", 1)[0]


def to_facets(main: Mapping[str, Any], without: Mapping[str, Mapping[str, Any]]) -> Facets:
    """Facets from the main result, except that each active filter's own facet comes from the
    query run without that filter (so choosing "red" still shows how many are blue)."""

    def distribution(key: str, facet: str) -> Mapping[str, Any]:
        return (without.get(key, main).get("facetDistribution") or {}).get(facet) or {}

    main_attributes = distribution("", "attributes")  # "" is no filter's key: the main result
    attributes = {v: int(c) for v, c in main_attributes.items() if _axis_key(v) not in without}
    for key in without:
        if key.startswith("attr:"):
            counts = distribution(key, "attributes")
            attributes.update({v: int(c) for v, c in counts.items() if _axis_key(v) == key})
    price = (without.get("price", main).get("facetStats") or {}).get("price_minor") or {}
    return Facets(
        categories=_int_keys(distribution("category", "category_ids")),
        attributes=attributes,
        in_stock=int(distribution("stock", "in_stock").get("true", 0)),
        min_price_minor=int(price["min"]) if "min" in price else None,
        max_price_minor=int(price["max"]) if "max" in price else None,
    )


def with_filter(params: dict[str, Any], conditions: Sequence[Condition]) -> dict[str, Any]:
    expression = join_filter(conditions)
    return {**params, "filter": expression} if expression else params
