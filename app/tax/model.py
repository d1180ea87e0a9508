"""Landed-cost data model: the quote's input and answer, the dated tax tables, and QuoteError (pure)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, Protocol, TypeVar

SHIPMENT_KINDS = ("B2C_sale", "CBEC", "gift_C2C", "personal_use")
CHANNELS = ("post", "courier")
PRODUCT_TAX_CLASSES = ("standard", "reduced", "zero", "books", "food", "children_clothing")
CONFIDENCES = ("High", "Medium", "Low", "UNVERIFIED")
# Rows with these confidences are used (they stay configurable in data/tax/) but every line built
# from them says estimate=True and the quote carries a warning: the reference could not confirm them.
ESTIMATE_CONFIDENCES = frozenset({"Low", "UNVERIFIED"})

T = TypeVar("T")
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


# Building frozen instances fast: the engine's hot paths build thousands a second, so they skip the
# generated __init__ (an object.__setattr__ call per field): `instance = object.__new__(cls)`, then
# every field stored into `instance.__dict__`, in field order. Stored key by key, the dict keeps
# sharing its keys with the class's other instances, which takes about half the time of
# dict.update(). Only for classes without __post_init__ work the builder does not do itself; the
# tests compare such instances with dataclass-built ones.


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
    # Tax-inclusive prices: line unit values and the separately charged shipping are gross, holding
    # the VAT/GST the seller charges at checkout; that VAT is extracted (gross x r / (100 + r)), not
    # added on top. Where the goods are imported instead, the quote says net_required.
    prices_include_tax: bool = False


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
    # True: the VAT was extracted from a tax-inclusive price (Shipment.prices_include_tax); `base` is
    # then the net (gross - amount) and the amount is already inside goods + shipping.
    included: bool = False


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
    tax_total: Decimal  # every tax line, included ones too
    duty_total: Decimal
    fees_total: Decimal
    collected: Collected
    incoterm: Literal["DDP", "DAP"]
    total_now: Decimal  # goods + shipping + what is collected at checkout and not included in them
    due_on_delivery: Decimal  # estimate payable to the carrier on delivery
    estimate: bool  # some line rests on Low/UNVERIFIED data
    warnings: tuple[QuoteWarning, ...]
    # Tax-inclusive prices given, but some goods line is not covered by an included checkout VAT line
    # (imported normally, exempt, or an exclusive market): gross prices are no customs or tax base,
    # so the caller must quote again with net values (prices_include_tax false).
    net_required: bool = False

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


MEMO_LIMIT = 65_536  # answers remembered per TaxTables (cleared when full; dates make the keys grow)


def _index(rows: Iterable[T], key: Callable[[T], Hashable]) -> dict[Hashable, tuple[T, ...]]:
    """Rows grouped by `key`, each group in table order (the first row in force wins, as before)."""
    groups: dict[Hashable, list[T]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return {k: tuple(v) for k, v in groups.items()}


@dataclass(frozen=True)
class TaxTables:
    """Everything in data/tax/, parsed and validated.

    Look-ups go through indexes by (country, key) built once, on first use, and their answers are
    memoised per date in `_memo` (the tables are immutable; `dataclasses.replace` makes new tables
    with an empty memo). Neither takes part in equality or repr."""

    sources: Mapping[str, str]
    destinations: tuple[Destination, ...]
    eu_members: frozenset[str]
    vat_rates: tuple[VatRate, ...]
    tax_classes: tuple[TaxClassRow, ...]
    params: tuple[Param, ...]
    duties: tuple[DutyRow, ...]
    preferences: tuple[Preference, ...]
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, remembered under `key` for these tables (for answers that depend on the
        tables and the key only)."""
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[key] = compute()
            return found

    @cached_property
    def _destinations_by_country(self) -> dict[Hashable, tuple[Destination, ...]]:
        return _index(self.destinations, lambda d: d.country)

    @cached_property
    def _rates_by_key(self) -> dict[Hashable, tuple[VatRate, ...]]:
        return _index(self.vat_rates, lambda r: (r.country, r.region, r.key))

    @cached_property
    def _rates_by_region(self) -> dict[Hashable, tuple[VatRate, ...]]:
        return _index(self.vat_rates, lambda r: (r.country, r.region))

    @cached_property
    def _classes_by_key(self) -> dict[Hashable, tuple[TaxClassRow, ...]]:
        return _index(self.tax_classes, lambda r: (r.country, r.tax_class))

    @cached_property
    def _params_by_id(self) -> dict[Hashable, tuple[Param, ...]]:
        return _index(self.params, lambda p: p.id)

    @cached_property
    def _duties_by_destination(self) -> dict[Hashable, tuple[DutyRow, ...]]:
        return _index(self.duties, lambda d: d.destination)

    @cached_property
    def _preferences_by_destination(self) -> dict[Hashable, tuple[Preference, ...]]:
        return _index(self.preferences, lambda p: p.destination)

    def destination(self, country: str, on: date) -> Destination | None:
        key = ("destination", country, on)
        try:
            return self._memo[key]
        except KeyError:
            rows = self._destinations_by_country.get(country, ())
            return self.cached(key, lambda: next((d for d in rows if d.dated.in_force(on)), None))

    def vat_rate(self, country: str, key: str, on: date, region: str = "") -> VatRate | None:
        memo_key = ("vat_rate", country, key, on, region)
        try:
            return self._memo[memo_key]
        except KeyError:
            rows = self._rates_by_key.get((country, region, key), ())
            return self.cached(memo_key, lambda: next((r for r in rows if r.dated.in_force(on)), None))

    def region_rates(self, country: str, region: str, on: date) -> tuple[VatRate, ...]:
        key = ("region_rates", country, region, on)
        try:
            return self._memo[key]
        except KeyError:
            rows = self._rates_by_region.get((country, region), ())
            return self.cached(
                key, lambda: tuple(sorted((r for r in rows if r.dated.in_force(on)), key=lambda r: r.key))
            )

    def class_row(self, country: str, tax_class: str, on: date) -> TaxClassRow | None:
        key = ("class_row", country, tax_class, on)
        try:
            return self._memo[key]
        except KeyError:
            rows = self._classes_by_key.get((country, tax_class), ())
            return self.cached(key, lambda: next((r for r in rows if r.dated.in_force(on)), None))

    def param(self, param_id: str, on: date) -> Param | None:
        key = ("param", param_id, on)
        try:
            return self._memo[key]
        except KeyError:
            rows = self._params_by_id.get(param_id, ())
            return self.cached(key, lambda: next((p for p in rows if p.dated.in_force(on)), None))

    def params_on(self, on: date) -> Mapping[str, Param]:
        """Every parameter in force on `on`, by id (what `param` gives for each): one dict per date
        for a quote's look-ups. Shared between quotes: read it, never change it."""
        key = ("params_on", on)
        try:
            return self._memo[key]
        except KeyError:
            pass

        def compute() -> dict[str, Param]:
            found: dict[str, Param] = {}
            for param in self.params:  # in table order: the first row in force wins, as in `param`
                if param.id not in found and param.dated.in_force(on):
                    found[param.id] = param
            return found

        return self.cached(key, compute)

    def duty_row(self, destination: str, hs_code: str, on: date) -> DutyRow | None:
        key = ("duty_row", destination, hs_code, on)
        try:
            return self._memo[key]
        except KeyError:
            return self.cached(key, lambda: self._duty_row(destination, hs_code, on))

    def _duty_row(self, destination: str, hs_code: str, on: date) -> DutyRow | None:
        best: DutyRow | None = None
        best_len = -1
        for row in self._duties_by_destination.get(destination, ()):
            if row.dated.in_force(on):
                length = row.matches(hs_code)
                if length > best_len:
                    best, best_len = row, length
        return best

    def preference(self, destination: str, origin: str, on: date) -> Preference | None:
        key = ("preference", destination, origin, on)
        try:
            return self._memo[key]
        except KeyError:
            rows = self._preferences_by_destination.get(destination, ())
            return self.cached(
                key, lambda: next((p for p in rows if origin in p.origins and p.dated.in_force(on)), None)
            )
