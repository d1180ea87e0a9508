"""Refunds return the taxes paid at checkout in proportion, and record each refund's share."""

from __future__ import annotations

from app.orders.services import load_order, order_id_for
from app.orders.tables import OrderCharge
from app.payments.providers import TestProvider
from app.payments.services import refund
from app.payments.tables import Refund
from tests.builders import test_card
from tests.integration.test_refunds import CountingProvider, place


async def test_a_partial_then_full_refund_returns_the_vat_in_proportion() -> None:
    # 15.83 paid (10.00 mug + 5.83 shipping), holding 15.83 x 19/119 = 2.53 German VAT.
    number = await place(TestProvider(), test_card())
    [vat] = await OrderCharge.select().where(OrderCharge.order == await order_id_for(number)).run()
    assert (vat["kind"], vat["included"], vat["amount_minor"], vat["refunded_minor"]) == ("tax", True, 253, 0)
    provider = CountingProvider()

    await refund(number, 1000, provider, actor="cli:alice")
    [charge] = await OrderCharge.select().where(OrderCharge.id == vat["id"]).run()
    assert charge["refunded_minor"] == 160  # 2.53 x 10.00 / 15.83 = 1.598 -> 1.60
    await refund(number, 583, provider, actor="cli:alice")  # the rest
    [charge] = await OrderCharge.select().where(OrderCharge.id == vat["id"]).run()
    assert charge["refunded_minor"] == 253  # all of it, whatever the partial refund rounded

    shares = (
        await Refund.select(Refund.amount_minor, Refund.tax_minor, Refund.duty_minor)
        .order_by(Refund.id)
        .run()
    )
    assert shares == [
        {"amount_minor": 1000, "tax_minor": 160, "duty_minor": 0},
        {"amount_minor": 583, "tax_minor": 93, "duty_minor": 0},
    ]
    [shown] = (await load_order(number)).charges  # the order page and API read the same row
    assert (shown.kind, str(shown.amount.amount), str(shown.refunded.amount)) == ("tax", "2.53", "2.53")
