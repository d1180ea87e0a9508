"""Pure checkout logic: contact validation, order numbers, the priced summary of an order."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from moneyed import Money

from app.cart.rules import PricedCart
from app.checkout.address import CONTROL_CHARACTERS, FieldError
from app.core.money import allocate, money, to_minor
from app.i18n.markers import N_

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone


def clean_email(raw: str | None) -> tuple[str, FieldError | None]:
    """A lower-cased email address, or an error."""
    value = (raw or "").strip()
    if not value:
        return value, FieldError("email", N_("This field is required."), {})
    if len(value) > 254 or CONTROL_CHARACTERS.search(value) or not EMAIL_RE.match(value):
        return value, FieldError("email", N_("Enter a valid email address, like name@example.com."), {})
    return value.lower(), None


def clean_phone(raw: str | None) -> tuple[str, FieldError | None]:
    value = (raw or "").strip()
    if value and not re.fullmatch(r"\+?[0-9][0-9 ()./-]{3,23}", value):
        return value, FieldError(
            "phone", N_("Enter a phone number with digits only, like +49 30 1234567."), {}
        )
    return value, None


def new_order_number() -> str:
    return "SF-" + "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))


def normalise_order_number(raw: str | None) -> str:
    """Accept `sf 4k7m-2q9x` as typed from an email."""
    value = re.sub(r"[\s-]", "", (raw or "").upper())
    if value.startswith("SF"):
        value = value[2:]
    return "SF-" + value if re.fullmatch(f"[{ORDER_NUMBER_ALPHABET}]{{8}}", value) else ""


@dataclass(frozen=True)
class OrderQuote:
    """What an order charges (presentment) and what the shop receives (settlement), to the minor unit."""

    subtotal: Money
    shipping: Money
    total: Money
    rate: Decimal  # presentment units per settlement unit, without markup
    settlement_subtotal: Money
    settlement_shipping: Money
    settlement_total: Money
    line_settlements: tuple[int, ...]  # minor units per cart line, summing to settlement_subtotal


def quote_order(cart: PricedCart, shipping: Money, settlement_currency: str, rate: Decimal) -> OrderQuote:
    """Totals in both currencies; line settlement amounts split by largest remainder so they add up."""
    if shipping.currency != cart.subtotal.currency:
        raise ValueError("shipping and goods must be priced in the same currency")
    if rate <= 0:
        raise ValueError("rate must be positive")
    total = cart.subtotal + shipping
    settlement_total = money(total.amount / rate, settlement_currency)
    settlement_shipping = money(shipping.amount / rate, settlement_currency)
    settlement_subtotal = settlement_total - settlement_shipping
    weights = [to_minor(line.total) for line in cart.lines]
    lines = (
        tuple(allocate(to_minor(settlement_subtotal), weights))
        if sum(weights) > 0
        else tuple(0 for _ in weights)
    )
    return OrderQuote(
        subtotal=cart.subtotal,
        shipping=shipping,
        total=total,
        rate=rate,
        settlement_subtotal=settlement_subtotal,
        settlement_shipping=settlement_shipping,
        settlement_total=settlement_total,
        line_settlements=lines,
    )


def first_errors(errors: list[FieldError]) -> Mapping[str, FieldError]:
    """One error per field (the first), for the form to show next to each input."""
    by_field: dict[str, FieldError] = {}
    for error in errors:
        by_field.setdefault(error.field, error)
    return by_field
