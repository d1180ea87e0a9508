"""Shared pieces of the landed-cost regimes: the quote context, the regime outcome, small helpers (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from app.core import money
from app.core.money import allocate
from app.i18n.markers import N_
from app.tax.model import (
    ChargeLine,
    Collected,
    Destination,
    FxRates,
    Param,
    QuoteError,
    QuoteLine,
    QuoteWarning,
    Shipment,
    TaxTables,
)

CONSUMER_KINDS = ("B2C_sale", "personal_use")
MINOR_UNITS: dict[str, Decimal] = {}
CHARGE_UNITS: dict[str, tuple[Decimal, bool]] = {}


def minor_unit(currency: str) -> Decimal:
    """app.core.money.minor_unit, behind a plain dict (the engine asks for it on every amount)."""
    unit = MINOR_UNITS.get(currency)
    if unit is None:
        unit = MINOR_UNITS[currency] = money.minor_unit(currency)
    return unit


def quantize(amount: Decimal, currency: str) -> Decimal:
    """app.core.money.quantize (half-up to the minor unit) for the engine's Decimal amounts, which
    `rules` has already checked are Decimal: the same result, fewer calls."""
    unit = MINOR_UNITS.get(currency)
    if unit is None:
        unit = minor_unit(currency)
    return amount.quantize(unit, ROUND_HALF_UP)


def charge_unit(currency: str) -> tuple[Decimal, bool]:
    """app.core.money.charge_unit, and whether it is the minor unit, behind a plain dict."""
    found = CHARGE_UNITS.get(currency)
    if found is None:
        unit = money.charge_unit(currency)
        found = CHARGE_UNITS[currency] = (unit, unit == money.minor_unit(currency))
    return found


def quantize_charge(amount: Decimal, currency: str) -> Decimal:
    """app.core.money.quantize_charge (half-up to the unit the shopper is charged in, keeping the ISO
    exponent), the same result with the units looked up once per currency."""
    unit, same = CHARGE_UNITS.get(currency) or charge_unit(currency)
    charged = amount.quantize(unit, ROUND_HALF_UP)
    return charged if same else charged.quantize(minor_unit(currency))


HUNDRED = Decimal(100)
ONE = Decimal(1)
ZERO = Decimal(0)


@lru_cache(maxsize=4096)
def hs_digits(hs_code: str) -> str:
    return "".join(ch for ch in hs_code if ch.isdigit())


@dataclass(frozen=True)
class PricedLine:
    """A quote line with its value in the input currency (exact) and in the quote currency."""

    line: QuoteLine
    input_value: Decimal  # unit_value x quantity, shipment currency
    value: Decimal  # quote currency, quantised to the minor unit
    shipping: Decimal  # this line's share of the separately charged shipping, quote currency
    # the HS code's digits ("" without one), derived once: duty and flat-duty rules read it per line
    hs: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hs", hs_digits(self.line.hs_code or ""))


@dataclass(frozen=True)
class Context:
    """What a regime reads about one quote, worked out once by `rules._context`."""

    shipment: Shipment
    tables: TaxTables
    rates: FxRates
    on: date
    destination: Destination
    currency: str  # the destination's: every amount of the quote is in it
    country: str  # the destination country
    registrations: frozenset[str]  # the seller's (shipment.seller_registrations)
    # Import charges: paid by the shop at checkout under DDP, else by the shopper on delivery.
    import_collected: Collected
    lines: tuple[PricedLine, ...]  # canonical order: the quote does not depend on cart order
    goods: Decimal
    shipping: Decimal  # 0 when shipping is included in the prices
    # Goods value in the shipment currency; separately shown shipping is not in it, a price that
    # includes delivery counts whole (reference §2b.2). Summed once: most regimes test it.
    intrinsic_input: Decimal
    params: Mapping[str, Param]  # the regime parameters in force on `on` (TaxTables.params_on)
    fx: dict[tuple[str, str], Decimal] = field(default_factory=dict, repr=False, compare=False)  # per quote

    @property
    def shipping_input(self) -> Decimal:
        """Separately charged shipping in the shipment currency (0 when the prices include it)."""
        return Decimal(0) if self.shipment.shipping_included_in_price else self.shipment.shipping_charged

    def cross(self, source: str, target: str) -> Decimal:
        return cross(self.rates, self.fx, source, target)

    def input_in(self, amount: Decimal, currency: str) -> Decimal:
        """An amount in the shipment currency, converted exactly (no rounding) for threshold tests."""
        return amount * self.cross(self.shipment.currency, currency)

    def param(self, param_id: str) -> Param | None:
        return self.params.get(param_id)

    def param_in_quote(self, param: Param) -> Decimal:
        return quantize(param.value * self.cross(param.currency, self.currency), self.currency)

    def within(self, param: Param, amount_input: Decimal, *, strict: bool = False) -> bool:
        """Is an input-currency amount within a threshold, compared in the threshold's currency?
        (`input_in`, inlined: regimes ask this per line.)"""
        value = amount_input * cross(self.rates, self.fx, self.shipment.currency, param.currency)
        return value < param.value if strict else value <= param.value


def cross(rates: FxRates, memo: dict[tuple[str, str], Decimal], source: str, target: str) -> Decimal:
    """Units of `target` per unit of `source`, asked of `rates` once per quote (`memo`); a missing
    rate is a QuoteError."""
    if source == target:
        return ONE
    found = memo.get((source, target))
    if found is not None:
        return found
    try:
        found = memo[source, target] = rates.cross(source, target)
        return found
    except (KeyError, LookupError, ArithmeticError):
        raise QuoteError(
            "fx_rate_missing",
            N_("No exchange rate from %(source)s to %(target)s"),
            source=source,
            target=target,
        ) from None


def quote_warning(code: str, message: str, params: dict[str, str]) -> QuoteWarning:
    """QuoteWarning(code, message, params), built fast (see app.tax.model)."""
    warning = object.__new__(QuoteWarning)
    fields = warning.__dict__
    fields["code"] = code
    fields["message"] = message
    fields["params"] = params
    return warning


@dataclass
class Outcome:
    """What a regime decided: its rule id, why, the charge lines and the warnings."""

    regime: str
    explanation: str
    params: dict[str, str] = field(default_factory=dict)
    charges: list[ChargeLine] = field(default_factory=list)
    warnings: list[QuoteWarning] = field(default_factory=list)
    forced_incoterm: str | None = None  # "DDP" when the regime requires collection at checkout
    # tax-inclusive prices: the priced lines whose VAT was extracted from their price (sale_vat)
    covered: list[PricedLine] = field(default_factory=list)

    def warn(self, code: str, message: str, **params: object) -> None:
        texts = {}
        for key, value in params.items():  # a loop: a comprehension costs a function call
            texts[key] = value if type(value) is str else str(value)
        for existing in self.warnings:  # as `warning not in self.warnings`, field by field
            if existing.code == code and existing.message == message and existing.params == texts:
                return
        self.warnings.append(quote_warning(code, message, texts))

    def warn_carrier_fee(self) -> None:
        """Import charges collected on delivery: the carrier may charge for collecting them."""
        self.warn("carrier_fee", N_("The carrier may add a handling fee for collecting import charges"))


@lru_cache(maxsize=1024)
def percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def amount_text(value: Decimal, currency: str) -> str:
    return f"{currency} {value.normalize():f}"


_PARAM_TEXTS: dict[int, tuple[Param, str]] = {}


def param_text(param: Param) -> str:
    """A threshold, fee or limit as shown in messages: "EUR 150". Remembered per table row (by
    identity: hashing a Param and its Dated costs more than the text; the entry keeps the row)."""
    found = _PARAM_TEXTS.get(id(param))
    if found is not None and found[0] is param:
        return found[1]
    text = amount_text(param.value, param.currency)
    if len(_PARAM_TEXTS) >= 4096:
        _PARAM_TEXTS.clear()
    _PARAM_TEXTS[id(param)] = (param, text)
    return text


def shares(total: Decimal, weights: Mapping[int, Decimal], currency: str) -> dict[int, Decimal]:
    """Split `total` over indexed weights by largest remainder in minor units (exact, deterministic):
    app.core.money.allocate's split (every part its floor share, the leftover units to the largest
    remainders, ties to the earlier key), done inline on ints for the engine's hot path."""
    unit = minor_unit(currency)
    keys = sorted(weights)
    if not total and keys:  # nothing to split: every share is 0
        return {k: ZERO * unit for k in keys}
    total_minor = int((quantize(total, currency) / unit).to_integral_value())
    if len(keys) == 1:  # one share takes the whole total
        return {keys[0]: Decimal(total_minor) * unit}
    minor = [int((weights[k] / unit).to_integral_value()) for k in keys]
    if min(minor, default=-1) < 0 or total_minor < 0:
        parts = allocate(total_minor, minor)  # its checks and signs
    else:
        weight_sum = sum(minor)
        if weight_sum == 0:
            minor = [1] * len(keys)
            weight_sum = len(keys)
        parts = []
        remainders = []
        for i, weight in enumerate(minor):
            part, remainder = divmod(total_minor * weight, weight_sum)
            parts.append(part)
            remainders.append((-remainder, i))
        leftover = total_minor - sum(parts)
        if leftover:
            for _, i in sorted(remainders)[:leftover]:
                parts[i] += 1
    return {k: Decimal(p) * unit for k, p in zip(keys, parts, strict=True)}


# Whole-minor-unit counts below this multiply to under 10**24: exact in the 28 digits of the default
# decimal context, so `split_shares` can split in Decimal without converting to int.
_SPLIT_LIMIT = Decimal(10**12)


def split_shares(total: Decimal, values: list[Decimal], currency: str) -> list[Decimal]:
    """`shares(total, dict(enumerate(values)), currency)` as a list, in the same order (the engine's
    splits over its priced lines).

    For the engine's usual amounts (non-negative, already in whole minor units, under 10**12 units)
    the same largest-remainder split is done in Decimal arithmetic, which is exact there: converting
    each amount to int, or hashing it for a cache, costs more. Anything else goes to `shares`. (Plain
    loops: a list comprehension costs a function call.)"""
    count = len(values)
    unit = MINOR_UNITS.get(currency) or minor_unit(currency)
    if not count:
        return []
    if not total:  # nothing to split: every share is 0
        return [ZERO * unit] * count
    rounded = total.quantize(unit, ROUND_HALF_UP)
    value_sum = ZERO
    for value in values:  # negative or -0 (its share would be -0.00), or not in whole units
        if value.is_signed() or not value.same_quantum(unit):
            return _shares_list(total, values, currency)
        value_sum += value
    limit = _SPLIT_LIMIT * unit
    if not (ZERO < rounded < limit and ZERO < value_sum < limit):
        return _shares_list(total, values, currency)
    if count == 1:  # one share takes the whole total
        return [rounded]
    divisor = value_sum * unit
    parts = []
    remainders = []
    for value in values:  # total x value / value_sum in whole units: the floor and the remainder
        part, remainder = divmod(rounded * value, divisor)
        parts.append(part)
        remainders.append(remainder)
    leftover = rounded / unit - sum(parts, ZERO)
    if leftover == 1:  # the usual case: one more unit to the first largest remainder
        parts[remainders.index(max(remainders))] += 1
    elif leftover:  # one more unit each to the largest remainders, ties to the earlier (stable sort)
        for i in sorted(range(count), key=remainders.__getitem__, reverse=True)[: int(leftover)]:
            parts[i] += 1
    return [part * unit for part in parts]


def _shares_list(total: Decimal, values: list[Decimal], currency: str) -> list[Decimal]:
    found = shares(total, dict(enumerate(values)), currency)
    return [found[i] for i in range(len(values))]


def require_param(ctx: Context, param_id: str) -> Param:
    """A regime parameter in force on the quote date, or a clear error (never a guessed threshold)."""
    param = ctx.param(param_id)
    if param is None:
        raise QuoteError(
            "rule_not_in_force",
            N_("Rule %(rule)s has no data for %(date)s"),
            rule=param_id,
            date=ctx.on.isoformat(),
        )
    return param


def refuse_kind(ctx: Context, *kinds: str) -> None:
    """Refuse shipment kinds the destination has no regime for."""
    if ctx.shipment.shipment_kind in kinds:
        raise QuoteError(
            "kind_not_available",
            N_("Shipment kind %(kind)s is not available for %(destination)s"),
            kind=ctx.shipment.shipment_kind,
            destination=ctx.country,
        )


def refuse_domestic(ctx: Context) -> None:
    if ctx.shipment.ship_from == ctx.country:
        raise QuoteError(
            "domestic_sale",
            N_("Domestic sales inside %(country)s are not quoted here"),
            country=ctx.country,
        )
