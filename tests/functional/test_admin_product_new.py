"""A new product through the back office over real HTTP: who may create one, the CSRF token, the
variants generated from typed option axes (one per combination, SKUs like TS-100-M-RED, each at
the base price with no stock), every refusal (bad fields, taken code, repeated values, clashing or
taken SKUs) keeping the typed values and writing nothing, and the one transaction that writes the
product, its text, its variants, the audit row, the revision and the search sync."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from app.catalog.tables import CatalogRevision, Category, Product, ProductTranslation, Variant
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.html import form_values, links, tags, text

NEW = "/admin/products/new"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def shop() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs", price="10.00")], stock=10)


async def as_role(client, role: Role) -> None:
    await make_staff(role)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def category_id(code: str) -> int:
    row = await Category.select(Category.id).where(Category.code == code).first().run()
    return int(row["id"])


async def fields(**changes: str) -> dict[str, str]:
    return {
        "code": "ts-100",
        "category": str(await category_id("shirts")),
        "name": "Linen Shirt",
        "description": "Washed linen, relaxed fit.",
        "tax_class": "standard",
        "price": "49.90",
        "options": "size: S, M, L\ncolour: red, blue",
        "hs_code": "6205.90",
        "origin_country": "pt",
        "weight_grams": "320",
        "length_mm": "300",
        "width_mm": "250",
        "height_mm": "40",
        "customs_description": "Men's linen shirt",
        **changes,
    }


async def create(client, **changes: str):
    return await submit(client, NEW, NEW, **(await fields(**changes)))


async def product_count() -> int:
    return await Product.count().run()


async def created_audits() -> list[dict]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == "product.create").run()


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRANSLATOR, Role.SUPPORT, Role.FULFILMENT])
async def test_only_the_catalogue_creates_products(client, role: Role) -> None:
    await shop()
    await as_role(client, role)
    assert (await client.get(NEW)).status_code == 403
    data = {"_csrf_token": csrf_token(client), **(await fields())}
    response = await client.post(NEW, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert await product_count() == 1 and await created_audits() == []


async def test_a_new_product_form_without_the_csrf_token_is_refused(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(NEW)
    values = form_values(page.text, NEW)
    values.pop("_csrf_token")
    values.update(await fields())
    response = await client.post(NEW, data=values, follow_redirects=False)
    assert response.status_code == 403
    assert await product_count() == 1 and await created_audits() == []


# --- creating -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.CATALOGUE_MANAGER])
async def test_two_axes_make_one_variant_per_combination(client, role: Role) -> None:
    await shop()
    await as_role(client, role)
    listing = await client.get("/admin/products")
    assert NEW in links(listing.text)
    revision = (await CatalogRevision.select().first().run())["revision"]
    response = await create(client)
    assert response.status_code == 303, text(response.text)[:500]
    assert response.headers["location"] == "/admin/products/TS-100?done=created"
    row = await Product.select().where(Product.code == "TS-100").first().run()
    assert row["is_published"] is False
    assert (row["hs_code"], row["origin_country"], row["weight_grams"]) == ("620590", "PT", 320)
    assert (row["length_mm"], row["width_mm"], row["height_mm"]) == (300, 250, 40)
    assert (row["customs_description"], row["tax_class"]) == ("Men's linen shirt", "standard")
    assert row["category"] == await category_id("shirts")
    variants = await Variant.select().where(Variant.product == row["id"]).order_by(Variant.position).run()
    assert [v["sku"] for v in variants] == [
        "TS-100-S-RED",
        "TS-100-S-BLUE",
        "TS-100-M-RED",
        "TS-100-M-BLUE",
        "TS-100-L-RED",
        "TS-100-L-BLUE",
    ]
    assert {(v["price_minor"], v["currency"], v["stock"]) for v in variants} == {(4990, "EUR", 0)}
    assert json.loads(variants[1]["options"]) == {"size": "s", "colour": "blue"}
    [texts] = await ProductTranslation.select().where(ProductTranslation.product == row["id"]).run()
    assert (texts["locale"], texts["name"], texts["slug"]) == ("en", "Linen Shirt", "linen-shirt")
    assert texts["description"] == "Washed linen, relaxed fit."
    [entry] = await created_audits()
    assert (entry["target"], entry["before"]) == ("product:TS-100", "")
    after = json.loads(entry["after"])
    assert sorted(after["variants"]) == sorted(v["sku"] for v in variants)
    assert after["published"] is False and after["name"] == {"en": "Linen Shirt"}
    assert (await CatalogRevision.select().first().run())["revision"] > revision
    syncs = await OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).run()
    assert json.loads(syncs[-1]["payload"]) == {"product_ids": [row["id"]]}
    page = await client.get(response.headers["location"])
    assert "The product is created" in text(page.text) and "TS-100-L-BLUE" in text(page.text)
    assert "/admin/products/TS-100/images" in links(page.text)


async def test_a_new_product_goes_on_sale_once_published(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    # Same name as the mug: the slug gets a suffix; no options: one variant whose SKU is the code.
    response = await create(
        client, code="MG-002", name="Mug", options="", category=str(await category_id("mugs"))
    )
    assert response.status_code == 303
    [variant] = await Variant.select().where(Variant.product.code == "MG-002").run()
    assert (variant["sku"], json.loads(variant["options"])) == ("MG-002", {})
    assert (await client.get("/en/p/mug-2")).status_code == 404  # unpublished
    edit = "/admin/products/MG-002"
    response = await submit(client, edit, edit, published="1", **{f"stock_{variant['id']}": "3"})
    assert response.status_code == 303
    page = await client.get("/en/p/mug-2")
    assert page.status_code == 200 and "€49.90" in text(page.text) and "Only 3 left" in text(page.text)


async def test_the_category_select_follows_the_tree(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(NEW)
    select = re.search(r'<select id="category"[^>]*>(.*?)</select>', page.text, re.S)
    assert select is not None
    labels = [text(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1), re.S)]
    assert labels == ["Choose a category", "Clothing", "— Shirts", "Home", "— Mugs"]
    assert [a["value"] for a in tags(page.text, "option") if a.get("value") in {"standard", "books"}] == [
        "standard",
        "books",
    ]


# --- refusals -----------------------------------------------------------------------------------


async def test_bad_fields_are_refused_with_every_typed_value_kept(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    bad = {
        "code": "t s!",
        "category": "999999",
        "name": "  ",
        "tax_class": "luxury",
        "price": "1e3",
        "hs_code": "12ab",
        "origin_country": "XX",
        "weight_grams": "0",
        "length_mm": "-1",
        "options": "size S M",
    }
    response = await create(client, **bad)
    assert response.status_code == 400
    body = text(response.text)
    for message in (
        "The product was not created",
        "Enter a code of 2 to 32 capital letters",
        "Choose a category.",
        "Enter the product's name",
        "Choose a tax class.",
        "Enter a price greater than zero",
        "The HS code has 6 to 10 digits",
        "two-letter ISO code",
        "weight in grams",
        "whole number from 1 to 10,000",
        "Write each option as its name, a colon and its values",
    ):
        assert message in body, message
    values = form_values(response.text, NEW)
    assert values["code"] == "T S!" and values["price"] == "1e3" and values["length_mm"] == "-1"
    assert values["description"] == "Washed linen, relaxed fit." and values["options"] == "size S M"
    assert values["hs_code"] == "12ab" and values["weight_grams"] == "0"
    assert [a["id"] for a in tags(response.text, "input") if a.get("aria-invalid") == "true"]
    assert await product_count() == 1 and await created_audits() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "MG-001"}, "There is already a product with the code MG-001."),
        ({"options": "size: S, M, s"}, "The value s is listed twice."),
        ({"options": "size: S\nSize: M"}, "The option size is listed twice."),
        ({"options": "size:"}, "The option size has no values."),
        ({"options": "größe: S"}, "is not a valid option or value"),
        # Both combinations would be TS-100-A-B-C.
        ({"options": "x: a-b, a\ny: c, b-c"}, "Two variants would get the same SKU TS-100-A-B-C"),
        ({"code": "MG", "options": "pack: 001"}, "The SKU MG-001 belongs to another variant already."),
        (
            {"options": "a: 1,2,3,4,5\nb: 1,2,3,4,5\nc: 1,2,3,4,5"},
            "make 125 variants; a product has at most 100",
        ),
        ({"code": "X" * 32, "options": "colour: " + "y" * 32 + ", z"}, "would be longer than 64 characters"),
        ({"price": "49.999"}, "EUR prices have at most 2 decimal places"),
    ],
)
async def test_duplicates_and_clashes_are_refused_and_nothing_written(client, changes, message) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    revision = (await CatalogRevision.select().first().run())["revision"]
    response = await create(client, **changes)
    assert response.status_code in (400, 409)
    assert message in text(response.text), text(response.text)[:800]
    assert form_values(response.text, NEW)["options"] == (await fields(**changes))["options"].strip()
    assert await product_count() == 1 and await Variant.count().run() == 1
    assert await created_audits() == []
    assert (await CatalogRevision.select().first().run())["revision"] == revision


async def test_typed_markup_comes_back_escaped(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await create(client, name="<b>Shirt</b>", options="<script>alert(1)</script>: x")
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.text and "<b>Shirt</b>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "“<script>alert(1)</script>” is not a valid option or value" in text(response.text)
    assert form_values(response.text, NEW)["name"] == "<b>Shirt</b>"


async def test_the_description_is_stored_sanitised(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await create(
        client, description='Soft <em>linen</em><script>alert(1)</script><a href="javascript:x">?</a>'
    )
    assert response.status_code == 303
    row = await ProductTranslation.select().where(ProductTranslation.product.code == "TS-100").first().run()
    assert "<em>linen</em>" in row["description"]
    assert "script" not in row["description"] and "javascript" not in row["description"]
    assert row["source_hash"] and json.loads(row["source_text"])["name"] == "Linen Shirt"


async def test_a_code_taken_between_the_check_and_the_insert_is_the_forms_message(
    client, monkeypatch
) -> None:
    """Another person can create the same code between this request's "is it free?" check and its
    insert (on PostgreSQL both checks can pass); the unique index then refuses the row, and that
    must come back as the form's message with nothing written, not as a 500."""
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    assert (await create(client)).status_code == 303

    class LooksFree:  # the check ran before the other person's insert committed
        def where(self, *conditions: object) -> LooksFree:
            return self

        async def run(self) -> bool:
            return False

    async def none_taken(skus: object) -> list[str]:
        return []

    monkeypatch.setattr(Product, "exists", classmethod(lambda cls: LooksFree()))
    monkeypatch.setattr("app.staff.product_new.taken_skus", none_taken)
    response = await create(client)
    assert response.status_code == 409 and "TS-100" in text(response.text)
    monkeypatch.undo()
    assert await product_count() == 2 and len(await created_audits()) == 1
