"""Guest checkout through the HTML shop: addresses by country, payments, confirmation, lookup."""

from __future__ import annotations

import re

import pytest

from app.catalog.tables import Variant
from app.orders.tables import Order, OrderCharge, OrderEvent
from app.payments.tables import Payment
from tests.builders import build_catalog, product
from tests.functional.shop import GERMAN_CHECKOUT, add_to_cart, input_value, post_form
from tests.html import form_values, tags, text

MUG = product(
    "MG-001",
    "Stoneware Mug",
    category="mugs",
    price="12.50",
    options={"colour": ["sage", "cream"]},
    ja="石器マグ",
)


async def checkout(client, locale: str = "en", /, **fields: str):
    return await post_form(client, f"/{locale}/checkout", f"/{locale}/checkout", **fields)


async def test_bank_transfer_checkout_creates_a_pending_order_with_a_frozen_copy(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "2", colour="sage")
    response = await checkout(client, **GERMAN_CHECKOUT, payment_method="manual")
    assert response.status_code == 303, text(response.text)[:600]
    location = response.headers["location"]
    assert re.match(r"^/en/orders/SF-[2-9A-HJ-NP-Z]{8}\?key=[0-9a-f]{32}$", location)

    page = await client.get(location)
    body = text(page.text)
    assert "Awaiting payment" in body
    assert "Please pay by bank transfer" in body
    # 2 x 12.50 (German VAT included) + 4.90 net domestic standard shipping x 1.19 VAT = 5.83
    assert "€30.83" in body
    assert "Heidestraße 17" in body and "51147 KÖLN" in body and "Germany" in body

    order = await Order.select().first().run()
    assert order["status"] == "pending_payment"
    assert order["email"] == "erika@example.com"
    assert (order["subtotal_minor"], order["shipping_minor"], order["total_minor"]) == (2500, 583, 3083)
    # The VAT is in the prices: nothing is added (taxes_minor 0); one included 19 % line,
    # 30.83 x 19/119 = 4.92.
    assert (order["taxes_minor"], order["incoterm"]) == (0, "DDP")
    charges = await OrderCharge.select(
        OrderCharge.kind, OrderCharge.rate, OrderCharge.amount_minor, OrderCharge.included
    ).run()
    assert charges == [{"kind": "tax", "rate": "19", "amount_minor": 492, "included": True}]
    assert (await Variant.select(Variant.stock).where(Variant.sku == "MG-001-SAGE").first().run())[
        "stock"
    ] == 3
    events = await OrderEvent.select(OrderEvent.to_status, OrderEvent.actor).run()
    assert events == [{"to_status": "pending_payment", "actor": "shopper"}]
    # The cart is empty after ordering.
    assert "Your cart is empty." in text((await client.get("/en/cart")).text)


async def test_test_card_success_marks_the_order_paid(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "1", colour="cream")
    response = await checkout(
        client, **GERMAN_CHECKOUT, payment_method="test", card_number="4242 4242 4242 4242"
    )
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Paid" in text(page.text)
    order = await Order.select(Order.status, Order.paid_at).first().run()
    assert order["status"] == "paid" and order["paid_at"] is not None


async def test_declined_card_leads_to_retry_which_can_succeed(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "1", colour="cream")
    response = await checkout(
        client, **GERMAN_CHECKOUT, payment_method="test", card_number="4000 0000 0000 0002"
    )
    assert response.status_code == 303
    pay_path = response.headers["location"]
    assert "/pay?key=" in pay_path
    page = await client.get(pay_path)
    assert "Your card was declined." in text(page.text)
    order = await Order.select(Order.status).first().run()
    assert order["status"] == "pending_payment"

    action = pay_path.replace("&amp;", "&")
    values = form_values(page.text, action)
    values.update(payment_method="test", card_number="4242424242424242")
    response = await client.post(action, data=values, follow_redirects=False)
    assert response.status_code == 303
    assert (await Order.select(Order.status).first().run())["status"] == "paid"
    assert sorted(p["status"] for p in await Payment.select(Payment.status).run()) == ["failed", "succeeded"]


async def test_invalid_address_rerenders_in_the_shoppers_language_keeping_input(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "de", "stoneware-mug-de", "1", colour="sage")
    response = await checkout(
        client,
        "de",
        **{**GERMAN_CHECKOUT, "postal_code": "1234", "email": "not-an-email", "city": ""},
        payment_method="manual",
    )
    assert response.status_code == 422
    body = text(response.text)
    assert "Geben Sie eine gültige E-Mail-Adresse ein" in body  # the error, in the page's language
    assert input_value(response.text, "email") == "not-an-email"
    assert input_value(response.text, "postal_code") == "1234"
    invalid = {a["name"] for a in tags(response.text, "input") if a.get("aria-invalid") == "true"}
    assert {"email", "postal_code", "city"} <= invalid
    assert await Order.count().run() == 0


async def test_address_form_follows_the_destination_country(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "ja", "石器マグ", "1", colour="sage")
    page = await client.get("/ja/checkout?country=JP")
    names = [
        a["name"] for a in tags(page.text, "input") + tags(page.text, "select") + tags(page.text, "textarea")
    ]
    # Japanese order: postal code first, then prefecture, street; no separate city field.
    address = [n for n in names if n in {"name", "postal_code", "country_area", "street_address", "city"}]
    assert address.index("postal_code") < address.index("country_area") < address.index("street_address")
    assert "city" not in address
    prefectures = [a["value"] for a in tags(page.text, "option") if a.get("value")]
    assert "東京都" in prefectures

    page = await client.get("/en/checkout?country=US")
    labels = text(page.text)
    assert "State" in labels and "ZIP code" in labels


async def test_japanese_address_is_validated_and_formatted_the_japanese_way(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "ja", "石器マグ", "1", colour="sage")
    fields = {
        "email": "hanako@example.jp",
        "country": "JP",
        "name": "山田花子",
        "postal_code": "1000001",
        "country_area": "東京都",
        "street_address": "千代田区千代田1-1",
        "shipping_method": "express",
        "payment_method": "manual",
    }
    response = await checkout(client, "ja", **{**fields, "postal_code": "12"})
    assert response.status_code == 422
    # The form comes back with the Express total to Japan. The shopper's prices are German
    # (VAT included): 12.50 and 44.90 net express x 1.19 = 53.43. Exported to Japan, that VAT comes
    # off: 12.50 / 1.19 = 10.50 and 44.90 net, so 65.93 - 10.53 = 55.40 (under JPY 10,000:
    # no Japanese duty or consumption tax).
    summary = text(response.text)
    assert "€53.43" in summary and "−€10.53" in summary and "€55.40" in summary
    values = {**form_values(response.text, "/ja/checkout"), **fields}
    response = await client.post("/ja/checkout", data=values, follow_redirects=False)
    assert response.status_code == 303, text(response.text)[:500]
    order = (
        await Order.select(
            Order.shipping_country,
            Order.shipping_minor,
            Order.taxes_minor,
            Order.total_minor,
            Order.locale,
        )
        .first()
        .run()
    )
    assert order == {
        "shipping_country": "JP",
        "shipping_minor": 5343,  # as shown: 44.90 x 1.19
        "taxes_minor": -1053,  # the German VAT taken off: 12.50 + 53.43 - 10.50 - 44.90
        "total_minor": 5540,  # 1250 + 5343 - 1053
        "locale": "ja",
    }
    [removed] = await OrderCharge.select(OrderCharge.kind, OrderCharge.amount_minor).run()
    assert removed == {"kind": "removed", "amount_minor": 1053}
    page = await client.get(response.headers["location"])
    assert "日本" in text(page.text)


async def test_changing_country_keeps_what_was_typed(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "1", colour="sage")
    response = await checkout(
        client, email="a@example.com", name="Ann Lee", country="US", action="change_country"
    )
    assert response.status_code == 200
    assert input_value(response.text, "email") == "a@example.com"
    assert input_value(response.text, "name") == "Ann Lee"
    assert "ZIP code" in text(response.text)


async def test_double_submission_places_one_order(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "1", colour="sage")
    page = await client.get("/en/checkout")
    values = form_values(page.text, "/en/checkout")
    values.update(GERMAN_CHECKOUT, payment_method="manual")
    first = await client.post("/en/checkout", data=values, follow_redirects=False)
    second = await client.post("/en/checkout", data=values, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await Order.count().run() == 1


async def test_item_sold_out_during_checkout_keeps_cart_and_explains(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "2", colour="sage")
    await Variant.update({Variant.stock: 1}).where(Variant.sku == "MG-001-SAGE").run()
    response = await checkout(client, **GERMAN_CHECKOUT, payment_method="manual")
    assert response.status_code == 409
    assert "sold out while you were shopping" in text(response.text)
    assert "MG-001-SAGE" in text(response.text)
    assert await Order.count().run() == 0
    assert (await Variant.select(Variant.stock).where(Variant.sku == "MG-001-SAGE").first().run())[
        "stock"
    ] == 1


async def test_empty_cart_checkout_redirects_to_cart(client) -> None:
    await build_catalog([MUG])
    response = await client.get("/en/checkout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/en/cart"


@pytest.mark.parametrize("locale", ["en", "de", "ar"])
async def test_order_lookup_by_number_and_email(client, locale: str) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "1", colour="sage")
    placed = await checkout(client, **GERMAN_CHECKOUT, payment_method="manual")
    number = re.search(r"SF-\w{8}", placed.headers["location"]).group(0)

    lookup = f"/{locale}/orders/lookup"
    response = await post_form(client, lookup, lookup, number=number.lower(), email="ERIKA@example.com")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/{locale}/orders/{number}?key=")

    response = await post_form(client, lookup, lookup, number=number, email="someone@example.com")
    assert response.status_code == 422
    assert input_value(response.text, "email") == "someone@example.com"
    assert input_value(response.text, "number") == number


async def test_order_page_needs_the_right_key(client) -> None:
    await build_catalog([MUG], stock=5)
    await add_to_cart(client, "en", "stoneware-mug", "1", colour="sage")
    placed = await checkout(client, **GERMAN_CHECKOUT, payment_method="manual")
    path = placed.headers["location"]
    assert (await client.get(path)).status_code == 200
    assert (await client.get(path[:-4] + "0000")).status_code == 404
    assert (await client.get(path.split("?")[0])).status_code == 404
