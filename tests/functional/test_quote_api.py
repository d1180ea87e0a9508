"""POST /api/v1/quotes: the "what if" landed-cost quote of a free-standing shipment."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from litestar.testing import AsyncTestClient

from app.core.settings import get_settings
from app.server.app import create_app
from tests.builders import store_rates

# The issue's example: a EUR 100 T-shirt from China to Germany, EUR 10 shipping, IOSS seller.
EXAMPLE: dict[str, Any] = {
    "date": "2026-07-15",
    "ship_from": "CN",
    "destination": "DE",
    "destination_region": None,
    "seller_registrations": ["IOSS"],
    "shipment_kind": "B2C_sale",
    "channel": None,
    "currency": "EUR",
    "shipping_charged": "10.00",
    "shipping_included_in_price": False,
    "lines": [
        {
            "description": "cotton T-shirt",
            "hs_code": "6109",
            "origin": "CN",
            "unit_value": "100.00",
            "quantity": 1,
            "weight_kg": 0.2,
            "tax_class": "standard",
            "duty_rate": None,
        }
    ],
}


def example(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLE)
    body.update(changes)
    return body


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    if code:
        assert body["code"] == code
    return body


async def test_the_issue_example_by_hand(client) -> None:
    # Reference §2b.3: IOSS VAT = 19 % x (100 goods + 10 delivery) = 20.90, at checkout;
    # §2b.6: from 1 Jul 2026 a flat EUR 3 per item (one tariff line), paid by the declarant.
    response = await client.post("/api/v1/quotes", json=EXAMPLE)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["currency"], answer["goods"], answer["shipping"]) == ("EUR", "100.00", "10.00")
    [vat] = answer["taxes"]
    assert (vat["rate"], vat["base"], vat["amount"], vat["collected"]) == (
        "19",
        "110.00",
        "20.90",
        "checkout",
    )
    assert vat["name"] and vat["rule"] and vat["source"] and "19%" in vat["explanation"]
    [duty] = answer["duties"]
    assert (duty["rule"], duty["amount"], duty["rate"]) == ("EU_FLAT_DUTY", "3.00", None)
    assert answer["fees"] == []
    assert (answer["tax_total"], answer["duty_total"], answer["fees_total"]) == ("20.90", "3.00", "0.00")
    assert (answer["collected"], answer["incoterm"]) == ("checkout", "DDP")
    assert (answer["total_now"], answer["due_on_delivery"]) == ("133.90", "0.00")
    assert isinstance(answer["warnings"], list)


async def test_explanations_follow_locale_and_accept_language(client) -> None:
    english = (await client.post("/api/v1/quotes", json=EXAMPLE)).json()
    german = (await client.post("/api/v1/quotes?locale=de", json=EXAMPLE)).json()
    negotiated = (
        await client.post("/api/v1/quotes", json=EXAMPLE, headers={"Accept-Language": "de-DE,de;q=0.9"})
    ).json()
    assert german["taxes"][0]["explanation"] != english["taxes"][0]["explanation"]
    assert negotiated["taxes"][0]["explanation"] == german["taxes"][0]["explanation"]
    assert german["total_now"] == english["total_now"] == "133.90"


async def test_duty_rate_overrides_data_and_omitted_registrations_are_the_shops(client) -> None:
    # The demo shop has no IOSS registration (it ships from the EU): VAT due on delivery.
    body = example()
    del body["seller_registrations"]
    answer = (await client.post("/api/v1/quotes", json=body)).json()
    assert answer["collected"] == "delivery" and answer["incoterm"] == "DAP"
    assert answer["due_on_delivery"] != "0.00"
    # A shop registered for IOSS (TAX_REGISTRATIONS=IOSS) collects it at checkout.
    settings = replace(get_settings(), tax_registrations=("IOSS",))
    async with AsyncTestClient(app=create_app(settings), base_url="http://shop.test") as ioss_shop:
        answer = (await ioss_shop.post("/api/v1/quotes", json=body)).json()
    assert answer["collected"] == "checkout" and answer["total_now"] == "133.90"
    # Over EUR 150 there is no flat duty: a given duty_rate is used for the line.
    big = example(lines=[{**EXAMPLE["lines"][0], "unit_value": "200.00", "duty_rate": "12"}])
    answer = (await client.post("/api/v1/quotes", json=big)).json()
    assert [d["rate"] for d in answer["duties"]] == ["12"], answer


async def test_other_currencies_convert_with_the_shops_rates(client) -> None:
    await store_rates({"USD": "1.25"})
    answer = (await client.post("/api/v1/quotes", json=example(currency="USD"))).json()
    assert answer["currency"] == "EUR" and answer["goods"] == "80.00" and answer["shipping"] == "8.00"


async def test_uk_vat_at_checkout_up_to_135_pounds(client) -> None:
    """Reference §2c: consignments up to GBP 135 - the registered seller charges 20 % UK VAT on goods
    and delivery at checkout. EUR 100 + 10 at 0.85 GBP/EUR = GBP 93.50; VAT 18.70."""
    await store_rates({"GBP": "0.85"})
    body = example(ship_from="DE", destination="GB", seller_registrations=["UK_VAT"])
    body["lines"][0]["origin"] = "DE"
    answer = (await client.post("/api/v1/quotes", json=body)).json()
    [vat] = answer["taxes"]
    assert (vat["rate"], vat["base"], vat["amount"]) == ("20", "93.50", "18.70")  # "20", never "2E+1"
    assert (answer["collected"], answer["incoterm"], answer["total_now"]) == ("checkout", "DDP", "112.20")


async def test_unknown_destination_is_a_422_problem_with_its_code(client) -> None:
    response = await client.post("/api/v1/quotes", json=example(destination="XX"))
    body = assert_problem(response, 422, "unknown_destination")
    assert "XX" in body["detail"] and body["errors"] == [
        {"field": "destination", "message": "unknown_destination"}
    ]
    german = await client.post("/api/v1/quotes?locale=de", json=example(destination="XX"))
    assert assert_problem(german, 422)["detail"] != body["detail"]


async def test_missing_hs_code_and_bad_fields_are_problems_not_500s(client) -> None:
    no_hs = example(lines=[{**EXAMPLE["lines"][0], "hs_code": None}])
    assert_problem(await client.post("/api/v1/quotes", json=no_hs), 422, "hs_code_required")
    for bad in (
        example(date="15/07/2026"),
        example(currency="XXX"),
        example(lines=[]),
        example(shipment_kind="smuggling"),
        example(lines=[{**EXAMPLE["lines"][0], "unit_value": "1e999999"}]),
        example(lines=[{**EXAMPLE["lines"][0], "unit_value": "-5"}]),
        example(lines=[{**EXAMPLE["lines"][0], "hs_code": "ab09"}]),
        example(seller_registrations=["NOPE"]),
    ):
        response = await client.post("/api/v1/quotes", json=bad)
        assert_problem(response, 422)


async def test_malformed_bodies_are_400_or_422_never_500(client) -> None:
    headers = {"Content-Type": "application/json"}
    for raw in (b"{not json", b"[1, 2]", b'"text"', b"{}", b'{"destination": 5}'):
        response = await client.post("/api/v1/quotes", content=raw, headers=headers)
        assert response.status_code in (400, 422), (raw, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    unknown_field = await client.post("/api/v1/quotes", json=example(surprise=True))
    assert unknown_field.status_code in (400, 422)


async def test_openapi_schema_lists_the_quote_endpoint(client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "post" in schema["paths"]["/api/v1/quotes"]
