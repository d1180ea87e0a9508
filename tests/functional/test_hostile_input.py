"""Hostile input in every checkout, cart and lookup field: clear 4xx or success, never 5xx, never raw markup.

formfuzz (../shared/tools/formfuzz) crawls the running shop with the same kind of payloads; its
crawler empties the cart as it goes, so the checkout form gets this deterministic pass too.
"""

from __future__ import annotations

import pytest

from app.cart.services import add_to_cart, find_cart_id
from app.cart.tables import CartLine
from app.catalog.tables import Variant
from tests.builders import build_catalog, product
from tests.functional.shop import GERMAN_CHECKOUT
from tests.functional.shop import add_to_cart as add_via_page
from tests.html import form_values

PAYLOADS = [
    "<script>alert('x1')</script>",
    "\"><img src=x onerror=alert('x2')>",
    "' OR '1'='1",
    "1;DROP TABLE shop_order--",
    "{{7*7}}",
    "abc\u202edef",
    "a\u0000b",
    "\\ud800",  # the text; raw invalid UTF-8 is sent in test_invalid_utf8_and_junk_bodies
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "-1",
    "1e309",
    "99999999999999999999",
    "\uff11\uff12\uff13",
    "a\r\nSet-Cookie: x=1",
    '{"$ne": null}',
    "",
    "x" * 100_000,
]
CHECKOUT_FIELDS = [
    "email",
    "phone",
    "country",
    "name",
    "company_name",
    "street_address",
    "city",
    "postal_code",
    "shipping_method",
    "payment_method",
    "card_number",
    "checkout_key",
    "action",
]
VALID = {**GERMAN_CHECKOUT, "email": "fuzz@example.com", "payment_method": "manual"}
OK_STATUSES = {200, 303, 403, 409, 422}


async def refill(client) -> None:
    """Put one mug back in the shopper's cart (a successful checkout empties it)."""
    cart_id = await find_cart_id(client.cookies.get("cart"))
    assert cart_id is not None
    if await CartLine.count().where(CartLine.cart == cart_id).run() == 0:
        variant = await Variant.select(Variant.id).first().run()
        await add_to_cart(cart_id, variant["id"], 1)


def assert_safe(response, payload: str) -> None:
    assert response.status_code in OK_STATUSES, (response.status_code, payload[:40])
    body = response.text
    assert "<script>alert('x1')" not in body and "onerror=alert('x2')" not in body
    assert "Traceback" not in body
    assert "x=1" not in response.headers.get("set-cookie", "").split(";")[0]


@pytest.mark.parametrize("field", CHECKOUT_FIELDS)
async def test_checkout_fields(client, field: str) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=1000)
    await add_via_page(client, "en", "mug")
    for payload in PAYLOADS:
        await refill(client)
        page = await client.get("/en/checkout")
        values = {**form_values(page.text, "/en/checkout"), **VALID, field: payload}
        response = await client.post("/en/checkout", data=values, follow_redirects=False)
        assert_safe(response, payload)


@pytest.mark.parametrize("field", ["quantity", "sku"])
async def test_cart_update_fields(client, field: str) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=1000)
    await add_via_page(client, "en", "mug")
    for payload in PAYLOADS:
        page = await client.get("/en/cart")
        values = {**form_values(page.text, "/en/cart/update"), field: payload}
        assert_safe(await client.post("/en/cart/update", data=values, follow_redirects=False), payload)


@pytest.mark.parametrize("field", ["number", "email"])
async def test_lookup_fields(client, field: str) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")])
    for payload in PAYLOADS:
        await client.app.state.shop.limits.delete_all()  # each payload reaches the lookup, not the limit
        page = await client.get("/en/orders/lookup")
        values = {
            **form_values(page.text, "/en/orders/lookup"),
            "number": "SF-ABCDEFGH",
            "email": "a@example.com",
            field: payload,
        }
        assert_safe(await client.post("/en/orders/lookup", data=values, follow_redirects=False), payload)


async def test_invalid_utf8_and_junk_bodies(client) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")])
    page = await client.get("/en/p/mug")
    token = form_values(page.text, "/en/p/mug")["_csrf_token"]
    for body in [
        b"quantity=%FF%FE&_csrf_token=" + token.encode(),
        b"\xff\xfe\x00",
        b"_csrf_token=" + token.encode() + b"&quantity=1&quantity=2",
    ]:
        response = await client.post(
            "/en/p/mug", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code in OK_STATUSES


# ---- malformed bodies and paths: the client's error, never a 500 ------------------------------

NESTED_JSON = "[" * 1000 + "]" * 1000  # 2 KB: deeper than the decoder's recursion limit
NOT_UTF8 = b'{"email": "\xff\xfe"}'


async def json_endpoints(client) -> list[tuple[str, str]]:
    """Every endpoint of the OpenAPI schema that takes a JSON body, with sample path parameters."""
    schema = (await client.get("/schema/openapi.json")).json()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method.upper(), path.replace("{token}", "t" * 43).replace("{sku}", "SKU-1")))
    return found


@pytest.mark.parametrize("body", [NESTED_JSON.encode(), NOT_UTF8], ids=["nested", "not-utf8"])
async def test_malformed_json_bodies_are_a_400_problem_on_every_json_endpoint(client, body, caplog) -> None:
    endpoints = await json_endpoints(client)
    assert len(endpoints) >= 5  # lines, line update, checkout, quotes, lookup, webhook
    for method, path in endpoints:
        response = await client.request(
            method, path, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, (method, path, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 400
    assert "Traceback" not in caplog.text  # a client's error, logged in one line


@pytest.mark.parametrize(
    "path", ["/static/%00", "/static/css/%00site.css", "/media/%00x", "/media/products/a%00.svg"]
)
async def test_a_nul_byte_in_a_file_path_is_a_404(client, path) -> None:
    assert (await client.get(path)).status_code == 404


async def test_request_text_cannot_forge_a_log_line(client, caplog) -> None:
    caplog.set_level("INFO", logger="storefront.errors")
    await client.get("/static/%00%0aERROR - forged")
    logged = [r.getMessage() for r in caplog.records if r.name == "storefront.errors"]
    assert logged and all("\n" not in line for line in logged)
    assert any("%0A" in line for line in logged)  # the newline arrives percent-encoded


async def test_a_cart_token_in_an_api_path_never_reaches_the_log(client, caplog) -> None:
    caplog.set_level("INFO", logger="storefront.errors")
    token = (await client.post("/api/v1/carts")).json()["token"]
    response = await client.put(f"/api/v1/carts/{token}/lines/NOPE", content=b"{not json")
    assert response.status_code == 400
    logged = [r.getMessage() for r in caplog.records if r.name == "storefront.errors"]
    assert logged == ["rejected PUT /api/v1/carts/***/lines/NOPE: 400"]  # one line per rejection
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("storefront")]
    assert not any(token in line for line in ours)  # (the test client's own httpx log has it)
