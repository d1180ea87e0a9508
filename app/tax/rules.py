"""Landed cost of a cross-border parcel: destination VAT/GST, duties and fees for a date (pure).

`quote_landed_cost(shipment, tables, rates, today)` validates the shipment, converts its values to
the destination's currency with the rates it is given, puts the lines in a canonical order (the
quote never depends on cart order), lets the destination's regime decide the charge lines
(app/tax/europe.py, app/tax/world.py) and adds them up. Every line carries its rule id, its source
keys (data/tax/sources.toml) and a gettext msgid with params; lines built on Low/UNVERIFIED data
say estimate=True and the quote carries a warning.

Tax-inclusive prices (`Shipment.prices_include_tax`): where the seller charges the destination's
VAT/GST on the sale price at checkout (`charges.sale_vat`: EU domestic/OSS/origin VAT, IOSS, UK up to
GBP 135, VOEC, AU/NZ vendor GST, SG OVR, CH mail order, CN CBEC), the VAT is extracted from the gross
price and the line says included=True; total_now does not add it again, tax_total still counts it.
Any goods line not so covered (imported normally, exempt, or a market without checkout VAT) makes
the quote say net_required: gross prices are no customs value, quote again with net values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from app.i18n.markers import N_
from app.tax import americas, asia_pacific, eu, europe
from app.tax.charges import with_changes
from app.tax.common import (
    MINOR_UNITS,
    ONE,
    ZERO,
    Context,
    Outcome,
    PricedLine,
    cross,
    hs_digits,
    minor_unit,
    quote_warning,
    split_shares,
)
from app.tax.model import (
    CHANNELS,
    PRODUCT_TAX_CLASSES,
    SHIPMENT_KINDS,
    ChargeLine,
    FxRates,
    LandedCostQuote,
    QuoteError,
    QuoteLine,
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
# CN_CBEC: registered with China customs as a cross-border e-commerce seller; the checkout then quotes
# China as CBEC (app/checkout/landed.shipment_kind).
REGISTRATIONS = (
    "IOSS",
    "OSS",
    "UK_VAT",
    "VOEC",
    "CH_VAT",
    "AU_GST",
    "NZ_GST",
    "SG_OVR",
    "CA_GST",
    "CN_CBEC",
)
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
    for value in (shipment.shipping_charged, *(line.unit_value for line in shipment.lines)):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
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


def _canonical_order(lines: tuple[QuoteLine, ...]) -> list[QuoteLine]:
    """The lines sorted by `_canonical`. When their HS codes are all given and differ, the first
    element of the key decides every comparison, so sorting by the code alone is the same order
    (and cheaper than building a key tuple per line)."""
    codes = set()
    for line in lines:
        code = line.hs_code
        if code is None or code in codes:
            return sorted(lines, key=_canonical)
        codes.add(code)
    return sorted(lines, key=_HS_CODE)


_HS_CODE = attrgetter("hs_code")
_KINDS = frozenset(SHIPMENT_KINDS)
_CHANNELS = frozenset(CHANNELS)
_INCOTERMS = frozenset(INCOTERMS)
_REGISTRATIONS = frozenset(REGISTRATIONS)
_CLASSES = frozenset(PRODUCT_TAX_CLASSES)


def _valid(shipment: Shipment) -> bool:
    """True when `_check` would pass, in one pass with set look-ups; False (or an exception) sends the
    shipment to `_check`, which finds the first problem in its own order."""
    if shipment.shipment_kind not in _KINDS:
        return False
    channel = shipment.channel
    if channel is not None and channel not in _CHANNELS:
        return False
    incoterm = shipment.incoterm
    if incoterm is not None and incoterm not in _INCOTERMS:
        return False
    for registration in shipment.seller_registrations:
        if registration not in _REGISTRATIONS and not (
            registration.startswith("US_SALES_TAX:") and len(registration) == 15
        ):
            return False
    lines = shipment.lines
    if not lines:
        return False
    value = shipment.shipping_charged
    if type(value) is not Decimal or not value.is_finite() or value < 0:
        return False
    for line in lines:
        value = line.unit_value
        if type(value) is not Decimal or not value.is_finite() or value < 0:
            return False
        quantity = line.quantity
        if type(quantity) is not int or quantity < 1 or line.tax_class not in _CLASSES:
            return False
        rate = line.duty_rate
        if rate is not None and (type(rate) is not Decimal or not rate.is_finite() or rate < 0):
            return False
        if len(line.origin) != 2:
            return False
    return True


def _context(shipment: Shipment, tables: TaxTables, rates: FxRates, on: date) -> Context:
    requested = shipment.destination
    country = COUNTRY_ALIASES.get(requested, requested)
    destination = tables.destination(country, on)
    if destination is None:
        raise QuoteError(
            "unknown_destination",
            N_("No landed-cost rules for %(destination)s on %(date)s"),
            destination=shipment.destination,
            date=on.isoformat(),
        )
    currency = destination.currency
    memo: dict[tuple[str, str], Decimal] = {}  # the quote's exchange rates, kept by its Context
    fx = cross(rates, memo, shipment.currency, currency)
    ordered = _canonical_order(shipment.lines)
    unit = MINOR_UNITS.get(currency) or minor_unit(currency)
    inputs = []
    values = []
    for line in ordered:  # a plain loop: each list comprehension would cost a function call
        value = line.unit_value * line.quantity
        inputs.append(value)
        # Same currency: x * Decimal(1) is x again (the product is already rounded to the context)
        values.append((value if fx is ONE else value * fx).quantize(unit, ROUND_HALF_UP))
    shipping = (
        ZERO
        if shipment.shipping_included_in_price
        else (shipment.shipping_charged * fx).quantize(unit, ROUND_HALF_UP)
    )
    split = split_shares(shipping, values, currency)
    new = object.__new__
    lines = []
    for line, input_value, value, share in zip(ordered, inputs, values, split, strict=True):
        priced = new(PricedLine)  # PricedLine(line, input_value, value, share), built fast (see model)
        fields = priced.__dict__
        fields["line"] = line
        fields["input_value"] = input_value
        fields["value"] = value
        fields["shipping"] = share
        fields["hs"] = hs_digits(line.hs_code or "")  # as PricedLine.__post_init__
        lines.append(priced)
    ctx = new(Context)  # Context(...) without its __init__ (see app.tax.model: building fast)
    fields = ctx.__dict__
    fields["shipment"] = shipment
    fields["tables"] = tables
    fields["rates"] = rates
    fields["on"] = on
    fields["destination"] = destination
    fields["currency"] = currency
    fields["country"] = destination.country
    fields["registrations"] = shipment.seller_registrations
    fields["import_collected"] = "checkout" if shipment.incoterm == "DDP" else "delivery"
    fields["lines"] = tuple(lines)
    fields["goods"] = sum(values, ZERO).quantize(unit)
    fields["shipping"] = shipping
    fields["intrinsic_input"] = sum(inputs, ZERO)
    fields["params"] = tables.params_on(on)
    fields["fx"] = memo
    return ctx


def quote_landed_cost(shipment: Shipment, tables: TaxTables, rates: FxRates, today: date) -> LandedCostQuote:
    """The landed cost of `shipment` on its date (default `today`), in the destination's currency.

    `rates` converts the shipment's currency to the destination's and to each threshold's currency
    (app.fx.rules.RateTable works; use customs rates where the regime prescribes them).
    Raises QuoteError (stable `code`, gettext `message`, `params`) instead of guessing.
    """
    try:
        valid = _valid(shipment)
    except Exception:  # odd values: _check raises as it always did
        valid = False
    if not valid:
        _check(shipment)
    on = shipment.date or today
    ctx = _context(shipment, tables, rates, on)
    outcome = REGIMES[ctx.destination.regime](ctx)
    if shipment.shipping_included_in_price and shipment.shipping_charged:
        outcome.warn(
            "shipping_included", N_("Shipping is included in the prices: the separate amount is ignored")
        )

    forced = outcome.forced_incoterm == "DDP"  # the regime requires collection at checkout
    if forced and shipment.incoterm == "DAP":
        outcome.warn(
            "incoterm_forced",
            N_("%(regime)s requires the tax to be collected at checkout: DDP instead of DAP"),
            regime=outcome.regime,
        )
    warnings = outcome.warnings  # the outcome is this quote's own: its list is taken over
    taxes: list[ChargeLine] = []
    duties: list[ChargeLine] = []
    fees: list[ChargeLine] = []
    tax_total = duty_total = fees_total = ZERO
    at_checkout = added_at_checkout = on_delivery = ZERO
    estimate = False
    for c in outcome.charges:  # one pass: forced collection, the lists by kind and every total
        if forced and c.collected == "delivery":
            c = with_changes(c, collected="checkout")
        kind = c.kind
        amount = c.amount
        if kind == "tax":
            taxes.append(c)
            tax_total += amount
        elif kind == "duty":
            duties.append(c)
            duty_total += amount
        elif kind == "fee":
            fees.append(c)
            fees_total += amount
        else:
            raise KeyError(kind)
        collected = c.collected
        if collected == "checkout":
            at_checkout += amount
            if not c.included:  # VAT extracted from tax-inclusive prices is inside goods + shipping
                added_at_checkout += amount
        elif collected == "delivery":
            on_delivery += amount
        estimate = estimate or c.estimate
    if estimate:
        warnings.append(
            quote_warning("estimate", N_("Some amounts rest on unverified data and are estimates"), {})
        )
    destination = ctx.destination
    currency = destination.currency
    unit = MINOR_UNITS.get(currency) or minor_unit(currency)
    at_checkout = at_checkout.quantize(unit)
    added_at_checkout = added_at_checkout.quantize(unit)
    on_delivery = on_delivery.quantize(unit)
    covered = outcome.covered
    net_required = shipment.prices_include_tax and any(p not in covered for p in ctx.lines)
    due = on_delivery > 0
    quote = object.__new__(LandedCostQuote)  # LandedCostQuote(...), built fast (see app.tax.model)
    fields = quote.__dict__
    fields["date"] = on
    fields["destination"] = destination.country
    fields["currency"] = currency
    fields["regime"] = outcome.regime
    fields["explanation"] = outcome.explanation
    fields["explanation_params"] = outcome.params  # the outcome's own dict: nothing else keeps it
    fields["goods"] = ctx.goods
    fields["shipping"] = ctx.shipping
    fields["taxes"] = tuple(taxes)
    fields["duties"] = tuple(duties)
    fields["fees"] = tuple(fees)
    fields["tax_total"] = tax_total.quantize(unit)
    fields["duty_total"] = duty_total.quantize(unit)
    fields["fees_total"] = fees_total.quantize(unit)
    fields["collected"] = "delivery" if due else ("checkout" if at_checkout > 0 else "none")
    fields["incoterm"] = "DAP" if due else "DDP"
    fields["total_now"] = ctx.goods + ctx.shipping + added_at_checkout
    fields["due_on_delivery"] = on_delivery
    fields["estimate"] = estimate
    fields["warnings"] = tuple(warnings)
    fields["net_required"] = net_required
    return quote
