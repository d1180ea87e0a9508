"""Customs export around the rules: problem orders left out of a batch with their exact messages,
the `storefront customs export` command, the back-office downloads and the published schema."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from app.cli import main
from app.core.settings import PROJECT_ROOT, get_settings
from app.customs.assemble import Batch, batch_outcomes
from app.orders.tables import Order, OrderLine
from app.staff.rules import Role
from tests.customs.orders import catalogue, order, pin
from tests.database import run_async
from tests.functional.admin import forget_admin_store, login, make_staff
from tests.html import tags

SCHEMA_FILE = PROJECT_ROOT / "data" / "customs" / "shipment.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text("utf-8"))
DAY = date(2026, 12, 1)
BATCH = Batch(since=DAY, until=DAY)


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def damage(number: str, **values: Any) -> None:
    """Break a frozen order line's customs data, as an old or hand-edited order may have it."""
    order_id = (await Order.select(Order.id).where(Order.number == number).first().run())["id"]
    await (
        OrderLine.update({getattr(OrderLine, k): v for k, v in values.items()})
        .where(OrderLine.order == order_id)
        .run()
    )


async def mixed_batch() -> None:
    """Two good orders (UK low value, US with duties) and three with one problem each."""
    await catalogue()
    for fixed, country, sku in (
        ("T-UK", "GB", "MG-001"),
        ("T-US", "US", "CT-001"),
        ("T-NOHS", "US", "CT-001"),
        ("T-NOWEIGHT", "CH", "SH-001"),
        ("T-NOORIGIN", "JP", "MG-001"),
    ):
        await pin(await order(country, [(sku, 1)]), fixed)
    await damage("T-NOHS", hs_code="")
    await damage("T-NOWEIGHT", weight_grams=0)
    await damage("T-NOORIGIN", origin_country="")


EXPECTED_PROBLEMS = {
    "T-NOHS": ["CT-001: No HS code."],
    "T-NOWEIGHT": ["SH-001: Zero weight."],
    "T-NOORIGIN": ["MG-001: Unknown country of origin."],
}


def validate(document: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)


async def test_a_batch_leaves_out_each_problem_order_with_its_exact_messages() -> None:
    await mixed_batch()
    outcomes = [o async for o in batch_outcomes(BATCH, get_settings(), chunk=2)]
    exported = [o.number for o in outcomes if o.shipment]
    problems = {o.number: [p.text() for p in o.problems] for o in outcomes if o.shipment is None}
    assert exported == ["T-UK", "T-US"]
    assert problems == EXPECTED_PROBLEMS


async def test_an_invalid_uk_vat_number_keeps_uk_low_value_orders_out() -> None:
    await mixed_batch()
    settings = get_settings()
    bad = replace(settings, tax_numbers={**settings.tax_numbers, "UK_VAT": "GB123456789"})
    outcomes = {o.number: o async for o in batch_outcomes(BATCH, bad)}
    assert outcomes["T-UK"].shipment is None
    assert [p.text() for p in outcomes["T-UK"].problems] == ["The UK_VAT number GB123456789 is not valid."]
    assert outcomes["T-US"].shipment is not None  # no UK scheme: unaffected


async def test_batch_filters_by_destination_and_method() -> None:
    await mixed_batch()
    us = [o.number async for o in batch_outcomes(replace(BATCH, destinations=("US",)), get_settings())]
    assert us == ["T-US", "T-NOHS"]
    express = [o async for o in batch_outcomes(replace(BATCH, methods=("express",)), get_settings())]
    assert express == []
    inside_eu = [o async for o in batch_outcomes(replace(BATCH, destinations=("FR",)), get_settings())]
    assert inside_eu == []


# --- the command ---------------------------------------------------------------------------------

runner = CliRunner()


def export(*args: str) -> Any:
    return runner.invoke(main, ["customs", "export", "--since", "2026-12-01", "--until", "2026-12-01", *args])


def test_the_command_exports_all_good_orders_with_status_0() -> None:
    run_async(mixed_batch())
    result = export("--destination", "GB", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["order_number"], r["registration_scheme"], r["registration_number"]) for r in rows] == [
        ("T-UK", "UK_VAT", "GB980780684")
    ]
    assert "Exported 1 shipments (csv) to stdout; 0 left out." in result.stderr


def test_the_command_lists_problems_on_stderr_writes_the_good_ones_and_exits_1() -> None:
    run_async(mixed_batch())
    result = export("--format", "json")
    assert result.exit_code == 1
    documents = json.loads(result.stdout)
    assert [d["order_number"] for d in documents] == ["T-UK", "T-US"]
    for document in documents:
        validate(document)
    for number, messages in EXPECTED_PROBLEMS.items():
        for message in messages:
            assert f"{number}: {message}" in result.stderr
    assert "T-NOHS" not in result.stdout
    assert "Exported 2 shipments (json) to stdout; 3 left out." in result.stderr


def test_the_command_writes_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    run_async(mixed_batch())
    target = tmp_path / "customs.csv"
    result = export("--destination", "US", "-o", str(target))
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert [(r["order_number"], r["hs_code"]) for r in rows] == [("T-US", "6201400000")]
    assert result.stdout == ""


def test_the_command_writes_one_pdf_of_the_batch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pypdfium2

    run_async(mixed_batch())
    target = tmp_path / "customs.pdf"
    result = export("--format", "pdf", "--language", "de", "-o", str(target))
    assert result.exit_code == 1  # three orders left out, named on stderr
    assert "T-NOHS: CT-001: No HS code." in result.stderr
    document = pypdfium2.PdfDocument(target.read_bytes())
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    assert "T-UK" in text and "T-US" in text and "T-NOHS" not in text
    assert "6201400000" in text  # the US order's 10-digit tariff number
    assert "Exported 2 shipments (pdf)" in result.stderr
    assert export("--format", "pdf").exit_code == 2  # a PDF is never written to a terminal


# --- back office ---------------------------------------------------------------------------------


async def as_role(client: Any, role: Role) -> None:
    await make_staff(role)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


async def test_fulfilment_downloads_csv_and_json(client) -> None:  # type: ignore[no-untyped-def]
    await mixed_batch()
    await as_role(client, Role.FULFILMENT)
    page = await client.get("/admin/orders/T-UK")
    assert page.status_code == 200
    actions = [b["formaction"] for b in tags(page.text, "button") if "formaction" in b]
    assert "/admin/orders/T-UK/customs.csv" in actions and "/admin/orders/T-UK/customs.json" in actions
    response = await client.get("/admin/orders/T-UK/customs.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "customs-T-UK.csv" in response.headers["content-disposition"]
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert (row["order_number"], row["form"], row["registration_number"]) == ("T-UK", "CN22", "GB980780684")
    response = await client.get("/admin/orders/T-UK/customs.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    validate(document)
    assert document["order_number"] == "T-UK"


async def test_owner_may_download_support_may_not(client) -> None:  # type: ignore[no-untyped-def]
    await mixed_batch()
    await as_role(client, Role.SUPPORT)
    assert (await client.get("/admin/orders/T-UK/customs.csv")).status_code == 403
    assert (await client.get("/admin/orders/T-UK/customs.json")).status_code == 403
    assert "customs.csv" not in (await client.get("/admin/orders/T-UK")).text
    await client.post("/admin/logout", follow_redirects=False)
    client.cookies.clear()
    forget_admin_store()
    await as_role(client, Role.OWNER)
    assert (await client.get("/admin/orders/T-UK/customs.json")).status_code == 200


async def test_incomplete_data_answers_409_with_the_problems(client) -> None:  # type: ignore[no-untyped-def]
    await mixed_batch()
    await as_role(client, Role.FULFILMENT)
    response = await client.get("/admin/orders/T-NOHS/customs.csv")
    assert response.status_code == 409
    assert response.text == "CT-001: No HS code.\n"
    page = await client.get("/admin/orders/T-NOHS")
    assert "customs.csv" not in page.text and "No HS code." in page.text
    assert (await client.get("/admin/orders/NOPE/customs.json")).status_code == 404


async def test_orders_inside_the_customs_union_show_no_customs_links(client) -> None:  # type: ignore[no-untyped-def]
    await catalogue()
    await pin(await order("FR", [("SH-001", 1)]), "T-FR")
    await as_role(client, Role.FULFILMENT)
    page = await client.get("/admin/orders/T-FR")
    assert page.status_code == 200
    assert "customs.csv" not in page.text and "customs-heading" not in page.text


# --- the published schema ------------------------------------------------------------------------


async def test_the_schema_is_served_as_checked_in(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/api/v1/customs/schema.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert "max-age" in response.headers["cache-control"]
    assert "public" in response.headers["cache-control"]
    assert response.json() == SCHEMA
    jsonschema.Draft202012Validator.check_schema(response.json())
