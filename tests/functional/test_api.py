"""The JSON API: catalogue, carts, checkout, lookup, payment webhooks; errors as problem JSON."""

from __future__ import annotations

import json

from app.i18n.translations import get_translations
from app.orders.tables import Order
from app.payments.providers import webhook_signature
from app.payments.tables import Payment, PaymentEvent
from tests.builders import build_catalog, product

TEE = product("TS-001", "Plain Tee", price="19.90", options={"size": ["s", "m"]}, de="Schlichtes T-Shirt")
ADDRESS = {
    "name": "Erika Mustermann",
    "street_address": "Heidestraße 17",
    "postal_code": "51147",
    "city": "Köln",
}
SECRET = "test-secret-key-" + "x" * 32


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    if code:
        assert body["code"] == code
    return body


async def new_cart(client, *lines: tuple[str, int]) -> str:
    token = (await client.post("/api/v1/carts")).json()["token"]
    for sku, quantity in lines:
        response = await client.post(f"/api/v1/carts/{token}/lines", json={"sku": sku, "quantity": quantity})
        assert response.status_code == 200, response.text
    return token


async def test_catalogue_endpoints_are_localised(client) -> None:
    await build_catalog([TEE])
    tree = (await client.get("/api/v1/categories?locale=de")).json()
    assert [c["code"] for c in tree] == ["clothing", "home"]
    assert tree[0]["name"] == "Kleidung" and tree[0]["children"][0]["name"] == "Hemden"
    listing = (
        await client.get("/api/v1/categories/clothing/products?locale=de&sort=price-asc&country=DE")
    ).json()
    assert listing["total_items"] == 1 and listing["items"][0]["name"] == "Schlichtes T-Shirt"
    assert listing["items"][0]["price_from"] == {
        "amount": "19.90",
        "currency": "EUR",
        "minor": 1990,
        "formatted": "19,90\xa0€",
    }
    detail = (await client.get("/api/v1/products/TS-001?locale=ja")).json()
    assert [v["sku"] for v in detail["variants"]] == ["TS-001-S", "TS-001-M"]
    assert detail["variants"][0]["options"][0]["axis"] == "size" and detail["variants"][0]["stock"] == 10
    assert detail["hs_code"] == "610910"


async def test_catalogue_errors_are_problem_json(client) -> None:
    await build_catalog([TEE])
    assert_problem(await client.get("/api/v1/products/NOPE"), 404, "unknown_product")
    assert_problem(await client.get("/api/v1/categories/clothing/products?page=7"), 404, "page_out_of_range")
    assert_problem(await client.get("/api/v1/categories?locale=xx"), 400, "unknown_locale")
    assert_problem(await client.get("/api/v1/nothing-here"), 404)


async def test_cart_lifecycle_and_errors(client) -> None:
    await build_catalog([TEE], stock={"TS-001-S": 3, "TS-001-M": 0})
    token = await new_cart(client, ("TS-001-S", 2))
    cart = (await client.get(f"/api/v1/carts/{token}?country=DE")).json()
    assert cart["item_count"] == 2 and cart["subtotal"] == {
        "amount": "39.80",
        "currency": "EUR",
        "minor": 3980,
        "formatted": "€39.80",
    }

    body = assert_problem(
        await client.post(f"/api/v1/carts/{token}/lines", json={"sku": "TS-001-S", "quantity": 2}),
        409,
        "insufficient_stock",
    )
    assert "Only 3 left" in body["detail"]
    assert_problem(
        await client.post(f"/api/v1/carts/{token}/lines", json={"sku": "TS-001-M", "quantity": 1}),
        409,
        "sold_out",
    )
    assert_problem(
        await client.post(f"/api/v1/carts/{token}/lines", json={"sku": "NOPE", "quantity": 1}),
        422,
        "unknown_sku",
    )
    assert_problem(
        await client.post(f"/api/v1/carts/{token}/lines", json={"sku": "TS-001-S", "quantity": 0}),
        422,
        "invalid_quantity",
    )
    body = assert_problem(
        await client.post(f"/api/v1/carts/{token}/lines", json={"sku": "TS-001-S", "quantity": "two"}), 400
    )
    assert body["errors"]
    assert_problem(
        await client.post(
            f"/api/v1/carts/{token}/lines", content=b"{not json", headers={"content-type": "application/json"}
        ),
        400,
    )
    assert_problem(await client.get("/api/v1/carts/not-a-real-token-at-all-xxxxxxxx"), 404, "unknown_cart")

    cart = (await client.put(f"/api/v1/carts/{token}/lines/TS-001-S", json={"quantity": 1})).json()
    assert cart["item_count"] == 1
    cart = (await client.delete(f"/api/v1/carts/{token}/lines/TS-001-S")).json()
    assert cart["lines"] == []


async def test_api_errors_are_translated_with_accept_language(client) -> None:
    await build_catalog([TEE])
    german = get_translations("de").gettext
    body = assert_problem(await client.get("/api/v1/products/NOPE", headers={"Accept-Language": "de"}), 404)
    assert body["title"] == german("Page not found") != "Page not found"
    assert body["detail"] == german("No product with this code.") != "No product with this code."
    body = assert_problem(await client.get("/api/v1/products/NOPE"), 404)
    assert body["detail"] == "No product with this code."


async def test_checkout_via_api_with_idempotency_key(client) -> None:
    await build_catalog([TEE])
    token = await new_cart(client, ("TS-001-S", 1))
    payload = {
        "email": "api@example.com",
        "country": "DE",
        "address": ADDRESS,
        "shipping_method": "express",
        "payment": {"method": "test", "card_number": "4242424242424242"},
        "locale": "de",
    }
    first = await client.post(
        f"/api/v1/carts/{token}/checkout", json=payload, headers={"Idempotency-Key": "abc-1"}
    )
    assert first.status_code == 201, first.text
    order = first.json()
    # Prices include German VAT; the 9.90 net express rate gets 19 % VAT too: 9.90 x 1.19 = 11.78.
    assert order["status"] == "paid" and order["total"]["minor"] == 1990 + 1178
    assert order["shipping"]["minor"] == 1178 and order["incoterm"] == "DDP"
    # One VAT line, already in the prices (nothing added): 31.68 x 19/119 = 5.058 -> 5.06.
    [vat] = order["charges"]
    assert (vat["kind"], vat["rate"], vat["included"], vat["collected"]) == ("tax", "19", True, "checkout")
    assert vat["amount"]["minor"] == 506
    assert order["due_on_delivery"]["minor"] == 0
    assert order["lines"][0]["name"] == "Schlichtes T-Shirt"
    again = await client.post(
        f"/api/v1/carts/{token}/checkout", json=payload, headers={"Idempotency-Key": "abc-1"}
    )
    assert again.status_code == 201 and again.json()["number"] == order["number"]
    assert await Order.count().run() == 1

    found = await client.post(
        "/api/v1/orders/lookup", json={"number": order["number"], "email": "API@example.com"}
    )
    assert found.status_code == 200 and found.json()["number"] == order["number"]
    assert_problem(
        await client.post(
            "/api/v1/orders/lookup", json={"number": order["number"], "email": "x@example.com"}
        ),
        404,
        "order_not_found",
    )


async def test_checkout_validation_errors_list_every_field(client) -> None:
    await build_catalog([TEE])
    token = await new_cart(client, ("TS-001-S", 1))
    payload = {
        "email": "nope",
        "country": "DE",
        "address": {"name": "", "street_address": "x", "postal_code": "1", "city": "Köln"},
        "shipping_method": "standard",
        "payment": {"method": "test", "card_number": "1234"},
    }
    body = assert_problem(
        await client.post(f"/api/v1/carts/{token}/checkout", json=payload), 422, "invalid_checkout"
    )
    assert {e["field"] for e in body["errors"]} == {"email", "name", "postal_code", "card_number"}
    payload["country"] = "KP"  # not in the schema's enum of the shop's countries
    assert_problem(
        await client.post(f"/api/v1/carts/{token}/checkout", json=payload), 400, "unsupported_country"
    )
    assert await Order.count().run() == 0


async def test_payment_webhook_is_signed_and_idempotent(client) -> None:
    await build_catalog([TEE])
    token = await new_cart(client, ("TS-001-M", 1))
    payload = {
        "email": "w@example.com",
        "country": "DE",
        "address": ADDRESS,
        "shipping_method": "standard",
        "payment": {"method": "test", "card_number": "4000000000000002"},
    }
    order = (await client.post(f"/api/v1/carts/{token}/checkout", json=payload)).json()
    assert order["status"] == "pending_payment"
    # A later attempt that the provider confirms asynchronously:
    from app.checkout.services import retry_payment
    from app.payments.providers import ManualProvider

    await retry_payment(order["number"], ManualProvider(), {})
    payment = await Payment.select().where(Payment.status == "pending").first().run()
    event = {
        "reference": payment["reference"],
        "event_id": "evt_1",
        "outcome": "succeeded",
        "amount_minor": payment["amount_minor"],
        "currency": "EUR",
    }
    body = json.dumps(event).encode()

    unsigned = await client.post(
        "/api/v1/payments/test/webhook",
        content=body,
        headers={"X-Signature": "0" * 64, "content-type": "application/json"},
    )
    assert_problem(unsigned, 401, "bad_signature")

    headers = {"X-Signature": webhook_signature(SECRET, body), "content-type": "application/json"}
    first = await client.post("/api/v1/payments/test/webhook", content=body, headers=headers)
    second = await client.post("/api/v1/payments/test/webhook", content=body, headers=headers)
    assert first.json() == {"result": "applied"} and second.json() == {"result": "duplicate"}
    assert (await Order.select(Order.status).first().run())["status"] == "paid"
    assert await PaymentEvent.count().where(PaymentEvent.event_id == "evt_1").run() == 1

    wrong_amount = dict(event, event_id="evt_2", amount_minor=1)
    body = json.dumps(wrong_amount).encode()
    response = await client.post(
        "/api/v1/payments/test/webhook",
        content=body,
        headers={"X-Signature": webhook_signature(SECRET, body), "content-type": "application/json"},
    )
    assert_problem(response, 422, "payment_event_rejected")


async def test_openapi_schema_documents_the_api(client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = set(schema["paths"])
    assert {
        "/api/v1/carts",
        "/api/v1/carts/{token}/checkout",
        "/api/v1/products/{code}",
        "/api/v1/orders/lookup",
    } <= paths
    assert not any(path.startswith("/{locale}") for path in paths)


async def test_the_schema_documents_errors_as_the_problem_json_the_server_sends(client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    problem = schema["components"]["schemas"]["ProblemOut"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    operations = [(path, m, op) for path, ops in schema["paths"].items() for m, op in ops.items()]
    assert len(operations) >= 15
    for path, method, operation in operations:
        errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
        assert {400, 503} <= set(errors), (method, path)
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (method, path, status)
    lookup = schema["paths"]["/api/v1/orders/lookup"]["post"]["responses"]
    assert {"404", "422", "429"} <= set(lookup)
    checkout = schema["paths"]["/api/v1/carts/{token}/checkout"]["post"]["responses"]
    assert {"404", "409", "422"} <= set(checkout)
    assert "401" in schema["paths"]["/api/v1/payments/test/webhook"]["post"]["responses"]


async def test_options_on_a_cart_line_lists_every_method(client) -> None:
    response = await client.options("/api/v1/carts/some-token/lines/SKU-1")
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) == {"DELETE", "OPTIONS", "PUT"}
