"""Shopper steps through the HTML app, as a browser would take them (forms with CSRF tokens)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.html import form_values, tags


async def add_to_cart(client: Any, locale: str, slug: str, quantity: str = "1", **options: str) -> Any:
    """Open the product page and submit its add-to-cart form with the given choices."""
    path = f"/{locale}/p/{quote(slug)}"
    page = await client.get(path)
    assert page.status_code == 200, page.text[:500]
    values = form_values(page.text, path)
    values.update({f"opt_{axis}": value for axis, value in options.items()})
    values["quantity"] = quantity
    return await client.post(path, data=values, follow_redirects=False)


async def post_form(client: Any, page_path: str, form_action: str, /, **fields: str) -> Any:
    """Load a page, take the form posting to `form_action` (with its CSRF token), override fields, submit."""
    page = await client.get(page_path)
    values = form_values(page.text, form_action)
    values.update(fields)
    return await client.post(form_action, data=values, follow_redirects=False)


def input_value(html: str, name: str) -> str | None:
    found = tags(html, "input", name=name)
    return found[0].get("value") if found else None


def set_country(client: Any, country: str) -> None:
    """As if the shopper had chosen a country in the selector (same cookie the shop sets)."""
    client.cookies.set("country", country, domain="shop.test")


# A shopper in Tokyo paying by bank transfer, as the Japanese checkout form is filled in.
JAPANESE_CHECKOUT = {
    "email": "hanako@example.jp",
    "country": "JP",
    "name": "山田花子",
    "postal_code": "100-0001",
    "country_area": "東京都",
    "street_address": "千代田区千代田1-1",
    "shipping_method": "standard",
    "payment_method": "manual",
}


# A shopper in Cologne, the shop's own country.
GERMAN_CHECKOUT = {
    "email": "Erika@Example.com",
    "country": "DE",
    "name": "Erika Mustermann",
    "street_address": "Heidestraße 17",
    "postal_code": "51147",
    "city": "Köln",
    "shipping_method": "standard",
}
