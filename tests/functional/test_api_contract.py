"""The OpenAPI schema tells the truth about the values the API accepts: codes the shop validates are
enums built from its data, SKUs are as long as the catalogue stores them, integers are integers,
bodies are closed objects; what the schema allows is not refused, what it forbids is a 400 problem."""

from __future__ import annotations

from typing import Any

import pytest

from app.catalog.tables import Variant
from app.fx.data import supported_currencies
from app.i18n.locales import LOCALES
from app.markets.data import market_set
from app.shipping.data import rate_table
from tests.builders import build_catalog, product, store_rates
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


def parameter(schema: dict[str, Any], method: str, path: str, name: str) -> dict[str, Any]:
    operation = schema["paths"][path][method]
    return next(p["schema"] for p in operation["parameters"] if p["name"] == name)


def component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][name]


def enum_of(parameter_schema: dict[str, Any]) -> list[str]:
    return [value for value in parameter_schema["enum"] if value is not None]


def shop_countries() -> list[str]:
    """Where the shop ships, and the countries of its markets (the country selector's list)."""
    markets = market_set().markets.values()
    return sorted(set(rate_table().countries) | {code for m in markets for code in m.countries})


# ---- enums from the shop's data ---------------------------------------------------------------


async def test_locale_currency_and_country_are_enums_of_the_shops_data(client) -> None:
    schema = await openapi(client)
    for path in ("/api/v1/categories", "/api/v1/products/{code}", "/api/v1/carts/{token}/quote"):
        assert enum_of(parameter(schema, "get", path, "locale")) == list(LOCALES)
        assert enum_of(parameter(schema, "get", path, "currency")) == list(supported_currencies())
        assert enum_of(parameter(schema, "get", path, "country")) == shop_countries()
    assert enum_of(parameter(schema, "post", "/api/v1/quotes", "locale")) == list(LOCALES)
    assert enum_of(parameter(schema, "post", "/api/v1/orders/lookup", "locale")) == list(LOCALES)
    assert parameter(schema, "get", "/api/v1/address-format/{country}", "country")["enum"] == shop_countries()
    checkout = component(schema, "CheckoutIn")["properties"]
    assert checkout["country"]["enum"] == shop_countries()
    assert checkout["locale"]["enum"] == list(LOCALES)
    assert enum_of(checkout["currency"]) == list(supported_currencies())
    assert component(schema, "TotalIn")["properties"]["currency"]["enum"] == list(supported_currencies())


async def test_every_value_the_enums_allow_is_accepted(client) -> None:
    await build_catalog([TEE])
    for locale in LOCALES:
        assert (await client.get(f"/api/v1/categories?locale={locale}")).status_code == 200, locale
    for currency in supported_currencies():  # the bundled snapshot has a rate for each
        response = await client.get(f"/api/v1/products/TS-001?currency={currency}")
        assert response.status_code == 200, (currency, response.text)
    for country in shop_countries():
        response = await client.get(f"/api/v1/products/TS-001?country={country}")
        assert response.status_code == 200, (country, response.text)
        assert (await client.get(f"/api/v1/address-format/{country}")).status_code == 200, country


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("locale=xx", "unknown_locale"),
        ("locale=", "unknown_locale"),
        ("locale=DE", "unknown_locale"),  # locales are lowercase
        ("currency=XXX", "unknown_currency"),
        ("currency=eur", "unknown_currency"),  # was accepted, though not in the schema
        ("country=de", "unsupported_country"),  # was accepted, though not in the schema
        ("country=KP", "unsupported_country"),  # a country, not one the shop knows: was ignored
    ],
)
async def test_values_outside_the_enums_are_a_400_problem(client, query: str, code: str) -> None:
    await build_catalog([TEE])
    body = assert_problem(await client.get(f"/api/v1/products/TS-001?{query}"), 400, code)
    assert [error["field"] for error in body["errors"]] == [query.split("=")[0]]


async def test_a_country_or_currency_outside_the_enums_is_refused_in_bodies_and_paths(client) -> None:
    await build_catalog([TEE])
    token = await new_cart(client, ("TS-001-S", 1))
    assert_problem(await client.get("/api/v1/address-format/de"), 400, "unsupported_country")
    wrong_currency = {**CHECKOUT, "expected_total": {"minor": 100, "currency": "XXX"}}
    body = assert_problem(
        await client.post(f"/api/v1/carts/{token}/checkout", json=wrong_currency), 400, "unknown_currency"
    )
    assert body["errors"][0]["field"] == "expected_total.currency"
    wrong_locale = {**CHECKOUT, "locale": "xx"}
    assert_problem(
        await client.post(f"/api/v1/carts/{token}/checkout", json=wrong_locale), 400, "unknown_locale"
    )


async def test_a_supported_currency_without_a_rate_is_the_documented_422(client) -> None:
    await build_catalog([TEE])
    await store_rates({"USD": "1.10"})  # the shop's rates lack JPY today
    body = assert_problem(
        await client.get("/api/v1/products/TS-001?currency=JPY"), 422, "currency_unavailable"
    )
    assert body["errors"] == [{"field": "currency", "message": "no exchange rate"}]
    assert_problem(await client.post("/api/v1/carts?currency=JPY"), 422, "currency_unavailable")
    assert (await client.get("/api/v1/products/TS-001?currency=USD")).status_code == 200
    schema = await openapi(client)
    for path, method in (("/api/v1/carts", "post"), ("/api/v1/products/{code}", "get")):
        assert "422" in schema["paths"][path][method]["responses"], path


# ---- SKUs --------------------------------------------------------------------------------------


async def test_skus_are_documented_as_long_as_the_catalogue_stores_them(client) -> None:
    schema = await openapi(client)
    sku_in_body = component(schema, "CartLineIn")["properties"]["sku"]
    sku_in_path = parameter(schema, "put", "/api/v1/carts/{token}/lines/{sku}", "sku")
    for sku in (
        sku_in_body,
        sku_in_path,
        parameter(schema, "delete", "/api/v1/carts/{token}/lines/{sku}", "sku"),
    ):
        assert (sku["type"], sku["minLength"], sku["maxLength"]) == ("string", 1, Variant.sku.length)


async def test_an_sku_the_schema_allows_is_looked_up_and_one_it_forbids_is_a_400(client) -> None:
    await build_catalog([TEE])
    token = await new_cart(client)
    longest = "X" * Variant.sku.length
    lines = f"/api/v1/carts/{token}/lines"
    assert_problem(await client.post(lines, json={"sku": longest}), 422, "unknown_sku")
    assert_problem(await client.delete(f"{lines}/{longest}"), 422, "unknown_sku")
    for too_long in ({"sku": longest + "X"}, {"sku": ""}):
        body = assert_problem(await client.post(lines, json=too_long), 400, "unknown_sku")
        assert body["errors"][0]["field"] == "sku"
    assert_problem(await client.put(f"{lines}/{longest}X", json={"quantity": 1}), 400, "unknown_sku")
    assert_problem(await client.delete(f"{lines}/{longest}X"), 400, "unknown_sku")


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


# ---- the landed-cost quote: the engine's JSON contract, 1:1 --------------------------------------

TAX_INCLUSIVE_QUOTE = {
    "date": "2026-07-15",
    "ship_from": "DE",
    "destination": "FR",
    "currency": "EUR",
    "seller_registrations": ["OSS"],
    "prices_include_tax": True,  # in the engine's contract (app/tax/contract.py), refused by the API
    "lines": [{"description": "cotton T-shirt", "hs_code": "610910", "origin": "PT", "unit_value": "120.00"}],
}


async def test_the_quote_api_takes_and_answers_everything_the_engine_does(client) -> None:
    """No request field of the engine refused as unknown, no answer field dropped on the way out."""
    from app.fx.services import snapshot_table
    from app.tax.services import quote_json

    response = await client.post("/api/v1/quotes", json=TAX_INCLUSIVE_QUOTE)
    assert response.status_code == 200, response.text
    answer = response.json()
    engine = quote_json(TAX_INCLUSIVE_QUOTE, snapshot_table(), ())
    assert set(answer) == set(engine)
    assert [set(charge) for charge in answer["taxes"]] == [set(charge) for charge in engine["taxes"]]
    # 120.00 with 20 % French VAT in it: 20.00 extracted, nothing added on top.
    [vat] = answer["taxes"]
    assert (vat["included"], vat["base"], vat["amount"], answer["total_now"]) == (
        True,
        "100.00",
        "20.00",
        "120.00",
    )
    assert answer["net_required"] is False
    schema = await openapi(client)
    assert set(component(schema, "LandedCostOut")["properties"]) == set(engine)
    assert "prices_include_tax" in component(schema, "QuoteIn")["properties"]
