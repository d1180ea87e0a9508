"""The embedded search backend (the default when no MEILISEARCH_URL is set): tantivy in-process.

The index lives in a folder (or in memory for tests). Writes take a lock and commit atomically;
searches run on the last committed snapshot from any number of threads (tantivy releases the GIL).
Several processes may share one folder: the one that writes holds tantivy's lock for the commit,
the others pick the commit up on their next search after RELOAD_SECONDS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Order, Query

from app.i18n.locales import DEFAULT_LOCALE, LOCALES
from app.search.analysis import has_cjk, within_typos
from app.search.matching import Matcher, QueryPlan, highlight, plan_query, snippet
from app.search.model import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    Facets,
    Highlight,
    Hit,
    IndexStatus,
    SearchDocument,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
    Sort,
)
from app.search.tantivy_index import (
    SCHEMA_VERSION,
    QueryBuilder,
    build_schema,
    field_key,
    stored_texts,
    to_tantivy,
)
from app.search.vocabulary import Vocabulary, load_vocabulary

RELOAD_SECONDS = 1.0  # how stale another process's commit may look
WRITER_HEAP_BYTES = 64_000_000  # split between tantivy's indexing threads (at least 15 MB each)
MAX_RESULT_WINDOW = 10_000  # page * per_page beyond this is clamped: deep pages cost linearly
SUGGEST_BELOW = 3  # fewer hits than this: look for a spelling correction
FACET_SIZE = 10_000
_AGGREGATIONS: dict[str, dict[str, Any]] = {
    "category": {"terms": {"field": "category", "size": FACET_SIZE}},
    "attribute": {"terms": {"field": "attribute", "size": FACET_SIZE}},
    "stock": {"terms": {"field": "stock", "size": 2}},
    "price": {"stats": {"field": "price"}},
}
_SORTS: dict[Sort, tuple[str, Order]] = {
    Sort.PRICE_ASC: ("price", Order.Asc),
    Sort.PRICE_DESC: ("price", Order.Desc),
    Sort.NEWEST: ("created", Order.Desc),
}
_ENGINE_ERRORS = (ValueError, OSError, RuntimeError)


def _count(result: tantivy.SearchResult) -> int:
    return int(result.count)  # type: ignore[attr-defined]  # the type stub omits it; the class has it


def _product_ids(searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]) -> list[int]:
    """Product ids from the fast column (every document has one)."""
    return [int(v or 0) for v in searcher.fast_field_values("product_id", addresses)] if addresses else []


class EmbeddedBackend:
    """A `SearchBackend` on tantivy. `path=None` keeps the index in memory."""

    name = "embedded"

    def __init__(
        self,
        path: Path | None = None,
        locales: Sequence[str] = tuple(LOCALES),
        vocabulary: Mapping[str, Vocabulary] | None = None,
    ) -> None:
        self._locales = tuple(locales)
        self._vocabulary = dict(vocabulary) if vocabulary is not None else load_vocabulary()
        self._schema = build_schema(self._locales)
        self._folder = path / f"v{SCHEMA_VERSION}" if path else None
        try:
            if self._folder is not None:
                self._folder.mkdir(parents=True, exist_ok=True)
                self._index = tantivy.Index(self._schema, str(self._folder), reuse=True)
            else:
                self._index = tantivy.Index(self._schema)
        except _ENGINE_ERRORS as error:
            raise SearchUnavailable(f"cannot open the search index in {self._folder}: {error}") from error
        self._queries = QueryBuilder(self._schema, self._locales)
        self._write_lock = threading.Lock()
        self._reloaded_at = time.monotonic()

    # --- writes ----------------------------------------------------------------------------

    def _write(self, action: Callable[[tantivy.IndexWriter], None]) -> None:
        with self._write_lock:
            try:
                with self._open_writer() as writer:  # commits on leaving the block
                    action(writer)
                self._index.reload()
            except _ENGINE_ERRORS as error:
                raise SearchUnavailable(f"search index write failed: {error}") from error
            self._reloaded_at = time.monotonic()

    def _open_writer(self, attempts: int = 50) -> tantivy.IndexWriter:
        """tantivy allows one writer per folder: another process may hold it for a moment."""
        for attempt in range(attempts):
            try:
                return self._index.writer(WRITER_HEAP_BYTES)
            except ValueError as error:
                if "LockBusy" not in str(error) or attempt == attempts - 1:
                    raise
                time.sleep(0.1)
        raise AssertionError("unreachable")

    def replace_all(
        self, documents: Sequence[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> None:
        def rebuild(writer: tantivy.IndexWriter) -> None:
            writer.delete_all_documents()
            for done, document in enumerate(documents, 1):  # tantivy indexes while we analyse the next
                writer.add_document(to_tantivy(document, self._locales, self._vocabulary))
                if progress is not None and (done % 100 == 0 or done == len(documents)):
                    progress(done)

        self._write(rebuild)

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        prepared = [(d.product_id, to_tantivy(d, self._locales, self._vocabulary)) for d in documents]

        def replace(writer: tantivy.IndexWriter) -> None:
            for product_id, doc in prepared:
                writer.delete_documents_by_query(self._queries.term("product_id", product_id))
                writer.add_document(doc)

        if prepared:
            self._write(replace)

    def delete(self, product_ids: Sequence[int]) -> None:
        def remove(writer: tantivy.IndexWriter) -> None:
            for product_id in product_ids:
                # by query: deleting by term does not match unsigned fields (tantivy-py 0.27)
                writer.delete_documents_by_query(self._queries.term("product_id", product_id))

        if product_ids:
            self._write(remove)

    # --- reads -----------------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        if time.monotonic() - self._reloaded_at > RELOAD_SECONDS:
            self._index.reload()
            self._reloaded_at = time.monotonic()
        return self._index.searcher()

    def search(self, query: SearchQuery) -> SearchResults:
        try:
            return self._search(query, details=True)
        except _ENGINE_ERRORS as error:
            raise SearchUnavailable(f"search failed: {error}") from error

    def suggest(self, text: str, locale: str, limit: int = 6) -> tuple[Hit, ...]:
        query = SearchQuery(text=text, locale=locale, per_page=max(1, min(limit, MAX_PER_PAGE)), prefix=True)
        if not query.text.strip():
            return ()
        try:
            return self._search(query, details=False).hits
        except _ENGINE_ERRORS as error:
            raise SearchUnavailable(f"search failed: {error}") from error

    def status(self) -> IndexStatus:
        try:
            searcher = self._searcher()
            counts = {
                locale: _count(searcher.search(self._queries.term("locale", locale), 1))
                for locale in self._locales
            }
        except _ENGINE_ERRORS as error:
            return IndexStatus(self.name, {}, healthy=False, detail=str(error))
        where = str(self._folder) if self._folder else "in memory"
        return IndexStatus(self.name, counts, healthy=True, detail=f"tantivy index {where}")

    def _search(self, query: SearchQuery, *, details: bool) -> SearchResults:
        locale = query.locale if query.locale in self._locales else DEFAULT_LOCALE
        plan = plan_query(query.text[:MAX_QUERY_CHARS], locale, self._locales, prefix=query.prefix)
        per_page = max(1, min(query.per_page, MAX_PER_PAGE))
        page = max(1, min(query.page, MAX_RESULT_WINDOW // per_page))
        filters = self._queries.filters(query)
        searcher = self._searcher()
        text = self._queries.text_query(plan)
        order = _SORTS.get(query.sort) or (None if text is not None else ("position", Order.Asc))
        result = self._run(searcher, text, filters, per_page, page, order)
        required = len(plan.required)
        # Meilisearch's "last" matching strategy, in short: no product has every word, so accept
        # products missing one word, then any word (ranked by how many they have).
        for need in (required - 1, 1) if required > 1 else ():
            if _count(result):
                break
            text = self._queries.text_query(plan, need=need)
            result = self._run(searcher, text, filters, per_page, page, order)
        addresses = [address for _, address in result.hits]
        ids = _product_ids(searcher, addresses)
        scores = [float(score) if order is None else 0.0 for score, _ in result.hits]
        hits = self._hits(searcher, plan, ids, addresses, scores, with_snippets=details)
        if not details:
            return SearchResults(hits=hits, total=_count(result), facets=Facets())
        facets = self._facets(searcher, text, query)
        suggestion = self._spelling(searcher, plan, _count(result))
        return SearchResults(hits=hits, total=_count(result), facets=facets, suggestion=suggestion)

    def _run(
        self,
        searcher: tantivy.Searcher,
        text: Query | None,
        filters: dict[str, Query],
        per_page: int,
        page: int,
        order: tuple[str, Order] | None,
    ) -> tantivy.SearchResult:
        combined = self._queries.combine(text, filters.values())
        offset = (page - 1) * per_page
        if order is None:
            return searcher.search(combined, per_page, count=True, offset=offset)
        field, direction = order
        return searcher.search(
            combined, per_page, count=True, order_by_field=field, offset=offset, order=direction
        )

    # --- hits: which locale matched, highlights ------------------------------------------------

    def _hits(
        self,
        searcher: tantivy.Searcher,
        plan: QueryPlan,
        ids: list[int],
        addresses: list[tantivy.DocAddress],
        scores: list[float],
        *,
        with_snippets: bool,
    ) -> tuple[Hit, ...]:
        if not ids:
            return ()
        if plan.empty:
            return tuple(Hit(pid, score, plan.locale) for pid, score in zip(ids, scores, strict=True))
        locales = self._matched_locales(searcher, plan, ids)
        matchers: dict[tuple[str, bool], Matcher] = {}
        hits = []
        for pid, address, score in zip(ids, addresses, scores, strict=True):
            locale = locales.get(pid, plan.locale)
            texts = stored_texts(searcher.doc(address))
            name, description = texts.get(locale) or texts.get(plan.locale) or ["", ""]
            for typos in (True, False):
                if (locale, typos) not in matchers:
                    matchers[locale, typos] = Matcher(plan, locale, typos=typos)
            marks = [Highlight("name", highlight(name, matchers[locale, True]))]
            if with_snippets and (cut := snippet(description, matchers[locale, False])):
                marks.append(Highlight("description", cut))
            hits.append(Hit(pid, score, locale, tuple(marks)))
        return tuple(hits)

    def _matched_locales(self, searcher: tantivy.Searcher, plan: QueryPlan, ids: list[int]) -> dict[int, str]:
        """The page's locale for every hit that matches in it; else the locale that scores best.
        Asked of the engine on the page's hits only, with exact terms (no typo automata to build);
        a hit that matched only through a typo or a prefix is shown in the page's locale, or in
        the first locale of the query's script."""
        found: dict[int, str] = {}
        best: dict[int, float] = {}
        for locale in (plan.locale, *[loc for loc in self._locales if loc != plan.locale]):
            remaining = [pid for pid in ids if found.get(pid) != plan.locale]
            if not remaining:
                break
            clause = self._queries.locale_query(plan, locale)
            if clause is None:
                continue
            restricted = Query.boolean_query(
                [
                    (tantivy.Occur.Must, clause),
                    (tantivy.Occur.Must, Query.term_set_query(self._schema, "product_id", remaining)),
                ]
            )
            result = searcher.search(restricted, len(remaining))
            matched = _product_ids(searcher, [a for _, a in result.hits])
            for (score, _), pid in zip(result.hits, matched, strict=True):
                if locale == plan.locale or score > best.get(pid, 0.0):
                    found[pid], best[pid] = locale, float(score)
        fallback = next(
            (loc for w in plan.required for loc, terms in w.locales.items() if terms[0].typos), None
        )
        return {pid: found.get(pid) or fallback or plan.locale for pid in ids}

    # --- facets and spelling ---------------------------------------------------------------------

    def _facets(self, searcher: tantivy.Searcher, text: Query | None, query: SearchQuery) -> Facets:
        """Counts over all matches; each facet leaves its own filter out (a shopper who chose
        "red" still sees how many are blue). One aggregation: the text query runs once, each
        facet is a filter aggregation over the other filters."""
        expressions = self._queries.filter_expressions(query)
        requests: dict[str, dict[str, Any]] = {}

        def add(name: str, skip: str | None, body: dict[str, Any]) -> None:
            others = " AND ".join(f"({e})" for n, e in expressions.items() if n != skip)
            requests[name] = {"filter": others, "aggs": {"inner": body}} if others else body

        add("category", "category", _AGGREGATIONS["category"])
        add("attribute", None, _AGGREGATIONS["attribute"])
        axes = [name for name in expressions if name.startswith("axis:")]
        for index, name in enumerate(axes):
            add(f"axis{index}", name, _AGGREGATIONS["attribute"])
        add("stock", "stock", _AGGREGATIONS["stock"])
        add("price", "price", _AGGREGATIONS["price"])
        raw = searcher.aggregate(text if text is not None else Query.all_query(), requests)

        def result(name: str) -> dict[str, Any]:
            found: dict[str, Any] = raw[name]
            return found["inner"] if "inner" in found else found

        attributes = {
            b["key"]: b["doc_count"]
            for b in result("attribute")["buckets"]
            if f"axis:{str(b['key']).partition(':')[0]}" not in expressions
        }
        for index, name in enumerate(axes):
            prefix = name.removeprefix("axis:") + ":"
            attributes.update(
                {
                    b["key"]: b["doc_count"]
                    for b in result(f"axis{index}")["buckets"]
                    if b["key"].startswith(prefix)
                }
            )
        price = result("price")
        has_price = bool(price.get("count"))
        return Facets(
            categories={int(b["key"]): b["doc_count"] for b in result("category")["buckets"]},
            attributes=dict(sorted(attributes.items())),
            in_stock=sum(b["doc_count"] for b in result("stock")["buckets"] if int(b["key"]) == 1),
            min_price_minor=round(price["min"]) if has_price else None,
            max_price_minor=round(price["max"]) if has_price else None,
        )

    def _spelling(self, searcher: tantivy.Searcher, plan: QueryPlan, total: int) -> str | None:
        """A corrected query when this one found little: each unknown word replaced by the
        closest indexed word (page locale first; fewer edits, then more products, win), offered
        only if the corrected query finds more."""
        if plan.empty or total >= SUGGEST_BELOW:
            return None
        order = (plan.locale, *[loc for loc in self._locales if loc != plan.locale])
        corrected, changed = [], False
        for word in plan.words:
            fix = None if word.optional else self._closest_word(searcher, word.norm, order)
            corrected.append(fix or word.norm)
            changed = changed or fix is not None
        if not changed:
            return None
        suggestion = " ".join(corrected)
        better = self._search(SearchQuery(text=suggestion, locale=plan.locale, prefix=False), details=False)
        return suggestion if better.total > total else None

    def _closest_word(self, searcher: tantivy.Searcher, word: str, locales: Sequence[str]) -> str | None:
        if len(word) < 3 or has_cjk(word) or any(ch.isdigit() for ch in word):
            return None
        fields = [f"word_{field_key(loc)}" for loc in locales]
        if any(searcher.doc_freq(field, word) for field in fields):
            return None  # a known word: not the one to correct
        budget = 2 if len(word) >= 5 else 1
        best: tuple[int, int, int, str] | None = None
        for rank, field in enumerate(fields):
            for candidate, count in searcher.terms_with_prefix(field, word[0]):
                if abs(len(candidate) - len(word)) > budget:
                    continue
                for distance in range(1, budget + 1):
                    if within_typos(candidate, word, distance):
                        key = (distance, rank, -count, candidate)
                        if best is None or key < best:
                            best = key
                        break
        return best[3] if best else None
