"""The back-office product screens through real HTTP: who may open them, the list's search and
filter, and the edit form (published flag, customs fields, price and stock per variant): validated
with every typed value kept, CSRF-protected, saved with its audit row, a catalogue revision and a
search sync, and stock written compare-and-set so a stale form never clobbers a sale."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from app.catalog.tables import Product, Variant
from app.markets.tables import PriceOverride
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.rules import Role
from app.staff.services import Actor, set_ui_locale
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product, store_rates
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.functional.shop import set_country
from tests.html import form_values, links, tags, text

EDIT = "/admin/products/MG-001"
RATES = {"USD": "1.10", "JPY": "160", "CHF": "0.95", "GBP": "0.85", "HUF": "400"}


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
    assert (await client.get("/admin/products")).status_code == 403
    # Fulfilment keeps stock (MANAGE_STOCK): it opens a product's page, for its thresholds only.
    assert (await client.get(EDIT)).status_code == (200 if role is Role.FULFILMENT else 403)
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


# --- dimensions, customs text, new option values ------------------------------------------------


async def tee_variants() -> dict[str, dict]:
    rows = await Variant.select().where(Variant.product.code == "TS-001").run()
    return {row["sku"]: row for row in rows}


async def test_dimensions_and_customs_description_are_saved_with_before_and_after(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await submit(
        client,
        EDIT,
        EDIT,
        length_mm="110",
        width_mm="90",
        height_mm="100",
        customs_description="Stoneware mug",
    )
    assert response.status_code == 303
    row = await mug()
    assert (row["length_mm"], row["width_mm"], row["height_mm"]) == (110, 90, 100)
    assert row["customs_description"] == "Stoneware mug"
    [entry] = await audit_rows()
    assert json.loads(entry["before"])["dimensions_mm"] == [300, 200, 30]
    assert json.loads(entry["after"])["dimensions_mm"] == [110, 90, 100]
    assert json.loads(entry["after"])["customs_description"] == "Stoneware mug"
    # Bad sizes and an over-long description are refused with the typed values kept.
    response = await submit(
        client, EDIT, EDIT, length_mm="0", width_mm="1.5", height_mm="10001", customs_description="x" * 301
    )
    assert response.status_code == 400
    assert text(response.text).count("whole number from 1 to 10,000") == 3
    assert "at most 300 characters" in text(response.text)
    assert form_values(response.text, EDIT)["width_mm"] == "1.5"
    row = await mug()
    assert (row["length_mm"], row["width_mm"], row["height_mm"]) == (110, 90, 100)
    assert len(await audit_rows()) == 1


async def test_a_new_option_value_adds_the_missing_combinations(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    tee = "/admin/products/TS-001"
    sync_before = len(await sync_rows())
    response = await submit(client, tee, f"{tee}/variants", add_size="XL, xxl", new_price="17.50")
    assert response.status_code == 303, text(response.text)[:400]
    assert response.headers["location"] == f"{tee}?done=variants"
    variants = await tee_variants()
    assert sorted(variants) == ["TS-001-M", "TS-001-S", "TS-001-XL", "TS-001-XXL"]
    new = variants["TS-001-XL"]
    assert (new["price_minor"], new["stock"], json.loads(new["options"])) == (1750, 0, {"size": "xl"})
    assert new["position"] > variants["TS-001-M"]["position"]
    [entry] = await StaffAuditLog.select().where(StaffAuditLog.action == "product.variants_add").run()
    assert sorted(json.loads(entry["before"])["variants"]) == ["TS-001-M", "TS-001-S"]
    assert "TS-001-XXL" in json.loads(entry["after"])["variants"]
    assert len(await sync_rows()) == sync_before + 1
    # The new size is on sale (once stocked) on the shop's page.
    await Variant.update({Variant.stock: 4}).where(Variant.sku == "TS-001-XL").run()
    page = await client.get("/en/p/plain-tee?size=xl")
    assert page.status_code == 200
    assert [a["value"] for a in tags(page.text, "input", name="opt_size")] == ["s", "m", "xl", "xxl"]
    assert shown_price(page.text) == "€17.50"  # the chosen new size, at its own price


async def test_an_existing_value_or_nothing_new_is_refused_and_changes_nothing(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    tee = "/admin/products/TS-001"
    for fields, message in [
        ({"add_size": "M"}, "size already has the value m"),
        ({"add_size": "xl, XL"}, "The value xl is listed twice"),
        ({"add_size": "x/l"}, "is not a valid option or value"),
        ({"add_size": ""}, "Type at least one new value"),
        ({"add_size": "xl", "new_price": "0"}, "Enter a price greater than zero"),
    ]:
        response = await submit(client, tee, f"{tee}/variants", **fields)
        assert response.status_code == 400, fields
        assert message in text(response.text), (fields, text(response.text)[:500])
        assert form_values(response.text, f"{tee}/variants")["add_size"] == fields["add_size"]
    # A SKU another product uses already is refused too.
    await build_catalog([product("TS-001-XL", "Lookalike", price="5.00")])
    response = await submit(client, tee, f"{tee}/variants", add_size="xl")
    assert response.status_code == 400 and "The SKU TS-001-XL belongs to another variant" in text(
        response.text
    )
    assert sorted(await tee_variants()) == ["TS-001-M", "TS-001-S"]
    assert await StaffAuditLog.select().where(StaffAuditLog.action == "product.variants_add").run() == []


# --- market prices ------------------------------------------------------------------------------


def shown_price(html: str) -> str:
    return text(re.search(r'<p class="price product-price">(.*?)</p>', html, re.S).group(1))


async def price_rows() -> list[dict]:
    return await PriceOverride.select(
        PriceOverride.market, PriceOverride.price_minor, PriceOverride.currency
    ).run()


async def test_a_market_price_is_what_the_shop_charges_in_that_market(client) -> None:
    await mugs()
    await store_rates(RATES)
    await as_role(client, Role.CATALOGUE_MANAGER)
    variant_id = (await mug())["variant_id"]
    set_country(client, "GB")
    converted = shown_price((await client.get("/en/p/mug")).text)
    assert converted.startswith("£") and converted != "£9.49"
    response = await submit(
        client, EDIT, f"{EDIT}/prices", variant=str(variant_id), market="gb", amount="9.49"
    )
    assert response.status_code == 303 and response.headers["location"] == f"{EDIT}?done=price-set"
    assert await price_rows() == [{"market": "gb", "price_minor": 949, "currency": "GBP"}]
    assert shown_price((await client.get("/en/p/mug")).text) == "£9.49"
    set_country(client, "DE")  # other markets still convert the base price
    assert shown_price((await client.get("/en/p/mug")).text) == "€10.00"
    [entry] = await StaffAuditLog.select().where(StaffAuditLog.action == "product.market_price").run()
    assert json.loads(entry["before"]) == {"sku": "MG-001", "market": "gb", "fixed": None}
    assert json.loads(entry["after"]) == {
        "sku": "MG-001",
        "market": "gb",
        "fixed": {"price": "9.49", "currency": "GBP"},
    }
    page = await client.get(EDIT)
    assert "£9.49" in text(page.text)
    # Removing it brings the converted price back.
    response = await submit(client, EDIT, f"{EDIT}/prices/clear")
    assert response.status_code == 303 and response.headers["location"] == f"{EDIT}?done=price-cleared"
    assert await price_rows() == []
    set_country(client, "GB")
    assert shown_price((await client.get("/en/p/mug")).text) == converted
    entries = await StaffAuditLog.select().where(StaffAuditLog.action == "product.market_price").run()
    assert json.loads(entries[-1]["after"])["fixed"] is None and len(entries) == 2


async def test_a_market_price_is_checked_against_the_markets_currency(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    variant_id = str((await mug())["variant_id"])
    action = f"{EDIT}/prices"
    for market, amount, message in [
        ("jp", "1200.5", "JPY prices have at most 0 decimal places"),
        ("hu", "4990.50", "HUF prices are charged in steps of 1"),
        ("gb", "1e3", "Enter a price greater than zero"),
        ("gb", "-3", "Enter a price greater than zero"),
        ("mars", "10", "Choose a market"),
    ]:
        response = await submit(client, EDIT, action, variant=variant_id, market=market, amount=amount)
        assert response.status_code == 400, market
        assert message in text(response.text), (market, amount)
        assert form_values(response.text, action)["amount"] == amount
    # A variant of another product is not this product's to price.
    other = await Variant.select(Variant.id).where(Variant.sku == "TS-001-S").first().run()
    response = await submit(client, EDIT, action, variant=str(other["id"]), market="gb", amount="5")
    assert response.status_code == 400 and "Choose one of the product's variants" in text(response.text)
    assert await price_rows() == []
    assert await StaffAuditLog.select().where(StaffAuditLog.action == "product.market_price").run() == []
    # A whole yen amount is fine.
    response = await submit(client, EDIT, action, variant=variant_id, market="jp", amount="1200")
    assert response.status_code == 303
    assert await price_rows() == [{"market": "jp", "price_minor": 1200, "currency": "JPY"}]


async def test_market_prices_need_the_csrf_token(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(EDIT)
    values = form_values(page.text, f"{EDIT}/prices")
    values.pop("_csrf_token")
    values.update(market="gb", amount="9.49")
    response = await client.post(f"{EDIT}/prices", data=values, follow_redirects=False)
    assert response.status_code == 403 and await price_rows() == []


# --- who may price and who may set thresholds ---------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.TRANSLATOR, Role.FULFILMENT])
async def test_only_price_editors_set_market_prices(client, role: Role) -> None:
    await mugs()
    await as_role(client, role)
    variant_id = str((await mug())["variant_id"])
    fields = {"_csrf_token": csrf_token(client), "variant": variant_id, "market": "gb", "amount": "9.49"}
    for path in (f"{EDIT}/prices", f"{EDIT}/prices/clear", f"{EDIT}/variants"):
        response = await client.post(path, data={**fields, "add_size": "xl"}, follow_redirects=False)
        assert response.status_code == 403, path
    assert await price_rows() == []
    assert "TS-001-XL" not in await tee_variants()


async def test_fulfilment_sets_thresholds_but_sees_no_catalogue_or_price_forms(client) -> None:
    await mugs()
    await as_role(client, Role.FULFILMENT)
    variant_id = (await mug())["variant_id"]
    page = await client.get(EDIT)
    assert page.status_code == 200
    actions = {a.get("action") for a in tags(page.text, "form")}
    assert f"{EDIT}/thresholds" in actions
    assert not actions & {EDIT, f"{EDIT}/prices", f"{EDIT}/variants", f"{EDIT}/prices/clear"}
    response = await submit(client, EDIT, f"{EDIT}/thresholds", **{f"threshold_{variant_id}": "12"})
    assert response.status_code == 303 and response.headers["location"] == f"{EDIT}?done=thresholds"
    threshold = (
        await Variant.select(Variant.low_stock_threshold).where(Variant.id == variant_id).first().run()
    )
    assert threshold["low_stock_threshold"] == 12
    [entry] = await StaffAuditLog.select().where(StaffAuditLog.action == "product.stock_thresholds").run()
    assert json.loads(entry["before"]) == {"low_stock_thresholds": {"MG-001": 5}}
    assert json.loads(entry["after"]) == {"low_stock_thresholds": {"MG-001": 12}}
    # The same values again write nothing.
    response = await submit(client, EDIT, f"{EDIT}/thresholds")
    assert response.headers["location"] == f"{EDIT}?done=unchanged"
    # The catalogue form itself stays the catalogue's.
    response = await client.post(
        EDIT, data={"_csrf_token": csrf_token(client), "published": ""}, follow_redirects=False
    )
    assert response.status_code == 403 and (await mug())["is_published"]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.TRANSLATOR])
async def test_roles_without_stock_cannot_set_thresholds(client, role: Role) -> None:
    await mugs()
    await as_role(client, role)
    variant_id = (await mug())["variant_id"]
    response = await client.post(
        f"{EDIT}/thresholds",
        data={"_csrf_token": csrf_token(client), f"threshold_{variant_id}": "40"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    threshold = (
        await Variant.select(Variant.low_stock_threshold).where(Variant.id == variant_id).first().run()
    )
    assert threshold["low_stock_threshold"] == 5


async def test_a_bad_threshold_is_refused_and_nothing_saved(client) -> None:
    await mugs()
    await as_role(client, Role.CATALOGUE_MANAGER)
    tee = "/admin/products/TS-001"
    variants = await tee_variants()
    small, medium = variants["TS-001-S"]["id"], variants["TS-001-M"]["id"]
    response = await submit(
        client, tee, f"{tee}/thresholds", **{f"threshold_{small}": "8", f"threshold_{medium}": "-1"}
    )
    assert response.status_code == 400 and "Enter the threshold as a whole number" in text(response.text)
    assert form_values(response.text, f"{tee}/thresholds")[f"threshold_{medium}"] == "-1"
    assert {row["low_stock_threshold"] for row in (await tee_variants()).values()} == {5}
    assert await StaffAuditLog.select().where(StaffAuditLog.action == "product.stock_thresholds").run() == []
