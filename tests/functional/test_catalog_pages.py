"""Home, category listings (tree, pagination, sorting) and product pages, with their error paths."""

from __future__ import annotations

import re

import pytest

from app.catalog.tables import Variant
from tests.builders import build_catalog, category, product
from tests.html import links, tags, text, title


def many_shirts(n: int) -> list[dict]:
    return [product(f"TS-{i:03d}", f"Shirt {i:03d}", price=f"{10 + i}.00") for i in range(1, n + 1)]


async def test_category_tree_two_levels_and_listing_of_descendants(client) -> None:
    await build_catalog([*many_shirts(3), product("MG-001", "Mug", category="mugs")])
    page = await client.get("/en/c/clothing")
    assert page.status_code == 200
    body = text(page.text)
    assert "Shirts" in body  # subcategory link
    assert "3 products" in body
    assert "Mug" not in [a for a in re.findall(r"Shirt \d+|Mug", body) if a == "Mug"]
    sub = await client.get("/en/c/shirts")
    assert "Home Clothing Shirts" in text(sub.text)  # breadcrumb trail


async def test_pagination_and_out_of_range_pages(client) -> None:
    await build_catalog(many_shirts(30))
    first = await client.get("/en/c/shirts")
    assert len(tags(first.text, "span", class_="card-name")) == 24
    second = await client.get("/en/c/shirts?page=2")
    assert len(tags(second.text, "span", class_="card-name")) == 6
    assert "page 2" in title(second.text)
    assert 'href="http://shop.test/en/c/shirts?page=2"' in second.text  # self-canonical per page
    for bad in ["3", "0", "-1", "abc", "1e3", "99999999999"]:
        response = await client.get(f"/en/c/shirts?page={bad}")
        assert response.status_code == 404, bad
        assert "Page not found" in text(response.text)


@pytest.mark.parametrize(
    ("sort", "expected_first"),
    [("price-asc", "Shirt 001"), ("price-desc", "Shirt 030"), ("name", "Shirt 001"), ("newest", "Shirt 001")],
)
async def test_sorting(client, sort: str, expected_first: str) -> None:
    await build_catalog(many_shirts(30))
    page = await client.get(f"/en/c/shirts?sort={sort}")
    names = re.findall(r'<span class="card-name">(.*?)</span>', page.text)
    assert names[0] == expected_first
    # Unknown sorts fall back to the default rather than failing.
    assert (await client.get("/en/c/shirts?sort=<script>")).status_code == 200


async def test_product_page_shows_variants_stock_and_translations(client) -> None:
    tee = product(
        "TS-001",
        "Plain Tee",
        options={"size": ["s", "m"], "colour": ["navy", "white"]},
        de="Schlichtes T-Shirt",
    )
    await build_catalog(
        [tee], stock={"TS-001-S-NAVY": 0, "TS-001-M-NAVY": 2, "TS-001-S-WHITE": 9, "TS-001-M-WHITE": 9}
    )
    page = await client.get("/de/p/schlichtes-t-shirt")
    body = text(page.text)
    assert "Schlichtes T-Shirt" in title(page.text)
    assert "S / Marineblau" in body or "S / Navy" in body
    radios = {(a["name"], a["value"]) for a in tags(page.text, "input", type="radio")}
    assert radios == {("opt_size", "s"), ("opt_size", "m"), ("opt_colour", "navy"), ("opt_colour", "white")}
    # The first variant in stock is preselected (S/Navy is sold out).
    checked = {a["name"]: a["value"] for a in tags(page.text, "input", type="radio") if "checked" in a}
    assert checked == {"opt_size": "s", "opt_colour": "white"}
    assert "Paketmaße 30 × 20 × 3 cm" in body  # packed dimensions, German number format
    images = [a["src"] for a in tags(page.text, "img")]
    assert any(src.endswith("ts-001-navy.svg") for src in images)
    media = await client.get(next(src for src in images if src.startswith("/media/")))
    assert media.status_code == 200 and media.headers["content-type"].startswith("image/svg")


async def test_prices_and_numbers_are_formatted_for_the_page_locale(client) -> None:
    await build_catalog([product("TS-001", "Tee", price="1234.50", ja="Tシャツ", de="T-Shirt")])
    assert "1.234,50 €" in text((await client.get("/de/p/t-shirt")).text)
    assert "€1,234.50" in text((await client.get("/ja/p/tシャツ")).text)
    assert "1 234,50 €" in text((await client.get("/fr/p/tee-fr")).text)


async def test_unknown_slugs_are_localised_404s(client) -> None:
    await build_catalog(many_shirts(1))
    for path in ["/de/p/gibt-es-nicht", "/de/c/gibt-es-nicht", "/de/nothing/here", "/zz/p/x"]:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert tags(response.text, "html")[0]["lang"] in {"de", "en"}


async def test_names_with_markup_are_escaped(client) -> None:
    evil = product("TS-666", "<script>alert(1)</script> Tee", category="shirts")
    await build_catalog([evil])
    page = await client.get("/en/c/shirts")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tee" in page.text


async def test_home_lists_categories_and_featured_products(client) -> None:
    await build_catalog(many_shirts(3))
    page = await client.get("/ja/")
    assert page.status_code == 200
    assert "/ja/c/" in " ".join(links(page.text, "/ja/c/"))
    assert len(tags(page.text, "span", class_="card-name")) == 3


async def test_sold_out_products_are_marked_in_listings(client) -> None:
    await build_catalog(many_shirts(2), stock={"TS-001": 0, "TS-002": 4})
    page = await client.get("/en/c/shirts")
    assert text(page.text).count("Sold out") == 1
    assert await Variant.count().run() == 2


async def test_categories_need_at_least_their_own_locale_text(client) -> None:
    await build_catalog(many_shirts(1), categories=[category("shirts", "Shirts")])
    assert (await client.get("/en/c/shirts")).status_code == 200
