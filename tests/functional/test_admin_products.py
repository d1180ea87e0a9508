"""The back-office product screens through real HTTP: who may open them, the list's search and
filter, and the edit form (published flag, customs fields, price and stock per variant): validated
with every typed value kept, CSRF-protected, saved with its audit row, a catalogue revision and a
search sync, and stock written compare-and-set so a stale form never clobbers a sale."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from app.catalog.tables import Product, Variant
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.rules import Role
from app.staff.services import Actor, set_ui_locale
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.html import form_values, links, tags, text

EDIT = "/admin/products/MG-001"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def mugs() -> None:
    await build_catalog(
        [
            product("MG-001", "Mug", category="mugs", price="10.00", de="Becher", hs_code="691200"),
            product(
                "TS-001", "Plain Tee", options={"size": ["s", "m"]}, price="15.00", de="Schlichtes T-Shirt"
            ),
        ],
        stock=10,
    )


async def as_role(client, role: Role) -> None:
    await make_staff(role, locales=frozenset({"de"}))
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def audit_rows() -> list[dict]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == "product.update").run()


async def sync_rows() -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).run()


async def mug() -> dict:
    row = await Product.select().where(Product.code == "MG-001").first().run()
    variant = await Variant.select().where(Variant.sku == "MG-001").first().run()
    return {
        **row,
        "price_minor": variant["price_minor"],
        "stock": variant["stock"],
        "variant_id": variant["id"],
    }


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILMENT, Role.TRANSLATOR])
async def test_roles_without_the_catalogue_get_403_and_no_menu_entry(client, role: Role) -> None:
    await mugs()
    await as_role(client, role)
    home = await client.get("/admin/")
    assert "/admin/products" not in links(home.text)
    for path in ("/admin/products", EDIT):
        assert (await client.get(path)).status_code == 403, path
    response = await client.post(
        EDIT,
        data={
            "_csrf_token": csrf_token(client),
            "hs_code": "691200",
            "origin_country": "PT",
            "weight_grams": "1",
        },
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert (await mug())["is_published"] and await audit_rows() == []


@pytest.mark.parametrize("role", [Role.OWNER, Role.CATALOGUE_MANAGER])
async def test_owner_and_catalogue_manager_list_search_and_filter_products(client, role: Role) -> None:
    await mugs()
    await Product.update({Product.is_published: False}).where(Product.code == "TS-001").run()
    await as_role(client, role)
    home = await client.get("/admin/")
    assert "/admin/products" in links(home.text)
    listing = await client.get("/admin/products")
    assert listing.status_code == 200
    body = text(listing.text)
    assert "MG-001" in body and "TS-001" in body and "Mugs" in body
    assert "€10.00" in body and "€15.00" in body and "20" in body  # the tee's two sizes: 10 + 10
    found = await client.get("/admin/products", params={"q": "plain"})
    assert "TS-001" in text(found.text) and "MG-001" not in text(found.text)
    found = await client.get("/admin/products", params={"q": "mg-0"})
    assert "MG-001" in text(found.text) and "TS-001" not in text(found.text)
    unpublished = await client.get("/admin/products", params={"published": "no"})
    assert "TS-001" in text(unpublished.text) and "MG-001" not in text(unpublished.text)
    assert (await client.get("/admin/products/NOPE")).status_code == 404


async def test_the_list_shows_names_in_the_staff_members_language(client) -> None:
    await mugs()
    manager = await make_staff(Role.CATALOGUE_MANAGER)
    await set_ui_locale(Actor(None, "test", ""), manager.id, "de")
    await login(client, manager.email)
    listing = await client.get("/admin/products")
    assert "Becher" in text(listing.text) and "Schlichtes T-Shirt" in text(listing.text)
    assert "Produkte" in text(listing.text)


# --- editing ----------------------------------------------------------------------------------


async def test_a_form_without_the_csrf_token_is_refused(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(EDIT)
    values = form_values(page.text, EDIT)
    values.pop("_csrf_token")
    values["published"] = ""
    response = await client.post(EDIT, data=values, follow_redirects=False)
    assert response.status_code == 403
    assert (await mug())["is_published"] and await audit_rows() == []


async def test_validation_errors_keep_every_typed_value_and_change_nothing(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    variant_id = (await mug())["variant_id"]
    response = await submit(
        client,
        EDIT,
        EDIT,
        hs_code="12ab",
        origin_country="XX",
        weight_grams="-5",
        **{f"price_{variant_id}": "1e3", f"stock_{variant_id}": "-1"},
    )
    assert response.status_code == 400
    body = text(response.text)
    for message in (
        "The HS code has 6 to 10 digits",
        "two-letter ISO code",
        "weight in grams",
        "Enter a price greater than zero",
        "Enter the stock as a whole number",
    ):
        assert message in body, message
    values = form_values(response.text, EDIT)
    assert values["hs_code"] == "12ab" and values["origin_country"] == "XX" and values["weight_grams"] == "-5"
    assert values[f"price_{variant_id}"] == "1e3" and values[f"stock_{variant_id}"] == "-1"
    assert [a["id"] for a in tags(response.text, "input") if a.get("aria-invalid") == "true"]
    # Too many decimals for the currency.
    response = await submit(client, EDIT, EDIT, **{f"price_{variant_id}": "12.345"})
    assert response.status_code == 400 and "at most 2 decimal places" in text(response.text)
    row = await mug()
    assert (row["hs_code"], row["price_minor"], row["stock"]) == ("691200", 1000, 10)
    assert await audit_rows() == [] and await sync_rows() == []


async def test_validation_messages_are_in_the_staff_members_language(client) -> None:
    await mugs()
    manager = await make_staff(Role.CATALOGUE_MANAGER)
    await set_ui_locale(Actor(None, "test", ""), manager.id, "de")
    await login(client, manager.email)
    response = await submit(client, EDIT, EDIT, hs_code="1")
    assert response.status_code == 400
    assert "The HS code" not in text(response.text) and "HS-Code" in text(response.text)


async def test_a_saved_change_shows_in_the_shop_with_its_audit_row_and_search_sync(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    before = await mug()
    assert (await client.get("/en/p/mug")).status_code == 200
    sync_before = len(await sync_rows())
    response = await submit(
        client,
        EDIT,
        EDIT,
        hs_code="6912.00.10",
        origin_country="de",
        weight_grams="450",
        **{f"price_{before['variant_id']}": "12,50", f"stock_{before['variant_id']}": "2"},
    )
    assert response.status_code == 303, text(response.text)[:300]
    assert response.headers["location"] == f"{EDIT}?done=saved"
    row = await mug()
    assert (row["hs_code"], row["origin_country"], row["weight_grams"]) == ("69120010", "DE", 450)
    assert (row["price_minor"], row["stock"]) == (1250, 2)
    shop = text((await client.get("/en/p/mug")).text)
    assert "€12.50" in shop and "Only 2 left" in shop
    [entry] = await audit_rows()
    assert entry["target"] == "product:MG-001"
    assert json.loads(entry["before"])["variants"]["MG-001"] == {
        "price": "10.00",
        "currency": "EUR",
        "stock": 10,
    }
    assert json.loads(entry["after"])["variants"]["MG-001"] == {
        "price": "12.50",
        "currency": "EUR",
        "stock": 2,
    }
    syncs = await sync_rows()
    assert len(syncs) == sync_before + 1
    assert json.loads(syncs[-1]["payload"]) == {"product_ids": [row["id"]]}
    page = await client.get(response.headers["location"])
    assert "The product is saved" in text(page.text)

    # Unpublishing takes the product out of the shop.
    response = await submit(client, EDIT, EDIT, published="")
    assert response.status_code == 303
    assert not (await mug())["is_published"]
    assert (await client.get("/en/p/mug")).status_code == 404
    assert len(await audit_rows()) == 2 and len(await sync_rows()) == sync_before + 2
    # And publishing brings it back.
    response = await submit(client, EDIT, EDIT, published="1")
    assert response.status_code == 303
    assert (await client.get("/en/p/mug")).status_code == 200


async def test_an_unchanged_form_writes_nothing(client) -> None:
    await mugs()
    await as_role(client, Role.OWNER)
    sync_before = len(await sync_rows())
    response = await submit(client, EDIT, EDIT)
    assert response.status_code == 303 and response.headers["location"] == f"{EDIT}?done=unchanged"
    assert await audit_rows() == [] and len(await sync_rows()) == sync_before


async def test_a_stale_stock_is_refused_and_the_sale_kept(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    variant_id = (await mug())["variant_id"]
    page = await client.get(EDIT)
    values = form_values(page.text, EDIT)
    assert values[f"shown_{variant_id}"] == "10"
    # A checkout sells three while the form is open.
    await Variant.update({Variant.stock: 7}).where(Variant.id == variant_id).run()
    values.update({f"stock_{variant_id}": "25", f"price_{variant_id}": "11.00"})
    response = await client.post(EDIT, data=values, follow_redirects=False)
    assert response.status_code == 409
    body = text(response.text)
    assert "The stock changed meanwhile" in body and "In stock now: 7" in body
    row = await mug()
    assert (row["stock"], row["price_minor"]) == (7, 1000)  # nothing saved, the price neither
    assert await audit_rows() == []
    # What was typed is kept; the form now compares with the stock it shows, so saving again works.
    again = form_values(response.text, EDIT)
    assert again[f"stock_{variant_id}"] == "25" and again[f"shown_{variant_id}"] == "7"
    assert again[f"price_{variant_id}"] == "11.00"
    response = await client.post(EDIT, data=again, follow_redirects=False)
    assert response.status_code == 303
    row = await mug()
    assert (row["stock"], row["price_minor"]) == (25, 1100)


async def test_a_price_only_change_leaves_a_concurrent_sale_alone(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    variant_id = (await mug())["variant_id"]
    page = await client.get(EDIT)
    values = form_values(page.text, EDIT)
    await Variant.update({Variant.stock: 9}).where(Variant.id == variant_id).run()
    values[f"price_{variant_id}"] = "9.99"
    response = await client.post(EDIT, data=values, follow_redirects=False)
    assert response.status_code == 303
    row = await mug()
    assert (row["stock"], row["price_minor"]) == (9, 999)
