"""Payment providers behind one interface: manual (bank transfer / pay later) and a test provider."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Protocol

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
    # charge() asks someone else for money: a crash between the order and the answer must be
    # resumed (the checkout writes a PAYMENT_CAPTURE follow-up with the order).
    online: bool

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
    online = False

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
    """A card provider for testing; no money moves. Its webhook (see payments.controllers) is signed
    with the shop's secret.

    Like a real provider it turns the card into a payment-method token at validation, so the shop
    keeps (in the payment follow-up) a token, never the card number; a charge is idempotent by
    the payment reference, so asking again after a crash cannot charge twice.
    4242 4242 4242 4242 succeeds, 4000 0000 0000 0077 succeeds after SLOW_SECONDS (a provider
    that takes its time: crash tests kill the shop meanwhile), any other valid number is declined.
    """

    __test__ = False  # not a pytest test class
    code = "test"
    label = N_("Test card (no real money)")
    online = True
    SUCCEEDS = "4242424242424242"
    SLOW = "4000000000000077"
    DECLINED = "4000000000000002"
    SLOW_SECONDS = 3.0
    # Payment-method tokens (what a provider's card form hands the shop), not secrets.
    TOKENS: ClassVar[dict[str, str]] = {SUCCEEDS: "pm_test_succeeds", SLOW: "pm_test_slow"}
    DECLINED_TOKEN = "pm_test_declined"  # noqa: S105

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
        return {"method": self.TOKENS.get(number, self.DECLINED_TOKEN)}

    def charge(self, reference: str, amount: Money, details: Mapping[str, str]) -> ProviderResult:
        token = details.get("method", "")
        if token == self.TOKENS[self.SLOW]:
            time.sleep(self.SLOW_SECONDS)  # called off the event loop, like a real provider's HTTP call
        if token in self.TOKENS.values():
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
