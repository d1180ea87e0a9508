"""Locale negotiation, prefixes, hreflang/canonical and right-to-left pages (through the ASGI app)."""

from __future__ import annotations

from urllib.parse import quote

from app.i18n.locales import LOCALES
from tests.builders import build_catalog, product
from tests.html import canonical, hreflangs, links, tags, text, title


async def test_root_redirects_by_cookie_then_accept_language_then_default(client) -> None:
    response = await client.get(
        "/", headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}, follow_redirects=False
    )
    assert response.status_code == 302 and response.headers["location"] == "/ja/"
    assert "Accept-Language" in response.headers["vary"]

    response = await client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}, follow_redirects=False)
    assert response.headers["location"] == "/zh-hans/"

    response = await client.get("/", headers={"Accept-Language": "sv, nl;q=0.8"}, follow_redirects=False)
    assert response.headers["location"] == "/en/"

    client.cookies.set("locale", "ar")
    response = await client.get("/", headers={"Accept-Language": "de"}, follow_redirects=False)
    assert response.headers["location"] == "/ar/"


async def test_visiting_a_locale_remembers_it_for_the_root(client) -> None:
    await build_catalog([product("TS-001", "Plain Tee")])
    await client.get("/fr/")
    response = await client.get("/", headers={"Accept-Language": "de"}, follow_redirects=False)
    assert response.headers["location"] == "/fr/"


async def test_every_locale_home_has_lang_dir_hreflang_canonical_title_description(client) -> None:
    await build_catalog([product("TS-001", "Plain Tee")])
    for code, shop_locale in LOCALES.items():
        response = await client.get(f"/{code}/")
        assert response.status_code == 200
        html = response.text
        html_tag = tags(html, "html")[0]
        assert html_tag["lang"] == shop_locale.hreflang
        assert html_tag["dir"] == ("rtl" if code == "ar" else "ltr")
        alternates = hreflangs(html)
        assert set(alternates) == {loc.hreflang for loc in LOCALES.values()} | {"x-default"}
        assert alternates["x-default"] == "http://shop.test/en/"
        assert canonical(html) == f"http://shop.test/{code}/"
        assert title(html)
        assert tags(html, "meta", name="description")[0]["content"]


async def test_product_page_switcher_and_hreflang_point_to_translated_slugs(client) -> None:
    await build_catalog([product("TS-001", "Plain Tee", de="Schlichtes T-Shirt", ja="無地Tシャツ")])
    response = await client.get("/de/p/schlichtes-t-shirt")
    assert response.status_code == 200
    alternates = hreflangs(response.text)
    assert alternates["ja"] == "http://shop.test/ja/p/" + quote("無地tシャツ")
    assert alternates["en"] == "http://shop.test/en/p/plain-tee"
    # The locale switcher keeps the current page.
    assert "/ja/p/" + quote("無地tシャツ") in links(response.text, "/ja/")
    japanese = await client.get(alternates["ja"].removeprefix("http://shop.test"))
    assert japanese.status_code == 200 and "無地Tシャツ" in text(japanese.text)


async def test_slug_from_another_locale_redirects_to_the_translated_one(client) -> None:
    await build_catalog([product("TS-001", "Plain Tee", de="Schlichtes T-Shirt")])
    response = await client.get("/de/p/plain-tee", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/de/p/schlichtes-t-shirt"


async def test_arabic_pages_are_right_to_left(client) -> None:
    await build_catalog([product("TS-001", "Plain Tee", ar="تي شيرت سادة")])
    html = (await client.get("/ar/")).text
    assert '<html lang="ar" dir="rtl">' in html
    assert "تي شيرت سادة" in text(html)


async def test_unknown_locale_is_a_localised_404(client) -> None:
    response = await client.get("/xx/", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert "Seite nicht gefunden" in text(response.text) or "Page not found" in text(response.text)
    assert tags(response.text, "html")[0]["lang"] == "de"
