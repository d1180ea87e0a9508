"""The back-office category tree through real HTTP: who may use it, the nested tree in the staff
member's language, creating (slug from the name, unique), renaming, moving (never under itself or
below), reordering siblings and deleting only empty categories; each change audited, with a
catalogue revision the shop follows and a search sync where product documents change."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from app.catalog.services import current_revision
from app.catalog.tables import Category, CategoryTranslation, Product
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.rules import Role
from app.staff.services import Actor, set_ui_locale
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.html import form_values, links, tags, text

TREE = "/admin/categories"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def catalogue() -> None:
    """clothing > shirts (one tee); home > mugs (one mug)."""
    await build_catalog(
        [product("TS-001", "Plain Tee", category="shirts"), product("MG-001", "Mug", category="mugs")]
    )


async def as_role(client: Any, role: Role) -> None:
    await make_staff(role, locales=frozenset({"de"}))
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def category(code: str) -> dict[str, Any] | None:
    return await Category.select().where(Category.code == code).first().run()


async def parent_code(code: str) -> str | None:
    row = await category(code)
    assert row is not None
    if row["parent"] is None:
        return None
    parent = await Category.select(Category.code).where(Category.id == row["parent"]).first().run()
    return parent["code"]


async def base_text(code: str) -> dict[str, Any]:
    row = await category(code)
    assert row is not None
    return (
        await CategoryTranslation.select()
        .where((CategoryTranslation.category == row["id"]) & (CategoryTranslation.locale == "en"))
        .first()
        .run()
    )


async def siblings(parent: str | None) -> list[str]:
    query = Category.select(Category.code, Category.position)
    if parent is None:
        query = query.where(Category.parent.is_null())
    else:
        parent_row = await category(parent)
        assert parent_row is not None
        query = query.where(Category.parent == parent_row["id"])
    return [row["code"] for row in sorted(await query.run(), key=lambda r: (r["position"], r["code"]))]


async def audit(action: str) -> list[dict[str, Any]]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == action).order_by(StaffAuditLog.id).run()


async def post(client: Any, path: str, **fields: str) -> Any:
    return await client.post(path, data={"_csrf_token": csrf_token(client), **fields}, follow_redirects=False)


def tree_items(html: str) -> list[str]:
    """The tree's category codes in reading order, with their nesting depth as leading dots."""
    tree = re.search(r'<ul class="admin-category-tree">(.*)</ul>\s*<h2', html, re.S)
    assert tree, "no tree"
    out, depth = [], 0
    for match in re.finditer(r'<(/?)ul>|<li id="category-([^"]+)"', tree.group(1)):
        if match.group(2):
            out.append("." * depth + match.group(2))
        else:
            depth += -1 if match.group(1) else 1
    return out


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILMENT, Role.TRANSLATOR])
async def test_roles_without_the_catalogue_get_403_and_no_menu_entry(client, role: Role) -> None:
    await catalogue()
    await as_role(client, role)
    assert TREE not in links((await client.get("/admin/")).text)
    for path in (TREE, f"{TREE}/mugs"):
        assert (await client.get(path)).status_code == 403, path
    attempts = [
        (TREE, {"code": "cups", "name": "Cups", "parent": ""}),
        (f"{TREE}/mugs", {"name": "Cups", "parent": ""}),
        (f"{TREE}/mugs/move", {"op": "up"}),
        (f"{TREE}/home/delete", {}),
    ]
    for path, fields in attempts:
        assert (await post(client, path, **fields)).status_code == 403, path
    assert await category("cups") is None and await parent_code("mugs") == "home"
    assert (await base_text("mugs"))["name"] == "Mugs"
    assert await StaffAuditLog.count().where(StaffAuditLog.action.like("category.%")).run() == 0


@pytest.mark.parametrize("role", [Role.OWNER, Role.CATALOGUE_MANAGER])
async def test_the_tree_nests_categories_with_their_product_counts(client, role: Role) -> None:
    await catalogue()
    await as_role(client, role)
    assert TREE in links((await client.get("/admin/")).text)
    page = await client.get(TREE)
    assert page.status_code == 200
    assert tree_items(page.text) == ["clothing", ".shirts", "home", ".mugs"]
    assert "1 product" in text(page.text)
    assert f"{TREE}/mugs" in links(page.text)


async def test_names_are_in_the_staff_members_language_with_a_fallback(client) -> None:
    await catalogue()
    await Category.insert(Category(code="untranslated", position=9)).run()
    row = await category("untranslated")
    assert row is not None
    await CategoryTranslation.insert(
        CategoryTranslation(category=row["id"], locale="en", name="Only English", slug="only-english")
    ).run()
    manager = await make_staff(Role.CATALOGUE_MANAGER)
    await set_ui_locale(Actor(None, "test", ""), manager.id, "de")
    await login(client, manager.email)
    body = text((await client.get(TREE)).text)
    assert "Kleidung" in body and "Hemden" in body and "Becher" in body
    assert "Only English" in body  # no German name: the English one
    assert "Kategorien" in body or "Categories" in body


async def test_a_form_without_the_csrf_token_is_refused(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await client.post(TREE, data={"code": "cups", "name": "Cups"}, follow_redirects=False)
    assert response.status_code == 403 and await category("cups") is None


# --- creating ---------------------------------------------------------------------------------


async def test_a_new_category_goes_last_under_its_parent_and_shows_in_the_shop(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    revision = await current_revision()
    response = await submit(client, TREE, TREE, code="Tea-Cups", name="  Tea   cups ", parent="home")
    assert response.status_code == 303, text(response.text)[-500:]
    assert response.headers["location"].startswith(f"{TREE}?done=created")
    assert await parent_code("tea-cups") == "home"
    assert await siblings("home") == ["mugs", "tea-cups"]
    text_row = await base_text("tea-cups")
    assert (text_row["name"], text_row["slug"]) == ("Tea cups", "tea-cups")
    [entry] = await audit("category.create")
    assert entry["target"] == "category:tea-cups"
    assert json.loads(entry["after"]) == {
        "code": "tea-cups",
        "name": "Tea cups",
        "slug": "tea-cups",
        "parent": "home",
    }
    assert await current_revision() > revision
    page = await client.get(response.headers["location"])
    assert "The category is created" in text(page.text)
    assert tree_items(page.text) == ["clothing", ".shirts", "home", ".mugs", ".tea-cups"]
    assert (await client.get("/en/c/tea-cups")).status_code == 200

    # The same name again: a slug of its own.
    response = await submit(client, TREE, TREE, code="cups-2", name="Tea cups", parent="")
    assert response.status_code == 303
    assert (await base_text("cups-2"))["slug"] == "tea-cups-2"
    assert await siblings(None) == ["clothing", "home", "cups-2"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "mugs", "name": "Mugs again"}, "A category with the code mugs exists already"),
        ({"code": "bad code!", "name": "X"}, "lowercase letters, digits and hyphens"),
        ({"code": "-x", "name": "X"}, "lowercase letters, digits and hyphens"),
        ({"code": "cups", "name": "   "}, "Enter a name"),
        ({"code": "cups", "name": "x" * 201}, "Enter a name"),
        ({"code": "cups", "name": "Cups", "parent": "nowhere"}, "Choose a parent from the list"),
    ],
)
async def test_a_refused_new_category_keeps_what_was_typed_and_changes_nothing(
    client, fields: dict[str, str], message: str
) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    count = await Category.count().run()
    response = await post(client, TREE, **{"parent": "", **fields})
    assert response.status_code == 400
    body = text(response.text)
    assert "The category was not created" in body and message in body, body[-600:]
    assert form_values(response.text, TREE)["code"] == fields["code"].strip().lower()[:80]
    fields_marked = tags(response.text, "input") + tags(response.text, "select")
    assert [a for a in fields_marked if a.get("aria-invalid") == "true"]
    assert await Category.count().run() == count and await audit("category.create") == []


# --- renaming and moving -----------------------------------------------------------------------


async def test_rename_keeps_the_slug_and_resyncs_the_products_below(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    syncs = await OutboxMessage.count().where(OutboxMessage.kind == SEARCH_SYNC).run()
    response = await submit(client, f"{TREE}/home", f"{TREE}/home", name="Home & kitchen")
    assert response.status_code == 303 and response.headers["location"] == f"{TREE}/home?done=saved"
    home = await base_text("home")
    assert (home["name"], home["slug"]) == ("Home & kitchen", "home")
    assert "Home &amp; kitchen" in (await client.get("/en/c/home")).text
    [entry] = await audit("category.update")
    assert (
        json.loads(entry["before"])["name"] == "Home"
        and json.loads(entry["after"])["name"] == "Home & kitchen"
    )
    # The mug's search document carries "Home" in its category chain: it is indexed again.
    messages = (
        await OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).order_by(OutboxMessage.id).run()
    )
    assert len(messages) == syncs + 1
    mug = await Product.select(Product.id).where(Product.code == "MG-001").first().run()
    assert json.loads(messages[-1]["payload"]) == {"product_ids": [mug["id"]]}
    # Saving the same again changes nothing.
    response = await submit(client, f"{TREE}/home", f"{TREE}/home")
    assert response.headers["location"] == f"{TREE}/home?done=unchanged"
    assert len(await audit("category.update")) == 1


async def test_a_move_under_itself_or_below_is_refused_and_a_good_move_goes_last(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(f"{TREE}/clothing")
    offered = [
        o["value"]
        for o in tags(re.search(r'<select id="parent".*?</select>', page.text, re.S).group(0), "option")
    ]
    assert offered == ["", "home", "mugs"]  # neither clothing itself nor its shirts
    for parent in ("clothing", "shirts"):
        response = await post(client, f"{TREE}/clothing", name="Clothing", parent=parent)
        assert response.status_code == 400
        assert "cannot move under itself or one of its own subcategories" in text(response.text)
    assert await parent_code("clothing") is None and await audit("category.update") == []

    response = await submit(client, f"{TREE}/shirts", f"{TREE}/shirts", parent="home")
    assert response.status_code == 303
    assert await siblings("home") == ["mugs", "shirts"]
    assert tree_items((await client.get(TREE)).text) == ["clothing", "home", ".mugs", ".shirts"]
    [entry] = await audit("category.update")
    assert (json.loads(entry["before"])["parent"], json.loads(entry["after"])["parent"]) == (
        "clothing",
        "home",
    )
    # The shop's breadcrumb follows: the tee now sits under Home.
    crumbs = text(
        re.search(
            r'<nav class="breadcrumbs".*?</nav>', (await client.get("/en/p/plain-tee")).text, re.S
        ).group(0)
    )
    assert "Home" in crumbs and "Clothing" not in crumbs

    # To the top level.
    response = await submit(client, f"{TREE}/shirts", f"{TREE}/shirts", parent="")
    assert response.status_code == 303 and await parent_code("shirts") is None
    assert await siblings(None) == ["clothing", "home", "shirts"]


# --- order and delete ---------------------------------------------------------------------------


async def test_siblings_move_up_and_down_one_place_at_a_time(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    assert await siblings(None) == ["clothing", "home"]
    response = await post(client, f"{TREE}/home/move", op="up")
    assert response.status_code == 303 and "done=moved" in response.headers["location"]
    assert await siblings(None) == ["home", "clothing"]
    response = await post(client, f"{TREE}/home/move", op="up")  # already first
    assert "done=unchanged" in response.headers["location"]
    response = await post(client, f"{TREE}/home/move", op="down")
    assert await siblings(None) == ["clothing", "home"]
    [first, second] = await audit("category.reorder")
    assert json.loads(first["after"]) == {"order": ["home", "clothing"]}
    assert json.loads(second["after"]) == {"order": ["clothing", "home"]}
    page = await client.get(TREE)
    buttons = [b for b in tags(page.text, "button") if b.get("name") == "op"]
    assert buttons[0]["value"] == "up" and "disabled" in buttons[0]  # the first one cannot go up
    assert (await post(client, f"{TREE}/home/move", op="sideways")).status_code == 400
    assert (await post(client, f"{TREE}/nowhere/move", op="up")).status_code == 404


async def test_only_an_empty_category_can_be_deleted(client) -> None:
    await catalogue()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await post(client, f"{TREE}/home/delete")
    assert response.status_code == 409
    body = text(response.text)
    assert "Only an empty category can be deleted" in body and "products: 0; subcategories: 1" in body
    response = await post(client, f"{TREE}/mugs/delete")
    assert response.status_code == 409 and "products: 1; subcategories: 0" in text(response.text)
    assert await category("mugs") is not None and await audit("category.delete") == []

    await submit(client, TREE, TREE, code="empty", name="Empty", parent="home")
    revision = await current_revision()
    response = await post(client, f"{TREE}/empty/delete")
    assert response.status_code == 303 and response.headers["location"] == f"{TREE}?done=deleted"
    assert await category("empty") is None
    assert await CategoryTranslation.count().where(CategoryTranslation.slug == "empty").run() == 0
    [entry] = await audit("category.delete")
    assert json.loads(entry["before"]) == {"code": "empty", "name": "Empty", "parent": "home"}
    assert await current_revision() > revision
    assert (await post(client, f"{TREE}/empty/delete")).status_code == 404
    assert (await client.get(f"{TREE}/empty")).status_code == 404
