"""Search as shoppers and API clients get it: the box on every page, results with facets, filters,
sorting and paging in every locale, escaped highlights, hostile input, outages, the JSON API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest

from app.i18n.locales import LOCALES
from app.search import pages as search_pages
from app.search.embedded import EmbeddedBackend
from app.search.model import Facets, SearchResults, SearchUnavailable
from app.search.services import configured_backend, reindex
from tests.builders import build_catalog, product
from tests.html import hreflangs, links, tags, text, title

# The teapot in every shop language: each locale's own word must find it on that locale's page.
TEAPOT = product(
    "TP-001",
    "Cast Iron Teapot",
    category="mugs",
    price="50.00",
    de="Gusseisen-Teekanne",
    fr="Théière en fonte",
    es="Tetera de hierro fundido",
    ja="鉄瓶 ティーポット",
    zh_hans="铸铁 茶壶",
    ar="إبريق شاي من الحديد",
)
SCARF = product(
    "SC-001",
    "Merino Scarf",
    category="shirts",
    price="20.00",
    options={"colour": ["red", "navy"], "size": ["s", "m"]},
    de="Merino-Schal",
    fr="Écharpe en mérinos",
    es="Bufanda de merino",
    ja="メリノ マフラー",
    zh_hans="美利奴 围巾",
    ar="وشاح ميرينو",
)
MUG = product("MG-001", "Enamel Camp Mug", category="mugs", price="12.00", options={"colour": ["red"]})
CATALOGUE = [TEAPOT, SCARF, MUG]
WORDS = {
    "en": "teapot",
    "de": "Teekanne",
    "fr": "théière",
    "es": "tetera",
    "ja": "ティーポット",
    "zh-hans": "茶壶",
    "ar": "إبريق",
}


@pytest.fixture(autouse=True)
async def empty_index() -> AsyncIterator[None]:
    """The process's one index (under the test VAR_DIR) starts and ends each test empty, like the
    truncated database: no product of another test can surface under a reused id."""
    backend = configured_backend()
    await asyncio.to_thread(backend.replace_all, [])
    yield
    await asyncio.to_thread(backend.replace_all, [])


async def shop(products: list[dict] | None = None, sold_out: tuple[str, ...] = ()) -> None:
    """Build the catalogue (10 of every SKU but the `sold_out` ones) and index it from scratch."""
    await build_catalog(CATALOGUE if products is None else products, stock=_Stock(sold_out))
    await reindex()


class _Stock(dict):
    def __init__(self, sold_out: tuple[str, ...]) -> None:
        super().__init__()
        self.sold_out = sold_out

    def get(self, sku: str, default: object = None) -> int:
        return 0 if sku in self.sold_out else 10


def card_names(html: str) -> list[str]:
    return [text(m) for m in re.findall(r'<span class="card-name">(.*?)</span>', html, re.S)]


class Down:
    """A backend whose server is down."""

    name = "down"

    def search(self, query: object) -> SearchResults:
        raise SearchUnavailable("connection refused")

    def suggest(self, text: str, locale: str, limit: int = 6) -> tuple:
        raise SearchUnavailable("connection refused")


class Canned:
    """A backend that found nothing but knows a better spelling."""

    name = "canned"

    def search(self, query: object) -> SearchResults:
        return SearchResults(hits=(), total=0, facets=Facets(), suggestion="teapot")

    def suggest(self, text: str, locale: str, limit: int = 6) -> tuple:
        return ()


# ---- the box on every page ------------------------------------------------------------------


async def test_every_page_has_a_search_form_that_works_without_javascript(client) -> None:
    await shop()
    for path in ("/en/", "/de/c/kleidung", "/ja/p/" + quote("鉄瓶-ティーポット"), "/ar/cart"):
        page = await client.get(path, follow_redirects=True)
        assert page.status_code == 200, path
        forms = tags(page.text, "form", role="search", class_="site-search")
        assert forms, path
        locale = page.url.path.split("/")[1]
        assert forms[0]["method"] == "get" and forms[0]["action"] == f"/{locale}/search"
        box = tags(page.text, "input", id="site-search-q")[0]
        assert box["name"] == "q" and box["type"] == "search"
        assert box["aria-controls"] == "site-search-suggestions"
        assert tags(page.text, "label", for_="site-search-q"), path


# ---- every locale ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", list(LOCALES))
async def test_search_in_every_locale_finds_the_product_in_its_own_words(client, locale: str) -> None:
    await shop()
    page = await client.get(f"/{locale}/search", params={"q": WORDS[locale]})
    assert page.status_code == 200
    product_links = links(page.text, f"/{locale}/p/")
    assert product_links, text(page.text)
    teapot = await client.get(product_links[0])
    assert "TP-001" in teapot.text or teapot.status_code == 200
    assert "<mark>" in page.text  # the matched word, marked
    assert WORDS[locale] in title(page.text)
    assert tags(page.text, "html", lang=LOCALES[locale].hreflang)
    if LOCALES[locale].rtl:
        assert tags(page.text, "html", dir="rtl")


async def test_a_query_in_another_language_links_to_the_product_in_the_pages_language(client) -> None:
    await shop()
    page = await client.get("/ja/search", params={"q": "Teekanne"})
    assert page.status_code == 200
    ja_slug = "/ja/p/" + quote("鉄瓶-ティーポット", safe="")
    assert any(link.startswith(ja_slug) for link in links(page.text, "/ja/p/")), links(page.text)
    assert "鉄瓶 ティーポット" in text(page.text)  # the card shows the page's language
    assert 'lang="de"' in page.text  # and what matched, marked as German


# ---- facets, filters, sorting, paging -------------------------------------------------------


async def test_facets_count_categories_attributes_stock_and_prices(client) -> None:
    await shop(sold_out=("MG-001-RED",))
    page = await client.get("/en/search", params={"q": "description"})
    body = text(page.text)
    assert sorted(card_names(page.text)) == ["Cast Iron Teapot", "Enamel Camp Mug", "Merino Scarf"]
    assert "Mugs (2)" in body and "Shirts (1)" in body
    assert "Colour" in body and "Red (2)" in body and "Navy (1)" in body and "Size" in body
    assert "In stock only (2)" in body
    assert "€12.00" in body and "€50.00" in body  # the price range, in the shopper's currency
    # Translated labels on the German page.
    de = text((await client.get("/de/search", params={"q": "description"})).text)
    assert "Farbe" in de and "Rot" in de


async def test_filters_narrow_the_results(client) -> None:
    await shop(sold_out=("MG-001-RED",))
    q = {"q": "description"}
    by_category = await client.get("/en/search", params={**q, "category": "mugs"})
    assert sorted(card_names(by_category.text)) == ["Cast Iron Teapot", "Enamel Camp Mug"]
    assert tags(by_category.text, "a", **{"aria-current": "true"})  # the chosen category shows it
    by_colour = await client.get("/en/search", params={**q, "attribute": "colour:navy"})
    assert card_names(by_colour.text) == ["Merino Scarf"]
    assert tags(by_colour.text, "input", value="colour:navy", checked="")
    in_stock = await client.get("/en/search", params={**q, "in_stock": "1"})
    assert "Enamel Camp Mug" not in card_names(in_stock.text)
    priced = await client.get("/en/search", params={**q, "min_price": "15", "max_price": "30"})
    assert card_names(priced.text) == ["Merino Scarf"]
    reversed_bounds = await client.get("/en/search", params={**q, "min_price": "30", "max_price": "15"})
    assert card_names(reversed_bounds.text) == ["Merino Scarf"]  # swapped, not refused
    nothing = await client.get("/en/search", params={**q, "category": "mugs", "attribute": "size:m"})
    assert "No products match these filters." in text(nothing.text)
    assert "Clear filters" in text(nothing.text)


async def test_price_bounds_are_in_the_shoppers_currency(client) -> None:
    from tests.builders import store_rates

    await store_rates({"USD": "1.10", "JPY": "160"})
    await shop()
    client.cookies.set("country", "US", domain="shop.test")
    page = await client.get("/en/search", params={"q": "description", "max_price": "15"})
    # US prices are net of the German VAT in the entered prices: the mug (EUR 12.00) shows as about
    # USD 11.09, the scarf (EUR 20.00) as about USD 18.49, over the bound.
    assert card_names(page.text) == ["Enamel Camp Mug"]
    assert "Price (USD)" in text(page.text)


@pytest.mark.parametrize(
    ("sort", "first"),
    [("price-asc", "Enamel Camp Mug"), ("price-desc", "Cast Iron Teapot"), ("newest", None)],
)
async def test_sorting(client, sort: str, first: str | None) -> None:
    await shop()
    page = await client.get("/en/search", params={"q": "description", "sort": sort})
    names = card_names(page.text)
    assert len(names) == 3
    if first:
        assert names[0] == first
    assert tags(page.text, "option", value=sort, selected="")


async def test_pagination_and_out_of_range_pages(client) -> None:
    await shop([product(f"TS-{i:03d}", f"Shirt {i:03d}", price=f"{10 + i}.00") for i in range(1, 31)])
    first = await client.get("/en/search", params={"q": "shirt"})
    assert len(card_names(first.text)) == 24
    assert "30 results" in text(first.text)
    second = await client.get("/en/search", params={"q": "shirt", "page": "2"})
    assert len(card_names(second.text)) == 6
    assert "page 2" in title(second.text)
    assert tags(first.text, "a", rel="next")
    for bad in ["999", "0", "-1", "abc", "1e3", "99999999999", "２"]:
        response = await client.get("/en/search", params={"q": "shirt", "page": bad})
        assert response.status_code == 200, bad
        assert card_names(response.text), bad  # clamped to a real page


# ---- escaping -------------------------------------------------------------------------------


async def test_highlights_are_escaped_segment_by_segment(client) -> None:
    await shop([product("XS-001", "<script>alert(1)</script> Mug", category="mugs")])
    page = await client.get("/en/search", params={"q": "script mug"})
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;" in page.text and "<mark>" in page.text
    suggest = await client.get("/en/search/suggest", params={"q": "scrip"})
    assert "<script>alert" not in suggest.text


HOSTILE = [
    '"unclosed',
    "*",
    "te*",
    "teapot NEAR mug",
    "teapot OR mug",
    "teapot AND NOT mug",
    "name:teapot",
    ":",
    "((teapot",
    "teapot~2^5",
    "<img src=x onerror=alert(1)>",
    "</title><script>alert(1)</script>",
    "tea\x00pot\x07\x1b[31m",
    "\u202eetopaet",
    "x" * 5000,
    "   ",
    "😀🍵",
    "-",
    "\\",
    "%00",
    "ｔｅａｐｏｔ",
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_give_results_or_an_empty_page(client, query: str) -> None:
    await shop()
    for path in ("/en/search", "/ar/search", "/en/search/suggest", "/api/v1/search"):
        response = await client.get(path, params={"q": query})
        assert response.status_code == 200, (path, query, response.text[:300])
        if not path.startswith("/api/"):  # JSON echoes the query as data; HTML never as markup
            assert "<script>alert" not in response.text and "<img src=x" not in response.text
    page = await client.get("/en/search", params={"q": query})
    typed = tags(page.text, "input", id="site-search-q")[0]["value"]
    assert len(typed) <= search_pages.MAX_QUERY_CHARS
    assert "\x00" not in page.text and "\u202e" not in page.text


async def test_invalid_parameters_are_ignored_or_clamped(client) -> None:
    await shop()
    for raw in ("q=%ED%A0%80", "q=%FF%FE", "q=tea%00pot", "q=%", "page=%FF", "attribute=%C0%AF"):
        response = await client.get(f"/en/search?{raw}")
        assert response.status_code in (200, 400), raw  # undecodable bytes: Litestar's 400, never a 500
    for params in [
        {"q": "teapot", "sort": "<script>"},
        {"q": "teapot", "min_price": "abc", "max_price": "-5"},
        {"q": "teapot", "min_price": "NaN", "max_price": "Infinity"},
        {"q": "teapot", "min_price": "1e999"},
        {"q": "teapot", "category": "no-such-thing"},
        {"q": "teapot", "attribute": ["<b>", "colour:", ":red", "a" * 500]},
        {"q": "teapot", "in_stock": "maybe"},
        {"q": ["teapot", "mug"]},
        {"page": "2"},
        {"category": "mugs"},
    ]:
        response = await client.get("/en/search", params=params)
        assert response.status_code == 200, params
        assert "<script>" not in text(response.text)


# ---- empty, no results, meta ----------------------------------------------------------------


async def test_an_empty_query_shows_the_form_and_popular_categories(client) -> None:
    await shop()
    page = await client.get("/en/search")
    assert page.status_code == 200
    assert tags(page.text, "form", role="search", class_="search-page-form")
    assert "Popular categories" in text(page.text)
    assert any(link.startswith("/en/c/") for link in links(page.text))
    assert (await client.get("/en/search?q=")).status_code == 200


async def test_no_results_page_offers_the_spelling_and_popular_categories(client, monkeypatch) -> None:
    await shop()
    monkeypatch.setattr(search_pages, "configured_backend", lambda settings=None: Canned())
    page = await client.get("/fr/search", params={"q": "teapto"})
    assert page.status_code == 200
    body = text(page.text)
    assert "Vouliez-vous dire teapot ?" in body
    assert "/fr/search?q=teapot" in links(page.text, "/fr/search")
    assert "Catégories populaires" in body
    assert "Nous n’avons trouvé aucun produit pour « teapto »." in body


async def test_real_no_results_page(client) -> None:
    await shop()
    page = await client.get("/de/search", params={"q": "qzxwvy"})
    assert page.status_code == 200
    assert "Wir haben keine Produkte für „qzxwvy“ gefunden." in text(page.text)
    assert "Beliebte Kategorien" in text(page.text)


async def test_search_pages_are_noindex_uncached_and_keep_the_query_across_languages(client) -> None:
    await shop()
    page = await client.get("/en/search", params={"q": "teapot", "page": "1"})
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-robots-tag"] == "noindex"
    assert tags(page.text, "meta", name="robots", content="noindex")
    alternates = hreflangs(page.text)
    assert alternates["ja"] == "http://shop.test/ja/search?q=teapot"
    assert alternates["x-default"] == "http://shop.test/en/search?q=teapot"
    assert tags(page.text, "link", rel="canonical", href="http://shop.test/en/search?q=teapot")
    suggest = await client.get("/en/search/suggest", params={"q": "tea"})
    assert suggest.headers["cache-control"] == "no-store"


# ---- suggestions ----------------------------------------------------------------------------


async def test_suggestions_are_a_fragment_of_links_with_prices(client) -> None:
    await shop()
    fragment = await client.get("/de/search/suggest", params={"q": "Teek"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    hrefs = links(fragment.text, "/de/p/")
    assert hrefs and hrefs[0].startswith("/de/p/gusseisen-teekanne")
    assert "€50.00" in fragment.text or "50,00" in fragment.text
    assert links(fragment.text, "/de/search?q=Teek")
    assert (await client.get("/de/search/suggest", params={"q": "T"})).text.strip() == ""
    assert (await client.get("/de/search/suggest")).text.strip() == ""


# ---- outages --------------------------------------------------------------------------------


async def test_an_unavailable_backend_gives_a_clear_message_and_the_shop_works(client, monkeypatch) -> None:
    await shop()
    monkeypatch.setattr(search_pages, "configured_backend", lambda settings=None: Down())
    page = await client.get("/de/search", params={"q": "Teekanne"})
    assert page.status_code == 503
    assert "Die Suche ist im Moment nicht verfügbar." in text(page.text)
    assert "Beliebte Kategorien" in text(page.text)
    assert tags(page.text, "form", role="search")
    suggest = await client.get("/de/search/suggest", params={"q": "Teek"})
    assert suggest.status_code == 200 and not links(suggest.text, "/de/p/")
    api = await client.get("/api/v1/search", params={"q": "teapot"})
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["code"] == "search_unavailable"
    for path in ("/de/", "/de/c/becher", "/api/v1/categories"):
        assert (await client.get(path)).status_code == 200, path


async def test_a_missing_or_broken_index_is_an_outage_not_an_error(
    client, monkeypatch, tmp_path: Path
) -> None:
    await shop()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index folder should be")
    monkeypatch.setattr(search_pages, "configured_backend", lambda settings=None: EmbeddedBackend(blocker))
    page = await client.get("/en/search", params={"q": "teapot"})
    assert page.status_code == 503
    assert "Search is unavailable at the moment." in text(page.text)
    assert (await client.get("/en/")).status_code == 200


# ---- the JSON API ---------------------------------------------------------------------------


async def test_api_search_with_filters_facets_and_paging(client) -> None:
    await shop(sold_out=("MG-001-RED",))
    response = await client.get("/api/v1/search", params={"q": "description", "locale": "de"})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 3 and data["page"] == 1 and data["sort"] == "relevance"
    assert {item["product"]["code"] for item in data["items"]} == {"TP-001", "SC-001", "MG-001"}
    assert all(item["product"]["url"].startswith("/de/p/") for item in data["items"])
    facets = data["facets"]
    assert {c["code"]: c["count"] for c in facets["categories"]}["mugs"] == 2
    colours = next(a for a in facets["attributes"] if a["axis"] == "colour")
    assert {v["value"]: v["label"] for v in colours["values"]}["colour:red"] == "Rot"
    assert facets["in_stock"] == 2
    assert facets["price"]["min"]["currency"] == "EUR"
    filtered = await client.get(
        "/api/v1/search",
        params={"q": "description", "attribute": "colour:red", "in_stock": "true", "sort": "price-asc"},
    )
    assert [i["product"]["code"] for i in filtered.json()["items"]] == ["SC-001"]
    paged = await client.get("/api/v1/search", params={"q": "description", "per_page": 2, "page": 2})
    assert len(paged.json()["items"]) == 1 and paged.json()["total_pages"] == 2
    priced = await client.get("/api/v1/search", params={"q": "description", "max_price": "15"})
    assert [i["product"]["code"] for i in priced.json()["items"]] == ["MG-001"]
    segments = [s for h in data["items"][0]["highlights"] for s in h["segments"]]
    assert any(s["matched"] and s["text"].lower() == "description" for s in segments)


async def test_api_refuses_what_the_schema_forbids_and_names_unknown_categories(client) -> None:
    await shop()
    for params in ({"sort": "best"}, {"per_page": "1000"}, {"page": "0"}, {"min_price": "-1"}, {"page": "x"}):
        response = await client.get("/api/v1/search", params={"q": "tea", **params})
        assert response.status_code == 400, params
        assert response.headers["content-type"].startswith("application/problem+json")
    unknown = await client.get("/api/v1/search", params={"q": "tea", "category": "nope"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_category"
    long_query = await client.get("/api/v1/search", params={"q": "teapot " * 100})
    assert long_query.status_code == 200
    assert len(long_query.json()["query"]) <= search_pages.MAX_QUERY_CHARS


async def test_api_search_is_in_the_openapi_schema(client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "q",
        "locale",
        "category",
        "attribute",
        "min_price",
        "max_price",
        "in_stock",
        "sort",
        "page",
        "per_page",
        "currency",
        "country",
    } <= names
    sort = next(p for p in operation["parameters"] if p["name"] == "sort")["schema"]
    ref = sort.get("$ref") or sort.get("allOf", [{}])[0].get("$ref", "")
    enum = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["enum"] if ref else sort["enum"]
    assert enum == ["relevance", "price-asc", "price-desc", "newest"]
    assert {"200", "400", "422", "503"} <= set(operation["responses"])
    assert "application/problem+json" in operation["responses"]["503"]["content"]
    assert "SearchResultsOut" in schema["components"]["schemas"]
