"""The Meilisearch backend (`MEILISEARCH_URL`): one index per shop locale, rebuilt by swap.

Index layout: one index per locale (`storefront_products_en`, `..._de`, ...), not one index with
localized attributes, because Meilisearch's stop words, synonyms and the `attribute` ranking rule
are index-wide: only an index per locale can ignore "die" on German pages but not English ones,
and rank the page's own language first. Each document holds its locale's texts (name, categories,
options, description) plus the shared filter fields, and one secondary field per other locale
(`alt_ja`, `alt_zh_hans`, ...) with that locale's name, categories and options: a Japanese query
on the English page matches `alt_ja` in one request, ranked below matches in English.
`localizedAttributes` tells Meilisearch each field's language, so Japanese text is segmented with
its Japanese tokenizer and Chinese with its Chinese one.

The `meilisearch` client is synchronous (it calls `requests`): async callers run these methods in
a worker thread. Each thread gets its own client because the client mutates a shared headers
dict per request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchError
from meilisearch.models.task import Task, TaskInfo
from requests.exceptions import RequestException

from app.i18n.locales import DEFAULT_LOCALE, LOCALES
from app.search.meili_mapping import (
    FACETS,
    POST_TAG,
    PRE_TAG,
    SORTS,
    Condition,
    clean_query,
    filter_conditions,
    index_document,
    index_settings,
    locale_hints,
    page_bounds,
    to_facets,
    to_hit,
    with_filter,
)
from app.search.model import Hit, IndexStatus, SearchDocument, SearchQuery, SearchResults, SearchUnavailable
from app.search.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

BATCH = 1000  # documents per request: well under Meilisearch's 100 MB payload limit


class MeiliTaskFailed(Exception):
    """A write task ended `failed` or `canceled`; carries Meilisearch's own error."""

    def __init__(self, task: Task) -> None:
        error = task.error or {}
        self.task_uid = task.uid
        self.code: str | None = error.get("code")
        self.link: str | None = error.get("link")
        super().__init__(
            f"Meilisearch task {task.uid} ({task.type} on {task.index_uid}) {task.status}: "
            f"{self.code}: {error.get('message', 'no error given')}"
        )


@contextmanager
def answering(what: str) -> Iterator[None]:
    """Any failure to get an answer (no connection, timeout, 5xx, missing index, a misconfigured
    index's 4xx) is SearchUnavailable: pages say so and the rest of the shop carries on."""
    try:
        yield
    except MeilisearchApiError as error:
        log.warning("meilisearch %s failed: %s", what, error)
        raise SearchUnavailable(f"{what}: {error.code or error.status_code}: {error.message}") from error
    except (MeilisearchError, RequestException) as error:
        log.warning("meilisearch %s failed: %s", what, error)
        raise SearchUnavailable(f"{what}: {error}") from error


# --- the backend -----------------------------------------------------------------------------


class MeiliBackend:
    """SearchBackend over a Meilisearch server. Methods block: call them from a worker thread."""

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        index_prefix: str = "storefront",
        *,
        locales: Sequence[str] = tuple(LOCALES),
        vocabulary: Mapping[str, Vocabulary] | None = None,
        search_timeout: int = 5,
        write_timeout: int = 60,
        task_timeout_ms: int = 300_000,
        task_poll_ms: int = 100,
    ) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key
        self._prefix = index_prefix
        self.locales = tuple(locales)
        self._vocabulary = dict(vocabulary) if vocabulary is not None else load_vocabulary()
        self._timeouts = {"search": search_timeout, "write": write_timeout}
        self._task_timeout_ms = task_timeout_ms
        self._task_poll_ms = task_poll_ms
        self._local = threading.local()
        self._indexes_ready = False

    # -- plumbing

    def _client(self, purpose: str = "search") -> meilisearch.Client:
        """This thread's client for `purpose` (searches time out sooner than writes)."""
        clients: dict[str, meilisearch.Client] | None = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        if purpose not in clients:
            clients[purpose] = meilisearch.Client(self.url, self._api_key, timeout=self._timeouts[purpose])
        return clients[purpose]

    def index_uid(self, locale: str) -> str:
        code = locale if locale in self.locales else DEFAULT_LOCALE
        return f"{self._prefix}_products_{code.replace('-', '_')}"

    def _staging_uid(self, locale: str) -> str:
        return self.index_uid(locale) + "__rebuild"

    def settings(self, locale: str) -> dict[str, Any]:
        return index_settings(locale, self.locales, self._vocabulary.get(locale, Vocabulary()))

    def _wait(self, tasks: Sequence[TaskInfo], tolerated: frozenset[str] = frozenset()) -> None:
        """Wait for every task; one that did not succeed raises MeiliTaskFailed with its error,
        unless its error code is one the caller expects (an index that is already there)."""
        client = self._client("write")
        for info in tasks:
            task = client.wait_for_task(info.task_uid, self._task_timeout_ms, self._task_poll_ms)
            if task.status != "succeeded" and (task.error or {}).get("code") not in tolerated:
                raise MeiliTaskFailed(task)

    def _add(self, uid: str, bodies: Sequence[dict[str, Any]]) -> list[TaskInfo]:
        index = self._client("write").index(uid)
        return [
            index.add_documents(bodies[i : i + BATCH], "product_id") for i in range(0, len(bodies), BATCH)
        ]

    def _create(self, uids: Iterable[str]) -> list[TaskInfo]:
        client = self._client("write")
        return [client.create_index(uid, {"primaryKey": "product_id"}) for uid in uids]

    def _configure(self, uids: Mapping[str, str]) -> list[TaskInfo]:
        client = self._client("write")
        return [client.index(uid).update_settings(self.settings(locale)) for locale, uid in uids.items()]

    def _exists(self, uid: str) -> bool:
        try:
            self._client("write").get_raw_index(uid)
        except MeilisearchApiError as error:
            if error.code == "index_not_found":
                return False
            raise
        return True

    def _ensure_indexes(self) -> None:
        """Before this process's first incremental write: create missing live indexes with their
        settings (adding documents would create them bare, with nothing filterable)."""
        if self._indexes_ready:
            return
        missing = {loc: self.index_uid(loc) for loc in self.locales if not self._exists(self.index_uid(loc))}
        # Another worker may create them at the same moment: that is fine.
        self._wait(self._create(missing.values()), frozenset({"index_already_exists"}))
        self._wait(self._configure(missing))
        self._indexes_ready = True

    # -- writes

    def replace_all(
        self, documents: Sequence[SearchDocument], progress: Callable[[int], None] | None = None
    ) -> None:
        """Build every locale's index under a staging name, then swap them all in one atomic
        task: searches see the old indexes until the new ones are complete. Settings are sent
        in full each time, so a changed vocabulary or setting arrives with the rebuild."""
        with answering("rebuild"):
            client = self._client("write")
            staging = {locale: self._staging_uid(locale) for locale in self.locales}
            # A rebuild that died half-way leaves its staging indexes behind: start clean.
            dropped = [client.delete_index(uid) for uid in staging.values()]
            self._wait(dropped, frozenset({"index_not_found"}))
            self._wait(self._create(staging.values()))
            self._wait(self._configure(staging))
            for position, (locale, uid) in enumerate(staging.items(), 1):
                self._wait(self._add(uid, [index_document(d, locale, self.locales) for d in documents]))
                if progress is not None:  # locale by locale: what the server has indexed so far
                    progress(len(documents) * position // len(staging))
            # Swapping needs both sides to exist; on a first rebuild the live ones do not yet.
            live = [self.index_uid(locale) for locale in self.locales]
            self._wait(self._create(live), frozenset({"index_already_exists"}))
            pairs: list[Any] = [{"indexes": [self.index_uid(loc), uid]} for loc, uid in staging.items()]
            self._wait([client.swap_indexes(pairs)])
            self._wait([client.delete_index(uid) for uid in staging.values()])  # the old data now
            self._indexes_ready = True

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        if not documents:
            return
        with answering("upsert"):
            self._ensure_indexes()
            tasks = []
            for locale in self.locales:
                bodies = [index_document(d, locale, self.locales) for d in documents]
                tasks += self._add(self.index_uid(locale), bodies)
            self._wait(tasks)

    def delete(self, product_ids: Sequence[int]) -> None:
        ids = sorted({int(product_id) for product_id in product_ids})  # ints: nothing to escape
        if not ids:
            return
        with answering("delete"):
            self._ensure_indexes()
            tasks = []
            for locale in self.locales:
                index = self._client("write").index(self.index_uid(locale))
                for i in range(0, len(ids), BATCH):
                    chosen = ", ".join(map(str, ids[i : i + BATCH]))
                    tasks.append(index.delete_documents(filter=f"product_id IN [{chosen}]"))
            self._wait(tasks)

    # -- reads

    def _hits_params(self, query: SearchQuery) -> dict[str, Any]:
        """What a query returning hits asks for: paging, ids only, tagged highlights, scores."""
        page, per_page = page_bounds(query)
        params: dict[str, Any] = {
            "page": page,
            "hitsPerPage": per_page,
            "attributesToRetrieve": ["product_id"],
            "attributesToHighlight": ["name", "description"],
            "attributesToCrop": ["description"],
            "cropLength": 24,
            "highlightPreTag": PRE_TAG,
            "highlightPostTag": POST_TAG,
            "showMatchesPosition": True,  # which locale's field matched
            "showRankingScore": True,
        }
        if query.sort in SORTS:
            params["sort"] = SORTS[query.sort]
        return params

    def _queries(
        self, query: SearchQuery, text: str, conditions: Sequence[Condition], hint: list[str] | None
    ) -> list[dict[str, Any]]:
        """The results query, then per filter a hitless query without it for its own facet."""
        base: dict[str, Any] = {"indexUid": self.index_uid(query.locale), "q": text}
        if hint:
            base["locales"] = hint
        main = {**base, **self._hits_params(query), "facets": list(FACETS)}
        queries = [with_filter(main, conditions)]
        for condition in conditions:
            facet_query = {**base, "limit": 0, "facets": [condition.facet]}
            queries.append(with_filter(facet_query, [c for c in conditions if c is not condition]))
        return queries

    def _multi_search(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with answering("search"):
            response: Any = self._client().multi_search(queries)
            return list(response["results"])

    def search(self, query: SearchQuery) -> SearchResults:
        """One multi-search request per try (a second try only for Han text that found nothing
        read as the first language). No spelling suggestion: Meilisearch has no "did you mean"
        (its typo tolerance finds misspelt words instead), so `suggestion` stays None."""
        text = clean_query(query.text, query.prefix)
        conditions = filter_conditions(query)
        for hint in locale_hints(text, query.locale):
            results = self._multi_search(self._queries(query, text, conditions, hint))
            if results[0].get("totalHits"):
                break
        without = {c.key: result for c, result in zip(conditions, results[1:], strict=True)}
        return SearchResults(
            hits=tuple(to_hit(hit, query.locale, self.locales) for hit in results[0].get("hits", [])),
            total=int(results[0].get("totalHits", 0)),
            facets=to_facets(results[0], without),
        )

    def suggest(self, text: str, locale: str, limit: int = 6) -> tuple[Hit, ...]:
        """The first page of a plain search (no filters, no facets), `limit` long."""
        cleaned = clean_query(text)
        if not cleaned:
            return ()
        query = SearchQuery(text=cleaned, locale=locale, per_page=limit)
        index = self._client().index(self.index_uid(locale))
        for hint in locale_hints(cleaned, locale):
            with answering("suggest"):
                params = self._hits_params(query) | ({"locales": hint} if hint else {})
                hits = index.search(cleaned, params).get("hits", [])
            if hits:
                break
        return tuple(to_hit(hit, locale, self.locales) for hit in hits)

    def status(self) -> IndexStatus:
        """Never raises: an unreachable server is an unhealthy status, not an error."""
        try:
            with answering("status"):
                healthy = self._client().health().get("status") == "available"
                stats = self._client().get_all_stats().get("indexes", {})
        except SearchUnavailable as error:
            return IndexStatus(self.name, {}, healthy=False, detail=str(error))
        uids = {locale: self.index_uid(locale) for locale in self.locales}
        counts = {loc: int(stats.get(uid, {}).get("numberOfDocuments", 0)) for loc, uid in uids.items()}
        missing = [uid for uid in uids.values() if uid not in stats]
        detail = f"missing indexes: {', '.join(missing)}" if missing else self.url
        return IndexStatus(self.name, counts, healthy=healthy and not missing, detail=detail)
