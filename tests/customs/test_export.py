"""Customs export: golden CSV/JSON of representative orders, the schema, problems, CLI, downloads."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema

from app.core.settings import PROJECT_ROOT, get_settings
from app.customs.assemble import order_outcome
from app.customs.csv_out import write_csv
from app.customs.json_out import write_json
from tests.customs.orders import catalogue, order, pin

GOLDEN = Path(__file__).parent / "golden"
SCHEMA = json.loads((PROJECT_ROOT / "data" / "customs" / "shipment.schema.json").read_text())
IOSS_SETTINGS = replace(get_settings(), tax_registrations=(*get_settings().tax_registrations, "IOSS"))
# A shop in Great Britain selling to EU consumers under IOSS: the EU is then across a border. Test
# numbers that pass their checks (python-stdnum); GB EORIs are GB + 12 digits.
GB_SHOP = replace(
    get_settings(),
    shop_country="GB",
    shop_eori="GB123456789000",
    shop_vat_number="GB980780684",
    shop_address={"street_address": "1 Shoreditch High St", "postal_code": "E1 6JE", "city": "London"},
    shop_phone="+44 20 7946 0000",
    tax_registrations=("IOSS", "UK_VAT"),
    tax_numbers={"IOSS": "IM2760000742"},
)


def validate(document: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)


async def representative() -> list[str]:
    await catalogue()
    placed = [
        ("T-CH", await order("CH", [("SH-001", 1)])),
        ("T-FR", await order("FR", [("SH-001", 1)], settings=IOSS_SETTINGS)),
        ("T-UK-LOW", await order("GB", [("MG-001", 2)])),
        ("T-US-DUTY", await order("US", [("CT-001", 1)])),
        (
            "T-COURIER",
            await order("JP", [("SH-001", 2), ("MG-001", 1), ("CT-001", 1)], "express"),
        ),
        ("T-CN-CBEC", await order("CN", [("SH-001", 1), ("CT-001", 1)], "express")),
    ]
    for fixed, number in placed:
        await pin(number, fixed)
    return [fixed for fixed, _ in placed]


async def test_representative_orders_match_the_golden_csv_and_json() -> None:
    numbers = await representative()
    settings = replace(get_settings(), tax_registrations=IOSS_SETTINGS.tax_registrations)
    intra_eu = await order_outcome("T-FR", settings)
    assert intra_eu and intra_eu.shipment is None
    assert [p.text() for p in intra_eu.problems] == ["The parcel crosses no customs border."]
    outcomes = [await order_outcome(n, settings) for n in numbers if n != "T-FR"]
    gift = await order_outcome("T-UK-LOW", settings, reason="gift")
    assert all(o and o.shipment for o in outcomes), [o.problems for o in outcomes if o]
    assert gift and gift.shipment
    shipments = [o.shipment for o in outcomes if o and o.shipment] + [gift.shipment]
    csv_text = "".join(write_csv(shipments))
    json_text = "".join(write_json(shipments))
    for document in json.loads(json_text):
        validate(document)
    if not (GOLDEN / "representative.csv").exists():  # first run writes them; review, then keep
        (GOLDEN / "representative.csv").write_text(csv_text, newline="")
        (GOLDEN / "representative.json").write_text(json_text)
    assert csv_text == (GOLDEN / "representative.csv").read_bytes().decode()
    assert json_text == (GOLDEN / "representative.json").read_text()


async def test_an_eu_ioss_parcel_from_a_british_shop_matches_the_golden_csv_and_json() -> None:
    await catalogue()
    await pin(await order("FR", [("SH-001", 2)], settings=GB_SHOP), "T-EU-IOSS")
    outcome = await order_outcome("T-EU-IOSS", GB_SHOP)
    assert outcome and outcome.shipment, outcome and outcome.problems
    shipment = outcome.shipment
    assert shipment.registration and shipment.registration.scheme == "IOSS"
    csv_text, json_text = "".join(write_csv([shipment])), "".join(write_json([shipment]))
    for document in json.loads(json_text):
        validate(document)
    if not (GOLDEN / "eu_ioss.csv").exists():  # first run writes them; review, then keep
        (GOLDEN / "eu_ioss.csv").write_text(csv_text, newline="")
        (GOLDEN / "eu_ioss.json").write_text(json_text)
    assert csv_text == (GOLDEN / "eu_ioss.csv").read_bytes().decode()
    assert json_text == (GOLDEN / "eu_ioss.json").read_text()


def test_the_readme_documents_every_csv_column_in_order() -> None:
    from app.customs.csv_out import COLUMNS

    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("- **CSV columns**") : readme.index("- **Incomplete data:**")]
    at = 0
    for column in COLUMNS:  # each found after the one before it
        at = section.find(f"`{column}`", at)
        assert at != -1, column
