"""Pure shipping logic: zones, billed weight, bracket prices, free standard shipping, restricted goods.

Conventions (the data file, data/shipping/rates.toml, says the same in its comments):
- billed weight = max(actual, volumetric), volumetric kg = L x W x H (cm) / the method's divisor
  (cm3 per kg; None: actual weight only), rounded up to the gram;
- bracket bounds are inclusive upper bounds in kg; above the last one a method either charges
  `per_additional_kg` for every started kg (up to `max_kg` when set) or is not offered;
- prices are in the shop currency; free standard shipping is decided by the caller (it knows the
  shopper's subtotal and currency) against `free_threshold`, and passed in as `free`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from moneyed import Money

from app.core.money import multiply, zero
from app.i18n.markers import N_

METHOD_NAMES = {"standard": N_("Standard delivery"), "express": N_("Express delivery")}
# How each method travels, for customs (app/customs/rules.py): postal items declare on CN 22/CN 23,
# courier shipments on a commercial invoice (merchant configuration: standard = the postal parcel
# network, express = DHL Express/FedEx/UPS, see data/shipping/rates.toml). Unknown: courier.
SERVICE_KINDS = {"standard": "postal", "express": "courier"}
FREE_METHOD = "standard"  # the only method a free-shipping threshold makes free
# Restriction tags products may carry (data/demo/check.py lists the same); the data file may only
# restrict these, so a typo there ("lithum_battery") fails at load instead of restricting nothing.
RESTRICTION_TAGS = frozenset({"lithium_battery", "liquid", "aerosol", "food"})

# Reason codes of the data file's [[restrictions]] -> gettext msgids (translate where the locale is known).
RESTRICTION_REASONS = {
    "air_dangerous_goods": N_(
        "Dangerous goods such as lithium batteries cannot be sent by air to this destination."
    ),
    "dangerous_goods": N_("Dangerous goods such as aerosols cannot be sent to this destination."),
    "biosecurity": N_("This destination's biosecurity rules do not allow food or liquids by parcel."),
    "food_import_notice": N_(
        "Food cannot be sent to this country without an import notice, which we do not file."
    ),
    "merchant_policy": N_("We do not ship this item to this destination."),
}

GRAM = Decimal("0.001")


@dataclass(frozen=True)
class ShippingMethod:
    """A method offered for one parcel to one country, priced in the shop currency."""

    code: str
    price: Money
    min_days: int
    max_days: int

    @property
    def name(self) -> str:
        """A gettext msgid; translate where the locale is known."""
        return METHOD_NAMES[self.code]


@dataclass(frozen=True)
class Bracket:
    up_to_kg: Decimal  # inclusive upper bound of billed weight
    price: Money


@dataclass(frozen=True)
class MethodRates:
    """One method's rate table in one zone."""

    code: str
    brackets: tuple[Bracket, ...]  # ascending bounds, non-decreasing prices
    per_additional_kg: Money | None  # per started kg above the last bound; None: not offered above it
    max_kg: Decimal | None  # heaviest billed weight carried; None: no limit
    volumetric_divisor: int | None  # cm3 per kg; None: actual weight only
    min_days: int
    max_days: int

    def price_for(self, billed_kg: Decimal) -> Money | None:
        """The price for a billed weight, or None when this method does not carry it."""
        if self.max_kg is not None and billed_kg > self.max_kg:
            return None
        for bracket in self.brackets:
            if billed_kg <= bracket.up_to_kg:
                return bracket.price
        if self.per_additional_kg is None:
            return None
        last = self.brackets[-1]
        started_kg = int((billed_kg - last.up_to_kg).to_integral_value(rounding=ROUND_CEILING))
        return last.price + multiply(self.per_additional_kg, started_kg)


@dataclass(frozen=True)
class Zone:
    code: str
    countries: frozenset[str]
    methods: tuple[MethodRates, ...]


@dataclass(frozen=True)
class Restriction:
    """A restriction tag of the parcel that stops a method or a destination, and why."""

    tag: str
    reason: str  # a code of RESTRICTION_REASONS

    @property
    def message(self) -> str:
        """A gettext msgid; translate where the locale is known."""
        return RESTRICTION_REASONS[self.reason]


@dataclass(frozen=True)
class RestrictionRule:
    """A tag that cannot be shipped to some zones/countries, by some methods (empty: all methods)."""

    tag: str
    reason: str
    zones: frozenset[str]
    countries: frozenset[str]
    methods: frozenset[str]

    def applies(self, zone: str, country: str, method: str) -> bool:
        where = zone in self.zones or country in self.countries
        return where and (not self.methods or method in self.methods)


@dataclass(frozen=True)
class RateTable:
    origin: str
    currency: str
    zones: tuple[Zone, ...]
    free_standard_over: tuple[tuple[str, Money], ...] = ()  # (market code, threshold in its currency)
    restrictions: tuple[RestrictionRule, ...] = ()

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(c for zone in self.zones for c in zone.countries)

    def zone_for(self, country: str) -> Zone | None:
        return next((zone for zone in self.zones if country in zone.countries), None)


@dataclass(frozen=True)
class ParcelItem:
    """One cart line as shipping sees it."""

    weight_grams: int
    dimensions_mm: tuple[int, int, int]
    quantity: int
    restrictions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Parcel:
    """The whole order in one parcel: actual weight, a volume estimate and every restriction tag."""

    weight_grams: int
    volume_mm3: int  # sum of the items' volumes: an estimate that ignores packing gaps and the box
    restrictions: frozenset[str] = frozenset()


def parcel_for(items: Iterable[ParcelItem]) -> Parcel:
    """One parcel for the cart lines: total actual weight, summed volume, the union of their tags."""
    weight = volume = 0
    tags: set[str] = set()
    for item in items:
        if item.quantity < 0 or item.weight_grams < 0 or min(item.dimensions_mm) < 0:
            raise ValueError("parcel items need non-negative weight, dimensions and quantity")
        length, width, height = item.dimensions_mm
        weight += item.weight_grams * item.quantity
        volume += length * width * height * item.quantity
        if item.quantity:
            tags |= item.restrictions
    return Parcel(weight_grams=weight, volume_mm3=volume, restrictions=frozenset(tags))


def billed_weight_kg(parcel: Parcel, divisor: int | None) -> Decimal:
    """max(actual kg, volumetric kg), volumetric = cm3 / divisor rounded up to the gram; None: actual."""
    actual = Decimal(parcel.weight_grams) * GRAM
    if divisor is None:
        return actual
    if divisor <= 0:
        raise ValueError("volumetric divisor must be positive")
    volumetric = (Decimal(parcel.volume_mm3) / 1000 / divisor).quantize(GRAM, rounding=ROUND_CEILING)
    return max(actual, volumetric)


def restrictions_for(table: RateTable, country: str, method: str, parcel: Parcel) -> tuple[Restriction, ...]:
    """The parcel's restrictions that stop one method to one country (in data-file order)."""
    zone = table.zone_for(country)
    if zone is None or not parcel.restrictions:
        return ()
    found = (
        Restriction(rule.tag, rule.reason)
        for rule in table.restrictions
        if rule.tag in parcel.restrictions and rule.applies(zone.code, country, method)
    )
    return tuple(dict.fromkeys(found))


def blocked(table: RateTable, country: str, parcel: Parcel) -> tuple[Restriction, ...]:
    """Restrictions that together stop every method to the country; () when some method may carry it.

    Weight limits are not restrictions: a parcel too heavy for every method gets () here and no
    methods from `methods_for`. A country outside every zone also gets () (see `RateTable.countries`).
    """
    zone = table.zone_for(country)
    if zone is None:
        return ()
    per_method = [restrictions_for(table, country, rates.code, parcel) for rates in zone.methods]
    if not per_method or not all(per_method):
        return ()
    return tuple(dict.fromkeys(r for found in per_method for r in found))


def methods_for(table: RateTable, country: str, parcel: Parcel, *, free: bool) -> tuple[ShippingMethod, ...]:
    """Methods that can carry this parcel to the country, priced for it; standard costs zero when `free`.

    Left out: methods a restriction tag of the parcel stops, and methods whose table does not reach
    the parcel's billed weight.
    """
    zone = table.zone_for(country)
    if zone is None:
        return ()
    offered = []
    for rates in zone.methods:
        if restrictions_for(table, country, rates.code, parcel):
            continue
        price = rates.price_for(billed_weight_kg(parcel, rates.volumetric_divisor))
        if price is None:
            continue
        if free and rates.code == FREE_METHOD:
            price = zero(table.currency)
        offered.append(ShippingMethod(rates.code, price, rates.min_days, rates.max_days))
    return tuple(offered)


def find_method(
    table: RateTable, country: str, code: str, parcel: Parcel, *, free: bool
) -> ShippingMethod | None:
    return next((m for m in methods_for(table, country, parcel, free=free) if m.code == code), None)


def free_threshold(table: RateTable, market_code: str) -> Money | None:
    """The goods subtotal, in the market's own currency, from which standard shipping is free."""
    return dict(table.free_standard_over).get(market_code)
