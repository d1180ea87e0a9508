"""National tariff numbers in the back office over real HTTP: the product edit and the new-product
form save them (canonical, audited before/after) or refuse them with the field's message and the
typed text kept; the catalogue CSV exports them and its import sets them, checked the same way."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.catalog.services import load_catalog
from app.catalog.tables import Category, Product
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff, submit
from tests.html import form_values, tags, text

EDIT = "/admin/products/MG-001"
NEW = "/admin/products/new"
IMPORT = "/admin/catalogue/import"
PRODUCTS_CSV = "/admin/catalogue/export/products.csv"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def mugs() -> None:
    await build_catalog(
        [
            product(
                "MG-001",
                "Mug",
                category="mugs",
                hs_code="691200",
                tariff_codes={"CH": "69120000"},
            )
        ],
        stock=10,
    )


async def as_manager(client: Any) -> None:
    await make_staff(Role.CATALOGUE_MANAGER)
    assert (await login(client, "catalogue_manager@shop.test")).status_code == 303


async def stored(code: str = "MG-001") -> dict[str, Any]:
    query = Product.select(Product.hs_code, Product.tariff_codes).where(Product.code == code)
    row = await query.first().run()
    assert row is not None
    return row


async def audits(action: str) -> list[dict[str, Any]]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == action).run()


async def test_the_edit_shows_the_numbers_with_a_hint_naming_the_lengths(client) -> None:
    await mugs()
    await as_manager(client)
    page = await client.get(EDIT)
    assert form_values(page.text, EDIT)["tariff_codes"] == "CH=69120000"
    [field] = tags(page.text, "input", name="tariff_codes")
    assert field["aria-describedby"] == "tariff_codes-hint" and "aria-invalid" not in field
    body = text(page.text)
    assert "National tariff numbers" in body
    assert "US=6205900010, CH=62059000" in body
    assert "need one: the US, China and Korea 10 digits, Japan 9, Switzerland and Brazil 8." in body


async def test_an_edit_saves_the_numbers_canonically_with_the_audit_row(client) -> None:
    await mugs()
    await as_manager(client)
    response = await submit(client, EDIT, EDIT, tariff_codes="us = 6912.00.4810; CH=6912 0000, jp=691200000")
    assert response.status_code == 303, text(response.text)[:500]
    assert (await stored())["tariff_codes"] == '{"CH":"69120000","JP":"691200000","US":"6912004810"}'
    [entry] = await audits("product.update")
    assert json.loads(entry["before"])["tariff_codes"] == {"CH": "69120000"}
    assert json.loads(entry["after"])["tariff_codes"] == {
        "CH": "69120000",
        "JP": "691200000",
        "US": "6912004810",
    }
    page = await client.get(EDIT)
    assert form_values(page.text, EDIT)["tariff_codes"] == "CH=69120000, JP=691200000, US=6912004810"
    [view] = (await load_catalog()).products.values()  # the shop's snapshot, which checkout reads
    assert view.tariff_codes == {"CH": "69120000", "JP": "691200000", "US": "6912004810"}
    # The form as shown saves nothing; emptying the field removes the numbers.
    assert "done=unchanged" in (await submit(client, EDIT, EDIT)).headers["location"]
    assert (await submit(client, EDIT, EDIT, tariff_codes="")).status_code == 303
    assert (await stored())["tariff_codes"] == "{}"
    assert len(await audits("product.update")) == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("US=123", "The tariff number for US has 8 to 10 digits, like 6205900010."),
        ("XX=6912004810", "“XX” is not a two-letter ISO country code, like US or CH."),
        ("US=6109100012", "The tariff number for US must start with the product's HS code 691200."),
        ("US 6912004810", "Write “US 6912004810” as a country code, “=” and the number, like US=6205900010."),
        ("US=6912004810, US=6912004820", "US has two tariff numbers: keep one."),
    ],
)
async def test_a_bad_number_is_refused_with_its_message_and_nothing_saved(
    client, typed: str, message: str
) -> None:
    await mugs()
    await as_manager(client)
    response = await submit(client, EDIT, EDIT, tariff_codes=typed, weight_grams="450")
    assert response.status_code == 400
    assert message in text(response.text)
    assert form_values(response.text, EDIT)["tariff_codes"] == typed
    [field] = tags(response.text, "input", name="tariff_codes")
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"] == "tariff_codes-hint tariff_codes-error"
    assert tags(response.text, "p", id="tariff_codes-error")
    assert (await stored())["tariff_codes"] == '{"CH":"69120000"}'
    row = await Product.select(Product.weight_grams).where(Product.code == "MG-001").first().run()
    assert row["weight_grams"] == 200  # the other fields are not saved either
    assert await audits("product.update") == []


async def test_a_new_hs_code_needs_numbers_that_follow_it(client) -> None:
    await mugs()
    await as_manager(client)
    response = await submit(client, EDIT, EDIT, hs_code="6911.10")
    assert response.status_code == 400
    assert "The tariff number for CH must start with the product's HS code 691110." in text(response.text)
    assert (await stored())["hs_code"] == "691200"
    response = await submit(client, EDIT, EDIT, hs_code="6911.10", tariff_codes="CH=69111000")
    assert response.status_code == 303
    assert await stored() == {"hs_code": "691110", "tariff_codes": '{"CH":"69111000"}'}


async def test_a_new_product_is_created_with_its_numbers(client) -> None:
    await mugs()
    await make_staff(Role.OWNER)
    assert (await login(client, "owner@shop.test")).status_code == 303
    shirts = await Category.select(Category.id).where(Category.code == "shirts").first().run()
    fields = {
        "code": "SH-100",
        "category": str(shirts["id"]),
        "name": "Linen Shirt",
        "price": "49.90",
        "hs_code": "620590",
        "origin_country": "PT",
        "weight_grams": "320",
        "length_mm": "300",
        "width_mm": "250",
        "height_mm": "40",
    }
    refused = await submit(client, NEW, NEW, **fields, tariff_codes="US=6205900010, CN=6109100000")
    assert refused.status_code == 400
    assert "The tariff number for CN must start with the product's HS code 620590." in text(refused.text)
    assert form_values(refused.text, NEW)["tariff_codes"] == "US=6205900010, CN=6109100000"
    assert await Product.count().where(Product.code == "SH-100").run() == 0
    created = await submit(client, NEW, NEW, **fields, tariff_codes="US=6205900010, CN=6205900010")
    assert created.status_code == 303, text(created.text)[:500]
    assert (await stored("SH-100"))["tariff_codes"] == '{"CN":"6205900010","US":"6205900010"}'
    [entry] = await audits("product.create")
    assert json.loads(entry["after"])["tariff_codes"] == {"CN": "6205900010", "US": "6205900010"}


# --- the catalogue CSV --------------------------------------------------------------------------


async def upload(client: Any, body: str, mode: str = "import") -> Any:
    fields = {"_csrf_token": csrf_token(client), "kind": "products", "mode": mode}
    files = {"file": ("f.csv", body.encode(), "text/csv")}
    return await client.post(IMPORT, data=fields, files=files, follow_redirects=False)


async def test_the_csv_exports_the_numbers_and_its_import_sets_them_checked(client) -> None:
    await mugs()
    await as_manager(client)
    exported = (await client.get(PRODUCTS_CSV)).text
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0]["tariff_codes"] == "CH=69120000"
    # Exported and imported again: nothing changes.
    response = await upload(client, exported)
    assert response.status_code == 303 and "done=unchanged" in response.headers["location"]

    response = await upload(client, "product_code,sku,tariff_codes\nMG-001,MG-001,US=6109100012\n")
    assert response.status_code == 400  # the report, with the line's error
    assert "The tariff number for US must start with the product's HS code 691200." in text(response.text)
    assert (await stored())["tariff_codes"] == '{"CH":"69120000"}'

    body = "product_code,sku,tariff_codes\nMG-001,MG-001,CH=69120000; US=6912.00.4810\n"
    response = await upload(client, body)
    assert response.status_code == 303, text(response.text)[:500]
    assert (await stored())["tariff_codes"] == '{"CH":"69120000","US":"6912004810"}'
    [entry] = await audits("catalogue.import")
    assert json.loads(entry["before"])["MG-001"]["tariff_codes"] == "CH=69120000"
    assert json.loads(entry["after"])["after"]["MG-001"]["tariff_codes"] == "CH=69120000; US=6912004810"
