"""The Meilisearch adapter against a local server speaking Meilisearch's documented HTTP protocol.

This checks the protocol, not Meilisearch's ranking: which requests the adapter sends (settings,
filters and their escaping, sorts, paging, highlight tags, the rebuild-and-swap sequence, task
polling) and how it reads documented-shaped answers (highlights, facets, task errors, outages).
The fake server does not tokenize, rank, filter or highlight. Whether Meilisearch then finds and
orders the right products is only exercised by the contract tests run against a real server
(tests/search/test_contract.py with MEILISEARCH_URL and MEILISEARCH_KEY set).
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.search.meili import MeiliBackend, MeiliTaskFailed
from app.search.meili_mapping import (
    NOTHING,
    POST_TAG,
    PRE_TAG,
    quote_filter_value,
)
from app.search.model import (
    MAX_QUERY_CHARS,
    Facets,
    Highlight,
    LocalizedText,
    SearchDocument,
    SearchQuery,
    SearchUnavailable,
    Sort,
)
from app.search.vocabulary import Vocabulary, load_vocabulary
from tests.search.meili_server import KEY, FakeMeili, error_body, parse_literal, split_filter

LOCALES = ("en", "de", "fr", "es", "ja", "zh-hans", "ar")
LIVE = {loc: f"storefront_products_{loc.replace('-', '_')}" for loc in LOCALES}
STAGING = {loc: uid + "__rebuild" for loc, uid in LIVE.items()}

# --- fixtures and builders -------------------------------------------------------------------


@pytest.fixture
def meili() -> Iterator[FakeMeili]:
    server = FakeMeili()
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def backend(meili: FakeMeili) -> MeiliBackend:
    return MeiliBackend(
        meili.url, KEY, search_timeout=2, write_timeout=5, task_timeout_ms=5000, task_poll_ms=5
    )


def product(product_id: int, **changes: Any) -> SearchDocument:
    texts = {
        "en": LocalizedText("Running sneaker", "Light mesh upper", ("Shoes",), ("Red", "M")),
        "de": LocalizedText("Laufschuh", "Leichtes Obermaterial", ("Schuhe",), ("Rot", "M")),
        "ja": LocalizedText("ランニングスニーカー", "軽いメッシュ", ("靴",), ("赤",)),
        "zh-hans": LocalizedText("跑步运动鞋", "轻质网面", ("鞋",), ("红色",)),
    }
    document = SearchDocument(
        product_id=product_id,
        code=f"SKU-{product_id}",
        texts=texts,
        category_ids=(1, 4),
        attributes=("colour:red", "size:m"),
        price_minor=5990,
        in_stock=True,
        position=product_id,
        created_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    )
    return replace(document, **changes)


def calls(meili: FakeMeili) -> list[tuple[str, str]]:
    """The requests made, task polls left out."""
    return [(r.method, r.path) for r in meili.requests if not r.path.startswith("/tasks/")]


def bodies(meili: FakeMeili, method: str, path: str) -> list[Any]:
    return [r.body for r in meili.requests if (r.method, r.path) == (method, path)]


def searches(meili: FakeMeili) -> list[list[dict[str, Any]]]:
    return [body["queries"] for body in bodies(meili, "POST", "/multi-search")]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


# --- writes ----------------------------------------------------------------------------------


def test_replace_all_builds_staging_indexes_and_swaps_them_in_one_task(
    meili: FakeMeili, backend: MeiliBackend
) -> None:
    backend.replace_all([product(1), product(2), product(3)])

    staging, live = list(STAGING.values()), list(LIVE.values())
    assert calls(meili) == [
        *[("DELETE", f"/indexes/{uid}") for uid in staging],  # leftovers of a crashed rebuild
        *[("POST", "/indexes") for _ in staging],
        *[("PATCH", f"/indexes/{uid}/settings") for uid in staging],
        *[("POST", f"/indexes/{uid}/documents") for uid in staging],
        *[("POST", "/indexes") for _ in live],  # swapping needs the live side to exist
        ("POST", "/swap-indexes"),
        *[("DELETE", f"/indexes/{uid}") for uid in staging],
    ]
    assert bodies(meili, "POST", "/swap-indexes") == [
        [{"indexes": [LIVE[loc], STAGING[loc]]} for loc in LOCALES]
    ]
    assert set(meili.polls) == set(meili.tasks)  # every task was waited for
    assert set(meili.indexes) == set(live)
    assert all(sorted(index["documents"]) == [1, 2, 3] for index in meili.indexes.values())
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in meili.requests if r.path != "/health")


def test_a_second_rebuild_sends_the_same_settings_and_drops_removed_products(
    meili: FakeMeili, backend: MeiliBackend
) -> None:
    backend.replace_all([product(1), product(2)])
    backend.replace_all([product(2)])

    for locale in LOCALES:
        first, second = bodies(meili, "PATCH", f"/indexes/{STAGING[locale]}/settings")
        assert first == second == backend.settings(locale)
        assert list(meili.indexes[LIVE[locale]]["documents"]) == [2]
    assert set(meili.indexes) == set(LIVE.values())


def test_settings_of_an_index(backend: MeiliBackend) -> None:
    settings = backend.settings("de")

    assert settings["searchableAttributes"] == [
        "name", "categories", "options", "description", "code",
        "alt_en", "alt_fr", "alt_es", "alt_ja", "alt_zh_hans", "alt_ar",
    ]  # fmt: skip
    assert set(settings["filterableAttributes"]) == {
        "product_id",
        "category_ids",
        "attributes",
        "price_minor",
        "in_stock",
    }
    assert set(settings["sortableAttributes"]) == {"price_minor", "created_at", "position"}
    rules = settings["rankingRules"]
    assert rules.index("words") < rules.index("sort") < rules.index("typo")  # sorts order all word matches
    assert rules[-1] == "position:asc"  # the merchant's order breaks ties
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert "die" in settings["stopWords"]
    assert set(settings["synonyms"]["turnschuhe"]) == {"sneaker", "laufschuhe"}
    assert "turnschuhe" in settings["synonyms"]["sneaker"]  # groups are mutual
    localized = {
        tuple(rule["attributePatterns"]): rule["locales"] for rule in settings["localizedAttributes"]
    }
    assert localized[("name", "categories", "options", "description", "code")] == ["deu"]
    assert localized[("alt_ja",)] == ["jpn"]
    assert localized[("alt_zh_hans",)] == ["cmn"]
    assert localized[("alt_ar",)] == ["ara"]


def test_each_index_document_holds_its_locale_and_the_others_names(
    meili: FakeMeili, backend: MeiliBackend
) -> None:
    tagged = product(5, texts={**product(5).texts, "en": LocalizedText(f"Red {PRE_TAG}sneaker{POST_TAG}")})
    backend.replace_all([tagged])

    ja = meili.indexes[LIVE["ja"]]["documents"][5]
    assert ja["name"] == "ランニングスニーカー"
    assert ja["alt_en"] == [f"Red {PRE_TAG}sneaker{POST_TAG}"]
    assert ja["alt_zh_hans"] == ["跑步运动鞋", "鞋", "红色"]
    assert "alt_ja" not in ja
    assert ja["created_at"] == int(datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp())
    assert (ja["category_ids"], ja["attributes"], ja["price_minor"], ja["in_stock"]) == (
        [1, 4],
        ["colour:red", "size:m"],
        5990,
        True,
    )
    assert meili.indexes[LIVE["en"]]["documents"][5]["name"] == "Red sneaker"  # no fake highlight tags
    assert meili.indexes[LIVE["fr"]]["documents"][5]["name"] == "Red sneaker"  # fr falls back to en


def test_a_failed_task_raises_its_error_and_the_live_index_is_kept(
    meili: FakeMeili, backend: MeiliBackend
) -> None:
    backend.replace_all([product(1)])
    meili.requests.clear()
    meili.failures["documentAdditionOrUpdate"] = error_body(
        "invalid_document_id", 'Document identifier `"a b"` is invalid.'
    )

    with pytest.raises(MeiliTaskFailed, match="invalid_document_id: Document identifier") as failure:
        backend.replace_all([product(2)])

    assert failure.value.code == "invalid_document_id"
    assert ("POST", "/swap-indexes") not in calls(meili)
    assert list(meili.indexes[LIVE["en"]]["documents"]) == [1]


def test_upsert_creates_missing_indexes_with_settings_once(meili: FakeMeili, backend: MeiliBackend) -> None:
    meili.polls_before_done = 1  # the adapter polls until the task is done
    backend.upsert([product(1)])
    backend.upsert([product(2)])

    created = [body["uid"] for body in bodies(meili, "POST", "/indexes")]
    assert created == list(LIVE.values())
    assert all(bodies(meili, "PATCH", f"/indexes/{uid}/settings") for uid in LIVE.values())
    assert calls(meili).count(("GET", f"/indexes/{LIVE['en']}")) == 1
    assert sorted(meili.indexes[LIVE["zh-hans"]]["documents"]) == [1, 2]
    assert all(count == 2 for count in meili.polls.values())


def test_a_failed_upsert_raises_with_the_task_error(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1)])
    meili.failures["documentAdditionOrUpdate"] = error_body("invalid_document_fields", "Bad field.")

    with pytest.raises(
        MeiliTaskFailed, match=r"documentAdditionOrUpdate on storefront_products_\w+\) failed"
    ):
        backend.upsert([product(1, price_minor=100)])


def test_delete_filters_by_integer_ids(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1), product(2), product(3)])
    backend.delete([3, 1, 3])

    assert bodies(meili, "POST", f"/indexes/{LIVE['ar']}/documents/delete") == [
        {"filter": "product_id IN [1, 3]"}
    ]
    assert all(list(index["documents"]) == [2] for index in meili.indexes.values())


# --- search requests -------------------------------------------------------------------------


def test_a_search_sends_one_multi_search_with_a_facet_query_per_filter(
    meili: FakeMeili, backend: MeiliBackend
) -> None:
    backend.replace_all([product(1)])
    query = SearchQuery(
        text="sneaker",
        locale="de",
        category_id=4,
        attributes=("colour:red", "size:m", "colour:blue"),
        min_price_minor=1000,
        max_price_minor=9000,
        in_stock=True,
        sort=Sort.PRICE_ASC,
        page=2,
        per_page=10,
    )
    backend.search(query)

    [queries] = searches(meili)
    category, colour = "(category_ids = 4)", '(attributes IN ["colour:red", "colour:blue"])'
    size, price, stock = (
        '(attributes IN ["size:m"])',
        "(price_minor >= 1000 AND price_minor <= 9000)",
        "(in_stock = true)",
    )
    main = queries[0]
    assert main["indexUid"] == LIVE["de"]
    assert main["q"] == "sneaker"
    assert main["filter"] == " AND ".join([category, colour, size, price, stock])
    assert main["sort"] == ["price_minor:asc"]
    assert (main["page"], main["hitsPerPage"]) == (2, 10)
    assert (main["highlightPreTag"], main["highlightPostTag"]) == (PRE_TAG, POST_TAG)
    assert main["attributesToHighlight"] == ["name", "description"]
    assert "locales" not in main  # Latin script: Meilisearch's own detection
    facet_queries = [(q["facets"], q["filter"], q["limit"]) for q in queries[1:]]
    assert facet_queries == [
        (["category_ids"], " AND ".join([colour, size, price, stock]), 0),
        (["attributes"], " AND ".join([category, size, price, stock]), 0),
        (["attributes"], " AND ".join([category, colour, price, stock]), 0),
        (["price_minor"], " AND ".join([category, colour, size, stock]), 0),
        (["in_stock"], " AND ".join([category, colour, size, price]), 0),
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [(Sort.RELEVANCE, None), (Sort.PRICE_ASC, ["price_minor:asc"]), (Sort.PRICE_DESC, ["price_minor:desc"]),
     (Sort.NEWEST, ["created_at:desc"])],
)  # fmt: skip
def test_sorts(meili: FakeMeili, backend: MeiliBackend, sort: Sort, expected: list[str] | None) -> None:
    backend.replace_all([product(1)])
    backend.search(SearchQuery(text="", locale="en", sort=sort))

    assert searches(meili)[0][0].get("sort") == expected
    assert "filter" not in searches(meili)[0][0]
    assert len(searches(meili)[0]) == 1  # no filters, no facet queries


def test_paging_is_bounded(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1)])
    backend.search(SearchQuery(text="x", locale="en", page=0, per_page=1000))

    main = searches(meili)[0][0]
    assert (main["page"], main["hitsPerPage"]) == (1, 48)


def test_hostile_attribute_values_cannot_change_the_filter(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1)])
    values = (
        'colour:red" OR in_stock = false OR attributes = "x',
        'colour:a\\"b',  # a backslash before a double quote: single quotes keep it exact
        "size:it's",
        "size:x\\",  # a trailing backslash cannot be quoted exactly: dropped
        "material:\\\"both\\'",  # nor both quotes behind backslashes: the axis matches nothing
    )
    backend.search(SearchQuery(text="", locale="en", attributes=values))

    main = searches(meili)[0][0]
    assert main["filter"] == (
        '(attributes IN ["colour:red\\" OR in_stock = false OR attributes = \\"x", \'colour:a\\"b\']) AND '
        '(attributes IN ["size:it\'s"]) AND '
        f"({NOTHING})"
    )
    outside, literals = split_filter(main["filter"])
    assert outside == "(attributes IN [?, ?]) AND (attributes IN [?]) AND (product_id NOT EXISTS)"
    assert literals == list(values[:3])


@given(st.text(alphabet=st.sampled_from(["a", " ", '"', "'", "\\", "]", ",", ")", "O", "R"]), max_size=12))
def test_every_quotable_value_reads_back_exactly(value: str) -> None:
    literal = quote_filter_value(value)
    expressible = not value.endswith("\\") and not ('\\"' in value and "\\'" in value)
    assert (literal is not None) == expressible
    if literal is not None:
        assert parse_literal(literal) == (value, "")  # the whole literal, nothing left to inject


@pytest.mark.parametrize(
    ("text", "page_locale", "hints"),
    [
        ("运动鞋", "ja", [["jpn"], ["cmn"]]),  # Han alone: the page's reading first, then the other
        ("运动鞋", "en", [["cmn"], ["jpn"]]),
        ("スニーカー", "en", [["jpn"]]),  # kana is Japanese
        ("Turnschuhe", "ja", [None]),
    ],
)
def test_han_text_is_read_as_the_other_language_when_the_first_finds_nothing(
    meili: FakeMeili, backend: MeiliBackend, text: str, page_locale: str, hints: list[list[str] | None]
) -> None:
    backend.replace_all([product(1)])
    meili.on_search = lambda uid, body: (
        {"hits": [], "totalHits": 0} if len(hints) > 1 and body.get("locales") == hints[0] else {}
    )

    results = backend.search(SearchQuery(text=text, locale=page_locale))

    assert [queries[0].get("locales") for queries in searches(meili)] == hints
    assert [hit.product_id for hit in results.hits] == [1]


def test_query_text_is_truncated_and_cleaned(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1)])
    backend.search(SearchQuery(text="sneaker\x00\x07" + PRE_TAG + " x" * 300, locale="en", prefix=False))

    q = searches(meili)[0][0]["q"]
    assert len(q) <= MAX_QUERY_CHARS + 1
    assert q.startswith("sneaker x x") and q.endswith(" ")  # a trailing space: no prefix match
    assert not re.search(f"[\x00-\x1f{PRE_TAG}{POST_TAG}]", q)


def test_suggest_is_a_plain_first_page(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1), product(2)])
    hits = backend.suggest("snea", "en", limit=3)
    assert backend.suggest("  \x00 ", "en") == ()

    [body] = bodies(meili, "POST", f"/indexes/{LIVE['en']}/search")
    assert (body["q"], body["page"], body["hitsPerPage"]) == ("snea", 1, 3)
    assert "filter" not in body and "facets" not in body
    assert [hit.product_id for hit in hits] == [1, 2]


# --- search responses ------------------------------------------------------------------------


def test_highlights_become_segments_and_markup_stays_text(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(7)])
    meili.on_search = lambda uid, body: {
        "hits": [
            {
                "product_id": 7,
                "_formatted": {
                    "product_id": "7",
                    "name": f"Leichter {PRE_TAG}Turnschuh{POST_TAG} <script>alert(1)</script>",
                    # Meilisearch may tag one word in two adjacent pieces: they merge
                    "description": f"…aus {PRE_TAG}Mesh{POST_TAG} und {PRE_TAG}Le{POST_TAG}{PRE_TAG}der{POST_TAG}",  # noqa: E501
                },
                "_matchesPosition": {"name": [{"start": 9, "length": 9}]},
                "_rankingScore": 0.91,
            }
        ],
        "totalHits": 1,
    }

    [hit] = backend.search(SearchQuery(text="turnschuh", locale="de")).hits

    assert (hit.product_id, hit.score, hit.locale) == (7, 0.91, "de")
    assert hit.highlights == (
        Highlight("name", (("Leichter ", False), ("Turnschuh", True), (" <script>alert(1)</script>", False))),
        Highlight("description", (("…aus ", False), ("Mesh", True), (" und ", False), ("Leder", True))),
    )


@pytest.mark.parametrize(
    ("matches", "locale"),
    [({"alt_ja": [{"start": 0, "length": 5}]}, "ja"), ({"name": [], "alt_ja": []}, "en"), ({}, "en")],
)
def test_a_hit_says_which_locale_matched(
    meili: FakeMeili, backend: MeiliBackend, matches: dict[str, Any], locale: str
) -> None:
    backend.replace_all([product(1)])
    meili.on_search = lambda uid, body: {
        "hits": [{"product_id": 1, "_matchesPosition": matches}],
        "totalHits": 1,
    }

    [hit] = backend.search(SearchQuery(text="スニーカー", locale="en")).hits

    assert hit.locale == locale
    assert hit.highlights == ()


def test_each_filter_s_own_facet_counts_ignore_that_filter(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1)])

    def answer(uid: str, body: dict[str, Any]) -> dict[str, Any]:
        if "hitsPerPage" in body:  # the results query: every filter applied
            distribution = {"attributes": {"colour:red": 2, "size:m": 2, "material:wool": 1}}
            return {
                "facetDistribution": distribution,
                "facetStats": {"price_minor": {"min": 5990.0, "max": 5990.0}},
            }
        facet = body["facets"][0]
        if facet == "category_ids":
            return {"facetDistribution": {"category_ids": {"1": 10, "4": 6, "not-an-id": 1}}}
        if facet == "attributes" and "colour" in body["filter"]:  # the size filter's own query
            return {"facetDistribution": {"attributes": {"size:m": 4, "size:l": 2, "colour:red": 99}}}
        if facet == "attributes":
            return {"facetDistribution": {"attributes": {"colour:red": 5, "colour:blue": 3, "size:m": 99}}}
        if facet == "price_minor":
            return {"facetStats": {"price_minor": {"min": 990.0, "max": 12000.0}}}
        return {"facetDistribution": {"in_stock": {"true": 7, "false": 2}}}

    meili.on_search = answer
    query = SearchQuery(
        text="",
        locale="en",
        category_id=4,
        attributes=("colour:red", "size:m"),
        min_price_minor=1,
        in_stock=True,
    )

    facets = backend.search(query).facets

    assert facets == Facets(
        categories={1: 10, 4: 6},
        attributes={"material:wool": 1, "colour:red": 5, "colour:blue": 3, "size:m": 4, "size:l": 2},
        in_stock=7,
        min_price_minor=990,
        max_price_minor=12000,
    )


def test_facets_without_filters_come_from_the_results_query(meili: FakeMeili, backend: MeiliBackend) -> None:
    backend.replace_all([product(1)])
    meili.on_search = lambda uid, body: {
        "facetDistribution": {"category_ids": {"4": 1}, "attributes": {"size:m": 1}, "in_stock": {"true": 1}},
        "facetStats": {"price_minor": {"min": 5990, "max": 5990}},
    }

    results = backend.search(SearchQuery(text="", locale="en"))

    assert results.total == 1
    assert results.suggestion is None  # Meilisearch has no "did you mean"
    assert results.facets == Facets({4: 1}, {"size:m": 1}, 1, 5990, 5990)


# --- outages ---------------------------------------------------------------------------------


def test_a_closed_port_is_search_unavailable() -> None:
    backend = MeiliBackend(closed_port_url(), KEY, search_timeout=2, write_timeout=2)

    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="sneaker", locale="en"))
    with pytest.raises(SearchUnavailable):
        backend.suggest("snea", "en")
    with pytest.raises(SearchUnavailable):
        backend.upsert([product(1)])
    status = backend.status()
    assert (status.backend, status.healthy, status.documents) == ("meilisearch", False, {})


@pytest.mark.parametrize("status_code", [500, 503])
def test_a_server_error_is_search_unavailable(
    meili: FakeMeili, backend: MeiliBackend, status_code: int
) -> None:
    backend.replace_all([product(1)])
    meili.broken = (status_code, error_body("internal", "An internal error has occurred.", "internal"))

    with pytest.raises(SearchUnavailable, match="internal"):
        backend.search(SearchQuery(text="sneaker", locale="en"))
    with pytest.raises(SearchUnavailable):
        backend.delete([1])
    assert not backend.status().healthy


def test_a_missing_index_is_search_unavailable(meili: FakeMeili, backend: MeiliBackend) -> None:
    with pytest.raises(SearchUnavailable, match="index_not_found"):
        backend.search(SearchQuery(text="sneaker", locale="en"))
    with pytest.raises(SearchUnavailable, match="index_not_found"):
        backend.suggest("snea", "ja")


def test_a_slow_server_is_search_unavailable(meili: FakeMeili) -> None:
    backend = MeiliBackend(meili.url, KEY, search_timeout=1)
    meili.delay = 1.5

    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="sneaker", locale="en"))


def test_status_counts_documents_per_locale(meili: FakeMeili, backend: MeiliBackend) -> None:
    before = backend.status()
    backend.replace_all([product(1), product(2)])
    after = backend.status()

    assert not before.healthy and "missing indexes" in before.detail
    assert after.healthy and after.documents == dict.fromkeys(LOCALES, 2)


def test_threads_searching_at_once_each_send_complete_requests(
    meili: FakeMeili, backend: MeiliBackend
) -> None:
    """The client keeps one headers dict per instance and edits it per request; sharing one
    across threads could send a POST without its Content-Type. Each thread has its own."""
    backend.replace_all([product(1)])
    meili.requests.clear()

    def work() -> None:
        for _ in range(10):
            backend.search(SearchQuery(text="sneaker", locale="en"))
            backend.status()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(meili.requests) == 4 * 10 * 3
    assert {r.status for r in meili.requests} == {200}


# --- the vocabulary file ---------------------------------------------------------------------


def test_the_vocabulary_file_covers_every_locale() -> None:
    vocabulary = load_vocabulary()

    assert set(vocabulary) == set(LOCALES)
    assert all(v.stop_words and v.synonym_groups for v in vocabulary.values())
    assert "chaussure de sport" in vocabulary["fr"].synonyms()["basket"]


def test_a_malformed_vocabulary_names_its_locale(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.toml"
    path.write_text('[de]\nstop_words = "die"\n', encoding="utf-8")

    with pytest.raises(ValueError, match=r"^de:"):
        load_vocabulary(path)
    assert Vocabulary(synonym_groups=(("a", "b", "c"),)).synonyms() == {
        "a": ["b", "c"],
        "b": ["a", "c"],
        "c": ["a", "b"],
    }
