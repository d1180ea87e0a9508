"""What a customs declaration holds: the shipment (sender, recipient, identifiers, form, values)
and its lines. Frozen, money as Money (Decimal), weights in kg as Decimal: never a float."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from moneyed import Money

FORMS = ("CN22", "CN23", "COMMERCIAL_INVOICE")
REASONS = ("sale_of_goods", "gift", "return")  # CN 23 "category of item" (S44)


@dataclass(frozen=True)
class Party:
    """A sender or recipient with the full address and contact customs ask for (S44)."""

    name: str
    street_address: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    region: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Registration:
    """The seller's tax-scheme registration the carrier transmits (IOSS, UK VAT, VOEC, ...)."""

    scheme: str  # a TAX_REGISTRATIONS code: IOSS, UK_VAT, VOEC, AU_GST, NZ_GST, SG_OVR, CH_VAT, CN_CBEC
    number: str


@dataclass(frozen=True)
class Line:
    position: int
    sku: str
    description: str  # English, short and specific
    hs_code: str  # as many digits as the destination needs
    origin_country: str
    quantity: int
    net_weight_kg: Decimal  # the whole line
    unit_value: Money
    total_value: Money
    unit: str = "pcs"
    local_description: str = ""  # in the destination's language, where the shop has one
    local_language: str = ""


@dataclass(frozen=True)
class Shipment:
    order_number: str
    form: str  # one of FORMS
    service_kind: str  # postal | courier
    shipping_method: str
    sender: Party
    recipient: Party
    sender_eori: str
    sender_vat_number: str
    invoice_number: str
    invoice_date: date
    incoterm: str  # DDP | DAP
    reason: str  # one of REASONS
    currency: str
    goods_value: Money  # intrinsic value: freight and insurance shown separately (S22)
    shipping_cost: Money
    insurance_cost: Money
    gross_weight_kg: Decimal
    lines: tuple[Line, ...]
    # Transmitted with DDP under a scheme the shop collected the tax for (IOSS, UK, VOEC, ...).
    registration: Registration | None = None
    packages: int = 1

    @property
    def net_weight_kg(self) -> Decimal:
        return sum((line.net_weight_kg for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class Problem:
    """Why a shipment cannot be declared: a gettext msgid with its parameters, and the line."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    sku: str = ""

    def text(self, translate: Any = None) -> str:
        """The message in English (or through `translate`, a gettext function)."""
        template = translate(self.message) if translate else self.message
        prefix = f"{self.sku}: " if self.sku else ""
        return prefix + template % self.params
