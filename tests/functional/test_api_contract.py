"""The OpenAPI schema tells the truth about the values the API accepts: codes the shop validates are
enums built from its data, SKUs are as long as the catalogue stores them, integers are integers,
bodies are closed objects; what the schema allows is not refused, what it forbids is a 400 problem."""

from __future__ import annotations

from typing import Any

from tests.builders import build_catalog, product
from tests.functional.test_api import ADDRESS, assert_problem, new_cart

TEE = product("TS-001", "Plain Tee", price="19.90", options={"size": ["s", "m"]})
CHECKOUT = {
    "email": "contract@example.com",
    "country": "DE",
    "address": ADDRESS,
    "shipping_method": "standard",
    "payment": {"method": "test", "card_number": "4242424242424242"},
}


async def openapi(client) -> dict[str, Any]:
    return (await client.get("/schema/openapi.json")).json()


def component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][name]


# ---- strict JSON: integers are integers, bodies are closed ---------------------------------------


async def test_an_integer_sent_as_a_string_is_a_400_problem(client) -> None:
    """Litestar converts request bodies leniently ("1" -> 1); the API decodes them as the schema says."""
    await build_catalog([TEE])
    token = await new_cart(client)
    lines = f"/api/v1/carts/{token}/lines"
    body = assert_problem(await client.post(lines, json={"sku": "TS-001-S", "quantity": "1"}), 400)
    assert body["errors"] == [{"field": "quantity", "message": "Expected `int`, got `str`"}]
    assert (await client.get(f"/api/v1/carts/{token}")).json()["item_count"] == 0
    assert (await client.post(lines, json={"sku": "TS-001-S", "quantity": 1})).status_code == 200
    body = assert_problem(await client.put(f"{lines}/TS-001-S", json={"quantity": "2"}), 400)
    assert body["errors"][0]["field"] == "quantity"
    assert_problem(await client.put(f"{lines}/TS-001-S", json={"quantity": 2.0}), 400)
    assert_problem(await client.put(f"{lines}/TS-001-S", json={"quantity": True}), 400)
    assert (await client.get(f"/api/v1/carts/{token}")).json()["item_count"] == 1

    total_as_text = {**CHECKOUT, "expected_total": {"minor": "2980", "currency": "EUR"}}
    body = assert_problem(await client.post(f"/api/v1/carts/{token}/checkout", json=total_as_text), 400)
    assert body["errors"][0]["field"] == "expected_total.minor"

    quote = {
        "ship_from": "DE",
        "destination": "FR",
        "currency": "EUR",
        "lines": [{"description": "Tee", "origin": "PT", "unit_value": "19.90", "quantity": "1"}],
    }
    body = assert_problem(await client.post("/api/v1/quotes", json=quote), 400)
    assert body["errors"][0]["field"] == "lines[0].quantity"
    quote["lines"][0]["quantity"] = 1
    assert (await client.post("/api/v1/quotes", json=quote)).status_code == 200


async def test_request_bodies_are_documented_as_closed_objects(client) -> None:
    """The server refuses unknown properties (a typo must not be ignored), so the schema says so."""
    schema = await openapi(client)
    for name in (
        "CartLineIn",
        "QuantityIn",
        "CheckoutIn",
        "PaymentIn",
        "TotalIn",
        "LookupIn",
        "QuoteIn",
        "QuoteLineIn",
    ):
        assert component(schema, name)["additionalProperties"] is False, name
    await build_catalog([TEE])
    token = await new_cart(client)
    typo = {"sku": "TS-001-S", "quantiy": 3}
    body = assert_problem(await client.post(f"/api/v1/carts/{token}/lines", json=typo), 400)
    assert "quantiy" in body["errors"][0]["message"]


async def test_an_empty_or_missing_body_is_a_400_problem(client) -> None:
    await build_catalog([TEE])
    token = await new_cart(client)
    for content in (b"", b"null", b"[]", b'"x"'):
        response = await client.post(
            f"/api/v1/carts/{token}/lines", content=content, headers={"content-type": "application/json"}
        )
        assert_problem(response, 400)
