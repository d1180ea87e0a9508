"""Shared pieces of the landed-cost regimes: the quote context, the regime outcome, small helpers (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.core.money import allocate, minor_unit, quantize
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
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PricedLine:
    """A quote line with its value in the input currency (exact) and in the quote currency."""

    line: QuoteLine
    input_value: Decimal  # unit_value x quantity, shipment currency
    value: Decimal  # quote currency, quantised to the minor unit
    shipping: Decimal  # this line's share of the separately charged shipping, quote currency

    @property
    def hs(self) -> str:
        return "".join(ch for ch in (self.line.hs_code or "") if ch.isdigit())


@dataclass(frozen=True)
class Context:
    shipment: Shipment
    tables: TaxTables
    rates: FxRates
    on: date
    destination: Destination
    lines: tuple[PricedLine, ...]  # canonical order: the quote does not depend on cart order
    goods: Decimal
    shipping: Decimal  # 0 when shipping is included in the prices

    @property
    def currency(self) -> str:
        return self.destination.currency

    @property
    def country(self) -> str:
        return self.destination.country

    @property
    def registrations(self) -> frozenset[str]:
        return self.shipment.seller_registrations

    @property
    def import_collected(self) -> Collected:
        """Import charges: paid by the shop at checkout under DDP, else by the shopper on delivery."""
        return "checkout" if self.shipment.incoterm == "DDP" else "delivery"

    @property
    def intrinsic_input(self) -> Decimal:
        """Goods value in the shipment currency; separately shown shipping is not in it, a price that
        includes delivery counts whole (reference §2b.2)."""
        return sum((p.input_value for p in self.lines), Decimal(0))

    @property
    def shipping_input(self) -> Decimal:
        """Separately charged shipping in the shipment currency (0 when the prices include it)."""
        return Decimal(0) if self.shipment.shipping_included_in_price else self.shipment.shipping_charged

    def cross(self, source: str, target: str) -> Decimal:
        if source == target:
            return Decimal(1)
        try:
            return self.rates.cross(source, target)
        except (KeyError, LookupError, ArithmeticError):
            raise QuoteError(
                "fx_rate_missing",
                N_("No exchange rate from %(source)s to %(target)s"),
                source=source,
                target=target,
            ) from None

    def input_in(self, amount: Decimal, currency: str) -> Decimal:
        """An amount in the shipment currency, converted exactly (no rounding) for threshold tests."""
        return amount * self.cross(self.shipment.currency, currency)

    def param(self, param_id: str) -> Param | None:
        return self.tables.param(param_id, self.on)

    def param_in_quote(self, param: Param) -> Decimal:
        return quantize(param.value * self.cross(param.currency, self.currency), self.currency)

    def within(self, param: Param, amount_input: Decimal, *, strict: bool = False) -> bool:
        """Is an input-currency amount within a threshold, compared in the threshold's currency?"""
        value = self.input_in(amount_input, param.currency)
        return value < param.value if strict else value <= param.value


@dataclass
class Outcome:
    """What a regime decided: its rule id, why, the charge lines and the warnings."""

    regime: str
    explanation: str
    params: dict[str, str] = field(default_factory=dict)
    charges: list[ChargeLine] = field(default_factory=list)
    warnings: list[QuoteWarning] = field(default_factory=list)
    forced_incoterm: str | None = None  # "DDP" when the regime requires collection at checkout

    def warn(self, code: str, message: str, **params: object) -> None:
        warning = QuoteWarning(code, message, {k: str(v) for k, v in params.items()})
        if warning not in self.warnings:
            self.warnings.append(warning)

    def warn_carrier_fee(self) -> None:
        """Import charges collected on delivery: the carrier may charge for collecting them."""
        self.warn("carrier_fee", N_("The carrier may add a handling fee for collecting import charges"))


def percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def amount_text(value: Decimal, currency: str) -> str:
    return f"{currency} {value.normalize():f}"


def param_text(param: Param) -> str:
    """A threshold, fee or limit as shown in messages: "EUR 150"."""
    return amount_text(param.value, param.currency)


def shares(total: Decimal, weights: Mapping[int, Decimal], currency: str) -> dict[int, Decimal]:
    """Split `total` over indexed weights by largest remainder in minor units (exact, deterministic)."""
    unit = minor_unit(currency)
    keys = sorted(weights)
    minor = [int((weights[k] / unit).to_integral_value()) for k in keys]
    if sum(minor) == 0:
        minor = [1] * len(keys)
    parts = allocate(int((quantize(total, currency) / unit).to_integral_value()), minor)
    return {k: Decimal(p) * unit for k, p in zip(keys, parts, strict=True)}


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
