"""Landed cost through HTTP: the API quote and the order carry the same tax lines, a province or a
restricted good stops the order with the reason, and the HTML checkout refuses what it cannot quote."""

from __future__ import annotations

from decimal import Decimal

from app.orders.tables import OrderCharge
from tests.builders import build_catalog, product, snapshot_rates, store_rates
from tests.functional.test_api import new_cart

COAT = product("CT-001", "Wool coat", price="119.00", hs_code="620140", origin="PT", weight=1200)
TEA = {**product("TE-001", "Green tea", category="mugs", price="8.90", hs_code="090210"), "tax_class": "food"}
TEA["restrictions"] = ["food"]


def amount(money: dict) -> Decimal:
    return Decimal(money["amount"])


async def test_a_uk_order_over_gbp_135_shows_the_tax_taken_off_and_the_import_vat(client) -> None:
    await build_catalog([COAT], stock=5)
    await store_rates(snapshot_rates())
    token = await new_cart(client, ("CT-001", 2))
    quote = (await client.get(f"/api/v1/carts/{token}/quote?country=GB")).json()
    assert quote["currency"] == "GBP" and amount(quote["subtotal"]) > 135
    kinds = {c["kind"]: c for c in quote["charges"]}
    assert set(kinds) == {"tax", "duty", "removed"}
    assert kinds["tax"]["collected"] == "checkout" and not kinds["tax"]["included"]
    assert kinds["duty"]["rule"] == "DUTY:GB:UK_EU_TCA" and amount(kinds["duty"]["amount"]) == 0
    assert kinds["removed"]["name"] == "Tax not charged at checkout"
    added = (
        amount(kinds["tax"]["amount"]) + amount(kinds["duty"]["amount"]) - amount(kinds["removed"]["amount"])
    )
    assert amount(quote["total"]) == amount(quote["subtotal"]) + amount(quote["shipping"]) + added
    assert quote["incoterm"] == "DDP" and amount(quote["due_on_delivery"]) == 0 and quote["can_order"]

    order = (
        await client.post(
            f"/api/v1/carts/{token}/checkout?currency=GBP",
            json={
                "email": "uk@example.com",
                "country": "GB",
                "currency": "GBP",
                "address": {
                    "name": "Ada",
                    "street_address": "1 Main St",
                    "city": "London",
                    "postal_code": "SW1A 1AA",
                },
                "shipping_method": "standard",
                "payment": {"method": "test", "card_number": "4242424242424242"},
                "expected_quote": quote["version"],
            },
        )
    ).json()
    assert order["total"] == quote["total"] and order["incoterm"] == "DDP"
    assert [(c["kind"], c["amount"]) for c in order["charges"]] == [
        (c["kind"], c["amount"]) for c in quote["charges"]
    ]
    rows = await OrderCharge.select(OrderCharge.data_version, OrderCharge.settlement_minor).run()
    assert len(rows) == 3 and all(r["data_version"] for r in rows)


async def test_canada_needs_a_province_and_then_adds_its_sales_tax(client) -> None:
    await build_catalog([COAT], stock=5)
    await store_rates(snapshot_rates())
    token = await new_cart(client, ("CT-001", 1))
    unknown = (await client.get(f"/api/v1/carts/{token}/quote?country=CA")).json()
    assert not unknown["can_order"] and "province" in unknown["tax_note"].lower()
    ontario = (await client.get(f"/api/v1/carts/{token}/quote?country=CA&region=ON")).json()
    assert ontario["can_order"] and ontario["version"] != unknown["version"]
    [hst] = [c for c in ontario["charges"] if c["kind"] == "tax"]
    assert hst["rate"] == "13" and hst["collected"] == "checkout" and not hst["included"]
    charged = sum(amount(c["amount"]) for c in ontario["charges"] if c["collected"] == "checkout")
    assert amount(ontario["total"]) == amount(ontario["subtotal"]) + amount(ontario["shipping"]) + charged


async def test_food_cannot_go_to_australia_and_says_why(client) -> None:
    await build_catalog([TEA], stock=5)
    await store_rates(snapshot_rates())
    token = await new_cart(client, ("TE-001", 1))
    quote = (await client.get(f"/api/v1/carts/{token}/quote?country=AU")).json()
    assert not quote["can_order"] and quote["shipping_methods"] == []
    assert "biosecurity" in quote["tax_note"]
    germany = (await client.get(f"/api/v1/carts/{token}/quote?country=DE")).json()
    [vat] = germany["charges"]
    assert germany["can_order"] and vat["rate"] == "7" and vat["included"]  # food: reduced German VAT


async def test_product_pages_estimate_one_items_taxes_where_prices_do_not_hold_them(client) -> None:
    await build_catalog([COAT], stock=5)
    await store_rates(snapshot_rates())
    url = "/en/p/wool-coat"
    client.cookies.set("country", "US", domain="shop.test")
    american = (await client.get(url)).text
    assert "Prices exclude tax" in american
    assert "Taxes and duties on one item, before shipping: about $" in american  # duty on every parcel
    client.cookies.set("country", "DE", domain="shop.test")
    german = (await client.get(url)).text
    assert "Prices include VAT for your country." in german and "on one item" not in german


async def test_a_merchant_duty_rate_on_the_product_overrides_the_tariff_default(client) -> None:
    ruled = {**COAT, "code": "CT-002", "duty_rates": {"US": "3.5", "EU": "0"}}
    await build_catalog([COAT, ruled], stock=5)
    await store_rates(snapshot_rates())
    duties = {}
    for sku in ("CT-001", "CT-002"):
        token = await new_cart(client, (sku, 1))
        quote = (await client.get(f"/api/v1/carts/{token}/quote?country=US")).json()
        [duties[sku]] = [c for c in quote["charges"] if c["kind"] == "duty"]
    assert duties["CT-001"]["rule"] == "DUTY:US:62" and duties["CT-001"]["rate"] != "3.5"  # chapter default
    assert (duties["CT-002"]["rule"], duties["CT-002"]["rate"]) == ("DUTY:US:override", "3.5")
