"""Landed-cost data model: the quote's input and answer, the dated tax tables, and QuoteError (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

SHIPMENT_KINDS = ("B2C_sale", "CBEC", "gift_C2C", "personal_use")
CHANNELS = ("post", "courier")
PRODUCT_TAX_CLASSES = ("standard", "reduced", "zero", "books", "food", "children_clothing")
CONFIDENCES = ("High", "Medium", "Low", "UNVERIFIED")
# Rows with these confidences are used (they stay configurable in data/tax/) but every line built
# from them says estimate=True and the quote carries a warning: the reference could not confirm them.
ESTIMATE_CONFIDENCES = frozenset({"Low", "UNVERIFIED"})

Collected = Literal["checkout", "delivery", "none"]
ChargeKind = Literal["tax", "duty", "fee"]


class FxRates(Protocol):
    """Units of `target` per one unit of `source` (app.fx.rules.RateTable satisfies this)."""

    def cross(self, source: str, target: str) -> Decimal: ...


class QuoteError(Exception):
    """A quote that cannot be given without guessing: a stable `code`, a gettext msgid and its params."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message
        self.params = {key: str(value) for key, value in params.items()}


# ---------------------------------------------------------------- the quote's input


@dataclass(frozen=True)
class QuoteLine:
    """One cart line as customs sees it. `unit_value` is in the shipment's `currency`."""

    description: str
    hs_code: str | None
    origin: str
    unit_value: Decimal
    quantity: int
    weight_kg: Decimal | None = None
    tax_class: str = "standard"
    duty_rate: Decimal | None = None  # percent; overrides the duty table for this line


@dataclass(frozen=True)
class Shipment:
    """What is sold, from where, to whom. Maps 1:1 to the quote API's JSON input."""

    ship_from: str
    destination: str
    currency: str
    lines: tuple[QuoteLine, ...]
    date: date | None = None  # None: the `today` passed to quote_landed_cost
    destination_region: str | None = None  # CA province, US state
    seller_registrations: frozenset[str] = frozenset()  # IOSS, OSS, UK_VAT, ..., US_SALES_TAX:NY
    shipment_kind: str = "B2C_sale"
    channel: str | None = None  # post | courier
    shipping_charged: Decimal = Decimal(0)
    shipping_included_in_price: bool = False
    # Additions to the contract, both optional: the shop's incoterm choice where a regime
    # leaves it free ("DDP": pay the import charges for the shopper), and whether a proof of
    # preferential origin (e.g. an EU/UK TCA origin statement) goes with the goods.
    incoterm: str | None = None
    proof_of_origin: bool = False


# ---------------------------------------------------------------- the answer


@dataclass(frozen=True)
class ChargeLine:
    """One tax, duty or fee line: amount in the quote currency, the rule, its source and why."""

    kind: ChargeKind
    name: str  # gettext msgid
    rate: Decimal | None  # percent; None for flat amounts
    base: Decimal
    amount: Decimal
    rule: str
    source: str
    explanation: str  # gettext msgid
    params: Mapping[str, str]
    collected: Collected
    estimate: bool = False


@dataclass(frozen=True)
class QuoteWarning:
    code: str
    message: str  # gettext msgid
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LandedCostQuote:
    """The answer. Amounts are Decimal in `currency`, the destination's currency."""

    date: date
    destination: str
    currency: str
    regime: str  # the rule id of the regime that decided the quote
    explanation: str  # gettext msgid: why these charges (or none) apply
    explanation_params: Mapping[str, str]
    goods: Decimal
    shipping: Decimal
    taxes: tuple[ChargeLine, ...]
    duties: tuple[ChargeLine, ...]
    fees: tuple[ChargeLine, ...]
    tax_total: Decimal
    duty_total: Decimal
    fees_total: Decimal
    collected: Collected
    incoterm: Literal["DDP", "DAP"]
    total_now: Decimal  # goods + shipping + everything collected at checkout
    due_on_delivery: Decimal  # estimate payable to the carrier on delivery
    estimate: bool  # some line rests on Low/UNVERIFIED data
    warnings: tuple[QuoteWarning, ...]

    @property
    def charges(self) -> tuple[ChargeLine, ...]:
        return self.taxes + self.duties + self.fees


# ---------------------------------------------------------------- dated tables (data/tax/*.toml)


@dataclass(frozen=True)
class Dated:
    """Where a row came from and when it is in force: [effective_from, effective_to)."""

    effective_from: date
    effective_to: date | None
    source: str
    confidence: str
    note: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    @property
    def is_estimate(self) -> bool:
        return self.confidence in ESTIMATE_CONFIDENCES


@dataclass(frozen=True)
class Destination:
    country: str
    currency: str
    regime: str  # EU, GB, NO, CH, AU, NZ, SG, CA, US, JP, KR, CN
    valuation: str  # customs value basis: CIF or FOB
    dated: Dated


@dataclass(frozen=True)
class VatRate:
    country: str
    region: str  # "" for the whole country; CA province or US state otherwise
    key: str  # standard, reduced, reduced_low, super_reduced, zero, GST, HST, PST, QST, sales_tax
    rate: Decimal  # percent
    dated: Dated


@dataclass(frozen=True)
class TaxClassRow:
    """Which of a country's rates a product tax class takes there."""

    country: str
    tax_class: str
    rate_key: str
    dated: Dated


@dataclass(frozen=True)
class Param:
    """A threshold, flat amount or percentage of a regime (`unit` says what it is measured on)."""

    id: str
    value: Decimal
    currency: str  # "" for percentages
    unit: str  # consignment, item, declaration_tax, percent, per_item, per_parcel, per_entry
    dated: Dated


@dataclass(frozen=True)
class DutyRow:
    """A default ad-valorem duty rate for an HS prefix (or chapter range "25-97") at a destination."""

    destination: str  # country, or "EU"
    hs: str
    rate: Decimal  # percent
    dated: Dated

    def matches(self, hs_code: str) -> int:
        """Length of the match (longer wins), or -1."""
        if "-" in self.hs:
            low, high = (int(part) for part in self.hs.split("-"))
            return 1 if len(hs_code) >= 2 and low <= int(hs_code[:2]) <= high else -1
        return len(self.hs) if hs_code.startswith(self.hs) else -1


@dataclass(frozen=True)
class Preference:
    """A preferential duty rate for goods of listed origins, with proof of origin."""

    id: str
    destination: str
    origins: frozenset[str]
    rate: Decimal
    dated: Dated


@dataclass(frozen=True)
class TaxTables:
    """Everything in data/tax/, parsed and validated."""

    sources: Mapping[str, str]
    destinations: tuple[Destination, ...]
    eu_members: frozenset[str]
    vat_rates: tuple[VatRate, ...]
    tax_classes: tuple[TaxClassRow, ...]
    params: tuple[Param, ...]
    duties: tuple[DutyRow, ...]
    preferences: tuple[Preference, ...]

    def destination(self, country: str, on: date) -> Destination | None:
        return next((d for d in self.destinations if d.country == country and d.dated.in_force(on)), None)

    def vat_rate(self, country: str, key: str, on: date, region: str = "") -> VatRate | None:
        return next(
            (
                r
                for r in self.vat_rates
                if r.country == country and r.region == region and r.key == key and r.dated.in_force(on)
            ),
            None,
        )

    def region_rates(self, country: str, region: str, on: date) -> tuple[VatRate, ...]:
        rates = (r for r in self.vat_rates if r.country == country and r.region == region)
        return tuple(sorted((r for r in rates if r.dated.in_force(on)), key=lambda r: r.key))

    def class_row(self, country: str, tax_class: str, on: date) -> TaxClassRow | None:
        return next(
            (
                row
                for row in self.tax_classes
                if row.country == country and row.tax_class == tax_class and row.dated.in_force(on)
            ),
            None,
        )

    def param(self, param_id: str, on: date) -> Param | None:
        return next((p for p in self.params if p.id == param_id and p.dated.in_force(on)), None)

    def duty_row(self, destination: str, hs_code: str, on: date) -> DutyRow | None:
        best: DutyRow | None = None
        best_len = -1
        for row in self.duties:
            if row.destination == destination and row.dated.in_force(on):
                length = row.matches(hs_code)
                if length > best_len:
                    best, best_len = row, length
        return best

    def preference(self, destination: str, origin: str, on: date) -> Preference | None:
        return next(
            (
                p
                for p in self.preferences
                if p.destination == destination and origin in p.origins and p.dated.in_force(on)
            ),
            None,
        )
