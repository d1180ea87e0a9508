"""Services against the real database: stock reservation, order lifecycle, payments, refunds, demo import."""

from __future__ import annotations

import asyncio
from decimal import ROUND_HALF_UP, Decimal

import pytest

from app.cart.services import add_to_cart
from app.catalog.services import load_catalog
from app.catalog.tables import Product, Variant
from app.checkout.services import CheckoutError, CheckoutRequest, place_order
from app.core.settings import get_settings
from app.orders.rules import IllegalTransition, Status
from app.orders.services import ConcurrentUpdate, load_order, order_id_for, transition
from app.orders.tables import Order, OrderCharge, OrderEvent
from app.payments.providers import Outcome, TestProvider
from app.payments.services import Applied, PaymentError, apply_payment_event, refund
from app.payments.tables import Payment, Refund
from tests.builders import (
    build_catalog,
    cart_with,
    checkout_request,
    load_demo,
    pricer_in,
    product,
    test_card,
)


def request(provider=None, details=None, key: str | None = None) -> CheckoutRequest:
    return checkout_request(provider, details, key=key)


async def stock_of(sku: str) -> int:
    return (await Variant.select(Variant.stock).where(Variant.sku == sku).first().run())["stock"]


async def test_concurrent_checkouts_never_oversell() -> None:
    """40 shoppers race for 7 units: exactly 7 orders, stock ends at 0, never below."""
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=7)
    carts = [await cart_with("MG-001", 1) for _ in range(40)]
    catalog = await load_catalog()

    async def attempt(cart_id: int) -> str:
        try:
            await place_order(cart_id, request(), catalog, get_settings())
            return "ok"
        except CheckoutError as error:
            return error.code

    results = await asyncio.gather(*(attempt(c) for c in carts))
    assert results.count("ok") == 7
    assert results.count("sold_out") == 33
    assert await stock_of("MG-001") == 0
    assert await Order.count().run() == 7


async def test_a_failed_reservation_takes_nothing() -> None:
    """Two lines, the second short: the first line's stock must not be taken either."""
    await build_catalog(
        [product("MG-001", "Mug", category="mugs"), product("MG-002", "Cup", category="mugs")],
        stock={"MG-001": 5, "MG-002": 1},
    )
    cart_id = await cart_with("MG-001", 2)
    cup = await Variant.select(Variant.id).where(Variant.sku == "MG-002").first().run()
    await add_to_cart(cart_id, cup["id"], 1)
    await Variant.update({Variant.stock: 0}).where(Variant.sku == "MG-002").run()
    with pytest.raises(CheckoutError) as error:
        await place_order(cart_id, request(), await load_catalog(), get_settings())
    assert error.value.skus == ("MG-002",)
    assert await stock_of("MG-001") == 5
    assert await Order.count().run() == 0


async def test_order_keeps_its_frozen_copy_after_catalogue_edits() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs", price="12.00")])
    cart_id = await cart_with("MG-001", 2)
    placed = await place_order(cart_id, request(), await load_catalog(), get_settings())
    await Variant.update({Variant.price_minor: 99900}).where(Variant.sku == "MG-001").run()
    await Product.delete().where(Product.code == "MG-001").run()
    order = await load_order(placed.number)
    assert [
        (line.sku, line.product_name, str(line.unit_price.amount), line.quantity) for line in order.lines
    ] == [("MG-001", "Mug", "12.00", 2)]
    assert order.shipping_address["city"] == "KÖLN"


async def test_lifecycle_transitions_are_recorded_and_illegal_ones_refused() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=3)
    placed = await place_order(await cart_with("MG-001", 1), request(), await load_catalog(), get_settings())
    order_id = await order_id_for(placed.number)
    with pytest.raises(IllegalTransition):
        await transition(order_id, Status.SHIPPED, actor="test")
    await transition(order_id, Status.PAID, actor="cli:alice")
    await transition(order_id, Status.SHIPPED, actor="cli:bob", note="DHL 123")
    with pytest.raises(IllegalTransition):
        await transition(order_id, Status.CANCELLED, actor="test")
    await transition(order_id, Status.DELIVERED, actor="carrier")
    events = (
        await OrderEvent.select(OrderEvent.from_status, OrderEvent.to_status, OrderEvent.actor)
        .order_by(OrderEvent.id)
        .run()
    )
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in events] == [
        (None, "pending_payment", "shopper"),
        ("pending_payment", "paid", "cli:alice"),
        ("paid", "shipped", "cli:bob"),
        ("shipped", "delivered", "carrier"),
    ]
    row = await Order.select(Order.paid_at, Order.shipped_at, Order.delivered_at).first().run()
    assert all(row.values())


async def test_cancelling_releases_stock_exactly_once() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=3)
    placed = await place_order(await cart_with("MG-001", 2), request(), await load_catalog(), get_settings())
    order_id = await order_id_for(placed.number)
    assert await stock_of("MG-001") == 1

    async def cancel() -> str:
        try:
            await transition(order_id, Status.CANCELLED, actor="test")
            return "cancelled"
        except (IllegalTransition, ConcurrentUpdate):
            return "refused"

    results = await asyncio.gather(cancel(), cancel(), cancel())
    assert sorted(results) == ["cancelled", "refused", "refused"]
    assert await stock_of("MG-001") == 3


async def test_payment_confirmation_is_idempotent_even_when_concurrent() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=3)
    placed = await place_order(await cart_with("MG-001", 1), request(), await load_catalog(), get_settings())
    payment = await Payment.select().first().run()
    args = (payment["reference"], "bank:42", Outcome.SUCCEEDED, payment["amount_minor"], "EUR", "test")
    results = await asyncio.gather(*(apply_payment_event(*args) for _ in range(5)))
    assert results.count(Applied.APPLIED) == 1 and results.count(Applied.DUPLICATE) == 4
    order = await load_order(placed.number)
    assert order.status is Status.PAID
    assert [e.to_status for e in order.events].count("paid") == 1


async def test_payment_for_the_wrong_amount_is_refused() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs")], stock=3)
    await place_order(await cart_with("MG-001", 1), request(), await load_catalog(), get_settings())
    payment = await Payment.select().first().run()
    with pytest.raises(PaymentError):
        await apply_payment_event(
            payment["reference"], "x", Outcome.SUCCEEDED, payment["amount_minor"] - 1, "EUR", "test"
        )
    with pytest.raises(PaymentError):
        await apply_payment_event(
            payment["reference"], "y", Outcome.SUCCEEDED, payment["amount_minor"], "USD", "test"
        )
    assert (await Order.select(Order.status).first().run())["status"] == "pending_payment"


async def test_partial_then_full_refund_against_stored_amounts() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs", price="10.00")], stock=3)
    placed = await place_order(
        await cart_with("MG-001", 1),
        request(TestProvider(), test_card()),
        await load_catalog(),
        get_settings(),
    )
    assert placed.status is Status.PAID
    total = (await Order.select(Order.total_minor).first().run())["total_minor"]
    assert total == 1000 + 583  # 10.00 with German VAT + 4.90 net shipping x 1.19 VAT = 5.83
    provider = TestProvider()
    first = await refund(placed.number, 400, provider, actor="cli:alice")
    assert first.status is Status.PARTIALLY_REFUNDED and first.refunded_minor == 400
    with pytest.raises(PaymentError):
        await refund(placed.number, 2000, provider, actor="cli:alice")  # more than what is left (1183)
    second = await refund(placed.number, total - 400, provider, actor="cli:alice")
    assert second.status is Status.REFUNDED and second.refunded_minor == total
    # The VAT the order held (15.83 x 19/119 = 2.53) went back in proportion: 400/1583 of it, then the rest.
    refunds = await Refund.select(Refund.amount_minor, Refund.tax_minor).order_by(Refund.id).run()
    assert refunds == [{"amount_minor": 400, "tax_minor": 64}, {"amount_minor": 1183, "tax_minor": 189}]
    assert await stock_of("MG-001") == 3  # refunded in full before shipping: back on sale
    with pytest.raises(PaymentError):
        await refund(placed.number, 1, provider, actor="cli:alice")


async def test_demo_catalogue_import_is_idempotent() -> None:
    products = await load_demo(limit=20)
    first = await Variant.count().run()
    await load_demo(limit=20)
    assert await Product.count().run() == 20
    assert await Variant.count().run() == first
    catalog = await load_catalog()
    assert len(catalog.products) == len(products)


async def test_refunds_are_made_in_the_presentment_currency_at_the_stored_rate() -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs", price="10.00")], stock=3)
    card = test_card()
    paid = checkout_request(TestProvider(), card, pricer=pricer_in("JP"))  # JPY at 160 per EUR
    placed = await place_order(await cart_with("MG-001", 1), paid, await load_catalog(), get_settings())
    order = await Order.select().where(Order.number == placed.number).first().run()
    assert order["currency"] == "JPY" and order["fx_rate"] == "160"
    # Japan's prices are net: 10 EUR / 1.19 * 160 * 1.02 = 1371.4 -> 1370; shipping (net) 4.90 EUR
    # * 163.2 = 799.68 -> 800. Shipped to Cologne, German VAT 19 % is added on 2170 at checkout.
    assert (order["subtotal_minor"], order["shipping_minor"]) == (1370, 800)
    [vat] = await OrderCharge.select().run()
    assert (vat["kind"], vat["rate"], vat["base_minor"], vat["included"]) == ("tax", "19", 2170, False)
    assert order["taxes_minor"] == vat["amount_minor"]
    total = 1370 + 800 + vat["amount_minor"]
    assert order["total_minor"] == total
    # In euro cents at the stored rate, half up (2583 -> 16.14375 EUR -> 1614).
    settled = (Decimal(total) / 160).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert order["settlement_total_minor"] == int(settled * 100)

    await refund(
        placed.number, 1000, TestProvider(), actor="cli:alice"
    )  # 1000 yen = 6.25 EUR at the stored rate
    row = await Order.select(Order.refunded_minor, Order.refunded_settlement_minor).first().run()
    assert row == {"refunded_minor": 1000, "refunded_settlement_minor": 625}
    await refund(
        placed.number, total - 1000, TestProvider(), actor="cli:alice"
    )  # the rest: settles exactly what is left
    row = (
        await Order.select(Order.refunded_minor, Order.refunded_settlement_minor, Order.status).first().run()
    )
    assert row == {
        "refunded_minor": total,
        "refunded_settlement_minor": order["settlement_total_minor"],
        "status": "refunded",
    }
    # All the VAT went back, in proportion: round(vat x 1000 / total) with the first refund.
    refunds = await Refund.select(Refund.tax_minor).order_by(Refund.id).run()
    first_tax = int((Decimal(vat["amount_minor"] * 1000) / total).quantize(Decimal(1), ROUND_HALF_UP))
    assert [r["tax_minor"] for r in refunds] == [first_tax, vat["amount_minor"] - first_tax]
