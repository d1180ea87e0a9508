"""Representative international orders placed through the real checkout, then paid."""

from __future__ import annotations

from typing import Any

from app.cart.services import add_to_cart, create_cart
from app.catalog.services import load_catalog
from app.catalog.tables import Variant
from app.checkout.services import CheckoutRequest, place_order
from app.core.settings import get_settings
from app.orders.rules import Status
from app.orders.services import transition_order
from app.orders.tables import Order
from app.payments.providers import ManualProvider
from tests.builders import build_catalog, pricer_in, product, snapshot_rates, store_rates

# The national tariff numbers below are invented for the tests, though well-formed: each starts
# with the product's HS subheading and has its destination's length (US and CN 10, JP 9, CH 8).
SHIRT = product(
    "SH-001",
    "Linen shirt",
    price="39.00",
    hs_code="620590",
    tariff_codes={"US": "6205900010", "CN": "6205900010", "CH": "62059000", "JP": "620590000"},
    origin="PT",
    weight=250,
    de="Leinenhemd",
    ja="リネンシャツ",
)
MUG = product(
    "MG-001",
    "Stoneware mug",
    category="mugs",
    price="14.00",
    hs_code="691200",
    tariff_codes={"US": "6912004810", "CH": "69120000", "JP": "691200000"},
    origin="DE",
    weight=400,
    de="Steinzeugbecher",
)
COAT = product(
    "CT-001",
    "Wool coat",
    price="119.00",
    hs_code="620140",
    tariff_codes={"US": "6201400000", "CN": "6201400000", "JP": "620140000", "CH": "62014000"},
    origin="IT",
    weight=1200,
)
NO_HS = product("NH-001", "Mystery box", price="9.00", hs_code="", weight=100)
WEIGHTLESS = product("WL-001", "Gift card sleeve", price="5.00", weight=0)

ADDRESSES: dict[str, dict[str, str]] = {
    "FR": {
        "name": "Jeanne Martin",
        "street_address": "12 rue de Rivoli",
        "postal_code": "75001",
        "city": "Paris",
    },
    "GB": {
        "name": "Ada Lovelace",
        "street_address": "1 Main St",
        "postal_code": "SW1A 1AA",
        "city": "London",
    },
    "US": {
        "name": "Grace Hopper",
        "street_address": "350 Fifth Avenue",
        "postal_code": "10118",
        "city": "New York",
        "region": "NY",
    },
    "CH": {
        "name": "Heidi Muster",
        "street_address": "Bahnhofstrasse 1",
        "postal_code": "8001",
        "city": "Zürich",
    },
    "CN": {
        "name": "王芳",
        "street_address": "朝阳区建国路88号",
        "postal_code": "100022",
        "city": "北京市",
    },
    "JP": {
        "name": "山田 太郎",
        "street_address": "千代田区丸の内1-1",
        "postal_code": "100-0005",
        "city": "東京都",
    },
}


async def catalogue() -> None:
    await build_catalog([SHIRT, MUG, COAT, NO_HS, WEIGHTLESS], stock=50)
    await store_rates(snapshot_rates())


async def order(
    country: str,
    items: list[tuple[str, int]],
    method: str = "standard",
    *,
    currency: str | None = None,
    settings: Any = None,
) -> str:
    cart_id, _ = await create_cart()
    for sku, quantity in items:
        variant = await Variant.select(Variant.id).where(Variant.sku == sku).first().run()
        await add_to_cart(cart_id, variant["id"], quantity)
    from tests.builders import rate_table
    from tests.builders import snapshot_rates as rates

    request = CheckoutRequest(
        email=f"{country.lower()}@example.com",
        phone="+1 555 0100" if country == "US" else "",
        country=country,
        address={"country_code": country, **ADDRESSES[country]},
        shipping_method=method,
        provider=ManualProvider(),
        payment_details={},
        pricer=pricer_in(country, currency, rate_table(rates())),
        locale="en",
    )
    placed = await place_order(cart_id, request, await load_catalog(), settings or get_settings())
    await transition_order(placed.number, Status.PAID, "test")
    return placed.number


async def pin(number: str, fixed: str) -> None:
    """A stable number and date for golden files."""
    from datetime import UTC, datetime

    await (
        Order.update({Order.number: fixed, Order.created_at: datetime(2026, 12, 1, 10, tzinfo=UTC)})
        .where(Order.number == number)
        .run()
    )
