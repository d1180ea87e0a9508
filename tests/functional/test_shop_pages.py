"""Shop content pages through real HTTP: the shop's /{locale}/pages/{slug} (fallback lang, old
slugs 301, unpublished 404, footer links, sanitised body), the back office's /admin/pages (create,
edit, audited, catalogue managers only), translating a page in the editor and through an exchange
file, and the demo's pages imported in every locale with nothing stale."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.catalog.page_import import import_pages, read_demo_pages
from app.catalog.rules import slugify
from app.catalog.services import bump_revision
from app.catalog.sources import source_columns
from app.catalog.tables import Product, ShopPage, ShopPageTranslation, SlugHistory
from app.i18n.locales import LOCALES
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from app.staff.translation_queue import coverage
from app.staff.translation_rules import State
from tests.builders import DEMO, build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.functional.test_translation_exchange import confirmation, download, fill_xliff, upload
from tests.html import canonical, form_values, hreflangs, links, tags, text

SHIPPING = {
    "en": ("Shipping and returns", "<p>We ship <strong>worldwide</strong>.</p>"),
    "de": ("Versand und Rückgabe", "<p>Wir versenden <strong>weltweit</strong>.</p>"),
}


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def make_page(
    code: str, texts: dict[str, tuple[str, str]], *, published: bool = True, position: int = 0
) -> int:
    """A page with a text per locale, each recorded as made from the English one (not stale)."""
    if not await Product.exists().run():
        await build_catalog([product("MG-001", "Mug", category="mugs")])
    rows = await ShopPage.insert(ShopPage(code=code, position=position, is_published=published)).run()
    names = {locale: name for locale, (name, _) in texts.items()}
    bodies = {locale: body for locale, (_, body) in texts.items()}
    for locale, (name, body) in texts.items():
        slug = slugify(name)
        await ShopPageTranslation.insert(
            ShopPageTranslation(
                page=rows[0]["id"],
                locale=locale,
                name=name,
                slug=slug,
                description=body,
                **source_columns(names, bodies, "en"),
            )
        ).run()
    await bump_revision()
    return int(rows[0]["id"])


async def page_text(code: str, locale: str) -> dict[str, Any] | None:
    page = await ShopPage.select(ShopPage.id).where(ShopPage.code == code).first().run()
    return (
        await ShopPageTranslation.select()
        .where((ShopPageTranslation.page == page["id"]) & (ShopPageTranslation.locale == locale))
        .first()
        .run()
    )


async def as_role(client: Any, role: Role, locales: frozenset[str] = frozenset({"ja"})) -> None:
    await make_staff(role, locales=locales)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def audit(action: str) -> list[dict[str, Any]]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == action).run()


# --- the shop ------------------------------------------------------------------------------------


async def test_a_page_shows_its_text_with_canonical_alternates_and_footer_links(client) -> None:
    await make_page("shipping-returns", SHIPPING)
    page = await client.get("/de/pages/versand-und-rückgabe")
    assert page.status_code == 200
    assert "<h1>Versand und Rückgabe</h1>" in page.text
    assert "<strong>weltweit</strong>" in page.text
    assert canonical(page.text).endswith("/de/pages/versand-und-r%C3%BCckgabe")
    alternates = hreflangs(page.text)
    assert alternates["en"].endswith("/en/pages/shipping-and-returns")
    assert alternates["ja"].endswith("/ja/pages/shipping-and-returns")  # ja falls back to English
    [meta] = tags(page.text, "meta", name="description")
    assert meta["content"] == "Wir versenden weltweit."
    # Every shop page's footer links the published pages in its own locale.
    home = await client.get("/de/")
    assert "/de/pages/versand-und-r%C3%BCckgabe" in links(home.text)


async def test_a_page_without_a_translation_marks_its_fallback_text(client) -> None:
    await make_page("shipping-returns", SHIPPING)
    page = await client.get("/ar/pages/shipping-and-returns")
    assert page.status_code == 200
    assert '<h1 lang="en" dir="ltr">Shipping and returns</h1>' in page.text
    [body] = tags(page.text, "div", class_="prose")
    assert body == {"class": "prose", "lang": "en", "dir": "ltr"}
    # The footer's link says so too (the language switcher's link to this page is Arabic).
    here = [a for a in tags(page.text, "a") if a.get("href") == "/ar/pages/shipping-and-returns"]
    assert sorted(a["lang"] for a in here) == ["ar", "en"]


async def test_an_old_slug_answers_301_and_an_unpublished_page_404(client) -> None:
    page_id = await make_page("shipping-returns", SHIPPING)
    await make_page("about", {"en": ("About us", "<p>Hi.</p>")}, published=False, position=1)
    await SlugHistory.insert(SlugHistory(kind="page", page=page_id, locale="de", slug="versand")).run()
    await bump_revision()
    moved = await client.get("/de/pages/versand", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/de/pages/versand-und-r%C3%BCckgabe"
    assert (await client.get("/en/pages/about-us")).status_code == 404
    assert (await client.get("/en/pages/no-such-page")).status_code == 404
    assert "/en/pages/about-us" not in links((await client.get("/en/")).text)


async def test_a_page_body_is_sanitised_and_its_name_escaped(client) -> None:
    hostile = {
        "en": ("<script>alert(1)</script> Terms", '<p onclick="x()">Read <script>alert(2)</script>this</p>')
    }
    await make_page("terms", hostile)
    page = await client.get("/en/pages/script-alert-1-script-terms", follow_redirects=False)
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "onclick" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Terms" in page.text


# --- the back office -----------------------------------------------------------------------------


async def test_a_catalogue_manager_creates_and_edits_a_page_audited(client) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")])
    await as_role(client, Role.CATALOGUE_MANAGER)
    assert "/admin/pages" in links((await client.get("/admin/")).text)
    created = await submit(
        client,
        "/admin/pages/new",
        "/admin/pages/new",
        code="about",
        name="About us",
        description="<p>Small shop.<script>x()</script></p>",
        position="2",
        published="1",
    )
    assert created.status_code == 303 and created.headers["location"] == "/admin/pages/about?done=created"
    stored = await page_text("about", "en")
    assert stored is not None
    assert (stored["name"], stored["slug"], stored["description"]) == (
        "About us",
        "about-us",
        "<p>Small shop.</p>",
    )
    [row] = await audit("page.create")
    assert row["target"] == "page:about" and json.loads(row["after"])["position"] == 2
    assert "About us" in text((await client.get("/en/pages/about-us")).text)

    edit = await submit(client, "/admin/pages/about", "/admin/pages/about", name="Our story", slug="")
    assert edit.status_code == 303 and edit.headers["location"] == "/admin/pages/about?done=saved"
    [update] = await audit("page.update")
    assert json.loads(update["before"])["name"] == "About us"
    assert json.loads(update["after"])["slug"] == "our-story"
    moved = await client.get("/en/pages/about-us", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/en/pages/our-story"
    listing = await client.get("/admin/pages")
    assert "Our story" in text(listing.text) and "/admin/pages/about" in links(listing.text)
    # Unpublishing takes it out of the shop.
    unpublished = await submit(client, "/admin/pages/about", "/admin/pages/about", published="")
    assert unpublished.status_code == 303
    assert (await client.get("/en/pages/our-story")).status_code == 404


async def test_bad_page_input_re_renders_with_messages_and_changes_nothing(client) -> None:
    await make_page("about", {"en": ("About us", "<p>Hi.</p>")})
    await make_page("shipping", {"en": ("Shipping", "<p>Hi.</p>")})
    await as_role(client, Role.OWNER)
    bad = await submit(
        client, "/admin/pages/new", "/admin/pages/new", code="Bad Code!", name="", position="-1"
    )
    assert bad.status_code == 400
    assert "The page was not created." in text(bad.text)
    assert {field["id"] for field in tags(bad.text, "input", **{"aria-invalid": "true"})} >= {
        "code",
        "name",
        "position",
    }
    assert form_values(bad.text, "/admin/pages/new")["code"] == "Bad Code!"
    taken = await submit(client, "/admin/pages/new", "/admin/pages/new", code="about", name="Other")
    assert taken.status_code == 400 and "A page with the code about exists already." in text(taken.text)
    clash = await submit(client, "/admin/pages/shipping", "/admin/pages/shipping", slug="about-us")
    assert clash.status_code == 400 and "Another page already has this address" in text(clash.text)
    assert (await page_text("shipping", "en"))["slug"] == "shipping"
    assert (
        await ShopPage.count() == 2 and await audit("page.create") == [] and await audit("page.update") == []
    )
    # A form made from an older version is refused (someone saved meanwhile).
    page = await client.get("/admin/pages/about")
    values = form_values(page.text, "/admin/pages/about")
    await (
        ShopPageTranslation.update({ShopPageTranslation.name: "Changed"})
        .where(ShopPageTranslation.slug == "about-us")
        .run()
    )
    stale = await client.post("/admin/pages/about", data={**values, "name": "Mine"}, follow_redirects=False)
    assert stale.status_code == 409 and (await page_text("about", "en"))["name"] == "Changed"


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.TRANSLATOR])
async def test_roles_without_catalogue_rights_get_403_on_pages(client, role: Role) -> None:
    await make_page("about", {"en": ("About us", "<p>Hi.</p>")})
    await as_role(client, role)
    assert "/admin/pages" not in links((await client.get("/admin/")).text)
    for path in ("/admin/pages", "/admin/pages/new", "/admin/pages/about"):
        assert (await client.get(path)).status_code == 403
    fields = {"_csrf_token": csrf_token(client), "name": "Hacked", "code": "x"}
    assert (await client.post("/admin/pages/about", data=fields)).status_code == 403
    assert (await client.post("/admin/pages/new", data=fields)).status_code == 403
    assert (await page_text("about", "en"))["name"] == "About us"


# --- the translation workflow --------------------------------------------------------------------


async def test_a_japanese_translator_translates_a_page_in_the_editor(client) -> None:
    await make_page("shipping-returns", SHIPPING)
    await as_role(client, Role.TRANSLATOR)
    coverage_page = await client.get("/admin/translations")
    assert "/admin/translations/ja?kind=page&amp;state=missing" in coverage_page.text
    queue = await client.get("/admin/translations/ja?kind=page")
    editor = "/admin/translations/ja/page/shipping-returns"
    assert editor in links(queue.text)
    assert "Page shipping-returns in 日本語" in text((await client.get(editor)).text)
    response = await submit(
        client,
        editor,
        editor,
        name="配送と返品",
        description="<p>世界中へ発送します。</p>",
        status="reviewed",
    )
    assert response.status_code == 303
    saved = await page_text("shipping-returns", "ja")
    assert (saved["name"], saved["slug"], saved["status"]) == ("配送と返品", "配送と返品", "reviewed")
    [row] = await audit("translation.update")
    assert row["target"] == "page:shipping-returns:ja"
    shop = await client.get("/ja/pages/配送と返品")
    assert shop.status_code == 200 and "<h1>配送と返品</h1>" in shop.text
    # The English address under /ja/ now redirects to the Japanese one.
    moved = await client.get("/ja/pages/shipping-and-returns", follow_redirects=False)
    assert moved.status_code == 301
    assert (await client.get("/admin/translations/de/page/shipping-returns")).status_code in (403, 404)


async def test_a_page_goes_through_an_xliff_round_trip(client) -> None:
    await make_page("shipping-returns", SHIPPING)
    await as_role(client, Role.TRANSLATOR)
    exported = await download(client, "xliff", "missing")
    assert b'id="page:shipping-returns:name"' in exported.content
    filled = fill_xliff(
        exported.content,
        {"page:shipping-returns:name": "配送と返品", "page:shipping-returns:description": "<p>発送</p>"},
    )
    path = "/admin/translations/ja/exchange"
    dry = await upload(client, path, "ja.xlf", filled)
    assert dry.status_code == 200 and await page_text("shipping-returns", "ja") is None
    done = await upload(client, path, "ja.xlf", filled, mode="import", expected=confirmation(dry.text))
    assert done.status_code == 303 and "done=imported" in done.headers["location"]
    saved = await page_text("shipping-returns", "ja")
    assert (saved["name"], saved["description"], saved["status"]) == ("配送と返品", "<p>発送</p>", "imported")
    assert (await client.get("/ja/pages/配送と返品")).status_code == 200


# --- the demo data -------------------------------------------------------------------------------


async def test_the_demo_pages_are_imported_in_every_locale_with_nothing_stale(client) -> None:
    pages = read_demo_pages(DEMO)
    assert {page["code"] for page in pages} == {"shipping-returns", "about"}
    assert await import_pages(pages, "en") == 2
    assert await import_pages(pages, "en") == 0  # idempotent
    rows = await ShopPageTranslation.select().run()
    assert {(row["page"], row["locale"]) for row in rows} == {
        (page, locale) for page in {row["page"] for row in rows} for locale in LOCALES
    }
    counts = await coverage([code for code in LOCALES if code != "en"])
    for locale, kinds in counts.items():
        assert kinds["page"].total == 2, locale
        assert kinds["page"].counts[State.STALE] == kinds["page"].counts[State.MISSING] == 0, locale
    await build_catalog([product("MG-001", "Mug", category="mugs")])
    footer = await client.get("/fr/")
    assert {"/fr/pages/livraison-et-retours", "/fr/pages/%C3%A0-propos-de-nous"} <= set(links(footer.text))
