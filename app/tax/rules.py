"""Landed cost of a cross-border parcel: destination VAT/GST, duties and fees for a date (pure).

`quote_landed_cost(shipment, tables, rates, today)` validates the shipment, converts its values to
the destination's currency with the rates it is given, puts the lines in a canonical order (the
quote never depends on cart order), lets the destination's regime decide the charge lines
(app/tax/europe.py, app/tax/world.py) and adds them up. Every line carries its rule id, its source
keys (data/tax/sources.toml) and a gettext msgid with params; lines built on Low/UNVERIFIED data
say estimate=True and the quote carries a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from app.core.money import minor_unit, quantize
from app.i18n.markers import N_
from app.tax import americas, asia_pacific, eu, europe
from app.tax.common import Context, Outcome, PricedLine, shares
from app.tax.model import (
    CHANNELS,
    PRODUCT_TAX_CLASSES,
    SHIPMENT_KINDS,
    ChargeLine,
    Collected,
    FxRates,
    LandedCostQuote,
    QuoteError,
    QuoteLine,
    QuoteWarning,
    Shipment,
    TaxTables,
)

REGIMES: dict[str, Callable[[Context], Outcome]] = {
    "EU": eu.eu,
    "GB": europe.gb,
    "NO": europe.no,
    "CH": europe.ch,
    "AU": asia_pacific.au,
    "NZ": asia_pacific.nz,
    "SG": asia_pacific.sg,
    "CA": americas.ca,
    "US": americas.us,
    "JP": asia_pacific.jp,
    "KR": asia_pacific.kr,
    "CN": asia_pacific.cn,
}
COUNTRY_ALIASES = {"UK": "GB"}
REGISTRATIONS = ("IOSS", "OSS", "UK_VAT", "VOEC", "CH_VAT", "AU_GST", "NZ_GST", "SG_OVR", "CA_GST")
INCOTERMS = ("DDP", "DAP")


def _invalid(field: str, value: object) -> QuoteError:
    return QuoteError("invalid_input", N_("Invalid %(field)s: %(value)s"), field=field, value=value)


def _check(shipment: Shipment) -> None:
    if shipment.shipment_kind not in SHIPMENT_KINDS:
        raise _invalid("shipment_kind", shipment.shipment_kind)
    if shipment.channel is not None and shipment.channel not in CHANNELS:
        raise _invalid("channel", shipment.channel)
    if shipment.incoterm is not None and shipment.incoterm not in INCOTERMS:
        raise _invalid("incoterm", shipment.incoterm)
    for registration in shipment.seller_registrations:
        if registration not in REGISTRATIONS and not (
            registration.startswith("US_SALES_TAX:") and len(registration) == len("US_SALES_TAX:") + 2
        ):
            raise _invalid("seller_registrations", registration)
    if not shipment.lines:
        raise QuoteError("no_lines", N_("A quote needs at least one line"))
    money = [shipment.shipping_charged] + [line.unit_value for line in shipment.lines]
    if any(not isinstance(v, Decimal) or not v.is_finite() or v < 0 for v in money):
        raise _invalid("amount", "negative, float or not a number")
    for line in shipment.lines:
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity < 1:
            raise _invalid("quantity", line.quantity)
        if line.tax_class not in PRODUCT_TAX_CLASSES:
            raise QuoteError(
                "unknown_tax_class", N_("Unknown tax class %(tax_class)s"), tax_class=line.tax_class
            )
        if line.duty_rate is not None and (not isinstance(line.duty_rate, Decimal) or line.duty_rate < 0):
            raise _invalid("duty_rate", line.duty_rate)
        if len(line.origin) != 2:
            raise _invalid("origin", line.origin)


def _canonical(line: QuoteLine) -> tuple[object, ...]:
    return (
        line.hs_code or "",
        line.origin,
        line.tax_class,
        line.description,
        line.unit_value,
        line.quantity,
        line.duty_rate if line.duty_rate is not None else Decimal(-1),
        line.weight_kg if line.weight_kg is not None else Decimal(-1),
    )


def _context(shipment: Shipment, tables: TaxTables, rates: FxRates, on: date) -> Context:
    country = COUNTRY_ALIASES.get(shipment.destination, shipment.destination)
    destination = tables.destination(country, on)
    if destination is None:
        raise QuoteError(
            "unknown_destination",
            N_("No landed-cost rules for %(destination)s on %(date)s"),
            destination=shipment.destination,
            date=on.isoformat(),
        )
    currency = destination.currency
    stub = Context(shipment, tables, rates, on, destination, (), Decimal(0), Decimal(0))
    fx = stub.cross(shipment.currency, currency)
    ordered = sorted(shipment.lines, key=_canonical)
    values = [quantize(line.unit_value * line.quantity * fx, currency) for line in ordered]
    shipping = (
        Decimal(0)
        if shipment.shipping_included_in_price
        else quantize(shipment.shipping_charged * fx, currency)
    )
    split = shares(shipping, dict(enumerate(values)), currency)
    lines = tuple(
        PricedLine(line, line.unit_value * line.quantity, value, split[i])
        for i, (line, value) in enumerate(zip(ordered, values, strict=True))
    )
    goods = sum(values, Decimal(0)).quantize(minor_unit(currency))
    return Context(shipment, tables, rates, on, destination, lines, goods, shipping)


def _total(lines: tuple[ChargeLine, ...] | list[ChargeLine], currency: str) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0)).quantize(minor_unit(currency))


def quote_landed_cost(shipment: Shipment, tables: TaxTables, rates: FxRates, today: date) -> LandedCostQuote:
    """The landed cost of `shipment` on its date (default `today`), in the destination's currency.

    `rates` converts the shipment's currency to the destination's and to each threshold's currency
    (app.fx.rules.RateTable works; use customs rates where the regime prescribes them).
    Raises QuoteError (stable `code`, gettext `message`, `params`) instead of guessing.
    """
    _check(shipment)
    on = shipment.date or today
    ctx = _context(shipment, tables, rates, on)
    outcome = REGIMES[ctx.destination.regime](ctx)
    if shipment.shipping_included_in_price and shipment.shipping_charged:
        outcome.warn(
            "shipping_included", N_("Shipping is included in the prices: the separate amount is ignored")
        )

    charges = list(outcome.charges)
    if outcome.forced_incoterm == "DDP":  # the regime requires collection at checkout
        charges = [c if c.collected != "delivery" else replace(c, collected="checkout") for c in charges]
        if shipment.incoterm == "DAP":
            outcome.warn(
                "incoterm_forced",
                N_("%(regime)s requires the tax to be collected at checkout: DDP instead of DAP"),
                regime=outcome.regime,
            )
    warnings = list(outcome.warnings)
    if any(c.estimate for c in charges):
        warnings.append(
            QuoteWarning("estimate", N_("Some amounts rest on unverified data and are estimates"))
        )
    currency = ctx.currency
    taxes = tuple(c for c in charges if c.kind == "tax")
    duties = tuple(c for c in charges if c.kind == "duty")
    fees = tuple(c for c in charges if c.kind == "fee")
    at_checkout = _total([c for c in charges if c.collected == "checkout"], currency)
    on_delivery = _total([c for c in charges if c.collected == "delivery"], currency)
    collected: Collected
    if on_delivery > 0:
        collected = "delivery"
    elif at_checkout > 0:
        collected = "checkout"
    else:
        collected = "none"
    return LandedCostQuote(
        date=on,
        destination=ctx.country,
        currency=currency,
        regime=outcome.regime,
        explanation=outcome.explanation,
        explanation_params=dict(outcome.params),
        goods=ctx.goods,
        shipping=ctx.shipping,
        taxes=taxes,
        duties=duties,
        fees=fees,
        tax_total=_total(taxes, currency),
        duty_total=_total(duties, currency),
        fees_total=_total(fees, currency),
        collected=collected,
        incoterm="DAP" if on_delivery > 0 else "DDP",
        total_now=ctx.goods + ctx.shipping + at_checkout,
        due_on_delivery=on_delivery,
        estimate=any(c.estimate for c in charges),
        warnings=tuple(warnings),
    )
