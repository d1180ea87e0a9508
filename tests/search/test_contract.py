"""The search contract both backends keep: the embedded engine always, Meilisearch when
MEILISEARCH_URL is set (tests/search/conftest.py). Texts come from the demo catalogue."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app.i18n.locales import LOCALES
from app.search.model import (
    MAX_QUERY_CHARS,
    LocalizedText,
    SearchBackend,
    SearchDocument,
    SearchQuery,
    SearchResults,
    Sort,
)
from tests.search.demo import contract_documents, demo_catalog, ids_by_code

ALL_LOCALES = list(LOCALES)


def find(backend: SearchBackend, text: str, locale: str = "en", **options: object) -> SearchResults:
    return backend.search(SearchQuery(text=text, locale=locale, **options))  # type: ignore[arg-type]


def codes(results: SearchResults) -> list[str]:
    by_id = {pid: code for code, pid in ids_by_code().items()}
    return [by_id.get(hit.product_id, str(hit.product_id)) for hit in results.hits]


def document(code: str) -> SearchDocument:
    return next(d for d in contract_documents() if d.code == code)


def category_id(code: str) -> int:
    catalog, _ = demo_catalog()
    return next(c.id for c in catalog.categories.values() if c.code == code)


# --- every locale, every kind of text -----------------------------------------------------------


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_every_locale_finds_a_product_by_its_translated_name(catalogue: SearchBackend, locale: str) -> None:
    name = document("KN-004").texts[locale].name
    assert codes(find(catalogue, name, locale))[0] == "KN-004"


@pytest.mark.parametrize(
    ("locale", "word"),
    [
        ("en", "Huehuetenango"),
        ("de", "stickstoffgespülten"),
        ("fr", "Huehuetenango"),
        ("es", "nitrógeno"),
        ("ja", "ウエウエテナンゴ"),
        ("zh-hans", "薇薇特南果"),
        ("ar", "هويهويتينانغو"),
    ],
)
def test_every_locale_finds_a_product_by_its_description(
    catalogue: SearchBackend, locale: str, word: str
) -> None:
    assert "CF-007" in codes(find(catalogue, word, locale))[:3]


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_every_locale_finds_products_by_category_name(catalogue: SearchBackend, locale: str) -> None:
    catalog, _ = demo_catalog()
    knitwear = catalog.categories[category_id("apparel-knitwear")]
    found = all_ids(catalogue, knitwear.text(locale).name, locale=locale)
    # Every product of the category; others may match too ("Maille" is also a chain's link).
    assert found >= expected_ids(lambda d: knitwear.id in d.category_ids)


@pytest.mark.parametrize("locale", ALL_LOCALES)
def test_every_locale_finds_products_by_option_label(catalogue: SearchBackend, locale: str) -> None:
    catalog, _ = demo_catalog()
    found = all_ids(catalogue, catalog.option_label("scent", "lavender", locale), locale=locale)
    assert found >= expected_ids(lambda d: "scent:lavender" in d.attributes)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("zh-hans", "运动鞋", "SHOE-001"),
        ("ja", "スニーカー", "SHOE-001"),
        ("de", "Turnschuhe", "SHOE-001"),
        ("fr", "chaussures de course", "SHOE-001"),
        ("ar", "حذاء", "SHOE-001"),
        ("de", "kaschmir pullover", "KN-002"),  # Damen-Kaschmirpullover
        ("fr", "cafe", "BT-007"),  # Gobelet à café réutilisable
        ("es", "cafe", "CF-012"),  # Jarra de café
    ],
)
def test_the_issues_examples(catalogue: SearchBackend, locale: str, text: str, expected: str) -> None:
    assert expected in codes(find(catalogue, text, locale))[:3]


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("en", "jumper", "KN-008"),  # ~ sweater: Chenille Crew-Neck Sweater
        ("fr", "chandail", "KN-008"),  # ~ pull: Pull col rond en chenille
        ("es", "remera", "TS-001"),  # ~ camiseta
        ("zh-hans", "开司米", "KN-002"),  # ~ 羊绒: 女士羊绒V领毛衣
        ("ar", "سترة", "KN-008"),  # ~ كنزة
    ],
)
def test_synonym_groups_of_the_vocabulary_find_products(
    catalogue: SearchBackend, locale: str, text: str, expected: str
) -> None:
    # data/search/synonyms.toml; none of these words is in the product's own texts (each query
    # finds nothing or misses the product without the vocabulary).
    assert expected in codes(find(catalogue, text, locale, per_page=48))


def test_cafe_highlights_cafe_with_its_accent(catalogue: SearchBackend) -> None:
    hit = find(catalogue, "cafe", "fr").hits[0]
    name = next(h for h in hit.highlights if h.field == "name")
    assert ("café", True) in name.segments


@pytest.mark.parametrize(
    ("page", "text", "expected", "matched_in"),
    [
        ("en", "カシミヤ", "SH-008", "ja"),
        ("en", "羊绒针织帽", "SH-008", "zh-hans"),
        ("ja", "cashmere beanie", "SH-008", "en"),
        ("de", "gorro de cachemira", "SH-008", "es"),
        ("fr", "قبعة محبوكة من الكشمير", "SH-008", "ar"),
    ],
)
def test_a_query_in_another_language_finds_the_product(
    catalogue: SearchBackend, page: str, text: str, expected: str, matched_in: str
) -> None:
    hits = find(catalogue, text, page).hits
    hit = next(h for h in hits[:3] if h.product_id == ids_by_code()[expected])
    assert hit.locale == matched_in


def test_the_pages_locale_ranks_first_when_both_match(catalogue: SearchBackend) -> None:
    # "merino" is a word in English, German, French and Spanish names alike.
    assert {hit.locale for hit in find(catalogue, "merino", "de").hits[:5]} == {"de"}


# --- typos and prefixes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        ("en", "kashmere", "SH-008"),  # 8 letters, one typo
        ("en", "jumpr", "KN-001"),  # 5 letters: one typo allowed
        ("de", "Fülhalter", "PW-001"),  # Füllhalter
        ("en", "heaphonse", "AU-001"),  # 9 letters: two typos (a letter missing, two swapped)
        ("fr", "portefeuile", "BG-008"),
        ("ar", "حقيبه ظهر", "BG-003"),  # ta marbuta typed as ha
    ],
)
def test_misspellings_within_the_typo_budget_still_match(
    catalogue: SearchBackend, locale: str, text: str, expected: str
) -> None:
    assert expected in codes(find(catalogue, text, locale))


def test_typos_beyond_the_budget_do_not_match(catalogue: SearchBackend) -> None:
    assert find(catalogue, "hedphnes", prefix=False).total == 0  # 8 letters, two typos
    assert "TW-001" not in codes(find(catalogue, "mugg", prefix=False))  # 4 letters: no typo at all


@pytest.mark.parametrize(
    ("locale", "typed", "expected"),
    [
        ("en", "headph", "AU-002"),
        ("fr", "théi", "TW-008"),
        ("ar", "بلوت", "AU-008"),
        ("es", "auricu", "AU-002"),
    ],
)
def test_the_last_word_matches_as_a_prefix_while_typing(
    catalogue: SearchBackend, locale: str, typed: str, expected: str
) -> None:
    assert expected in codes(find(catalogue, typed, locale))
    assert expected not in codes(find(catalogue, typed, locale, prefix=False))


@pytest.mark.parametrize(
    ("locale", "typed", "expected"),
    [("de", "kasch", "SH-008"), ("ja", "スニー", "SHOE-001"), ("zh-hans", "运动", "SHOE-001")],
)
def test_partial_words_match_inside_compounds_and_cjk_words(
    catalogue: SearchBackend, locale: str, typed: str, expected: str
) -> None:
    # German compounds and CJK words match by their parts even when the shopper has stopped typing.
    assert expected in codes(find(catalogue, typed, locale, prefix=False))


# --- filters, facets, sorting, paging -----------------------------------------------------------


def expected_ids(*conditions: object) -> set[int]:
    return {d.product_id for d in contract_documents() if all(c(d) for c in conditions)}  # type: ignore[operator]


def all_ids(backend: SearchBackend, text: str = "", locale: str = "en", **options: object) -> set[int]:
    first = find(backend, text, locale, per_page=48, **options)
    found = {hit.product_id for hit in first.hits}
    for page in range(2, (first.total + 47) // 48 + 1):
        found |= {
            hit.product_id for hit in find(backend, text, locale, per_page=48, page=page, **options).hits
        }
    assert len(found) == first.total
    return found


def test_a_category_filter_includes_its_subcategories(catalogue: SearchBackend) -> None:
    apparel = category_id("apparel")
    assert all_ids(catalogue, category_id=apparel) == expected_ids(lambda d: apparel in d.category_ids)
    assert all_ids(catalogue, "merino", category_id=apparel) < all_ids(catalogue, "merino")


def test_attribute_values_of_one_axis_or_together_and_axes_and(catalogue: SearchBackend) -> None:
    either = ("colour:navy", "colour:black")
    assert all_ids(catalogue, attributes=either) == expected_ids(lambda d: set(either) & set(d.attributes))
    both_axes = ("colour:navy", "size:xl")
    assert all_ids(catalogue, attributes=both_axes) == expected_ids(
        lambda d: "colour:navy" in d.attributes, lambda d: "size:xl" in d.attributes
    )


def test_price_range_and_stock_filters(catalogue: SearchBackend) -> None:
    assert all_ids(catalogue, min_price_minor=2000, max_price_minor=4990) == expected_ids(
        lambda d: 2000 <= d.price_minor <= 4990
    )
    assert all_ids(catalogue, in_stock=True) == expected_ids(lambda d: d.in_stock)


def test_facets_count_every_match_each_ignoring_its_own_filter(catalogue: SearchBackend) -> None:
    facets = find(catalogue, "", attributes=("colour:navy",), in_stock=True).facets
    in_stock = [d for d in contract_documents() if d.in_stock]
    # colour counts ignore the colour filter (not the stock filter)...
    assert facets.attributes["colour:black"] == sum("colour:black" in d.attributes for d in in_stock)
    navy = [d for d in in_stock if "colour:navy" in d.attributes]
    # ...other axes and categories count within it
    assert facets.attributes["size:xl"] == sum("size:xl" in d.attributes for d in navy)
    apparel = category_id("apparel")
    assert facets.categories[apparel] == sum(apparel in d.category_ids for d in navy)
    # the stock count ignores the stock filter: navy products in stock
    assert facets.in_stock == len(navy)
    assert facets.min_price_minor == min(d.price_minor for d in navy)
    assert facets.max_price_minor == max(d.price_minor for d in navy)


def test_facets_follow_the_text_query(catalogue: SearchBackend) -> None:
    results = find(catalogue, "headphones")
    audio = category_id("electronics-audio")
    assert results.facets.categories[audio] == results.total


@pytest.mark.parametrize("sort", [Sort.PRICE_ASC, Sort.PRICE_DESC, Sort.NEWEST])
def test_sorts(catalogue: SearchBackend, sort: Sort) -> None:
    hits = find(catalogue, "", per_page=48, sort=sort).hits
    docs = [next(d for d in contract_documents() if d.product_id == h.product_id) for h in hits]
    key = {
        Sort.PRICE_ASC: lambda d: d.price_minor,
        Sort.PRICE_DESC: lambda d: -d.price_minor,
        Sort.NEWEST: lambda d: -d.created_at.timestamp(),
    }[sort]
    assert [key(d) for d in docs] == sorted(key(d) for d in docs)
    if sort is Sort.PRICE_ASC:
        assert docs[0].price_minor == min(d.price_minor for d in contract_documents())


def test_pages_do_not_overlap_and_keep_the_total(catalogue: SearchBackend) -> None:
    pages = [find(catalogue, "cotton", per_page=5, page=n) for n in (1, 2, 3)]
    ids = [hit.product_id for page in pages for hit in page.hits]
    assert len(ids) == len(set(ids)) == 15
    assert len({page.total for page in pages}) == 1
    beyond = find(catalogue, "cotton", per_page=5, page=pages[0].total // 5 + 2)
    assert beyond.hits == () and beyond.total == pages[0].total


def test_an_empty_query_lists_every_product(catalogue: SearchBackend) -> None:
    assert find(catalogue, "").total == len(contract_documents())


# --- writes ---------------------------------------------------------------------------------------


def tiny(product_id: int, name: str, **changes: object) -> SearchDocument:
    texts = {loc: LocalizedText(name=name, description="A test product.") for loc in LOCALES}
    base = SearchDocument(
        product_id=product_id,
        code=f"T-{product_id}",
        texts=texts,
        category_ids=(1,),
        attributes=("colour:red",),
        price_minor=1000,
        in_stock=True,
        position=product_id,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_upserts_and_deletes_show_in_results(new_backend) -> None:  # type: ignore[no-untyped-def]
    backend = new_backend()
    backend.replace_all([tiny(1, "Porcelain Teapot"), tiny(2, "Linen Apron")])
    assert [h.product_id for h in find(backend, "teapot").hits] == [1]
    backend.upsert([tiny(1, "Cast Iron Kettle")])
    assert find(backend, "teapot").total == 0
    assert [h.product_id for h in find(backend, "kettle").hits] == [1]
    backend.upsert([tiny(3, "Glass Teapot", in_stock=False)])
    assert find(backend, "teapot", in_stock=True).total == 0
    backend.delete([1, 3])
    assert find(backend, "kettle").total == 0 and find(backend, "").total == 1
    assert backend.status().documents == {loc: 1 for loc in LOCALES}
    backend.replace_all([tiny(4, "Wool Blanket")])
    assert [h.product_id for h in find(backend, "").hits] == [4]


def test_searches_from_many_threads_while_writing(new_backend) -> None:  # type: ignore[no-untyped-def]
    backend = new_backend()
    backend.replace_all([tiny(i, f"Teapot number {i}") for i in range(1, 40)])
    errors: list[BaseException] = []

    def shopper() -> None:
        try:
            for _ in range(15):
                assert find(backend, "teapot").total >= 39
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=shopper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for i in range(40, 50):
        backend.upsert([tiny(i, f"Teapot number {i}")])
    for thread in threads:
        thread.join()
    assert errors == []
    assert find(backend, "teapot").total == 49


# --- bad input ------------------------------------------------------------------------------------

HOSTILE = [
    "",
    "   ",
    '"',
    '"unclosed phrase',
    "*",
    "**** ???",
    "merino*",
    "NEAR",
    "cotton NEAR linen",
    "cotton OR linen",
    "cotton AND NOT linen",
    "-cotton +linen",
    "name:teapot",
    "title:(a OR b)",
    "field:[1 TO 5]",
    "price:>10",
    "\\",
    "a\x00b\x07c\x1b[31m",
    "\u202etxet\u202c",
    "<script>alert(1)</script>",
    "<b>teapot</b> &amp; &lt;",
    "' OR 1=1 --",
    "𝕮𝖆𝖘𝖍𝖒𝖊𝖗𝖊 🧣",
    "ｃａｓｈｍｅｒｅ",
    "x" * 10_000,
    "teapot " * 2_000,
    "ー" * 300,
    "の" * 300,
    "ـ" * 50 + "حذاء",
    "%s %d {0} ${x}",
    "/regex.*/",
    "~fuzzy~2",
    "a^10 b",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_raise(catalogue: SearchBackend, text: str) -> None:
    results = find(catalogue, text, "en")
    assert results.total >= len(results.hits)
    assert isinstance(catalogue.suggest(text, "ja"), tuple)


def test_a_long_query_is_truncated_not_refused(catalogue: SearchBackend) -> None:
    long = "cashmere " + "x" * (MAX_QUERY_CHARS * 5)
    assert "SH-008" in codes(find(catalogue, long))


def test_highlights_are_plain_text_segments(new_backend) -> None:  # type: ignore[no-untyped-def]
    backend = new_backend()
    name = '<script>alert("x")</script> Mug & <b>Co</b>'
    backend.replace_all([tiny(1, name)])
    hit = find(backend, "mug").hits[0]
    segments = next(h for h in hit.highlights if h.field == "name").segments
    assert "".join(text for text, _ in segments) == name
    assert [text for text, matched in segments if matched] == ["Mug"]


# --- suggestions ----------------------------------------------------------------------------------


def test_a_query_finding_nothing_suggests_a_spelling(catalogue: SearchBackend) -> None:
    results = find(catalogue, "hedphnes", prefix=False)  # two typos in eight letters: no match
    assert results.total == 0
    assert results.suggestion == "headphones"


def test_a_query_that_finds_plenty_suggests_nothing(catalogue: SearchBackend) -> None:
    assert find(catalogue, "leather").suggestion is None


def test_suggest_completes_as_you_type(catalogue: SearchBackend) -> None:
    hits = catalogue.suggest("headph", "en", limit=4)
    assert 0 < len(hits) <= 4
    assert all(
        code.startswith("AU-") for code in codes(SearchResults(hits, len(hits), find(catalogue, "").facets))
    )
    assert catalogue.suggest("", "en") == ()


def test_status_counts_documents_per_locale(catalogue: SearchBackend) -> None:
    status = catalogue.status()
    assert status.healthy
    assert status.documents == {loc: len(contract_documents()) for loc in LOCALES}
