"""The order state machine, exhaustively."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.orders.rules import (
    Fulfilment,
    IllegalTransition,
    Status,
    access_key,
    access_key_valid,
    allowed_transitions,
    check_transition,
    refund_status,
    refunded_charges,
    releases_stock,
)

LEGAL = {
    (Status.PENDING_PAYMENT, Status.PAID),
    (Status.PENDING_PAYMENT, Status.CANCELLED),
    (Status.PAID, Status.SHIPPED),
    (Status.PAID, Status.PARTIALLY_REFUNDED),
    (Status.PAID, Status.REFUNDED),
    (Status.SHIPPED, Status.DELIVERED),
    (Status.SHIPPED, Status.PARTIALLY_REFUNDED),
    (Status.SHIPPED, Status.REFUNDED),
    (Status.DELIVERED, Status.PARTIALLY_REFUNDED),
    (Status.DELIVERED, Status.REFUNDED),
    (Status.PARTIALLY_REFUNDED, Status.PARTIALLY_REFUNDED),
    (Status.PARTIALLY_REFUNDED, Status.REFUNDED),
    (Status.PARTIALLY_REFUNDED, Status.SHIPPED),
}


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_every_pair_of_states(current: Status, target: Status) -> None:
    if (current, target) in LEGAL:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_partially_refunded_orders_continue_fulfilment_in_order() -> None:
    shipped = Fulfilment(shipped=True)
    assert Status.DELIVERED in allowed_transitions(Status.PARTIALLY_REFUNDED, shipped)
    assert Status.SHIPPED not in allowed_transitions(Status.PARTIALLY_REFUNDED, shipped)
    delivered = Fulfilment(shipped=True, delivered=True)
    assert allowed_transitions(Status.PARTIALLY_REFUNDED, delivered) == {
        Status.PARTIALLY_REFUNDED,
        Status.REFUNDED,
    }


def test_refund_status_and_stock_release() -> None:
    assert refund_status(1000, 1) is Status.PARTIALLY_REFUNDED
    assert refund_status(1000, 1000) is Status.REFUNDED
    with pytest.raises(ValueError):
        refund_status(1000, 1001)
    assert releases_stock(Status.PENDING_PAYMENT, Status.CANCELLED, Fulfilment())
    assert releases_stock(Status.PAID, Status.REFUNDED, Fulfilment())
    assert not releases_stock(Status.SHIPPED, Status.REFUNDED, Fulfilment(shipped=True))
    assert not releases_stock(Status.PAID, Status.PARTIALLY_REFUNDED, Fulfilment())


def test_illegal_transition_message_names_both_states() -> None:
    error = IllegalTransition(Status.CANCELLED, Status.PAID)
    assert error.params == {"current": "Cancelled", "target": "Paid"}


def test_order_access_keys() -> None:
    key = access_key("secret" * 6, "SF-ABCDEFGH")
    assert access_key_valid("secret" * 6, "SF-ABCDEFGH", key)
    assert not access_key_valid("secret" * 6, "SF-ABCDEFGJ", key)
    assert not access_key_valid("secret" * 6, "SF-ABCDEFGH", None)


# ---- taxes returned by refunds, in proportion ---------------------------------------------------


@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=4),
    st.lists(st.integers(1, 5_000), min_size=1, max_size=5),
)
def test_charges_are_refunded_in_proportion_never_beyond_and_fully_at_the_end(amounts, refunds) -> None:
    total = sum(amounts) + 5_000  # goods and shipping on top of the charges
    charges = {i: (amount, 0) for i, amount in enumerate(amounts)}
    refunded = 0
    for step in refunds:
        refunded = min(total, refunded + step)
        after = refunded_charges(charges, total, refunded)
        for i, (amount, before) in charges.items():
            assert before <= after[i] <= amount  # never goes down, never beyond the charge
            assert abs(after[i] - amount * refunded / total) <= 1  # in proportion, to the unit
        charges = {i: (amount, after[i]) for i, (amount, _) in charges.items()}
    final = refunded_charges(charges, total, total)
    assert final == {i: amount for i, (amount, _) in charges.items()}  # a full refund returns all
