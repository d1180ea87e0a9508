"""A shopper searching in a real browser, on the Japanese and on the Arabic (right-to-left) shop:
suggestions while typing, the results page, a facet, a product."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from app.search.services import configured_backend, reindex
from tests.builders import load_demo, snapshot_rates, store_rates
from tests.database import run_async

# A word each shop's shoppers type, and what they start typing before the suggestions show.
QUERIES = {"ja": ("カシミヤ", "カシ"), "ar": ("وشاح", "وشا")}


@pytest.fixture
def demo_index() -> Iterator[None]:
    """The demo catalogue, indexed in the folder the live server reads (the same VAR_DIR); emptied
    afterwards like the database."""
    run_async(load_demo())
    run_async(store_rates(snapshot_rates()))
    run_async(reindex())
    yield
    configured_backend().replace_all([])


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["ja", "ar"])
def test_shopper_types_sees_suggestions_searches_filters_and_opens_a_product(
    browser, live_server: str, artifacts: Path, demo_index: None, locale: str
) -> None:
    word, start = QUERIES[locale]
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server}/{locale}/")
        box = page.locator("#site-search-q")
        suggestions = page.locator("#site-search-suggestions")

        # Suggestions as the shopper types; Escape closes them, typing more opens them again.
        box.press_sequentially(start, delay=60)
        suggestions.locator("a").first.wait_for(state="visible", timeout=15_000)
        assert suggestions.locator(f'a[href^="/{locale}/p/"]').count() >= 1
        assert page.locator("#site-search-status").inner_text().strip()  # announced to screen readers
        box.press("Escape")
        assert suggestions.is_hidden()
        box.press_sequentially(word[len(start) :], delay=60)
        suggestions.locator("mark").first.wait_for(state="visible", timeout=15_000)
        # The keyboard reaches the list: down arrow focuses the first suggestion.
        box.press("ArrowDown")
        assert page.evaluate("document.activeElement.closest('#site-search-suggestions') !== null")
        page.keyboard.press("Escape")
        assert suggestions.is_hidden()
        assert page.evaluate("document.activeElement.id") == "site-search-q"

        # Enter submits the plain form: the results page in the shop's language.
        box.press("Enter")
        page.wait_for_url(re.compile(rf"/{locale}/search\?q="))
        assert page.locator("html").get_attribute("lang") == ("ja" if locale == "ja" else "ar")
        if locale == "ar":
            assert page.locator("html").get_attribute("dir") == "rtl"
        assert unquote(parse_qs(urlparse(page.url).query)["q"][0]) == word
        cards = page.locator(".search-results .card")
        total = cards.count()
        assert total >= 2
        assert page.locator(".search-results mark").count() >= 1
        page.screenshot(path=str(artifacts / f"search-{locale}-results.png"), full_page=True)

        # Narrow by a facet: the first colour, then apply.
        colour = page.locator(".search-filters fieldset.facet").first.locator("input[type=checkbox]").first
        value = colour.get_attribute("value")
        colour.check()
        page.locator("#search-filters button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"attribute="))
        assert value in unquote(page.url)
        narrowed = page.locator(".search-results .card").count()
        assert 1 <= narrowed <= total
        assert page.locator(f'input[name="attribute"][value="{value}"]').is_checked()

        # A category facet link narrows too, and keeps the colour.
        page.locator(".facet-list a").first.click()
        page.wait_for_url(re.compile(r"category="))
        assert "attribute=" in page.url

        # Open a product: its page in the shop's language.
        page.locator(".search-results .card a").first.click()
        page.wait_for_url(re.compile(rf"/{locale}/p/"))
        assert page.locator("h1").inner_text().strip()
        assert page.locator("#site-search-q").is_visible()  # the box is on every page
        assert errors == []
    finally:
        context.close()
