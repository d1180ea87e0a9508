"""A local HTTP server that answers the Meilisearch routes the search adapter uses, in the shapes
Meilisearch documents (tasks, errors, search and stats responses), and records every request.

No Meilisearch server can be installed here, so the adapter's protocol is tested against this.
It validates what Meilisearch would refuse up front (unknown settings and search parameters,
unsortable sorts, filters on attributes that are not filterable, malformed filter literals) but
does not tokenize, rank, filter or highlight: search answers every stored document, or whatever
a test's `on_search` returns.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

KEY = "test-master-key"

# --- a port of Meilisearch's filter literal parser (filter-parser `quoted_by` and `unescape`) -----


def parse_literal(text: str) -> tuple[str, str]:
    """(value, rest) of the quoted literal `text` starts with, read as Meilisearch reads it: the
    literal ends at the first quote not preceded by a backslash; only backslash-quote unescapes."""
    quote, body = text[0], text[1:]
    escaped, i = False, 0
    while i < len(body):
        if body[i] == quote:
            raw = body[:i]
            return (raw.replace("\\" + quote, quote) if escaped else raw), body[i + 1 :]
        if body[i] == "\\":
            if i + 1 == len(body):
                raise ValueError("malformed value")
            escaped |= body[i + 1] == quote
            i += 1
        i += 1
    raise ValueError("unterminated literal")


def split_filter(expression: str) -> tuple[str, list[str]]:
    """The expression with each literal replaced by `?`, and the literals' values."""
    outside, values = [], []
    while expression:
        if expression[0] in "\"'":
            value, expression = parse_literal(expression)
            values.append(value)
            outside.append("?")
        else:
            outside.append(expression[0])
            expression = expression[1:]
    return "".join(outside), values


# --- the fake server -------------------------------------------------------------------------

SETTINGS_KEYS = set(
    """displayedAttributes searchableAttributes filterableAttributes sortableAttributes rankingRules
    stopWords nonSeparatorTokens separatorTokens dictionary synonyms distinctAttribute proximityPrecision
    typoTolerance faceting pagination embedders searchCutoffMs localizedAttributes facetSearch
    prefixSearch""".split()
)
SEARCH_KEYS = set(
    """indexUid q offset limit page hitsPerPage filter facets distinct attributesToRetrieve
    attributesToCrop cropLength cropMarker attributesToHighlight highlightPreTag highlightPostTag
    showMatchesPosition showRankingScore showRankingScoreDetails sort matchingStrategy
    attributesToSearchOn locales rankingScoreThreshold hybrid vector retrieveVectors
    federationOptions""".split()
)
RANKING_RULES = set("words typo proximity attribute sort exactness attributeRank wordPosition".split())
# A few of the documented localizedAttributes/locales codes (ISO 639-1 and 639-3).
LANGUAGE_CODES = set("en de fr es ja zh ar eng deu fra spa jpn zho cmn ara".split())


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, kind: str = "invalid_request") -> None:
        super().__init__(message)
        self.status, self.body = status, error_body(code, message, kind)


def error_body(code: str, message: str, kind: str = "invalid_request") -> dict[str, str]:
    return {
        "message": message,
        "code": code,
        "type": kind,
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0


class FakeMeili:
    """The documented routes the adapter uses. Tasks are processed when enqueued; GET /tasks/:uid
    reports them `processing` for `polls_before_done` polls first. Search returns every stored
    document (or what `on_search` says), unranked and unhighlighted."""

    def __init__(self) -> None:
        self.indexes: dict[str, dict[str, Any]] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.polls: dict[int, int] = {}
        self.polls_before_done = 0
        self.failures: dict[str, dict[str, str]] = {}  # task type -> the error it ends with
        self.broken: tuple[int, dict[str, str]] | None = None  # every request answered so
        self.delay = 0.0
        self.on_search: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    # -- plumbing

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command, parts.path, dict(parse_qsl(parts.query)), None, dict(self.headers)
                )
                server.requests.append(request)
                if server.delay:
                    threading.Event().wait(server.delay)
                try:
                    request.body = json.loads(raw) if raw else None
                    status, answer = server.answer(request)
                except ApiError as error:
                    status, answer = error.status, error.body
                request.status = status
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def answer(self, request: Request) -> tuple[int, Any]:
        if self.broken:
            return self.broken
        if request.path != "/health":
            self._authorize(request.headers)
        if request.method in ("POST", "PATCH") and request.headers.get("Content-Type") != "application/json":
            raise ApiError(415, "missing_content_type", "A Content-Type header is missing.")
        for method, pattern, handler in self.routes():
            match = re.fullmatch(pattern, request.path)
            if match and method == request.method:
                with self.lock:
                    return handler(request, *match.groups())
        raise ApiError(404, "not_found", f"{request.method} {request.path}")

    def _authorize(self, headers: dict[str, str]) -> None:
        auth = headers.get("Authorization")
        if not auth:
            raise ApiError(
                401, "missing_authorization_header", "The Authorization header is missing.", "auth"
            )
        if auth != f"Bearer {KEY}":
            raise ApiError(403, "invalid_api_key", "The provided API key is invalid.", "auth")

    def routes(self) -> list[tuple[str, str, Callable[..., tuple[int, Any]]]]:
        uid = r"([A-Za-z0-9_-]+)"
        return [
            ("GET", "/health", lambda r: (200, {"status": "available"})),
            ("GET", "/stats", self.stats),
            ("GET", r"/tasks/(\d+)", self.get_task),
            ("POST", "/indexes", self.create_index),
            ("GET", f"/indexes/{uid}", self.get_index),
            ("DELETE", f"/indexes/{uid}", self.delete_index),
            ("PATCH", f"/indexes/{uid}/settings", self.update_settings),
            ("POST", f"/indexes/{uid}/documents", self.add_documents),
            ("POST", f"/indexes/{uid}/documents/delete", self.delete_documents),
            ("POST", f"/indexes/{uid}/search", self.search),
            ("POST", "/multi-search", self.multi_search),
            ("POST", "/swap-indexes", self.swap_indexes),
        ]

    def enqueue(
        self, kind: str, index_uid: str | None, work: Callable[[], dict[str, str] | None]
    ) -> tuple[int, Any]:
        """Run the task now: `work` changes the state or returns the task's error."""
        uid = len(self.tasks)
        error = self.failures.pop(kind, None) or work()
        stamp = now()
        self.tasks[uid] = {
            "uid": uid, "batchUid": uid, "indexUid": index_uid, "status": "failed" if error else "succeeded",
            "type": kind, "canceledBy": None, "details": {}, "error": error, "duration": "PT0.001S",
            "enqueuedAt": stamp, "startedAt": stamp, "finishedAt": stamp,
        }  # fmt: skip
        summary = {
            "taskUid": uid,
            "indexUid": index_uid,
            "status": "enqueued",
            "type": kind,
            "enqueuedAt": stamp,
        }
        return 202, summary

    def _new_index(self, uid: str, primary_key: str | None) -> dict[str, Any]:
        return self.indexes.setdefault(uid, {"primaryKey": primary_key, "settings": {}, "documents": {}})

    def _index(self, uid: str) -> dict[str, Any]:
        if uid not in self.indexes:
            raise ApiError(404, "index_not_found", f"Index `{uid}` not found.")
        return self.indexes[uid]

    # -- routes

    def stats(self, request: Request) -> tuple[int, Any]:
        indexes = {
            uid: {"numberOfDocuments": len(index["documents"]), "isIndexing": False, "fieldDistribution": {}}
            for uid, index in self.indexes.items()
        }
        return 200, {"databaseSize": 4096, "usedDatabaseSize": 2048, "lastUpdate": now(), "indexes": indexes}

    def get_task(self, request: Request, uid: str) -> tuple[int, Any]:
        task = self.tasks.get(int(uid))
        if task is None:
            raise ApiError(404, "task_not_found", f"Task `{uid}` not found.")
        self.polls[int(uid)] = self.polls.get(int(uid), 0) + 1
        if self.polls[int(uid)] <= self.polls_before_done:
            return 200, {**task, "status": "processing", "error": None, "finishedAt": None}
        return 200, task

    def get_index(self, request: Request, uid: str) -> tuple[int, Any]:
        index = self._index(uid)
        return 200, {"uid": uid, "createdAt": now(), "updatedAt": now(), "primaryKey": index["primaryKey"]}

    def create_index(self, request: Request) -> tuple[int, Any]:
        uid = request.body["uid"]

        def work() -> dict[str, str] | None:
            if uid in self.indexes:
                return error_body("index_already_exists", f"Index `{uid}` already exists.")
            self._new_index(uid, request.body.get("primaryKey"))
            return None

        return self.enqueue("indexCreation", uid, work)

    def delete_index(self, request: Request, uid: str) -> tuple[int, Any]:
        def work() -> dict[str, str] | None:
            if self.indexes.pop(uid, None) is None:
                return error_body("index_not_found", f"Index `{uid}` not found.")
            return None

        return self.enqueue("indexDeletion", uid, work)

    def update_settings(self, request: Request, uid: str) -> tuple[int, Any]:
        check_settings(request.body)
        return self.enqueue(
            "settingsUpdate", uid, lambda: self._new_index(uid, None)["settings"].update(request.body)
        )

    def add_documents(self, request: Request, uid: str) -> tuple[int, Any]:
        def work() -> dict[str, str] | None:
            index = self._new_index(uid, request.query.get("primaryKey"))
            key = index["primaryKey"] = index["primaryKey"] or request.query.get("primaryKey")
            for document in request.body:
                if not isinstance(document.get(key), int):
                    return error_body("missing_document_id", f"Document doesn't have a `{key}` attribute.")
                index["documents"][document[key]] = document
            return None

        return self.enqueue("documentAdditionOrUpdate", uid, work)

    def delete_documents(self, request: Request, uid: str) -> tuple[int, Any]:
        def work() -> dict[str, str] | None:
            index = self.indexes.get(uid)
            if index is None:
                return error_body("index_not_found", f"Index `{uid}` not found.")
            match = re.fullmatch(r"product_id IN \[([\d, ]*)\]", request.body["filter"])
            if "product_id" not in index["settings"].get("filterableAttributes", []) or not match:
                return error_body("invalid_document_filter", "Attribute `product_id` is not filterable.")
            for product_id in re.findall(r"\d+", match.group(1)):
                index["documents"].pop(int(product_id), None)
            return None

        return self.enqueue("documentDeletion", uid, work)

    def swap_indexes(self, request: Request) -> tuple[int, Any]:
        def work() -> dict[str, str] | None:
            pairs = [pair["indexes"] for pair in request.body]
            missing = [uid for pair in pairs for uid in pair if uid not in self.indexes]
            if missing:
                return error_body("index_not_found", f"Indexes {missing} not found.")
            for first, second in pairs:
                self.indexes[first], self.indexes[second] = self.indexes[second], self.indexes[first]
            return None

        return self.enqueue("indexSwap", None, work)

    def search(self, request: Request, uid: str) -> tuple[int, Any]:
        return 200, self.run_search(uid, request.body)

    def multi_search(self, request: Request) -> tuple[int, Any]:
        return 200, {"results": [self.run_search(q["indexUid"], q) for q in request.body["queries"]]}

    def run_search(self, uid: str, body: dict[str, Any]) -> dict[str, Any]:
        index = self._index(uid)
        check_search(body, index["settings"])
        hits = [{"product_id": pid, "_formatted": {"product_id": str(pid)}} for pid in index["documents"]]
        answer = {"hits": hits, "query": body.get("q", ""), "processingTimeMs": 1, "facetDistribution": {}}
        if "page" in body or "hitsPerPage" in body:
            answer |= {
                "page": body.get("page", 1),
                "hitsPerPage": body.get("hitsPerPage", 20),
                "totalHits": len(hits),
            }
        else:
            answer |= {
                "offset": body.get("offset", 0),
                "limit": body.get("limit", 20),
                "estimatedTotalHits": len(hits),
            }
        answer |= self.on_search(uid, body) if self.on_search else {}
        return {"indexUid": uid, **answer} if "indexUid" in body else answer


def check_settings(body: dict[str, Any]) -> None:
    """What Meilisearch refuses up front: unknown settings, rules and locale codes."""
    unknown = set(body) - SETTINGS_KEYS
    if unknown:
        raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`")
    for rule in body.get("rankingRules", []):
        if rule not in RANKING_RULES and not re.fullmatch(r"\w+:(asc|desc)", rule):
            raise ApiError(400, "invalid_settings_ranking_rules", f"`{rule}` ranking rule is invalid.")
    for rule in body.get("localizedAttributes", []):
        if not set(rule["locales"]) <= LANGUAGE_CODES:
            raise ApiError(400, "invalid_settings_localized_attributes", f"Unknown locale in {rule}")


def check_search(body: dict[str, Any], settings: dict[str, Any]) -> None:
    """What Meilisearch refuses in a search: unknown parameters, unsortable sorts, facets and
    filters on attributes that are not filterable, malformed filter literals."""
    unknown = set(body) - SEARCH_KEYS
    if unknown:
        raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`")
    filterable = settings.get("filterableAttributes", [])
    for sort in body.get("sort", []):
        if sort.split(":")[0] not in settings.get("sortableAttributes", []):
            raise ApiError(400, "invalid_search_sort", f"Attribute `{sort}` is not sortable.")
    for facet in body.get("facets", []):
        if facet not in filterable:
            raise ApiError(400, "invalid_search_facets", f"Attribute `{facet}` is not filterable.")
    try:
        outside, _ = split_filter(body.get("filter") or "")
    except ValueError as error:
        raise ApiError(400, "invalid_search_filter", str(error)) from None
    for attribute in re.findall(r"(\w+)\s*(?:=|!=|>=|<=|>|<|\bIN\b|\bNOT EXISTS\b)", outside):
        if attribute not in filterable:
            raise ApiError(400, "invalid_search_filter", f"Attribute `{attribute}` is not filterable.")
