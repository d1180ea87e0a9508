"""Amount columns are 64-bit: an order over 2^31 minor units (IDR) is placed, paid and refunded."""

from __future__ import annotations

from app.catalog.services import load_catalog
from app.checkout.services import place_order
from app.core.settings import get_settings
from app.orders.rules import Status
from app.orders.services import load_order
from app.orders.tables import Order, OrderLine
from app.payments.providers import TestProvider
from app.payments.services import refund
from app.payments.tables import Payment, PaymentEvent
from tests.builders import (
    TEST_RATES,
    build_catalog,
    cart_with,
    checkout_request,
    pricer_in,
    product,
    test_card,
)

INT32_MAX = 2**31 - 1


async def test_an_idr_order_beyond_32_bits_is_placed_paid_and_refunded() -> None:
    """EUR 1,200 at 19,012 IDR/EUR is about IDR 22.8 million: 2.28 billion sen, past a 32-bit column."""
    await build_catalog([product("CM-001", "Camera", category="home", price="1200.00")], stock=3)
    request = checkout_request(
        TestProvider(),
        test_card(),
        pricer=pricer_in("DE", "IDR", rates={**TEST_RATES, "IDR": "19012"}),
    )
    placed = await place_order(await cart_with("CM-001"), request, await load_catalog(), get_settings())
    assert placed.status is Status.PAID

    order = await Order.select().where(Order.number == placed.number).first().run()
    assert order["currency"] == "IDR"
    assert order["total_minor"] > INT32_MAX and order["subtotal_minor"] > INT32_MAX
    line = await OrderLine.select().first().run()
    assert line["unit_price_minor"] > INT32_MAX and line["line_total_minor"] == line["unit_price_minor"]
    payment = await Payment.select().first().run()
    assert payment["amount_minor"] == order["total_minor"]
    event = await PaymentEvent.select().first().run()
    assert event["amount_minor"] == order["total_minor"]
    view = await load_order(placed.number)
    assert view.total.amount * 100 == order["total_minor"]

    result = await refund(placed.number, order["total_minor"], TestProvider(), actor="test")
    assert result.status is Status.REFUNDED and result.refunded_minor == order["total_minor"]
    refunded = await Order.select(Order.refunded_minor, Order.refunded_settlement_minor).first().run()
    assert refunded == {
        "refunded_minor": order["total_minor"],
        "refunded_settlement_minor": order["settlement_total_minor"],
    }
