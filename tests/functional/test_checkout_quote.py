"""One checkout calculation: the total charged is always a total the shopper was shown.

The checkout page, the JSON API and order placement all use checkout/calculations.py; the
price-change guard covers the whole quote (goods, shipping, conversion), not just the goods.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.fx.rules import Rounding, round_price
from app.orders.tables import Order
from tests.builders import build_catalog, product, store_rates
from tests.functional.shop import GERMAN_CHECKOUT, JAPANESE_CHECKOUT, add_to_cart, set_country
from tests.html import form_values, text

MUG = product("MG-001", "Stoneware Mug", category="mugs", price="12.50", ja="石器マグ")
RATES = {"USD": "1.10", "JPY": "160", "GBP": "0.85"}


def summary_total(html: str) -> str:
    return text(re.search(r'id="quote-total">(.*?)</dd>', html, re.S).group(1))


async def test_express_is_charged_only_after_its_total_was_shown(client) -> None:
    """Picking Express on a page that summed Standard must not charge a total nobody saw."""
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug")
    page = await client.get("/en/checkout")
    assert summary_total(page.text) == "€17.40"  # 12.50 + 4.90 standard
    values = {**form_values(page.text, "/en/checkout"), **GERMAN_CHECKOUT, "payment_method": "manual"}
    values["shipping_method"] = "express"

    response = await client.post("/en/checkout", data=values, follow_redirects=False)
    assert response.status_code == 409
    assert "Your shipping choice changed the total" in text(response.text)
    assert summary_total(response.text) == "€22.40"  # 12.50 + 9.90 express, now shown
    assert await Order.count().run() == 0

    # The page kept what was typed (textareas too, which form_values does not read) and now shows Express.
    again = {**form_values(response.text, "/en/checkout"), **GERMAN_CHECKOUT, "payment_method": "manual"}
    again["shipping_method"] = "express"
    response = await client.post("/en/checkout", data=again, follow_redirects=False)
    assert response.status_code == 303, text(response.text)[:400]
    order = await Order.select(Order.total_minor, Order.shipping_method).first().run()
    assert order == {"total_minor": 2240, "shipping_method": "express"}


async def test_update_total_recomputes_the_summary_without_javascript(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug")
    page = await client.get("/en/checkout")
    values = {
        **form_values(page.text, "/en/checkout"),
        "shipping_method": "express",
        "action": "update_total",
    }
    response = await client.post("/en/checkout", data=values, follow_redirects=False)
    assert response.status_code == 200
    assert summary_total(response.text) == "€22.40"
    assert "need your attention" not in text(response.text)  # nothing was validated yet
    checked = [
        m
        for m in re.findall(
            r'<input type="radio" name="shipping_method" value="(\w+)"[^>]*checked', response.text
        )
    ]
    assert checked == ["express"]

    values = {**form_values(response.text, "/en/checkout"), "country": "US", "action": "change_country"}
    response = await client.post("/en/checkout", data=values, follow_redirects=False)
    assert summary_total(response.text) == "€52.40"  # 12.50 + 39.90 express to North America
    assert "ZIP code" in text(response.text)


async def test_api_quote_and_its_version_guard_the_whole_total(client) -> None:
    await build_catalog([MUG], stock=5)
    token = (await client.post("/api/v1/carts")).json()["token"]
    await client.post(f"/api/v1/carts/{token}/lines", json={"sku": "MG-001", "quantity": 2})
    standard = (await client.get(f"/api/v1/carts/{token}/quote?country=DE")).json()
    express = (await client.get(f"/api/v1/carts/{token}/quote?country=DE&shipping_method=express")).json()
    assert (standard["total"]["amount"], express["total"]["amount"]) == ("29.90", "34.90")
    assert standard["version"] != express["version"]
    assert [m["code"] for m in express["shipping_methods"]] == ["standard", "express"]

    body = {
        "email": "erika@example.com",
        "country": "DE",
        "address": {
            "name": "Erika M",
            "street_address": "Heidestraße 17",
            "postal_code": "51147",
            "city": "Köln",
        },
        "shipping_method": "express",
        "payment": {"method": "manual"},
        "expected_quote": standard["version"],  # the client showed the Standard total
    }
    response = await client.post(f"/api/v1/carts/{token}/checkout", json=body)
    assert response.status_code == 409 and response.json()["code"] == "prices_changed"
    assert await Order.count().run() == 0

    response = await client.post(
        f"/api/v1/carts/{token}/checkout", json={**body, "expected_quote": express["version"]}
    )
    assert response.status_code == 201, response.text
    assert response.json()["total"]["minor"] == express["total"]["minor"] == 3490


async def test_stale_rates_price_in_the_base_currency_everywhere(client) -> None:
    """Pages, cart, API and checkout share one policy: no JPY prices from a week-old rate."""
    await build_catalog([MUG], stock=5)
    await store_rates(RATES, as_of=(datetime.now(UTC) - timedelta(days=7)).date())
    set_country(client, "JP")
    page = await client.get("/ja/p/石器マグ")
    assert "€12.50" in text(page.text) and "￥" not in text(page.text)
    assert "JPY" in text(page.text)  # the notice names the currency that is out of date
    assert 'value="JPY"' not in page.text  # and the selector does not offer it

    product = (await client.get("/api/v1/products/MG-001?country=JP")).json()
    assert product["variants"][0]["price"]["currency"] == "EUR"

    await add_to_cart(client, "ja", "石器マグ")
    cart = await client.get("/ja/cart")
    assert "€12.50" in text(cart.text)
    page = await client.get("/ja/checkout?country=JP")
    values = {**form_values(page.text, "/ja/checkout"), **JAPANESE_CHECKOUT}
    response = await client.post("/ja/checkout", data=values, follow_redirects=False)
    assert response.status_code == 303, text(response.text)[:400]
    assert (await Order.select(Order.currency).first().run())["currency"] == "EUR"


async def test_fresh_rates_show_the_applied_rate_with_its_fee(client) -> None:
    """The disclosed rate is the one prices were converted at (markup included), with the digits
    needed to reproduce them."""
    await build_catalog([MUG], stock=5)
    await store_rates(RATES)
    set_country(client, "JP")
    await add_to_cart(client, "en", "stoneware-mug")
    page = await client.get("/en/checkout?country=JP")
    hint = text(page.text)
    found = re.search(r"1 EUR = ([\d,.]+) JPY, which includes our 2 % conversion fee", hint)
    assert found, hint[-600:]
    shown = Decimal(found.group(1).replace(",", ""))
    assert shown == Decimal("163.2")  # 160 x 1.02, not the mid-market 160
    unit = round_price(Decimal("12.50") * shown, "JPY", Rounding.parse("nearest:10"))
    assert f"¥{unit:,.0f}" in hint  # the shopper can reproduce the price from the shown rate

    values = {**form_values(page.text, "/en/checkout"), **JAPANESE_CHECKOUT}
    response = await client.post("/en/checkout", data=values, follow_redirects=False)
    assert response.status_code == 303, text(response.text)[:400]
    order = await Order.select(Order.fx_rate, Order.fx_applied_rate).first().run()
    # Settlement at the mid-market rate; the rate shown (fee included) is kept with the order.
    assert (Decimal(order["fx_rate"]), Decimal(order["fx_applied_rate"])) == (160, Decimal("163.2"))
    assert "1 EUR = 163.2 JPY, which includes our 2 % conversion fee" in text(
        (await client.get(response.headers["location"])).text
    )
