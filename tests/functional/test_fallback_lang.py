"""A page served from a fallback locale says so: where a product's or category's name and
description come from another locale than the page's (no translation yet), the element carrying
them has that locale's lang (and dir where the script runs the other way), through real HTTP."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from app.catalog.services import bump_revision
from app.catalog.tables import Category, CategoryTranslation, Product, ProductTranslation
from app.search.services import configured_backend, reindex
from tests.builders import build_catalog, product
from tests.html import tags, text


async def drop_text(locale: str, product_code: str = "MG-001") -> None:
    owner = await Product.select(Product.id).where(Product.code == product_code).first().run()
    await (
        ProductTranslation.delete()
        .where((ProductTranslation.product == owner["id"]) & (ProductTranslation.locale == locale))
        .run()
    )
    await bump_revision()


async def drop_category_text(locale: str, code: str = "mugs") -> None:
    owner = await Category.select(Category.id).where(Category.code == code).first().run()
    await (
        CategoryTranslation.delete()
        .where((CategoryTranslation.category == owner["id"]) & (CategoryTranslation.locale == locale))
        .run()
    )
    await bump_revision()


def attributes_of(html: str, tag: str, **wanted: str) -> list[dict[str, str]]:
    return tags(html, tag, **wanted)


def assert_no_repeated_attributes(html: str) -> None:
    """Valid HTML never repeats an attribute on one element (a parser keeps only one of them)."""
    for match in re.finditer(r"<([a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*?)?/?>", html):
        names = re.findall(r'\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="[^"]*")?', match.group(2) or "")
        assert len(names) == len(set(names)), match.group(0)


def description_block(html: str) -> dict[str, str]:
    [block] = attributes_of(html, "div", class_="prose") or [{}]
    return block


async def test_a_product_without_german_text_marks_its_english_name_and_description(client) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs", de="Becher")])
    await drop_text("de")
    page = await client.get("/de/p/mug")
    assert page.status_code == 200
    assert '<html lang="de" dir="ltr">' in page.text
    [heading] = attributes_of(page.text, "h1")
    assert heading == {"lang": "en"}  # same direction as German: no dir
    assert re.search(r'<h1 lang="en">Mug</h1>', page.text)
    assert description_block(page.text) == {"class": "prose", "lang": "en"}
    assert "Mug description." in text(page.text)
    # The product's own name in the breadcrumb too; the German category names are German.
    assert re.search(r'<li aria-current="page" lang="en">Mug</li>', page.text)
    assert not [
        a for a in attributes_of(page.text, "a") if a.get("href", "").startswith("/de/c/") and "lang" in a
    ]
    assert_no_repeated_attributes(page.text)


async def test_a_product_with_german_text_has_no_lang_of_its_own(client) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs", de="Becher")])
    page = await client.get("/de/p/becher")
    assert page.status_code == 200
    assert "<h1>Becher</h1>" in page.text
    assert description_block(page.text) == {"class": "prose"}
    assert 'lang="en"' not in page.text.split("<main", 1)[-1].split("</main>", 1)[0]


async def test_english_text_on_an_arabic_page_runs_left_to_right(client) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")])
    await drop_text("ar")
    page = await client.get("/ar/p/mug")
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in page.text
    assert attributes_of(page.text, "h1") == [{"lang": "en", "dir": "ltr"}]
    assert description_block(page.text) == {"class": "prose", "lang": "en", "dir": "ltr"}
    assert_no_repeated_attributes(page.text)


async def test_category_pages_and_product_cards_mark_fallback_texts(client) -> None:
    await build_catalog(
        [product("MG-001", "Mug", category="mugs", de="Becher"), product("MG-002", "Cup", category="mugs")]
    )
    await drop_text("de", "MG-002")
    await drop_category_text("de")
    page = await client.get("/de/c/mugs")
    assert page.status_code == 200
    assert attributes_of(page.text, "h1") == [{"lang": "en"}]
    assert attributes_of(page.text, "div", class_="lead") == [{"class": "lead", "lang": "en"}]
    cards = {
        m.group(2): m.group(1) for m in re.finditer(r'<span class="card-name"([^>]*)>(.*?)</span>', page.text)
    }
    assert cards == {"Becher": "", "Cup": ' lang="en"'}
    # Its parent's page lists it among its subcategories, marked; the breadcrumb marks it too.
    parent = await client.get("/de/c/wohnen")
    assert re.search(r'<a href="/de/c/mugs" lang="en">Mugs</a>', parent.text)
    assert_no_repeated_attributes(page.text)
    assert_no_repeated_attributes(parent.text)


@pytest.fixture
async def empty_index() -> AsyncIterator[None]:
    """The process's one search index starts and ends the test empty (as in test_search_pages)."""
    backend = configured_backend()
    await asyncio.to_thread(backend.replace_all, [])
    yield
    await asyncio.to_thread(backend.replace_all, [])


async def test_search_results_mark_fallback_names(client, empty_index: None) -> None:
    await build_catalog(
        [product("MG-001", "Mug", category="mugs", de="Becher"), product("MG-002", "Cup", category="mugs")]
    )
    await drop_text("de", "MG-002")
    await reindex()
    page = await client.get("/de/search", params={"q": "Cup"})
    assert page.status_code == 200
    assert re.search(r'<span class="card-name" lang="en">.*?Cup.*?</span>', page.text, re.S)
    assert not re.search(r'<span class="card-name" lang="en">.*?Becher', page.text, re.S)
    assert_no_repeated_attributes(page.text)
    suggest = await client.get("/de/search/suggest", params={"q": "Cup"})
    assert suggest.status_code == 200
    assert re.search(r'<span class="suggest-name" lang="en">.*?Cup', suggest.text, re.S)


async def test_a_cached_page_follows_a_new_translation(client) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")])
    await drop_text("de")
    first = await client.get("/de/p/mug")
    assert attributes_of(first.text, "h1") == [{"lang": "en"}]
    assert attributes_of((await client.get("/de/p/mug")).text, "h1") == [{"lang": "en"}]  # from the cache
    owner = await Product.select(Product.id).where(Product.code == "MG-001").first().run()
    await ProductTranslation.insert(
        ProductTranslation(
            product=owner["id"], locale="de", name="Becher", slug="mug", description="<p>Ein Becher.</p>"
        )
    ).run()
    await bump_revision()
    page = await client.get("/de/p/mug")
    assert "<h1>Becher</h1>" in page.text and description_block(page.text) == {"class": "prose"}
