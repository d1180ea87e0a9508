"""A shopper in a real browser, on the Japanese and on the Arabic (right-to-left) shop."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from app.catalog.tables import Category, Product, ProductTranslation, Variant
from app.orders.tables import Order
from tests.builders import load_demo, snapshot_rates, store_rates
from tests.database import run_async

ADDRESSES = {
    "ja": {
        "country": "JP",
        "fields": {"name": "山田花子", "postal_code": "100-0001", "street_address": "千代田区千代田1-1"},
        "selects": {"country_area": "東京都"},
    },
    "ar": {
        "country": "KW",
        "fields": {
            "name": "ليلى أحمد",
            "street_address": "قطعة 3، شارع 12، منزل 7",
            "postal_code": "13009",
            "city": "الكويت",
        },
        "selects": {},
    },
}
# The Japanese shopper's currency follows their language's region; the Arabic one picks Kuwait.
CURRENCY = {"ja": "JPY", "ar": "KWD"}


async def shirt_with_two_variants_in_stock(locale: str) -> tuple[str, list[dict[str, str]]]:
    """A T-shirt from the demo catalogue and two of its in-stock variants' options."""
    category = await Category.select(Category.id).where(Category.code == "apparel-tshirts").first().run()
    for row in (
        await Product.select(Product.id).where(Product.category == category["id"]).order_by(Product.id).run()
    ):
        variants = (
            await Variant.select(Variant.options, Variant.stock)
            .where((Variant.product == row["id"]) & (Variant.stock > 2))
            .order_by(Variant.position)
            .run()
        )
        if len(variants) >= 2:
            slug = (
                await ProductTranslation.select(ProductTranslation.slug)
                .where((ProductTranslation.product == row["id"]) & (ProductTranslation.locale == locale))
                .first()
                .run()
            )
            return slug["slug"], [json.loads(v["options"]) for v in variants[:2]]
    raise AssertionError("no T-shirt with two variants in stock")


def choose_and_add(page, options: dict[str, str]) -> None:
    for axis, value in options.items():
        page.locator(f'input[name="opt_{axis}"][value="{value}"]').check()
    page.locator("form.add-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cart\?added="))


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["ja", "ar"])
def test_shopper_browses_adds_two_variants_and_checks_out(
    browser, live_server: str, artifacts: Path, locale: str
) -> None:
    run_async(load_demo())
    run_async(store_rates(snapshot_rates()))  # today's rates, so checkout sells in the shopper's currency
    slug, variants = run_async(shirt_with_two_variants_in_stock(locale))
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server}/")
    assert page.url.endswith(f"/{locale}/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
    page.screenshot(path=str(artifacts / f"{locale}-1-home.png"))
    if locale == "ar":  # choose Kuwait in the header's country and currency selector
        page.locator("details.market-switcher summary").click()
        page.locator("#pref-country").select_option("KW")
        page.locator("form.market-form button").click()
        page.wait_for_load_state()
    assert page.locator("details.market-switcher summary").inner_text().endswith(CURRENCY[locale])

    page.locator("nav.main-nav a").first.click()  # Apparel
    page.locator("ul.chips a").first.click()  # T-shirts & tops
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts / f"{locale}-2-category.png"))
    product_link = page.locator(f'a[href="/{locale}/p/{quote(slug)}"]')
    if product_link.count() == 0:  # on a later page of the listing: follow the pagination
        page.goto(f"{live_server}/{locale}/p/{quote(slug)}")
    else:
        product_link.first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts / f"{locale}-3-product.png"))

    product_url = page.url
    choose_and_add(page, variants[0])
    page.goto(product_url)
    choose_and_add(page, variants[1])
    assert page.locator("table.cart-table tbody tr").count() == 2
    page.screenshot(path=str(artifacts / f"{locale}-4-cart.png"))

    page.locator("a.button.primary").click()  # Check out
    address = ADDRESSES[locale]
    if page.locator("#country").input_value() != address["country"]:
        with page.expect_navigation():  # site.js re-renders the address form on the server
            page.locator("#country").select_option(address["country"])
    page.wait_for_selector("#addr-street_address")
    page.locator("#email").fill(f"{locale}-shopper@example.com")
    for name, value in address["fields"].items():
        page.locator(f"#addr-{name}").fill(value)
    for name, value in address["selects"].items():
        # The region re-works the summary on the server (its tax may differ): wait for that page,
        # or the next step would race it and read a total from the page being replaced.
        with page.expect_navigation():
            page.locator(f"#addr-{name}").select_option(value)
    # Choosing a method re-works the summary on the server (site.js submits the form's
    # "Update total"), so the total shown is the total charged.
    with page.expect_navigation():
        page.locator('input[name="shipping_method"][value="express"]').check()
    assert page.locator('input[name="shipping_method"][value="express"]').is_checked()
    assert page.locator("#email").input_value() == f"{locale}-shopper@example.com"  # nothing typed is lost
    shown_total = page.locator("#quote-total").inner_text()
    page.locator('input[name="payment_method"][value="test"]').check()
    page.locator("#card_number").fill("4242 4242 4242 4242")
    page.screenshot(path=str(artifacts / f"{locale}-5-checkout.png"), full_page=True)
    page.locator("form.checkout-form button.primary").click()

    page.wait_for_url(re.compile(rf"/{locale}/orders/SF-[A-Z0-9]{{8}}\?key="))
    number = re.search(r"SF-[A-Z0-9]{8}", page.url).group(0)
    assert number in page.locator("h1").inner_text()
    assert shown_total in page.locator("main").inner_text()  # charged exactly what the summary said
    page.screenshot(path=str(artifacts / f"{locale}-6-confirmation.png"), full_page=True)
    assert errors == []
    context.close()

    order = run_async(
        Order.select(Order.status, Order.locale, Order.shipping_country, Order.currency)
        .where(Order.number == number)
        .first()
        .run()
    )
    assert order == {
        "status": "paid",
        "locale": locale,
        "shipping_country": address["country"],
        "currency": CURRENCY[locale],
    }
