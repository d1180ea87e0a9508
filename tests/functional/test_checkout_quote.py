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


def summary_rows(html: str) -> list[tuple[str, str]]:
    """The order summary's (label, amount) rows, from subtotal to total."""
    summary = re.search(r'<aside class="order-summary".*?<dl>(.*?)</dl>', html, re.S).group(1)
    return [
        (text(label), text(amount))
        for label, amount in re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", summary, re.S)
    ]


def euros(shown: str) -> Decimal:
    """'€1.73' -> 1.73; '−€9.58' -> -9.58 (the summary's minus sign)."""
    return Decimal(shown.replace("€", "").replace("−", "-").replace("incl. ", "").replace(",", ""))


async def test_express_is_charged_only_after_its_total_was_shown(client) -> None:
    """Picking Express on a page that summed Standard must not charge a total nobody saw."""
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug")
    page = await client.get("/en/checkout")
    # 12.50 (German VAT included) + 4.90 net standard x 1.19 VAT = 5.83
    assert summary_total(page.text) == "€18.33"
    values = {**form_values(page.text, "/en/checkout"), **GERMAN_CHECKOUT, "payment_method": "manual"}
    values["shipping_method"] = "express"

    response = await client.post("/en/checkout", data=values, follow_redirects=False)
    assert response.status_code == 409
    assert "Your shipping choice changed the total" in text(response.text)
    assert summary_total(response.text) == "€24.28"  # 12.50 + 9.90 net express x 1.19 = 11.78, now shown
    assert await Order.count().run() == 0

    # The page kept what was typed (textareas too, which form_values does not read) and now shows Express.
    again = {**form_values(response.text, "/en/checkout"), **GERMAN_CHECKOUT, "payment_method": "manual"}
    again["shipping_method"] = "express"
    response = await client.post("/en/checkout", data=again, follow_redirects=False)
    assert response.status_code == 303, text(response.text)[:400]
    order = await Order.select(Order.total_minor, Order.shipping_method).first().run()
    assert order == {"total_minor": 2428, "shipping_method": "express"}


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
    assert summary_total(response.text) == "€24.28"  # 12.50 + 9.90 net express x 1.19 = 11.78
    # The German VAT in those prices is shown, not added: 24.28 x 19/119 = 3.88.
    assert ("VAT/GST 19% Domestic VAT 19% charged at checkout", "incl. €3.88") in summary_rows(response.text)
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
    # Still priced for Germany (VAT included): 12.50 and 39.90 net express to North America x 1.19
    # = 47.48. Exported to the US, the German VAT comes off (12.50 -> 10.50 net, 47.48 -> 39.90:
    # 9.58) and US duty is added at checkout (DDP): 16.5 % on the 10.50 T-shirt-coded article =
    # 1.73, plus CBP's USD 2.69 processing fee in euros at the shop's rates.
    rows = summary_rows(response.text)
    assert rows[0] == ("Subtotal", "€12.50")
    assert rows[1] == ("Shipping (Express delivery, United States)", "€47.48")
    duty = next(amount for label, amount in rows if label.startswith("Import duty 16.5%"))
    fee = next(amount for label, amount in rows if label.startswith("Merchandise processing fee"))
    removed = next(amount for label, amount in rows if label.startswith("Tax not charged at checkout"))
    assert (duty, removed) == ("€1.73", "−€9.58")
    assert rows[-1] == ("Total", summary_total(response.text))
    total = Decimal("12.50") + Decimal("47.48") + euros(duty) + euros(fee) + euros(removed)
    assert euros(summary_total(response.text)) == total
    assert "ZIP code" in text(response.text)


async def test_api_quote_and_its_version_guard_the_whole_total(client) -> None:
    await build_catalog([MUG], stock=5)
    token = (await client.post("/api/v1/carts")).json()["token"]
    await client.post(f"/api/v1/carts/{token}/lines", json={"sku": "MG-001", "quantity": 2})
    standard = (await client.get(f"/api/v1/carts/{token}/quote?country=DE")).json()
    express = (await client.get(f"/api/v1/carts/{token}/quote?country=DE&shipping_method=express")).json()
    # 2 x 12.50 (German VAT included) + 4.90 / 9.90 net shipping x 1.19 = 5.83 / 11.78
    assert (standard["total"]["amount"], express["total"]["amount"]) == ("30.83", "36.78")
    # The VAT in them is one included 19 % line, not added: 30.83 x 19/119 = 4.92, 36.78 x 19/119 = 5.87.
    for quote, vat in ((standard, "4.92"), (express, "5.87")):
        [line] = quote["charges"]
        assert (line["rate"], line["included"], line["amount"]["amount"]) == ("19", True, vat)
        assert quote["settlement"]["taxes"]["minor"] == 0 and quote["can_order"]
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
    assert response.json()["total"]["minor"] == express["total"]["minor"] == 3678


async def test_stale_rates_price_in_the_base_currency_everywhere(client) -> None:
    """Pages, cart, API and checkout share one policy: no JPY prices from a week-old rate."""
    await build_catalog([MUG], stock=5)
    await store_rates(RATES, as_of=(datetime.now(UTC) - timedelta(days=7)).date())
    set_country(client, "JP")
    page = await client.get("/ja/p/石器マグ")
    # Japan's prices are net (its tax is paid on import): 12.50 / 1.19 = 10.50, in euros.
    assert "€10.50" in text(page.text) and "￥" not in text(page.text)
    assert "JPY" in text(page.text)  # the notice names the currency that is out of date
    assert 'value="JPY"' not in page.text  # and the selector does not offer it

    product = (await client.get("/api/v1/products/MG-001?country=JP")).json()
    assert product["variants"][0]["price"]["currency"] == "EUR"

    await add_to_cart(client, "ja", "石器マグ")
    cart = await client.get("/ja/cart")
    assert "€10.50" in text(cart.text)
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
    # Japan's prices are net (12.50 / 1.19 German VAT): 10.504 x 163.2 = 1714.3 -> nearest 10 = 1710.
    unit = round_price(Decimal("12.50") * 100 / 119 * shown, "JPY", Rounding.parse("nearest:10"))
    assert unit == 1710
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
