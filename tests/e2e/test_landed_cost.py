"""Landed cost in a real browser: a shopper in /ja/ (Japan), and in /en/ shipping to the UK and to
the US, sees the tax and duty lines with their explanations and pays exactly the total shown."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from app.catalog.tables import Product, ProductTranslation
from app.orders.tables import Order, OrderCharge
from tests.builders import load_demo, snapshot_rates, store_rates
from tests.database import run_async

# A mains charger (EUR 79.90 with German VAT, made in China, HS 850440): light, unrestricted.
PRODUCT = "CH-003"
SHOPPERS = {
    # Two chargers come to about JPY 21,000: over Japan's JPY 10,000 small-amount limit, so import
    # consumption tax and duty are due, collected at checkout (the Japanese market is DDP).
    "ja-JP": {
        "locale": "ja",
        "country": "JP",
        "quantity": "2",
        "fields": {"name": "山田花子", "postal_code": "100-0001", "street_address": "千代田区千代田1-1"},
        "selects": {"country_area": "東京都"},
        "currency": "JPY",
        "kinds": {"tax", "duty"},
        "included": False,
    },
    # One charger is under GBP 135: UK VAT at the point of sale, already in the price shown.
    "en-GB": {
        "locale": "en",
        "country": "GB",
        "quantity": "1",
        "fields": {
            "name": "Ada Lovelace",
            "street_address": "1 Main Street",
            "city": "London",
            "postal_code": "SW1A 1AA",
        },
        "selects": {},
        "currency": "GBP",
        "kinds": {"tax"},
        "included": True,
    },
    # US prices are net; duty on every parcel since August 2025, collected at checkout (DDP).
    "en-US": {
        "locale": "en",
        "country": "US",
        "quantity": "1",
        "fields": {
            "name": "Grace Hopper",
            "street_address": "1 Main Street",
            "city": "New York",
            "postal_code": "10001",
        },
        "selects": {"country_area": "NY"},
        "currency": "USD",
        "kinds": {"duty", "fee"},  # duty and the customs processing fee (MPF)
        "included": False,
    },
}


async def product_slug(locale: str) -> str:
    product = await Product.select(Product.id).where(Product.code == PRODUCT).first().run()
    row = (
        await ProductTranslation.select(ProductTranslation.slug)
        .where((ProductTranslation.product == product["id"]) & (ProductTranslation.locale == locale))
        .first()
        .run()
    )
    return row["slug"]


def minor(text: str) -> int:
    """The digits of a formatted amount as minor units (￥21,480 -> 21480, £70.99 -> 7099)."""
    return int(re.sub(r"\D", "", text))


@pytest.mark.e2e
@pytest.mark.parametrize("shopper", sorted(SHOPPERS))
def test_the_breakdown_is_shown_and_its_total_charged(
    browser, live_server: str, artifacts: Path, shopper: str
) -> None:
    case = SHOPPERS[shopper]
    locale, country = case["locale"], case["country"]
    run_async(load_demo())
    run_async(store_rates(snapshot_rates()))
    slug = run_async(product_slug(locale))
    context = browser.new_context(locale=shopper, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server}/{locale}/")
    if country != "JP":  # the Japanese page already prices for Japan; choose the others' country
        page.locator("details.market-switcher summary").click()
        page.locator("#pref-country").select_option(country)
        page.locator("form.market-form button").click()
        page.wait_for_load_state()
    page.goto(f"{live_server}/{locale}/p/{quote(slug)}")
    note = page.locator(".product-price + p.hint").inner_text()
    page.locator("#quantity").fill(case["quantity"])
    page.locator("form.add-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cart\?added="))
    page.locator("a.button.primary").click()  # Check out

    if page.locator("#country").input_value() != country:
        with page.expect_navigation():  # the address form is re-rendered on the server
            page.locator("#country").select_option(country)
    page.wait_for_selector("#addr-street_address")
    page.locator("#email").fill(f"{shopper}@example.com")
    for name, value in case["fields"].items():
        page.locator(f"#addr-{name}").fill(value)
    for name, value in case["selects"].items():
        with page.expect_navigation():  # the state decides US sales tax: the summary is re-worked
            page.locator(f"#addr-{name}").select_option(value)
    standard = page.locator('input[name="shipping_method"][value="standard"]')
    if not standard.is_checked():
        with page.expect_navigation():
            standard.check()

    summary = page.locator("aside.order-summary")
    summary_text = summary.inner_text()
    amounts_shown = {
        minor(text) for text in summary.locator("dd").all_inner_texts() if re.search(r"\d", text)
    }
    shown_total = page.locator("#quote-total").inner_text()
    status = page.locator("#tax-status").inner_text()
    page.screenshot(path=str(artifacts / f"landed-{shopper}-checkout.png"), full_page=True)
    page.locator('input[name="payment_method"][value="test"]').check()
    page.locator("#card_number").fill("4242 4242 4242 4242")
    page.locator("form.checkout-form button.primary").click()
    page.wait_for_url(re.compile(rf"/{locale}/orders/SF-[A-Z0-9]{{8}}\?key="))
    number = re.search(r"SF-[A-Z0-9]{8}", page.url).group(0)
    assert shown_total in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / f"landed-{shopper}-order.png"), full_page=True)
    assert errors == []
    context.close()

    order = run_async(
        Order.select(Order.id, Order.currency, Order.total_minor, Order.incoterm, Order.shipping_country)
        .where(Order.number == number)
        .first()
        .run()
    )
    charges = run_async(OrderCharge.select().where(OrderCharge.order == order["id"]).run())
    assert (order["currency"], order["shipping_country"], order["incoterm"]) == (
        case["currency"],
        country,
        "DDP",
    )
    assert order["total_minor"] == minor(shown_total)  # charged exactly the total the summary showed
    assert {c["kind"] for c in charges} == case["kinds"]
    assert all(c["collected"] == "checkout" and c["included"] is case["included"] for c in charges)
    assert all(c["data_version"] and c["rule"] for c in charges)
    # Each line was on the page with its explanation; the shopper was told nothing more is due.
    assert {c["amount_minor"] for c in charges} <= amounts_shown
    assert status.strip() and "%(" not in status and "%(" not in summary_text
    assert note.strip()
