"""The translation workflow through real HTTP: coverage per locale, the queue, the side-by-side
editor, staleness that follows a changed source by itself, a translator kept to their locales,
description HTML sanitised, renamed slugs answering 301, CSRF and compare-and-set saves."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from app.catalog.sources import SourceText
from app.catalog.tables import (
    Category,
    CategoryTranslation,
    OptionLabel,
    Product,
    ProductTranslation,
    SlugHistory,
)
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.html import form_values, hreflangs, links, tags, text, title

COVERAGE = "/admin/translations"
JA_QUEUE = "/admin/translations/ja"
JA_MUG = "/admin/translations/ja/product/MG-001"
DE_MUG = "/admin/translations/de/product/MG-001"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def mugs() -> None:
    await build_catalog(
        [
            product("MG-001", "Mug", category="mugs", de="Becher", ja="マグカップ"),
            product("TS-001", "Plain Tee", de="Schlichtes T-Shirt", ja="無地Tシャツ"),
        ]
    )


async def as_translator(client, locales: frozenset[str] = frozenset({"ja", "ar"})) -> None:
    await make_staff(Role.TRANSLATOR, locales=locales)
    assert (await login(client, "translator@shop.test")).status_code == 303


async def as_role(client, role: Role) -> None:
    await make_staff(role)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def text_of(locale: str, table=ProductTranslation, owner_code: str = "MG-001") -> dict:
    """One stored translation row ({} when there is none)."""
    if table is ProductTranslation:
        owner = await Product.select(Product.id).where(Product.code == owner_code).first().run()
        where = ProductTranslation.product == owner["id"]
    else:
        owner = await Category.select(Category.id).where(Category.code == owner_code).first().run()
        where = CategoryTranslation.category == owner["id"]
    rows = await table.select().where(where & (table.locale == locale)).run()
    return rows[0] if rows else {}


async def change_english_description(description: str) -> None:
    """What the product screen or an import does: it knows nothing of translations."""
    mug = await text_of("en")
    await (
        ProductTranslation.update({ProductTranslation.description: description})
        .where(ProductTranslation.id == mug["id"])
        .run()
    )


async def audit_rows() -> list[dict]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == "translation.update").run()


async def sync_rows() -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).run()


def editor_links(html: str, locale: str) -> list[str]:
    """The queue's links to editors (the page links elsewhere too)."""
    return [link for link in links(html, f"/admin/translations/{locale}/") if link.count("/") == 5]


def coverage_cell(html: str, locale: str, kind: str, state: str) -> str:
    """The count of one state in one locale's coverage table (its link's text, or 0)."""
    href = f"/admin/translations/{locale}?kind={kind}&amp;state={state}"
    start = html.find(f'id="coverage-{locale}"')
    section = html[start : html.find("</section>", start)]
    at = section.find(f'href="{href}"')
    if at < 0:
        return "0"
    return section[section.find(">", at) + 1 : section.find("</a>", at)]


# --- the stale story -------------------------------------------------------------------------------


async def test_a_changed_source_makes_the_translation_stale_until_it_is_reviewed(client) -> None:
    await mugs()
    await as_translator(client)
    coverage = await client.get(COVERAGE)
    assert coverage.status_code == 200
    assert coverage_cell(coverage.text, "ja", "product", "imported") == "2"
    assert coverage_cell(coverage.text, "ja", "product", "stale") == "0"

    # Someone edits the English description elsewhere: nothing marks the translation...
    await change_english_description("A porcelain mug description.")
    coverage = await client.get(COVERAGE)
    # ...and it is stale all the same, linked to its queue.
    assert coverage_cell(coverage.text, "ja", "product", "stale") == "1"
    assert coverage_cell(coverage.text, "ja", "product", "imported") == "1"
    assert "/admin/translations/ja?kind=product&state=stale" in links(coverage.text)
    queue = await client.get(JA_QUEUE, params={"kind": "product", "state": "stale"})
    assert links(queue.text, "/admin/translations/ja/product/") == [JA_MUG]
    # Still served until replaced.
    shop = await client.get("/ja/p/マグカップ")
    assert shop.status_code == 200 and "Mug description. (ja)" in text(shop.text)

    editor = await client.get(JA_MUG)
    assert editor.status_code == 200
    body = text(editor.text)
    assert "Stale" in body and "changed since this translation was made" in body
    assert any("Mug" in part for part in re.findall(r"<del>(.*?)</del>", editor.text))
    assert any("porcelain" in part for part in re.findall(r"<ins>(.*?)</ins>", editor.text))
    preview = [a["href"] for a in tags(editor.text, "a") if a.get("href", "").startswith("/ja/p/")]
    assert preview == ["/ja/p/%E3%83%9E%E3%82%B0%E3%82%AB%E3%83%83%E3%83%97"]
    sync_before = len(await sync_rows())

    response = await submit(client, JA_MUG, JA_MUG, description="磁器のマグカップです。", status="reviewed")
    assert response.status_code == 303, text(response.text)[:400]
    assert response.headers["location"] == f"{JA_MUG}?done=saved"
    saved = await text_of("ja")
    assert saved["description"] == "磁器のマグカップです。" and saved["status"] == "reviewed"
    assert saved["updated_by"] == "translator@shop.test" and saved["updated_at"] is not None
    page = await client.get(response.headers["location"])
    assert "The translation is saved" in text(page.text) and "Reviewed" in text(page.text)
    coverage = await client.get(COVERAGE)
    assert coverage_cell(coverage.text, "ja", "product", "stale") == "0"
    assert coverage_cell(coverage.text, "ja", "product", "reviewed") == "1"
    assert "磁器のマグカップです。" in text((await client.get("/ja/p/マグカップ")).text)

    [entry] = await audit_rows()
    assert entry["target"] == "product:MG-001:ja" and entry["actor"] == "translator@shop.test"
    before, after = json.loads(entry["before"]), json.loads(entry["after"])
    assert before["description"] == "Mug description. (ja)" and before["status"] == "imported"
    assert after["description"] == "磁器のマグカップです。" and after["status"] == "reviewed"
    syncs = await sync_rows()
    assert len(syncs) == sync_before + 1
    assert json.loads(syncs[-1]["payload"]) == {"product_ids": [saved["product"]]}


async def test_the_queue_lists_work_in_order_and_leaves_reviewed_entries_out(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    await change_english_description("New.")
    tee = await text_of("ja", owner_code="TS-001")
    await ProductTranslation.delete().where(ProductTranslation.id == tee["id"]).run()
    shirts = await text_of("ja", CategoryTranslation, "shirts")
    await (
        CategoryTranslation.update({CategoryTranslation.status: "reviewed"})
        .where(CategoryTranslation.id == shirts["id"])
        .run()
    )
    queue = await client.get(JA_QUEUE)
    assert queue.status_code == 200
    editors = editor_links(queue.text, "ja")
    # Stale first, then missing, then the imported rest; the reviewed category is done.
    assert editors[:2] == [JA_MUG, "/admin/translations/ja/product/TS-001"]
    assert "/admin/translations/ja/category/shirts" not in editors
    assert "/admin/translations/ja/category/mugs" in editors
    reviewed = await client.get(JA_QUEUE, params={"state": "reviewed"})
    assert editor_links(reviewed.text, "ja") == ["/admin/translations/ja/category/shirts"]
    only_categories = await client.get(JA_QUEUE, params={"kind": "category", "state": "bogus"})
    assert all("/category/" in link for link in editor_links(only_categories.text, "ja"))


async def test_the_merchant_sees_the_fallback_chain(client) -> None:
    await mugs()
    await as_role(client, Role.OWNER)
    coverage = await client.get(COVERAGE)
    body = text(coverage.text)
    assert "Deutsch → English" in body and "简体中文 → English" in body
    # Every locale but the base one: the owner translates everything.
    for code in ("de", "fr", "es", "ja", "zh-hans", "ar"):
        assert f"/admin/translations/{code}" in links(coverage.text)
    assert "/admin/translations/en" not in links(coverage.text)


async def test_a_missing_translation_shows_the_fallback_and_is_created_by_a_save(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    mug = await text_of("de")
    await ProductTranslation.delete().where(ProductTranslation.id == mug["id"]).run()
    # The shop shows the English text under the German prefix, at the English slug, no loop.
    shop = await client.get("/de/p/mug", follow_redirects=False)
    assert shop.status_code == 200 and "Mug description." in text(shop.text)
    coverage = await client.get(COVERAGE)
    assert coverage_cell(coverage.text, "de", "product", "missing") == "1"
    editor = await client.get(DE_MUG)
    assert "Missing" in text(editor.text) and "the English text, until this is translated" in text(
        editor.text
    )
    assert form_values(editor.text, DE_MUG)["name"] == ""
    response = await submit(client, DE_MUG, DE_MUG, name="Tasse", status="draft")
    assert response.status_code == 303
    saved = await text_of("de")
    assert (saved["name"], saved["slug"], saved["status"]) == ("Tasse", "tasse", "draft")
    [entry] = await audit_rows()
    assert entry["before"] == "" and json.loads(entry["after"])["name"] == "Tasse"
    # The English address of the German page now redirects to the German one.
    moved = await client.get("/de/p/mug", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/de/p/tasse"


async def test_a_category_translation_saves_and_syncs_its_products(client) -> None:
    await mugs()
    await as_translator(client)
    editor = "/admin/translations/ja/category/mugs"
    sync_before = len(await sync_rows())
    response = await submit(client, editor, editor, name="マグ", status="reviewed")
    assert response.status_code == 303
    assert (await text_of("ja", CategoryTranslation, "mugs"))["name"] == "マグ"
    payload = json.loads((await sync_rows())[sync_before]["payload"])
    assert payload == {"product_ids": [(await text_of("ja"))["product"]]}
    # The address stays what it was (the slug field kept it): only the name changed.
    category_page = await client.get("/ja/c/マグカップ")
    assert category_page.status_code == 200 and "<h1>マグ</h1>" in category_page.text


# --- the translator's boundary --------------------------------------------------------------------


async def test_a_translator_works_in_their_locales_only(client) -> None:
    await mugs()
    await as_translator(client)
    home = await client.get("/admin/")
    assert "/admin/translations" in links(home.text)
    assert "/admin/products" not in links(home.text)
    coverage = await client.get(COVERAGE)
    assert coverage.status_code == 200
    assert "/admin/translations/ja" in links(coverage.text) and "/admin/translations/ar" in links(
        coverage.text
    )
    assert not [link for link in links(coverage.text, "/admin/translations/") if "/de" in link]
    for path in ("/admin/translations/de", DE_MUG, "/admin/translations/de/category/mugs"):
        assert (await client.get(path)).status_code == 403, path
    await client.get(JA_MUG)  # a page with a form: the CSRF cookie is set
    token = csrf_token(client)
    refused = await client.post(
        DE_MUG, data={"_csrf_token": token, "name": "Kaputt", "status": "reviewed"}, follow_redirects=False
    )
    assert refused.status_code == 403 and "Your role does not allow this" in text(refused.text)  # not CSRF
    assert (await text_of("de"))["name"] == "Becher" and await audit_rows() == []
    # The editor shows no prices, and the price form stays closed.
    editor = await client.get(JA_MUG)
    assert "€" not in text(editor.text) and "price" not in editor.text.lower()
    assert (await client.get("/admin/products")).status_code == 403
    assert (await client.get("/admin/products/MG-001")).status_code == 403
    price_post = await client.post(
        "/admin/products/MG-001",
        data={"_csrf_token": token, "hs_code": "691200", "origin_country": "PT", "weight_grams": "1"},
        follow_redirects=False,
    )
    assert price_post.status_code == 403


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILMENT])
async def test_roles_without_translation_get_403_and_no_menu_entry(client, role: Role) -> None:
    await mugs()
    await as_role(client, role)
    assert "/admin/translations" not in links((await client.get("/admin/")).text)
    for path in (COVERAGE, JA_QUEUE, JA_MUG):
        assert (await client.get(path)).status_code == 403, path


async def test_a_translator_without_locales_is_refused(client) -> None:
    await mugs()
    await as_translator(client, frozenset())
    assert (await client.get(COVERAGE)).status_code == 403


async def test_unknown_locales_kinds_codes_and_the_base_locale_are_not_found(client) -> None:
    await mugs()
    await as_role(client, Role.OWNER)
    for path in (
        "/admin/translations/en",
        "/admin/translations/xx",
        "/admin/translations/en/product/MG-001",
        "/admin/translations/ja/variant/MG-001",
        "/admin/translations/ja/product/NOPE",
    ):
        assert (await client.get(path)).status_code == 404, path


# --- saving safely --------------------------------------------------------------------------------


async def test_a_form_without_the_csrf_token_is_refused(client) -> None:
    await mugs()
    await as_translator(client)
    values = form_values((await client.get(JA_MUG)).text, JA_MUG)
    values.pop("_csrf_token")
    response = await client.post(
        JA_MUG, data={**values, "name": "X", "status": "reviewed"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert (await text_of("ja"))["name"] == "マグカップ" and await audit_rows() == []


async def test_description_markup_is_sanitised_and_every_text_escaped(client) -> None:
    await mugs()
    await as_translator(client)
    attack = (
        '<p onclick="steal()">Gut <strong>und</strong> schön</p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">x</a><img src=x onerror=alert(3)>'
    )
    response = await submit(
        client, JA_MUG, JA_MUG, name='<img src=x onerror="alert(4)">', description=attack, status="draft"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{JA_MUG}?done=cleaned"
    stored = (await text_of("ja"))["description"]
    assert stored.startswith("<p>Gut <strong>und</strong> schön</p>")
    for bad in ("script", "onclick", "javascript:", "onerror", "<img"):
        assert bad not in stored, bad
    page = await client.get(response.headers["location"])
    assert "Markup that is not allowed" in text(page.text)
    # The name is plain text: shown escaped everywhere, never as markup.
    for html in (page.text, (await client.get(JA_QUEUE, params={"state": "draft"})).text):
        assert '<img src=x onerror="alert(4)">' not in html
        assert "&lt;img src=x onerror=" in html
    shop = await client.get("/ja/p/マグカップ")
    assert shop.status_code == 200 and "&lt;img src=x" in shop.text and "<img src=x" not in shop.text


async def test_invalid_input_is_refused_with_messages_and_kept(client) -> None:
    await mugs()
    await as_translator(client)
    response = await submit(client, JA_MUG, JA_MUG, name="  ", seo_title="t" * 201, status="reviewed")
    assert response.status_code == 400
    body = text(response.text)
    assert "Enter the name in this language." in body and "At most 200 characters" in body
    values = form_values(response.text, JA_MUG)
    assert values["seo_title"] == "t" * 201
    assert [a["id"] for a in tags(response.text, "input") if a.get("aria-invalid") == "true"] == [
        "t-name",
        "t-seo_title",
    ]
    # A status nobody offers.
    response = await submit(client, JA_MUG, JA_MUG, status="imported")
    assert response.status_code == 400 and "Save as a draft or as reviewed." in text(response.text)
    # A slug another product has in this language.
    response = await submit(client, JA_MUG, JA_MUG, slug="無地Tシャツ", status="reviewed")
    assert response.status_code == 400 and "already has this address" in text(response.text)
    assert (await text_of("ja"))["status"] == "imported" and await audit_rows() == []


async def test_a_source_changed_while_editing_saves_nothing_until_seen(client) -> None:
    await mugs()
    await as_translator(client)
    values = form_values((await client.get(JA_MUG)).text, JA_MUG)
    await change_english_description("Changed while you typed.")
    response = await client.post(
        JA_MUG, data={**values, "name": "新しいマグ", "status": "reviewed"}, follow_redirects=False
    )
    assert response.status_code == 409
    assert "The source text changed while you were translating" in text(response.text)
    assert form_values(response.text, JA_MUG)["name"] == "新しいマグ"
    assert (await text_of("ja"))["name"] == "マグカップ"
    # The page now shows the new source (and its version): saving again works.
    again = form_values(response.text, JA_MUG)
    response = await client.post(JA_MUG, data={**again, "status": "reviewed"}, follow_redirects=False)
    assert response.status_code == 303
    assert (await text_of("ja"))["name"] == "新しいマグ"


async def test_a_translation_saved_by_someone_else_meanwhile_is_not_overwritten(client) -> None:
    await mugs()
    await as_translator(client)
    values = form_values((await client.get(JA_MUG)).text, JA_MUG)
    mug = await text_of("ja")
    await (
        ProductTranslation.update({ProductTranslation.name: "別の人"})
        .where(ProductTranslation.id == mug["id"])
        .run()
    )
    response = await client.post(
        JA_MUG, data={**values, "name": "私の", "status": "draft"}, follow_redirects=False
    )
    assert response.status_code == 409 and "Someone else saved" in text(response.text)
    assert (await text_of("ja"))["name"] == "別の人"


async def test_an_unchanged_form_writes_nothing(client) -> None:
    await mugs()
    await as_translator(client)
    await submit(client, JA_MUG, JA_MUG, status="reviewed")
    audits, syncs = len(await audit_rows()), len(await sync_rows())
    response = await submit(client, JA_MUG, JA_MUG, status="reviewed")
    assert response.headers["location"] == f"{JA_MUG}?done=unchanged"
    assert len(await audit_rows()) == audits and len(await sync_rows()) == syncs


# --- slugs ------------------------------------------------------------------------------------------


async def test_a_renamed_slug_keeps_the_old_address_working(client) -> None:
    await mugs()
    await as_translator(client)
    old = "/ja/p/%E3%83%9E%E3%82%B0%E3%82%AB%E3%83%83%E3%83%97"  # マグカップ
    assert (await client.get(old)).status_code == 200
    response = await submit(client, JA_MUG, JA_MUG, slug="mug-cup", status="reviewed")
    assert response.status_code == 303
    moved = await client.get(old, follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/ja/p/mug-cup"
    assert (await client.get("/ja/p/mug-cup")).status_code == 200
    # Alternates of the other languages point at the new address.
    assert hreflangs((await client.get("/en/p/mug")).text)["ja"].endswith("/ja/p/mug-cup")
    # Renamed again, and back: every old address answers, none loops, the history stays unique.
    await submit(client, JA_MUG, JA_MUG, slug="mug-cup-2", status="reviewed")
    await submit(client, JA_MUG, JA_MUG, slug="マグカップ", status="reviewed")
    for path in ("/ja/p/mug-cup", "/ja/p/mug-cup-2"):
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code == 301 and answer.headers["location"] == old, path
    assert (await client.get(old)).status_code == 200
    history = await SlugHistory.select(SlugHistory.slug).where(SlugHistory.locale == "ja").run()
    assert sorted(row["slug"] for row in history) == ["mug-cup", "mug-cup-2"]
    # A former slug another product takes over is theirs from then on.
    tee = "/admin/translations/ja/product/TS-001"
    assert (await submit(client, tee, tee, slug="mug-cup", status="reviewed")).status_code == 303
    page = await client.get("/ja/p/mug-cup", follow_redirects=False)
    assert page.status_code == 200 and "無地Tシャツ" in text(page.text)


async def test_seo_texts_reach_the_shop_and_the_editor_counts_characters(client) -> None:
    await mugs()
    await as_translator(client)
    editor = await client.get(JA_MUG)
    assert "5 characters" in text(editor.text)  # マグカップ
    long_title = "マグ" * 40
    response = await submit(
        client, JA_MUG, JA_MUG, seo_title=long_title, seo_description="陶器のマグ。", status="reviewed"
    )
    assert response.status_code == 303
    body = text((await client.get(JA_MUG)).text)
    assert "80 characters" in body and "longer than search engines show" in body
    shop = await client.get("/ja/p/マグカップ")
    assert title(shop.text).startswith(long_title)
    assert tags(shop.text, "meta", name="description")[0]["content"] == "陶器のマグ。"


async def test_the_migration_records_existing_translations_as_made_from_todays_source(client) -> None:
    from piccolo.engine import engine_finder

    from migrations.storefront_2026_11_25t22_20_00_000000 import record_current_sources

    await mugs()
    # As the rows stood before the migration: no fingerprint, i.e. stale to the workflow.
    await ProductTranslation.update({ProductTranslation.source_hash: ""}, force=True).run()
    await as_role(client, Role.OWNER)
    assert coverage_cell((await client.get(COVERAGE)).text, "de", "product", "stale") == "2"
    await record_current_sources(engine_finder())
    coverage = await client.get(COVERAGE)
    assert coverage_cell(coverage.text, "de", "product", "stale") == "0"
    assert coverage_cell(coverage.text, "de", "product", "imported") == "2"
    # And they remember the text they were made from, for the diff once it changes.
    await change_english_description("Changed.")
    assert "<ins>Changed</ins>" in (await client.get(DE_MUG)).text


# --- option labels ----------------------------------------------------------------------------------

JA_SIZE = "/admin/translations/ja/option/size"
DE_COLOUR = "/admin/translations/de/option/colour"


async def tees() -> None:
    """A tee in two sizes and two colours, with the demo's option labels in every locale."""
    await build_catalog(
        [
            product(
                "TS-001",
                "Plain Tee",
                de="Schlichtes T-Shirt",
                ja="無地Tシャツ",
                options={"size": ["s", "m"], "colour": ["black", "white"]},
            ),
            product("MG-001", "Mug", category="mugs", de="Becher", ja="マグカップ"),
        ]
    )


async def label_of(axis: str, value: str, locale: str) -> dict:
    rows = (
        await OptionLabel.select()
        .where((OptionLabel.axis == axis) & (OptionLabel.value == value) & (OptionLabel.locale == locale))
        .run()
    )
    return rows[0] if rows else {}


async def set_english_label(axis: str, value: str, label: str) -> None:
    """What the product screens or an import do: they know nothing of translations."""
    await (
        OptionLabel.update({OptionLabel.label: label})
        .where((OptionLabel.axis == axis) & (OptionLabel.value == value) & (OptionLabel.locale == "en"))
        .run()
    )


async def test_option_labels_have_coverage_a_queue_and_a_side_by_side_editor(client) -> None:
    await tees()
    await as_translator(client)
    coverage = await client.get(COVERAGE)
    # Each axis's label and each value's: size, s, m, colour, black, white.
    assert coverage_cell(coverage.text, "ja", "option", "imported") == "6"
    assert "Option labels" in text(coverage.text)

    await set_english_label("size", "m", "Medium")
    coverage = await client.get(COVERAGE)
    assert coverage_cell(coverage.text, "ja", "option", "stale") == "1"
    assert coverage_cell(coverage.text, "ja", "option", "imported") == "5"
    queue = await client.get(JA_QUEUE, params={"kind": "option"})
    assert editor_links(queue.text, "ja") == [JA_SIZE, "/admin/translations/ja/option/colour"]
    assert "Stale" in text(queue.text)
    # Stale entries first, whatever their kind.
    assert editor_links((await client.get(JA_QUEUE)).text, "ja")[0] == JA_SIZE

    editor = await client.get(JA_SIZE)
    assert editor.status_code == 200
    body = text(editor.text)
    for shown in ("Size", "Medium", "Stale", "Used by 1 product"):
        assert shown in body, shown
    assert "<del>M</del><ins>Medium</ins>" in editor.text
    values = form_values(editor.text, JA_SIZE)
    assert {key: values[key] for key in ("axis", "value-s", "value-m")} == {
        "axis": "サイズ",
        "value-s": "S",
        "value-m": "M",
    }
    sync_before = len(await sync_rows())

    response = await submit(client, JA_SIZE, JA_SIZE, **{"value-m": "ミディアム"}, status="reviewed")
    assert response.status_code == 303, text(response.text)[:400]
    assert response.headers["location"] == f"{JA_SIZE}?done=saved"
    medium = await label_of("size", "m", "ja")
    assert (medium["label"], medium["status"], medium["updated_by"]) == (
        "ミディアム",
        "reviewed",
        "translator@shop.test",
    )
    assert medium["updated_at"] is not None
    assert medium["source_hash"] == SourceText(name="Medium").digest()
    # "Save as reviewed" reviews every label of the axis; the other axis is untouched.
    assert (await label_of("size", "s", "ja"))["status"] == "reviewed"
    assert (await label_of("colour", "black", "ja"))["status"] == "imported"
    page = await client.get(response.headers["location"])
    assert "The translation is saved" in text(page.text)
    coverage = await client.get(COVERAGE)
    assert coverage_cell(coverage.text, "ja", "option", "stale") == "0"
    assert coverage_cell(coverage.text, "ja", "option", "reviewed") == "3"

    [entry] = await audit_rows()
    assert entry["target"] == "option:size:ja" and entry["actor"] == "translator@shop.test"
    before, after = json.loads(entry["before"]), json.loads(entry["after"])
    assert before["value-m"]["label"] == "M" and after["value-m"] == {
        "label": "ミディアム",
        "status": "reviewed",
        "source_hash": medium["source_hash"][:12],
    }
    syncs = await sync_rows()
    assert len(syncs) == sync_before + 1
    tee = await Product.select(Product.id).where(Product.code == "TS-001").first().run()
    assert json.loads(syncs[-1]["payload"]) == {"product_ids": [tee["id"]]}
    # The shop shows the new label at once.
    assert "ミディアム" in text((await client.get("/ja/p/無地tシャツ")).text)


async def test_an_emptied_label_falls_back_and_bad_labels_are_refused(client) -> None:
    await tees()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await submit(client, DE_COLOUR, DE_COLOUR, **{"value-black": "x" * 101}, status="draft")
    assert response.status_code == 400
    assert "At most 100 characters" in text(response.text)
    assert form_values(response.text, DE_COLOUR)["value-black"] == "x" * 101
    assert [a["id"] for a in tags(response.text, "input") if a.get("aria-invalid") == "true"] == [
        "t-value-black"
    ]
    response = await submit(client, DE_COLOUR, DE_COLOUR, status="imported")
    assert response.status_code == 400 and "Save as a draft or as reviewed." in text(response.text)
    assert (await label_of("colour", "black", "de"))["status"] == "imported" and await audit_rows() == []

    # Markup is plain text in a label: kept as typed, shown escaped.
    response = await submit(
        client, DE_COLOUR, DE_COLOUR, **{"value-white": "", "value-black": "<b>Schwarz</b>"}, status="draft"
    )
    assert response.status_code == 303
    assert await label_of("colour", "white", "de") == {}  # the shop falls back to English
    assert (await label_of("colour", "black", "de"))["label"] == "<b>Schwarz</b>"
    editor = await client.get(DE_COLOUR)
    assert "Empty: the shop shows the English label “White”" in text(editor.text)
    assert "&lt;b&gt;Schwarz&lt;/b&gt;" in editor.text and "<b>Schwarz</b>" not in editor.text
    coverage = await client.get(COVERAGE)
    assert coverage_cell(coverage.text, "de", "option", "missing") == "1"
    shop = await client.get("/de/p/schlichtes-t-shirt")
    assert "White" in text(shop.text) and "<b>Schwarz</b>" not in shop.text
    [entry] = await audit_rows()
    assert json.loads(entry["after"])["value-white"] is None
    # The same form again changes nothing.
    again = await submit(client, DE_COLOUR, DE_COLOUR, status="draft")
    assert again.headers["location"] == f"{DE_COLOUR}?done=unchanged" and len(await audit_rows()) == 1


async def test_option_editors_keep_translators_to_their_locales_and_forms_current(client) -> None:
    await tees()
    await as_translator(client)
    assert (await client.get("/admin/translations/de/option/size")).status_code == 403
    assert (await client.get("/admin/translations/ja/option/nope")).status_code == 404
    values = form_values((await client.get(JA_SIZE)).text, JA_SIZE)
    refused = await client.post(
        "/admin/translations/de/option/size", data={**values, "axis": "Größe!", "status": "draft"}
    )
    assert refused.status_code == 403
    no_token = {key: value for key, value in values.items() if key != "_csrf_token"}
    assert (await client.post(JA_SIZE, data={**no_token, "status": "draft"})).status_code == 403
    # The English label moved on while the form was open: nothing is saved until it is seen.
    await set_english_label("size", "", "Fit")
    response = await client.post(JA_SIZE, data={**values, "axis": "フィット", "status": "reviewed"})
    assert response.status_code == 409 and "changed while you were translating" in text(response.text)
    assert form_values(response.text, JA_SIZE)["axis"] == "フィット"
    assert (await label_of("size", "", "ja"))["label"] == "サイズ"
    # Someone else saved a label meanwhile: theirs is kept.
    values = form_values(response.text, JA_SIZE)
    await (
        OptionLabel.update({OptionLabel.label: "別の人"})
        .where((OptionLabel.axis == "size") & (OptionLabel.value == "s") & (OptionLabel.locale == "ja"))
        .run()
    )
    response = await client.post(JA_SIZE, data={**values, "status": "reviewed"})
    assert response.status_code == 409 and "Someone else saved" in text(response.text)
    assert (await label_of("size", "s", "ja"))["label"] == "別の人" and await audit_rows() == []


async def test_the_option_migration_records_existing_labels_as_made_from_todays_source(client) -> None:
    from piccolo.engine import engine_finder

    from migrations.storefront_2026_11_25t23_00_00_000000 import record_option_sources

    await tees()
    await OptionLabel.update({OptionLabel.source_hash: ""}, force=True).run()
    # A label whose axis has no English row: made from the name the shop shows instead.
    await OptionLabel.delete().where((OptionLabel.axis == "colour") & (OptionLabel.locale == "en")).run()
    await as_role(client, Role.OWNER)
    assert coverage_cell((await client.get(COVERAGE)).text, "fr", "option", "stale") == "6"
    await record_option_sources(engine_finder())
    coverage = await client.get(COVERAGE)
    assert coverage_cell(coverage.text, "fr", "option", "stale") == "0"
    assert coverage_cell(coverage.text, "fr", "option", "imported") == "6"
    assert (await label_of("colour", "black", "fr"))["source_hash"] == SourceText(name="black").digest()
    await set_english_label("size", "s", "Small")
    assert "<ins>Small</ins>" in (await client.get("/admin/translations/fr/option/size")).text


# --- the UI strings ---------------------------------------------------------------------------------

UI = "/admin/translations/ui"
PO_HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
)


def write_po(root, babel: str, body: str) -> None:
    folder = root / babel / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(PO_HEADER + body, encoding="utf-8")


async def test_the_ui_strings_page_counts_each_catalogue_and_lists_what_is_left(
    client, tmp_path, monkeypatch
) -> None:
    from app.staff import ui_strings

    write_po(
        tmp_path,
        "ja",
        'msgid "Cart"\nmsgstr "カート"\n\n'
        '#, fuzzy\nmsgid "Checkout"\nmsgstr "レジ"\n\n'
        'msgid "<script>alert(1)</script>"\nmsgstr ""\n\n'
        'msgctxt "button"\nmsgid "Order"\nmsgstr ""\n\n'
        '#~ msgid "Old"\n#~ msgstr "古い"\n',
    )
    monkeypatch.setattr(ui_strings, "LOCALES_DIR", tmp_path)  # no catalogue for ar there
    await as_translator(client)
    page = await client.get(UI)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    body = text(page.text)
    assert "日本語 1 (25%) 1 (25%) 2 (50%) 4" in body
    assert "العربية No catalogue for this language yet." in body
    assert links(page.text, UI) == [f"{UI}?locale=ja", f"{UI}?locale=ar"]  # not de: not theirs

    detail = await client.get(UI, params={"locale": "ja"})
    body = text(detail.text)
    assert "Fuzzy: 1 Checkout" in body and "Untranslated: 2" in body
    assert "(context: button)" in body and "Cart" not in body.split("Still to do")[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text and "<script>alert(1)" not in detail.text
    assert (await client.get(UI, params={"locale": "de"})).status_code == 403
    assert "/admin/translations/ui" in links((await client.get(COVERAGE)).text)


async def test_the_ui_strings_page_reads_the_shipped_catalogues_for_the_owner_only_roles(client) -> None:
    await as_role(client, Role.OWNER)
    page = await client.get(UI, params={"locale": "de"})
    assert page.status_code == 200
    rows = re.findall(
        r'<th scope="row"><a href="/admin/translations/ui\?locale=[^"]*"[^>]*>([^<]+)</a>', page.text
    )
    assert rows == ["Deutsch", "Français", "Español", "日本語", "简体中文", "العربية"]
    # Every shipped catalogue is read and counted, whatever its completion today.
    assert len(re.findall(r'<td class="num">[\d,.]+ <span class="admin-percent">', page.text)) == 6 * 3
    assert "Still to do in Deutsch" in text(page.text)


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILMENT])
async def test_roles_without_translation_cannot_see_the_ui_strings(client, role: Role) -> None:
    await as_role(client, role)
    assert (await client.get(UI)).status_code == 403


# --- preview --------------------------------------------------------------------------------------

JA_PREVIEW = f"{JA_MUG}/preview"


async def test_the_preview_shows_the_typed_texts_on_the_shop_page_and_saves_nothing(client) -> None:
    await mugs()
    await as_translator(client)
    editor = await client.get(JA_MUG)
    [button] = [b for b in tags(editor.text, "button") if b.get("formaction")]
    assert button["formaction"] == JA_PREVIEW and button["formtarget"] == "_blank"
    values = form_values(editor.text, JA_MUG)
    typed = {
        **values,
        "name": "新しいマグ",
        "description": '<p onclick="x()">磁器の<strong>マグ</strong></p><script>alert(1)</script>',
    }
    preview = await client.post(JA_PREVIEW, data=typed)
    assert preview.status_code == 200, text(preview.text)[:300]
    assert preview.headers["cache-control"] == "no-store"
    assert preview.headers["x-robots-tag"] == "noindex"
    assert "locale=" not in preview.headers.get("set-cookie", "")
    assert '<html lang="ja" dir="ltr">' in preview.text
    body = text(preview.text)
    assert "preview-banner" in preview.text and "プレビュー — 保存されていません" in body
    assert re.search(r"<h1>新しいマグ</h1>", preview.text)
    assert "<p>磁器の<strong>マグ</strong></p>" in preview.text
    assert "alert(1)" not in preview.text and "onclick" not in preview.text
    assert "Add to cart" in body or "カートに入れる" in body  # the shop's own product page
    # Nothing saved, nothing audited, the shop unchanged.
    assert (await text_of("ja"))["name"] == "マグカップ" and await audit_rows() == []
    assert "新しいマグ" not in (await client.get("/ja/p/マグカップ")).text


async def test_an_unpublished_product_can_be_previewed(client) -> None:
    await mugs()
    await Product.update({Product.is_published: False}).where(Product.code == "MG-001").run()
    await as_role(client, Role.CATALOGUE_MANAGER)
    assert (await client.get("/ja/p/マグカップ")).status_code == 404
    values = form_values((await client.get(JA_MUG)).text, JA_MUG)
    preview = await client.post(JA_PREVIEW, data={**values, "name": "下書きのマグ"})
    assert preview.status_code == 200 and "<h1>下書きのマグ</h1>" in preview.text


async def test_the_preview_is_guarded_and_refuses_bad_texts(client) -> None:
    await mugs()
    await as_translator(client)
    values = form_values((await client.get(JA_MUG)).text, JA_MUG)
    assert (await client.post(f"{DE_MUG}/preview", data=values)).status_code == 403
    no_token = {key: value for key, value in values.items() if key != "_csrf_token"}
    assert (await client.post(JA_PREVIEW, data=no_token)).status_code == 403
    category = "/admin/translations/ja/category/mugs/preview"
    assert (await client.post(category, data=values)).status_code == 404
    assert (await client.post("/admin/translations/ja/product/NOPE/preview", data=values)).status_code == 404
    refused = await client.post(JA_PREVIEW, data={**values, "name": " ", "seo_title": "t" * 201})
    assert refused.status_code == 400
    body = text(refused.text)
    assert "The preview could not be shown" in body and "Enter the name in this language." in body
    assert form_values(refused.text, JA_MUG)["seo_title"] == "t" * 201
