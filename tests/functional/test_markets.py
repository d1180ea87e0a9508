"""Shopper-facing multi-currency pricing: markets, the selector, price lists, checkout in JPY and KWD."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.catalog.tables import Variant
from app.markets.tables import PriceOverride
from app.orders.tables import Order, OrderCharge, OrderLine
from app.payments.tables import Payment
from tests.builders import build_catalog, product, store_rates
from tests.functional.shop import JAPANESE_CHECKOUT, add_to_cart, post_form, set_country
from tests.html import form_values, text

# Units per EUR on "today": JPY 160, CHF 0.95, KWD 0.34 (and AED via the USD peg is not used here).
RATES = {"USD": "1.10", "JPY": "160", "CHF": "0.95", "KWD": "0.34", "GBP": "0.85"}
TEE = product(
    "TS-001",
    "Plain Tee",
    price="24.90",
    options={"size": ["s", "m"]},
    ja="無地Tシャツ",
    de="Schlichtes T-Shirt",
    ar="تي شيرت سادة",
)


def shown_price(html: str) -> str:
    return text(re.search(r'<p class="price product-price">(.*?)</p>', html, re.S).group(1))


async def test_the_same_product_in_four_markets(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    # 24.90 EUR entered with 19 % German VAT -> the destination's price (net 24.90 / 1.19 = 20.924,
    # plus the destination's tax where the shop charges it) x rate x (1 + markup), then the
    # market's rounding rule, formatted for the page locale.
    set_country(client, "JP")
    assert (
        shown_price((await client.get("/ja/p/無地tシャツ")).text) == "￥3,410"
    )  # net (tax paid on import): 20.924*160*1.02 = 3414.9 -> nearest 10
    set_country(client, "DE")
    assert shown_price((await client.get("/de/p/schlichtes-t-shirt")).text) == "24,90 €"
    set_country(client, "CH")
    assert (
        shown_price((await client.get("/de/p/schlichtes-t-shirt")).text) == "21,70 CHF"
    )  # with Swiss VAT 8.1 % (CH_VAT): 20.924*1.081*0.95*1.01 = 21.704 -> 0.05
    set_country(client, "KW")
    assert (
        shown_price((await client.get("/ar/p/تي-شيرت-سادة")).text) == "\u200f7.257 د.ك.\u200f"
    )  # net (no tax charged by the shop): 20.924*0.34*1.02 = 7.25657 -> fils


async def test_without_a_choice_the_language_region_decides(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    client.cookies.clear()
    page = await client.get("/en/p/plain-tee", headers={"Accept-Language": "en-GB,en;q=0.8"})
    # With UK VAT 20 % instead of 19 %: 24.90/1.19*1.20*0.85*1.02 = 21.77 -> .99 ending
    assert shown_price(page.text) == "£21.99"
    page = await client.get("/ja/p/無地tシャツ")
    assert shown_price(page.text).startswith("￥")
    page = await client.get("/en/p/plain-tee")  # English alone says nothing: rest of the world, USD
    # US prices are net (tax-exclusive market): 24.90/1.19*1.10*1.03 = 23.71 -> .99
    assert shown_price(page.text) == "$23.99"


async def test_selector_remembers_country_and_currency_and_returns_to_the_page(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    response = await post_form(
        client, "/de/p/schlichtes-t-shirt?size=m", "/de/preferences", country="CH", currency=""
    )
    assert response.status_code == 303 and response.headers["location"] == "/de/p/schlichtes-t-shirt?size=m"
    assert "country=CH" in response.headers["set-cookie"]
    page = await client.get("/de/p/schlichtes-t-shirt")
    assert shown_price(page.text).endswith("CHF") and "Schweiz · CHF" in text(page.text)

    await post_form(client, "/de/p/schlichtes-t-shirt", "/de/preferences", country="CH", currency="EUR")
    # Shipped to Switzerland, in euros: Swiss VAT 8.1 % instead of German 19 %, no conversion:
    # 24.90 / 1.19 x 1.081 = 22.619 -> 22.62
    assert shown_price((await client.get("/de/p/schlichtes-t-shirt")).text) == "22,62 €"
    await post_form(client, "/de/p/schlichtes-t-shirt", "/de/preferences", country="CH", currency="")
    assert shown_price((await client.get("/de/p/schlichtes-t-shirt")).text).endswith("CHF")

    for hostile in ["https://evil.example/", "//evil.example/", "/\\evil", "javascript:alert(1)"]:
        response = await post_form(
            client, "/de/", "/de/preferences", country="XX", currency="???", next=hostile
        )
        assert response.status_code == 303 and response.headers["location"] == "/de/"
        assert "country=" not in response.headers.get("set-cookie", "")


async def test_a_fixed_market_price_wins_over_conversion(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    variant = await Variant.select(Variant.id).where(Variant.sku == "TS-001-S").first().run()
    await PriceOverride.insert(
        PriceOverride(variant=variant["id"], market="jp", price_minor=3980, currency="JPY")
    ).run()
    from app.catalog.services import bump_revision

    await bump_revision()
    set_country(client, "JP")
    page = await client.get("/ja/p/無地tシャツ?size=s")
    assert shown_price(page.text) == "￥3,980"
    # Size M is still converted, net as Japan's prices are: 24.90/1.19*160*1.02 = 3414.9 -> 3410
    assert "￥3,410" in text(page.text)


async def checkout_in(client, locale: str, slug: str, fields: dict[str, str]) -> str:
    await add_to_cart(client, locale, slug, "2", size="m")
    await add_to_cart(client, locale, slug, "1", size="s")
    response = await post_form(client, f"/{locale}/checkout", f"/{locale}/checkout", **fields)
    assert response.status_code == 303, text(response.text)[:800]
    return re.search(r"SF-\w{8}", response.headers["location"]).group(0)


async def assert_order_adds_up(number: str, currency: str, rate: str) -> dict:
    order = await Order.select().where(Order.number == number).first().run()
    lines = await OrderLine.select().where(OrderLine.order == order["id"]).run()
    payment = await Payment.select().where(Payment.order == order["id"]).first().run()
    assert order["currency"] == currency and order["settlement_currency"] == "EUR"
    assert Decimal(order["fx_rate"]) == Decimal(rate)
    assert order["fx_source"] == "test rates" and order["fx_as_of"] == datetime.now(UTC).date().isoformat()
    assert sum(line["line_total_minor"] for line in lines) == order["subtotal_minor"]
    # The taxes' adjustment is the charges collected now less any tax taken off the prices.
    charges = await OrderCharge.select().where(OrderCharge.order == order["id"]).run()
    removed = sum(c["amount_minor"] for c in charges if c["kind"] == "removed")
    added = sum(
        c["amount_minor"]
        for c in charges
        if c["kind"] != "removed" and c["collected"] == "checkout" and not c["included"]
    )
    assert order["taxes_minor"] == added - removed
    assert (
        order["subtotal_minor"] + order["shipping_minor"] + order["taxes_minor"]
        == order["total_minor"]
        == payment["amount_minor"]
    )
    assert payment["currency"] == currency
    assert sum(line["settlement_total_minor"] for line in lines) == order["settlement_subtotal_minor"]
    assert (
        order["settlement_subtotal_minor"]
        + order["settlement_shipping_minor"]
        + order["settlement_taxes_minor"]
        == order["settlement_total_minor"]
    )
    return order


async def test_checkout_in_jpy_stores_presentment_and_settlement(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    set_country(client, "JP")
    number = await checkout_in(
        client,
        "ja",
        "無地tシャツ",
        JAPANESE_CHECKOUT,
    )
    order = await assert_order_adds_up(number, "JPY", "160")
    # Japan's prices are net: 3 x (24.90 / 1.19 x 160 x 1.02 = 3414.9 -> 3410) = 10230;
    # shipping (net) 21.90 EUR * 160 * 1.02 = 3574.08 -> 3574 (shipping: minor unit only).
    # Over JPY 10,000, so duty and consumption tax are charged at checkout (DDP), per line on its
    # share of the CIF value 10230 + 3574 = 13804 (1/3: 4601, 2/3: 9203): duty 5 % (an estimate)
    # 230 + 460, consumption tax 10 % of value + duty 483 + 966; together 2139.
    assert (order["subtotal_minor"], order["shipping_minor"]) == (10230, 3574)
    assert (order["taxes_minor"], order["total_minor"], order["incoterm"]) == (2139, 15943, "DDP")
    charges = await OrderCharge.select(OrderCharge.kind, OrderCharge.rate, OrderCharge.amount_minor).run()
    assert sorted((c["kind"], c["rate"], c["amount_minor"]) for c in charges) == [
        ("duty", "5", 230),
        ("duty", "5", 460),
        ("tax", "10", 483),
        ("tax", "10", 966),
    ]
    assert order["settlement_total_minor"] == 9964  # 15943 / 160 = 99.644 -> 99.64 EUR
    assert (await client.get(f"/ja/orders/{number}")).status_code == 404  # no key, no page


async def test_checkout_in_kwd_with_three_decimals(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    set_country(client, "KW")
    fields = {
        "email": "a@example.com",
        "country": "KW",
        "name": "Fatima Al-Sabah",
        "street_address": "Block 3, Street 12, House 7",
        "city": "Kuwait City",
        "postal_code": "13001",
        "shipping_method": "standard",
        "payment_method": "test",
        "card_number": "4242424242424242",
    }
    await add_to_cart(client, "ar", "تي-شيرت-سادة", "2", size="m")
    response = await post_form(client, "/ar/checkout", "/ar/checkout", **fields)
    if response.status_code == 422:  # Kuwait's address form may differ: send only its fields
        response = await post_form(
            client, "/ar/checkout", "/ar/checkout", **{k: v for k, v in fields.items() if k != "postal_code"}
        )
    assert response.status_code == 303, text(response.text)[:800]
    number = re.search(r"SF-\w{8}", response.headers["location"]).group(0)
    order = await assert_order_adds_up(number, "KWD", "0.34")
    assert order["status"] == "paid"
    # Kuwait's prices are net: 24.90 / 1.19 x 0.34 x 1.02 = 7.25657 -> 7.257 KWD each, in fils.
    assert order["subtotal_minor"] == 2 * 7257
    # The shop has no Kuwaiti import rules: nothing added, any charges are due on delivery (DAP).
    assert (order["taxes_minor"], order["incoterm"]) == (0, "DAP")
    page = await client.get(response.headers["location"])
    body = text(page.text)
    assert "د.ك." in body and "€" in body  # both what was paid and what the shop receives


async def test_stale_rates_fall_back_to_the_base_currency_at_checkout(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES, as_of=(datetime.now(UTC) - timedelta(days=10)).date())
    set_country(client, "JP")
    # One policy everywhere: pages too show the base currency, and say why.
    page = await client.get("/ja/p/無地tシャツ")
    # Still Japan's net price (its tax is paid on import), in euros: 24.90 / 1.19 = 20.92.
    assert shown_price(page.text) == "€20.92"
    assert "JPY" in text(page.text)
    await add_to_cart(client, "ja", "無地tシャツ", "1", size="m")
    page = await client.get("/ja/checkout?country=JP")
    assert "EUR" in text(page.text) and "€20.92" in text(page.text)
    response = await post_form(
        client,
        "/ja/checkout",
        "/ja/checkout",
        **JAPANESE_CHECKOUT,
    )
    assert response.status_code == 303
    order = (
        await Order.select(Order.currency, Order.taxes_minor, Order.total_minor, Order.settlement_total_minor)
        .first()
        .run()
    )
    # 20.92 net + 21.90 net standard shipping; under JPY 10,000, so no Japanese duty or tax.
    assert order["taxes_minor"] == 0
    assert (
        order["currency"] == "EUR" and order["total_minor"] == order["settlement_total_minor"] == 2092 + 2190
    )


async def test_a_rate_change_during_checkout_is_shown_before_charging(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    set_country(client, "JP")
    await add_to_cart(client, "ja", "無地tシャツ", "1", size="m")
    page = await client.get("/ja/checkout?country=JP")
    values = {**form_values(page.text, "/ja/checkout"), **JAPANESE_CHECKOUT}
    await store_rates({**RATES, "JPY": "165"})
    client.app.state.shop.fx_cache.reset()  # as after the cache's minute is up
    response = await client.post("/ja/checkout", data=values, follow_redirects=False)
    assert response.status_code == 409
    assert await Order.count().run() == 0
    values.update(quote=re.search(r'name="quote" value="([^"]+)"', response.text).group(1))
    response = await client.post("/ja/checkout", data=values, follow_redirects=False)
    assert response.status_code == 303
    assert (await Order.select(Order.fx_rate).first().run())["fx_rate"] == "165"


async def test_api_prices_for_a_country_and_currency(client) -> None:
    await build_catalog([TEE])
    await store_rates(RATES)
    detail = (await client.get("/api/v1/products/TS-001?country=JP")).json()
    assert detail["variants"][0]["price"] == {  # net: 24.90 / 1.19 x 160 x 1.02 = 3414.9 -> nearest 10
        "amount": "3410",
        "currency": "JPY",
        "minor": 3410,
        "formatted": "¥3,410",
    }
    detail = (await client.get("/api/v1/products/TS-001?country=JP&currency=CHF")).json()
    assert detail["variants"][0]["price"]["currency"] == "CHF"
    problem = (await client.get("/api/v1/products/TS-001?currency=XXX")).json()
    assert problem["code"] == "unknown_currency"


async def test_central_european_eu_members_price_in_their_own_currency(client) -> None:
    """CZ, HU and RO are EU member states with their own currencies: their markets, not the rest
    of the world (USD, 3 % markup, import duties). HUF and CZK are charged in whole units."""
    await build_catalog([TEE])
    await store_rates({**RATES, "CZK": "24.61", "HUF": "395.2", "RON": "5.074", "ISK": "143.1"})
    # 24.90 entered with German VAT is 20.924 net; EU members' prices hold their own VAT (OSS).
    expected = {
        "CZ": "CZK636",  # 20.924 x 1.21 x 24.61 x 1.02 = 635.55 -> whole crowns
        "HU": "HUF10,710",  # 20.924 x 1.27 x 395.2 x 1.02 = 10712.1 -> nearest 10, no fillér shown
        "RO": "RON131.99",  # 20.924 x 1.21 x 5.074 x 1.02 = 131.03 -> up to the next .99
        "IS": "ISK3,050",  # net, tax paid on import: 20.924 x 143.1 x 1.02 = 3054.1 -> nearest 10
    }
    for country, price in expected.items():
        set_country(client, country)
        page = await client.get("/en/p/plain-tee")
        assert shown_price(page.text) == price, country
        if country != "IS":
            assert "Prices include VAT for your country." in text(page.text), country
        else:
            assert "Prices exclude tax" in text(page.text)
