"""Catalogue CSV import/export through real HTTP: who may use it, the exports (formula-safe, read
back unchanged), the dry run (a report per line, nothing written), the import (one transaction
with its audit row, revision and search sync) and all-or-nothing refusals of malformed files."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.catalog.services import current_revision
from app.catalog.tables import Product, ProductTranslation, Variant
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff import csv_services
from app.staff.csv_parse import MAX_FILE_BYTES, parse_csv
from app.staff.rules import Role
from app.staff.services import Actor
from app.staff.tables import StaffAuditLog
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff
from tests.html import form_values, links, tags, text

PAGE = "/admin/catalogue/import"
PRODUCTS_CSV = "/admin/catalogue/export/products.csv"
STOCK_CSV = "/admin/catalogue/export/stock.csv"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def shop() -> None:
    await build_catalog(
        [
            product("MG-001", "Mug", category="mugs", price="10.00", hs_code="691200"),
            product("TS-001", "Plain Tee", options={"size": ["s", "m"]}, price="15.00"),
        ],
        stock=10,
    )


async def as_role(client: Any, role: Role) -> None:
    await make_staff(role)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def upload(
    client: Any,
    body: bytes | str,
    *,
    kind: str = "stock",
    mode: str = "import",
    name: str = "f.csv",
    **extra: str,
) -> Any:
    data = body.encode() if isinstance(body, str) else body
    fields = {"_csrf_token": csrf_token(client), "kind": kind, "mode": mode, **extra}
    return await client.post(
        PAGE, data=fields, files={"file": (name, data, "text/csv")}, follow_redirects=False
    )


async def catalogue() -> list[dict[str, Any]]:
    """Everything an import may touch, to compare before and after."""
    variants = await Variant.select().order_by(Variant.id).run()
    products = await Product.select().order_by(Product.id).run()
    names = await ProductTranslation.select().order_by(ProductTranslation.id).run()
    return [*variants, *products, *names]


async def imports() -> list[dict[str, Any]]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == "catalogue.import").run()


async def stock_of(sku: str) -> int:
    row = await Variant.select(Variant.stock).where(Variant.sku == sku).first().run()
    return int(row["stock"])


def read_csv(body: str) -> list[list[str]]:
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.TRANSLATOR])
async def test_roles_without_stock_or_catalogue_get_403_and_no_menu_entry(client, role: Role) -> None:
    await shop()
    await as_role(client, role)
    assert PAGE not in links((await client.get("/admin/")).text)
    for path in (PAGE, PRODUCTS_CSV, STOCK_CSV):
        assert (await client.get(path)).status_code == 403, path
    before = await catalogue()
    assert (await upload(client, "sku,stock\nMG-001,3\n")).status_code == 403
    assert await catalogue() == before and await imports() == []


async def test_fulfilment_imports_stock_but_not_products(client) -> None:
    await shop()
    await as_role(client, Role.FULFILMENT)
    page = await client.get(PAGE)
    assert page.status_code == 200 and PAGE in links((await client.get("/admin/")).text)
    kinds = [a["value"] for a in tags(page.text, "input", name="kind")]
    assert kinds == ["stock"]
    assert PRODUCTS_CSV not in links(page.text) and STOCK_CSV in links(page.text)
    assert (await client.get(PRODUCTS_CSV)).status_code == 403
    assert (await client.get(STOCK_CSV)).status_code == 200
    before = await catalogue()
    refused = await upload(client, "product_code,sku,published\nMG-001,MG-001,no\n", kind="products")
    assert refused.status_code == 403 and await catalogue() == before
    done = await upload(client, "sku,stock\nMG-001,3\n")
    assert done.status_code == 303 and await stock_of("MG-001") == 3


async def test_an_upload_without_the_csrf_token_is_refused(client) -> None:
    await shop()
    await as_role(client, Role.OWNER)
    await client.get(PAGE)
    response = await client.post(
        PAGE,
        data={"kind": "stock", "mode": "import"},
        files={"file": ("f.csv", b"sku,stock\nMG-001,3\n", "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 403 and await stock_of("MG-001") == 10


# --- export -----------------------------------------------------------------------------------


async def test_products_export_has_a_row_per_variant_and_formula_safe_cells(client) -> None:
    await shop()
    await (
        ProductTranslation.update({ProductTranslation.name: '=HYPERLINK("http://evil.test","x")'})
        .where(ProductTranslation.locale == "en")
        .where(ProductTranslation.name == "Mug")
        .run()
    )
    await as_role(client, Role.CATALOGUE_MANAGER)
    response = await client.get(PRODUCTS_CSV)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.text)
    assert rows[0] == [
        "product_code",
        "sku",
        "options",
        "name",
        "published",
        "hs_code",
        "tariff_codes",
        "origin_country",
        "weight_grams",
        "price",
        "currency",
        "stock",
    ]
    assert rows[1] == [
        "MG-001",
        "MG-001",
        "",
        '\'=HYPERLINK("http://evil.test","x")',
        "yes",
        "691200",
        "",
        "PT",
        "200",
        "10.00",
        "EUR",
        "10",
    ]
    assert [row[1:3] for row in rows[2:]] == [["TS-001-S", "size: s"], ["TS-001-M", "size: m"]]
    stock = read_csv((await client.get(STOCK_CSV)).text)
    assert stock == [["sku", "stock"], ["MG-001", "10"], ["TS-001-M", "10"], ["TS-001-S", "10"]]


async def test_an_export_imported_again_changes_nothing(client) -> None:
    await shop()
    await (
        ProductTranslation.update({ProductTranslation.name: "=1+1 " + XSS})
        .where(ProductTranslation.name == "Mug")
        .run()
    )
    await as_role(client, Role.OWNER)
    before = await catalogue()
    for path, kind in ((PRODUCTS_CSV, "products"), (STOCK_CSV, "stock")):
        exported = (await client.get(path)).content
        response = await upload(client, exported, kind=kind)
        assert response.status_code == 303, text(response.text)[:500]
        assert "done=unchanged" in response.headers["location"]
    assert await catalogue() == before and await imports() == []


# --- dry run and import -----------------------------------------------------------------------


async def test_a_dry_run_reports_before_and_after_and_changes_nothing(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(PAGE)
    assert form_values(page.text, PAGE)["mode"] == "dry_run"  # the default
    before = await catalogue()
    body = "sku,stock\r\nMG-001,4\r\nTS-001-S,10\r\n"
    response = await upload(client, body, mode="dry_run", name="count.csv")
    assert response.status_code == 200
    report = text(response.text)
    assert "count.csv" in report and "no error, 1 changes" in report and "dry run" in report
    assert "MG-001 Stock 10 4" in report
    assert "TS-001-S" not in report.split("Changes")[-1]  # unchanged rows are not listed
    assert await catalogue() == before and await imports() == []


async def test_an_import_applies_every_change_with_one_audit_row_revision_and_sync(client) -> None:
    await shop()
    await as_role(client, Role.CATALOGUE_MANAGER)
    revision = await current_revision()
    syncs = await OutboxMessage.count().where(OutboxMessage.kind == SEARCH_SYNC).run()
    body = (
        "product_code;sku;options;name;published;hs_code;price;stock\n"
        "MG-001;MG-001;;Big Mug;no;6912.00.10;12,50;7\n"
        "TS-001;TS-001-M;size: m;;;;;0\n"
        "TS-001;TS-001-L;size: l;;;;16.00;5\n"
    )
    response = await upload(client, "\ufeff" + body, kind="products", name="../../etc/cat.csv")
    assert response.status_code == 303, text(response.text)[:800]
    assert response.headers["location"] == f"{PAGE}?done=imported&count=7"
    notice = await client.get(response.headers["location"])
    assert "The import is done: 7 changes" in text(notice.text)
    mug = await Product.select().where(Product.code == "MG-001").first().run()
    assert (mug["is_published"], mug["hs_code"]) == (False, "69120010")
    name = (
        await ProductTranslation.select()
        .where((ProductTranslation.product == mug["id"]) & (ProductTranslation.locale == "en"))
        .first()
        .run()
    )
    assert name["name"] == "Big Mug" and name["slug"] == "mug"  # links keep working
    variants = {row["sku"]: row for row in await Variant.select().run()}
    assert (variants["MG-001"]["price_minor"], variants["MG-001"]["stock"]) == (1250, 7)
    assert variants["TS-001-M"]["stock"] == 0
    new = variants["TS-001-L"]
    assert (new["price_minor"], new["currency"], new["stock"], new["position"]) == (1600, "EUR", 5, 2)
    assert (json.loads(new["options"]) if isinstance(new["options"], str) else new["options"]) == {
        "size": "l"
    }
    [audit] = await imports()
    after = json.loads(audit["after"])
    assert after["file"] == "cat.csv" and after["rows"] == 3 and after["changes"] == 7
    assert after["new_variants"] == 1 and after["products"] == 2
    assert after["after"]["MG-001"]["price"] == "12.50 EUR"
    assert json.loads(audit["before"])["MG-001"]["stock"] == "10"
    assert await current_revision() > revision
    assert await OutboxMessage.count().where(OutboxMessage.kind == SEARCH_SYNC).run() > syncs
    shop_page = await client.get("/en/p/mug")
    assert shop_page.status_code == 404  # unpublished
    tee = await client.get("/en/p/plain-tee")
    assert "€16.00" in text(tee.text)  # the new size is on sale


async def test_the_dry_runs_import_button_imports_what_it_showed(client) -> None:
    await shop()
    await as_role(client, Role.FULFILMENT)
    body = "sku,stock\nMG-001,4\n"
    report = await upload(client, body, mode="dry_run")
    # The report's own form carries the plan's fingerprint and imports.
    [fingerprint] = [a["value"] for a in tags(report.text, "input", name="expected")]
    assert [a["value"] for a in tags(report.text, "input", type="hidden", name="mode")] == ["import"]
    assert await stock_of("MG-001") == 10
    response = await upload(client, body, expected=fingerprint)
    assert response.status_code == 303 and await stock_of("MG-001") == 4


async def test_a_sale_after_the_dry_run_stops_the_import(client) -> None:
    await shop()
    await as_role(client, Role.FULFILMENT)
    body = "sku,stock\nMG-001,40\n"
    report = await upload(client, body, mode="dry_run")
    [fingerprint] = [a["value"] for a in tags(report.text, "input", name="expected")]
    await Variant.update({Variant.stock: 9}).where(Variant.sku == "MG-001").run()  # a sale
    response = await upload(client, body, expected=fingerprint)
    assert response.status_code == 409
    assert "nothing was imported" in text(response.text) and "MG-001 Stock 9 40" in text(response.text)
    assert await stock_of("MG-001") == 9 and await imports() == []


async def test_a_stock_that_moves_mid_import_rolls_everything_back(monkeypatch) -> None:
    """The compare-and-set write is the last line of defence: if a stock is not what the plan
    read, the whole transaction (product fields already written included) is rolled back."""
    await shop()
    parsed = parse_csv(b"product_code,sku,hs_code,stock\nMG-001,MG-001,691210,3\n", "products")
    before = await catalogue()
    real_load = csv_services.load_state

    async def load_then_sell(*args: Any, **kwargs: Any) -> Any:
        state = await real_load(*args, **kwargs)
        if kwargs.get("lock"):  # the import's own read, inside its transaction
            await Variant.update({Variant.stock: Variant.stock - 1}).where(Variant.sku == "MG-001").run()
        return state

    monkeypatch.setattr(csv_services, "load_state", load_then_sell)
    plan, outcome = await csv_services.run_import(
        Actor(None, "test", ""),
        parsed,
        "f.csv",
        expected="",
        may_edit_prices=True,
        locale="en",
        currency="EUR",
    )
    assert outcome == "changed"
    assert await catalogue() == before  # the sale inside the rolled-back transaction is gone too
    assert await imports() == []
    assert sorted((c.field, c.before) for c in plan.changes) == [("hs_code", "691200"), ("stock", "10")]


# --- malformed files change nothing -----------------------------------------------------------

GOOD = "MG-001,1\n"


@pytest.mark.parametrize(
    ("kind", "body", "line", "message"),
    [
        ("stock", b"", "File", "The file is empty"),
        ("stock", b"sku,stock\n", "File", "header but no rows"),
        ("stock", b"sku,count\nMG-001,1\n", "1", "lacks the columns: stock"),
        ("stock", b"sku,stock,colour\nMG-001,1,red\n", "1", "does not know: colour"),
        ("stock", b"sku,stock\n" + GOOD.encode() + b"TS-001-S,\xff\xfe\n", "3", "not UTF-8"),
        ("stock", ("sku,stock\n" + GOOD + 'TS-001-S,"4\n').encode(), "3", "malformed"),
        ("stock", ("sku,stock\n" + GOOD + "NOPE-1,4\n").encode(), "3", "no variant with the SKU NOPE-1"),
        ("stock", ("sku,stock\n" + GOOD + "TS-001-S,-4\n").encode(), "3", "cannot be negative"),
        ("stock", ("sku,stock\n" + GOOD + "TS-001-S,4.5\n").encode(), "3", "whole number"),
        ("stock", ("sku,stock\n" + GOOD + "MG-001,2\n").encode(), "3", "already on line 2"),
        ("stock", ("sku,stock\n" + GOOD + "TS-001-S,4,5\n").encode(), "3", "3 cells; the header has 2"),
        (
            "products",
            b"product_code,sku,hs_code\nMG-001,MG-001,691210\nTS-001,TS-001-S,12ab\n",
            "3",
            "HS code",
        ),
        (
            "products",
            b"product_code,sku,price\nMG-001,MG-001,11\nTS-001,TS-001-S,1e3\n",
            "3",
            "price greater",
        ),
        ("products", b"product_code,sku,stock\nMG-001,MG-001,1\nXX-404,XX-404-S,1\n", "3", "no product"),
        ("products", b"product_code,sku,published\nTS-001,TS-001-S,no\nTS-001,TS-001-M,yes\n", "3", "line 2"),
        (
            "products",
            b"product_code,sku,options,price,stock\nTS-001,TS-001-S,,11,1\nTS-001,TS-001-X,size: s,9,1\n",
            "3",
            "already has a variant",
        ),
    ],
)
async def test_a_file_with_any_error_changes_nothing_and_names_the_line(
    client, kind: str, body: bytes, line: str, message: str
) -> None:
    await shop()
    await as_role(client, Role.OWNER)
    before = await catalogue()
    revision = await current_revision()
    response = await upload(client, body, kind=kind)
    assert response.status_code == 400
    rows = [text(row) for row in response.text.split("<tr>")[1:]]
    assert any(row.startswith(line + " ") and message in row for row in rows), (rows, message)
    assert await catalogue() == before and await imports() == [] and await current_revision() == revision


async def test_a_file_too_large_or_without_a_file_is_refused_politely(client) -> None:
    await shop()
    await as_role(client, Role.OWNER)
    big = b"sku,stock\n" + b"MG-001,1\n" * (MAX_FILE_BYTES // 9 + 1)
    response = await upload(client, big)
    assert response.status_code == 400 and "larger than 5 MB" in text(response.text)
    huge = await upload(client, big + b"x" * (1024 * 1024))
    assert huge.status_code == 413
    missing = await client.post(
        PAGE,
        data={"_csrf_token": csrf_token(client), "kind": "stock", "mode": "import"},
        follow_redirects=False,
    )
    assert missing.status_code == 400 and "Choose a CSV file" in text(missing.text)
    assert await stock_of("MG-001") == 10


# --- hostile text -----------------------------------------------------------------------------


async def test_markup_in_names_and_skus_is_stored_as_text_and_shown_escaped(client) -> None:
    await shop()
    await as_role(client, Role.OWNER)
    body = f'product_code,sku,name\nMG-001,MG-001,"{XSS.replace(chr(34), chr(34) * 2)}"\n'
    report = await upload(client, body, kind="products", mode="dry_run", name=f"{XSS}.csv")
    assert report.status_code == 200
    assert "<script>" not in report.text and "onerror=alert(1)>" not in report.text
    assert XSS in text(report.text)  # shown as the text it is
    done = await upload(client, body, kind="products")
    assert done.status_code == 303
    stored = await ProductTranslation.select().where(ProductTranslation.locale == "en").run()
    assert XSS in [row["name"] for row in stored]
    listing = await client.get("/admin/products")
    assert "<script>" not in listing.text and XSS in text(listing.text)
    shop_page = await client.get("/en/p/mug")
    assert "<script>alert" not in shop_page.text
    unknown = await upload(client, f"sku,stock\n{XSS.replace(',', '')},1\n", mode="dry_run")
    assert "<script>" not in unknown.text and "no variant with the SKU" in text(unknown.text)
