"""The order lifecycle as an explicit state machine (pure)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.i18n.markers import N_


class Status(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


STATUS_LABELS = {
    Status.PENDING_PAYMENT: N_("Awaiting payment"),
    Status.PAID: N_("Paid"),
    Status.SHIPPED: N_("Shipped"),
    Status.DELIVERED: N_("Delivered"),
    Status.CANCELLED: N_("Cancelled"),
    Status.PARTIALLY_REFUNDED: N_("Partially refunded"),
    Status.REFUNDED: N_("Refunded"),
}

# A refund is money, not fulfilment: a partially refunded order can still ship, so that state
# remembers fulfilment through the order's shipped/delivered facts (see `allowed_transitions`).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING_PAYMENT: frozenset({Status.PAID, Status.CANCELLED}),
    Status.PAID: frozenset({Status.SHIPPED, Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.SHIPPED: frozenset({Status.DELIVERED, Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.DELIVERED: frozenset({Status.PARTIALLY_REFUNDED, Status.REFUNDED}),
    Status.PARTIALLY_REFUNDED: frozenset(
        {Status.PARTIALLY_REFUNDED, Status.REFUNDED, Status.SHIPPED, Status.DELIVERED}
    ),
    Status.CANCELLED: frozenset(),
    Status.REFUNDED: frozenset(),
}


class IllegalTransition(ValueError):
    """Refused state change; `message` is a gettext msgid with `params`."""

    def __init__(self, current: Status, target: Status) -> None:
        self.current, self.target = current, target
        self.message = N_("An order that is “%(current)s” cannot become “%(target)s”.")
        self.params = {"current": STATUS_LABELS[current], "target": STATUS_LABELS[target]}
        super().__init__(f"illegal transition {current} -> {target}")


@dataclass(frozen=True)
class Fulfilment:
    """Facts about the order that the bare status does not carry."""

    shipped: bool = False
    delivered: bool = False


def allowed_transitions(current: Status, fulfilment: Fulfilment = Fulfilment()) -> frozenset[Status]:
    allowed = set(TRANSITIONS[current])
    if current is Status.PARTIALLY_REFUNDED:
        if fulfilment.shipped:
            allowed.discard(Status.SHIPPED)
        else:
            allowed.discard(Status.DELIVERED)
        if fulfilment.delivered:
            allowed.discard(Status.DELIVERED)
    return frozenset(allowed)


def check_transition(current: Status, target: Status, fulfilment: Fulfilment = Fulfilment()) -> None:
    if target not in allowed_transitions(current, fulfilment):
        raise IllegalTransition(current, target)


def refund_status(total_minor: int, refunded_minor: int) -> Status:
    """The status an order reaches once `refunded_minor` of `total_minor` has been paid back."""
    if not 0 < refunded_minor <= total_minor:
        raise ValueError("refunded amount must be positive and at most the total")
    return Status.REFUNDED if refunded_minor == total_minor else Status.PARTIALLY_REFUNDED


def releases_stock(current: Status, target: Status, fulfilment: Fulfilment) -> bool:
    """Cancelling, or fully refunding before shipping, puts the goods back on sale."""
    return target is Status.CANCELLED or (target is Status.REFUNDED and not fulfilment.shipped)


def access_key(secret: str, number: str) -> str:
    """The key in an order's private link (confirmation page, emails): HMAC of its number."""
    return hmac.new(secret.encode(), f"order:{number}".encode(), hashlib.sha256).hexdigest()[:32]


def access_key_valid(secret: str, number: str, key: str | None) -> bool:
    return bool(key) and hmac.compare_digest(access_key(secret, number), key or "")


def refunded_charges(
    charges: Mapping[int, tuple[int, int]], order_total_minor: int, refunded_total_minor: int
) -> dict[int, int]:
    """Each charge's refunded amount once the order has `refunded_total_minor` back, in proportion:
    a refund of a third of the total returns a third of every tax and duty paid at checkout.

    `charges`: id -> (amount paid at checkout, refunded so far). Worked out on the cumulative total
    (half up), so partial refunds never drift and a full refund returns every charge exactly; an
    amount never goes down and never exceeds the charge.
    """
    if order_total_minor <= 0:
        return {charge_id: refunded for charge_id, (_, refunded) in charges.items()}
    result = {}
    for charge_id, (amount, refunded) in charges.items():
        share = (amount * refunded_total_minor * 2 + order_total_minor) // (2 * order_total_minor)
        result[charge_id] = max(refunded, min(amount, share))
    return result
