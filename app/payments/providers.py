"""Payment providers behind one interface: manual (bank transfer / pay later) and a test provider."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from moneyed import Money

from app.i18n.markers import N_


class Outcome(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class ProviderResult:
    outcome: Outcome
    event_id: str = ""
    message: str = ""  # gettext msgid shown to the shopper when the payment did not go through


class PaymentDetailsError(ValueError):
    """The shopper's payment details are unusable; `field` and gettext `message` say why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class PaymentProvider(Protocol):
    code: str
    label: str  # gettext msgid

    def validate(self, details: Mapping[str, str]) -> dict[str, str]:
        """Check the shopper's payment details before the order is placed."""
        ...

    def charge(self, reference: str, amount: Money, details: Mapping[str, str]) -> ProviderResult:
        """Start collecting `amount`; the result may be final or pending."""
        ...

    def refund(self, reference: str, amount: Money, refund_id: str) -> ProviderResult: ...


class ManualProvider:
    """Bank transfer / pay later: the order waits until an operator marks it paid."""

    code = "manual"
    label = N_("Bank transfer (pay later)")

    def validate(self, details: Mapping[str, str]) -> dict[str, str]:
        return {}

    def charge(self, reference: str, amount: Money, details: Mapping[str, str]) -> ProviderResult:
        return ProviderResult(Outcome.PENDING)

    def refund(self, reference: str, amount: Money, refund_id: str) -> ProviderResult:
        # The money goes back by bank transfer, outside the shop; recording it is the refund.
        return ProviderResult(Outcome.SUCCEEDED, event_id=f"manual:{refund_id}")


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


class TestProvider:
    """A card provider for testing: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined.

    No money moves. Its webhook (see payments.controllers) is signed with the shop's secret.
    """

    __test__ = False  # not a pytest test class
    code = "test"
    label = N_("Test card (no real money)")
    SUCCEEDS = "4242424242424242"
    DECLINED = "4000000000000002"

    def validate(self, details: Mapping[str, str]) -> dict[str, str]:
        number = re.sub(r"[\s-]", "", details.get("card_number", ""))
        if not number:
            raise PaymentDetailsError("card_number", N_("Enter a card number."))
        if (
            not number.isascii()
            or not number.isdigit()
            or not 12 <= len(number) <= 19
            or not luhn_valid(number)
        ):
            raise PaymentDetailsError("card_number", N_("This card number is not valid."))
        return {"card_number": number}

    def charge(self, reference: str, amount: Money, details: Mapping[str, str]) -> ProviderResult:
        number = details.get("card_number", "")
        if number == self.SUCCEEDS:
            return ProviderResult(Outcome.SUCCEEDED, event_id=f"test:{reference}:charge")
        return ProviderResult(
            Outcome.FAILED,
            event_id=f"test:{reference}:declined",
            message=N_("Your card was declined. Try another card or pay by bank transfer."),
        )

    def refund(self, reference: str, amount: Money, refund_id: str) -> ProviderResult:
        return ProviderResult(Outcome.SUCCEEDED, event_id=f"test:{reference}:refund:{refund_id}")


def webhook_signature(secret: str, body: bytes) -> str:
    """HMAC-SHA256 of the raw webhook body, hex; providers sign their callbacks like this."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def provider_registry(test_enabled: bool) -> dict[str, PaymentProvider]:
    providers: dict[str, PaymentProvider] = {"manual": ManualProvider()}
    if test_enabled:
        providers["test"] = TestProvider()
    return providers
