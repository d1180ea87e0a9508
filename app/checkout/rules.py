"""Pure checkout logic: validating the checkout form, order numbers."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from app.checkout.address import CONTROL_CHARACTERS, FieldError, validate_address
from app.i18n.markers import N_
from app.payments.providers import PaymentDetailsError, PaymentProvider

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


def validate_checkout(
    form: Mapping[str, str], country: str, providers: Mapping[str, PaymentProvider]
) -> tuple[CleanCheckout, list[FieldError]]:
    """Every field of the checkout form checked (HTML and API alike); cleaned values and all errors."""
    errors: list[FieldError] = []
    email, error = clean_email(form.get("email"))
    errors += [error] if error else []
    phone, error = clean_phone(form.get("phone"))
    errors += [error] if error else []
    address, address_errors = validate_address(country, form)
    errors += address_errors
    provider = providers.get(form.get("payment_method", ""))
    details: dict[str, str] = {}
    if provider is None:
        errors.append(FieldError("payment_method", N_("Choose a payment method."), {}))
    else:
        try:
            details = provider.validate(form)
        except PaymentDetailsError as details_error:
            errors.append(FieldError(details_error.field, details_error.message, {}))
    return CleanCheckout(email, phone, address, provider, details), errors


@dataclass(frozen=True)
class CleanCheckout:
    email: str
    phone: str
    address: Mapping[str, str]
    provider: PaymentProvider | None
    payment_details: Mapping[str, str]


def first_errors(errors: list[FieldError]) -> Mapping[str, FieldError]:
    """One error per field (the first), for the form to show next to each input."""
    by_field: dict[str, FieldError] = {}
    for error in errors:
        by_field.setdefault(error.field, error)
    return by_field
