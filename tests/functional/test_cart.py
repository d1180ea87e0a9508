"""The HTML cart: add variants, change quantities, remove lines, bad input re-renders with messages."""

from __future__ import annotations

import pytest

from app.cart.tables import CartLine
from tests.builders import build_catalog, product
from tests.functional.shop import add_to_cart, input_value, post_form
from tests.html import tags, text

TEE = product(
    "TS-001",
    "Plain Tee",
    price="19.90",
    options={"size": ["s", "m", "l"], "colour": ["navy", "white"]},
    adjustments={"size:l": "2.00"},
    de="Schlichtes T-Shirt",
)


async def test_add_two_variants_then_change_and_remove(client) -> None:
    await build_catalog([TEE])
    response = await add_to_cart(client, "en", "plain-tee", "2", size="m", colour="navy")
    assert response.status_code == 303
    assert response.headers["location"] == "/en/cart?added=TS-001-M-NAVY"
    cart_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cart="))
    assert "HttpOnly" in cart_cookie and "SameSite=lax" in cart_cookie

    await add_to_cart(client, "en", "plain-tee", "1", size="l", colour="white")
    page = await client.get("/en/cart?added=TS-001-L-WHITE")
    body = text(page.text)
    assert "Added to your cart: Plain Tee" in body
    assert "M / Navy" in body and "L / White" in body
    # 2 x 19.90 + 1 x 21.90
    assert "€61.70" in body

    response = await post_form(client, "/en/cart", "/en/cart/update", sku="TS-001-M-NAVY", quantity="3")
    assert response.status_code == 303
    page = await client.get("/en/cart")
    assert "€81.60" in text(page.text)

    response = await post_form(client, "/en/cart", "/en/cart/remove", sku="TS-001-L-WHITE")
    assert response.status_code == 303
    page = await client.get("/en/cart")
    assert "L / White" not in text(page.text)
    assert "€59.70" in text(page.text)
    assert "3 items" in text(page.text)


async def test_cart_survives_navigation_and_locale_switch(client) -> None:
    await build_catalog([TEE])
    await add_to_cart(client, "en", "plain-tee", "1", size="s", colour="navy")
    await client.get("/en/")
    page = await client.get("/de/cart")
    assert "Schlichtes T-Shirt" in text(page.text)
    assert "19,90 €" in text(page.text)


@pytest.mark.parametrize("quantity", ["0", "-1", "100", "99999999999999999999", "abc", "", "1.5", "１２"])
async def test_invalid_quantities_rerender_the_product_page_with_a_message(client, quantity: str) -> None:
    await build_catalog([TEE])
    response = await add_to_cart(client, "de", "schlichtes-t-shirt", quantity, size="m", colour="navy")
    assert response.status_code == 422
    assert "Geben Sie eine ganze Zahl zwischen 1 und 99 ein." in text(
        response.text
    ) or "between 1 and 99" in text(response.text)
    # What the shopper typed and chose is kept.
    assert input_value(response.text, "quantity") == quantity
    checked = {a["name"]: a["value"] for a in tags(response.text, "input", type="radio") if "checked" in a}
    assert checked == {"opt_size": "m", "opt_colour": "navy"}
    assert await CartLine.count().run() == 0


async def test_tampered_option_values_are_refused_with_a_message(client) -> None:
    await build_catalog([TEE])
    response = await add_to_cart(client, "en", "plain-tee", "1", size="xxl", colour="navy")
    assert response.status_code == 422
    assert "Choose one of the options offered for each choice." in text(response.text)


async def test_more_than_in_stock_is_refused(client) -> None:
    await build_catalog([TEE], stock={"TS-001-M-NAVY": 2})
    response = await add_to_cart(client, "en", "plain-tee", "3", size="m", colour="navy")
    assert response.status_code == 422
    assert "Only 2 left in stock." in text(response.text)
    response = await add_to_cart(client, "en", "plain-tee", "1", size="s", colour="navy")
    assert response.status_code == 422
    assert "Sorry, this item is sold out." in text(response.text)


async def test_update_with_bad_quantity_or_unknown_sku_keeps_the_cart(client) -> None:
    await build_catalog([TEE])
    await add_to_cart(client, "en", "plain-tee", "2", size="m", colour="navy")
    response = await post_form(client, "/en/cart", "/en/cart/update", sku="TS-001-M-NAVY", quantity="lots")
    assert response.status_code == 422
    assert "between 1 and 99" in text(response.text)
    assert input_value(response.text, "quantity") == "lots"
    response = await post_form(client, "/en/cart", "/en/cart/update", sku="NOPE-1", quantity="1")
    assert response.status_code == 422
    assert "This item is no longer in your cart." in text(response.text)
    lines = await CartLine.select(CartLine.quantity).run()
    assert [line["quantity"] for line in lines] == [2]


async def test_forms_without_csrf_token_are_refused(client) -> None:
    await build_catalog([TEE])
    await client.get("/en/p/plain-tee")
    response = await client.post(
        "/en/p/plain-tee", data={"opt_size": "m", "opt_colour": "navy", "quantity": "1"}
    )
    assert response.status_code == 403
    assert "This form has expired" in text(response.text)
    assert await CartLine.count().run() == 0
