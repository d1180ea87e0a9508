"""Charge lines: VAT/GST and duty rates, import and point-of-sale charges of the regimes (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from app.i18n.markers import N_
from app.tax.common import (
    CHARGE_UNITS,
    HUNDRED,
    MINOR_UNITS,
    ONE,
    ZERO,
    Context,
    Outcome,
    PricedLine,
    charge_unit,
    minor_unit,
    param_text,
    percent,
    quantize,
)
from app.tax.model import (
    ESTIMATE_CONFIDENCES,
    ChargeKind,
    ChargeLine,
    Collected,
    Dated,
    DutyRow,
    Param,
    Preference,
    QuoteError,
    TaxTables,
)

_UNITS: dict[str, tuple[Decimal, bool, Decimal]] = {}


def _units(currency: str) -> tuple[Decimal, bool, Decimal]:
    """(charge unit, whether it is the minor unit, minor unit) of a currency, behind one dict."""
    found = _UNITS.get(currency)
    if found is None:
        unit, same = CHARGE_UNITS.get(currency) or charge_unit(currency)
        found = _UNITS[currency] = (unit, same, MINOR_UNITS.get(currency) or minor_unit(currency))
    return found


def _text(value: object) -> str:
    return value if type(value) is str else str(value)


def _line(
    currency: str,
    kind: ChargeKind,
    name: str,
    rate: Decimal | None,
    base: Decimal,
    amount: Decimal,
    rule: str,
    dated: Dated,
    explanation: str,
    texts: dict[str, str],
    collected: Collected,
    estimate: bool,
) -> ChargeLine:
    """`charge`'s line from its parts, `texts` its params as shown (positional, for the hot paths)."""
    unit, same, minor = _UNITS.get(currency) or _units(currency)
    amount = amount.quantize(unit, ROUND_HALF_UP)
    if not same:
        amount = amount.quantize(minor)
    line = object.__new__(ChargeLine)  # ChargeLine(...) without its __init__ (see app.tax.model)
    fields = line.__dict__
    fields["kind"] = kind
    fields["name"] = name
    fields["rate"] = rate
    fields["base"] = base.quantize(minor, ROUND_HALF_UP)
    fields["amount"] = amount if amount >= ZERO else ZERO  # as max(amount, 0): keeps 0.00
    fields["rule"] = rule
    fields["source"] = dated.source
    fields["explanation"] = explanation
    fields["params"] = texts
    fields["collected"] = collected
    fields["estimate"] = estimate or dated.confidence in ESTIMATE_CONFIDENCES
    fields["included"] = False
    return line


def charge(
    ctx: Context,
    kind: ChargeKind,
    name: str,
    *,
    rate: Decimal | None,
    base: Decimal,
    amount: Decimal,
    rule: str,
    dated: Dated,
    explanation: str,
    collected: Collected,
    estimate: bool = False,
    **params: object,
) -> ChargeLine:
    """A charge line; the amount is rounded half-up to the unit the shopper is charged in."""
    texts = {"rate": percent(rate)} if rate is not None else {}
    for key, value in params.items():
        texts[key] = value if type(value) is str else str(value)
    return _line(
        ctx.currency,
        kind,
        name,
        rate,
        base,
        amount,
        rule,
        dated,
        explanation,
        texts,
        collected,
        estimate,
    )


def with_changes(line: ChargeLine, **changes: object) -> ChargeLine:
    """`dataclasses.replace(line, **changes)` without the generated __init__ (ChargeLine has no
    __post_init__: the same fields, the same values)."""
    new = object.__new__(ChargeLine)
    new.__dict__.update(line.__dict__, **changes)
    return new


@dataclass(frozen=True)
class ResolvedRate:
    rate: Decimal
    rule: str
    dated: Dated
    estimate: bool
    percent: str = field(init=False, repr=False, compare=False)  # percent(rate), for the line's params

    def __post_init__(self) -> None:
        object.__setattr__(self, "percent", percent(self.rate))


def _resolved(rate: Decimal, rule: str, dated: Dated, estimate: bool) -> ResolvedRate:
    """ResolvedRate(rate, rule, dated, estimate), without the frozen __init__'s setattr calls."""
    found = object.__new__(ResolvedRate)
    found.__dict__.update(rate=rate, rule=rule, dated=dated, estimate=estimate, percent=percent(rate))
    return found


_CHARGE_ARGUMENTS = frozenset({"rate", "amount", "dated", "estimate"})


def rated_charge(
    ctx: Context,
    kind: ChargeKind,
    name: str,
    resolved: ResolvedRate,
    *,
    base: Decimal,
    rule: str | None = None,
    explanation: str,
    collected: Collected,
    **params: object,
) -> ChargeLine:
    """A charge of a resolved duty or VAT rate on `base`, dated and flagged as estimate as the rate is;
    its rule is the rate's unless given."""
    rate = resolved.rate
    if clash := params.keys() & _CHARGE_ARGUMENTS:
        raise TypeError(f"rated_charge() got parameters named like its own arguments: {sorted(clash)}")
    texts = {"rate": percent(rate)}
    for key, value in params.items():
        texts[key] = value if type(value) is str else str(value)
    return _line(
        ctx.currency,
        kind,
        name,
        rate,
        base,
        base * rate / HUNDRED,
        resolved.rule if rule is None else rule,
        resolved.dated,
        explanation,
        texts,
        collected,
        resolved.estimate,
    )


def resolve_vat_rate(
    tables: TaxTables, country: str, tax_class: str, on: date, region: str = ""
) -> tuple[ResolvedRate, bool]:
    """The rate a product tax class takes in `country` on `on` (falls back to standard), and whether
    it fell back because the class has no mapping there (the rate is then an estimate). Raises
    QuoteError("rate_unknown") when the country has no such rate."""
    key = ("resolve_vat_rate", country, tax_class, on, region)
    try:
        return tables._memo[key]  # TaxTables.cached, without a closure per call
    except KeyError:
        return tables.cached(key, lambda: _resolve_vat_rate(tables, country, tax_class, on, region))


def _resolve_vat_rate(
    tables: TaxTables, country: str, tax_class: str, on: date, region: str
) -> tuple[ResolvedRate, bool]:
    row = tables.class_row(country, tax_class, on) if tax_class != "standard" else None
    key = row.rate_key if row else "standard"
    rate = tables.vat_rate(country, key, on, region)
    if rate is None:
        raise QuoteError(
            "rate_unknown",
            N_("No %(key)s VAT/GST rate for %(country)s on %(date)s"),
            key=key,
            country=country,
            date=on.isoformat(),
        )
    unmapped = tax_class != "standard" and row is None
    estimate = unmapped or rate.dated.is_estimate or (row is not None and row.dated.is_estimate)
    rule = f"VAT:{country}{'-' + region if region else ''}:{key}"
    return ResolvedRate(rate.rate, rule, rate.dated, estimate), unmapped


def vat_rate(
    ctx: Context, outcome: Outcome, country: str, tax_class: str, *, region: str = ""
) -> ResolvedRate:
    """The rate a product tax class takes in `country` on the quote date (falls back to standard,
    with a warning)."""
    resolved, unmapped = resolve_vat_rate(ctx.tables, country, tax_class, ctx.on, region)
    if unmapped:
        outcome.warn(
            "tax_class_unmapped",
            N_("No %(tax_class)s rate mapped for %(country)s: the standard rate is used as an estimate"),
            tax_class=tax_class,
            country=country,
        )
    return resolved


@lru_cache(maxsize=64)
def _override_dated(on: date) -> Dated:
    return Dated(on, None, "line override", "High")


def _override(tariff: str, rate: Decimal, on: date) -> ResolvedRate:
    return _resolved(rate, f"DUTY:{tariff}:override", _override_dated(on), False)


_Resolution = tuple[Preference | None, ResolvedRate | None, DutyRow | None, ResolvedRate | None]


def _duty_resolution(
    tables: TaxTables, tariff: str, origin: str, hs: str, on: date, allow_preference: bool
) -> _Resolution:
    """The preference (and its rate) and the tariff row (and its rate) of a line, remembered per
    (tariff, origin, HS code, date) with the tables."""
    key = ("duty_resolution", tariff, origin, hs, on, allow_preference)
    try:
        return tables._memo[key]  # TaxTables.cached, without a closure per call
    except KeyError:
        pass

    def compute() -> _Resolution:
        preference = tables.preference(tariff, origin, on) if allow_preference else None
        by_preference = (
            None
            if preference is None
            else _resolved(
                preference.rate,
                f"DUTY:{tariff}:{preference.id}",
                preference.dated,
                preference.dated.is_estimate,
            )
        )
        row = tables.duty_row(tariff, hs, on)
        by_row = (
            None
            if row is None
            else _resolved(row.rate, f"DUTY:{tariff}:{row.hs or '*'}", row.dated, row.dated.is_estimate)
        )
        return preference, by_preference, row, by_row

    return tables.cached(key, compute)


def duty_rate(
    ctx: Context, outcome: Outcome, priced: PricedLine, *, tariff: str, allow_preference: bool = True
) -> ResolvedRate:
    """Ad-valorem duty for a line: its `duty_rate` override, a preference with proof of origin, or the
    tariff table's longest HS prefix. `tariff` is the table's destination key ("EU" for members)."""
    line = priced.line
    if line.duty_rate is not None:
        return _override(tariff, line.duty_rate, ctx.on)
    hs = priced.hs
    if not hs:
        raise QuoteError(
            "hs_code_required",
            N_("An HS code is needed for %(description)s to compute the duty"),
            description=line.description,
        )
    preference, by_preference, row, by_row = _duty_resolution(
        ctx.tables, tariff, line.origin, hs, ctx.on, allow_preference
    )
    if preference is not None:
        if ctx.shipment.proof_of_origin and by_preference is not None:
            return by_preference
        outcome.warn(
            "preference_needs_proof",
            N_("Goods of %(origin)s origin may get the %(preference)s rate with a proof of origin"),
            origin=line.origin,
            preference=preference.id,
        )
    if row is None or by_row is None:
        raise QuoteError(
            "duty_rate_unknown",
            N_("No duty rate for HS %(hs_code)s into %(destination)s on %(date)s: set the line's duty rate"),
            hs_code=hs,
            destination=tariff,
            date=ctx.on.isoformat(),
        )
    return by_row


def import_charges(
    ctx: Context,
    outcome: Outcome,
    lines: tuple[PricedLine, ...],
    *,
    tariff: str,
    collected: Collected,
    vat_country: str | None = None,
    duty: bool = True,
    vat: bool = True,
    vat_base_adds_freight: bool = True,
    allow_preference: bool = True,
) -> list[ChargeLine]:
    """Normal import: duty on the customs value (CIF: goods + freight; FOB: goods), then VAT/GST on
    customs value + duty (+ freight where the destination's VAT base includes it) (reference §3)."""
    destination = ctx.destination
    country = vat_country or destination.country
    currency = destination.currency
    basis = destination.valuation
    cif = basis == "CIF"
    tables = ctx.tables
    on = ctx.on
    duty_name = N_("Import duty")
    duty_explanation = N_("Duty %(rate)s on the %(basis)s customs value of %(description)s")
    vat_name = N_("Import VAT/GST")
    vat_explanation = N_("Import VAT/GST %(rate)s on customs value, duty and transport of %(description)s")
    charges: list[ChargeLine] = []
    for priced in lines:  # the msgids above are looked up once, not per line
        line = priced.line
        customs_value = priced.value + (priced.shipping if cif else ZERO)
        duty_amount = ZERO
        description = line.description
        if type(description) is not str:
            description = str(description)
        if duty:
            resolved = duty_rate(ctx, outcome, priced, tariff=tariff, allow_preference=allow_preference)
            rate = resolved.rate
            duty_line = _line(
                currency,
                "duty",
                duty_name,
                rate,
                customs_value,
                customs_value * rate / HUNDRED,
                resolved.rule,
                resolved.dated,
                duty_explanation,
                {
                    "rate": resolved.percent,
                    "basis": _text(basis),
                    "description": description,
                    "hs_code": priced.hs,
                },
                collected,
                resolved.estimate,
            )
            duty_amount = duty_line.amount
            charges.append(duty_line)
        if vat:
            tax_class = line.tax_class
            resolved, unmapped = resolve_vat_rate(tables, country, tax_class, on)
            if unmapped:
                outcome.warn(
                    "tax_class_unmapped",
                    N_(
                        "No %(tax_class)s rate mapped for %(country)s: the standard rate is used as an estimate"  # noqa: E501
                    ),
                    tax_class=tax_class,
                    country=country,
                )
            freight = priced.shipping if (not cif and vat_base_adds_freight) else ZERO
            base = customs_value + duty_amount + freight
            rate = resolved.rate
            charges.append(
                _line(
                    currency,
                    "tax",
                    vat_name,
                    rate,
                    base,
                    base * rate / HUNDRED,
                    f"IMPORT-{resolved.rule}",
                    resolved.dated,
                    vat_explanation,
                    {"rate": resolved.percent, "description": description},
                    collected,
                    resolved.estimate,
                )
            )
    return charges


_MERGED: dict[tuple[int, int], tuple[Dated, Dated, Dated]] = {}


def merge(rule: Dated, rate: Dated) -> Dated:
    """The rule's and the rate's sources together; the weaker confidence of the two. Remembered per
    pair of rows (by identity, the entry keeping both)."""
    found = _MERGED.get((id(rule), id(rate)))
    if found is not None and found[0] is rule and found[1] is rate:
        return found[2]
    merged = _merge(rule, rate)
    if len(_MERGED) >= 4096:
        _MERGED.clear()
    _MERGED[id(rule), id(rate)] = (rule, rate, merged)
    return merged


def _merge(rule: Dated, rate: Dated) -> Dated:
    keys = list(dict.fromkeys(k.strip() for k in f"{rule.source},{rate.source}".split(",")))
    order = ("High", "Medium", "Low", "UNVERIFIED")
    confidence = max(rule.confidence, rate.confidence, key=order.index)
    return Dated(rate.effective_from, rate.effective_to, ",".join(keys), confidence, rate.note)


def sale_vat(
    ctx: Context,
    outcome: Outcome,
    lines: tuple[PricedLine, ...],
    *,
    rule: str,
    dated: Dated,
    explanation: str,
    country: str | None = None,
    factor: Decimal = ONE,
    **params: object,
) -> list[ChargeLine]:
    """VAT/GST the seller charges at checkout on the sale price including the delivery charged.

    With tax-inclusive prices (`Shipment.prices_include_tax`) the price is gross: the VAT is extracted
    from it (gross x r / (100 + r)), the line says included=True with the net as its base, and the
    priced line counts as covered (`Outcome.covered`)."""
    inclusive = ctx.shipment.prices_include_tax
    vat_country = country or ctx.country
    if "description" in params or "country" in params:  # (two look-ups: no set built per call)
        clash = sorted(params.keys() & {"description", "country"})
        raise TypeError(f"sale_vat() sets these parameters itself: {clash}")
    currency = ctx.currency
    tables = ctx.tables
    on = ctx.on
    country_text = _text(vat_country)
    extra = {}
    for key, value in params.items():
        extra[key] = _text(value)
    estimate_rule = dated.is_estimate
    name = N_("VAT/GST")
    charges = []
    for priced in lines:
        tax_class = priced.line.tax_class
        rate, unmapped = resolve_vat_rate(tables, vat_country, tax_class, on)
        if unmapped:
            outcome.warn(
                "tax_class_unmapped",
                N_("No %(tax_class)s rate mapped for %(country)s: the standard rate is used as an estimate"),
                tax_class=tax_class,
                country=vat_country,
            )
        base = priced.value + priced.shipping
        if factor is ONE:  # rate x Decimal(1) is the rate itself
            effective, rate_text = rate.rate, rate.percent
        else:
            effective = rate.rate * factor
            rate_text = percent(effective)
        texts = {
            "rate": rate_text,
            "description": _text(priced.line.description),
            "country": country_text,
        }
        if extra:
            texts.update(extra)
        line = _line(
            currency,
            "tax",
            name,
            effective,
            base,
            base * effective / (HUNDRED + effective if inclusive else HUNDRED),
            f"{rule}:{rate.rule}",
            merge(dated, rate.dated),
            explanation,
            texts,
            "checkout",
            rate.estimate or estimate_rule,
        )
        if inclusive:  # the base was the gross price: the line's base is the net, gross - VAT
            line = with_changes(line, base=line.base - line.amount, included=True)
            outcome.covered.append(priced)
        charges.append(line)
    return charges


def net_lines(ctx: Context, lines: tuple[PricedLine, ...], vat: list[ChargeLine]) -> tuple[PricedLine, ...]:
    """The priced lines net of the VAT included in them (`vat`: sale_vat's lines for `lines`, in
    order), for a customs value next to tax-inclusive prices; the lines as they are otherwise."""
    if not ctx.shipment.prices_include_tax:
        return lines
    net = []
    for priced, line in zip(lines, vat, strict=True):
        divisor = (HUNDRED + (line.rate or Decimal(0))) / HUNDRED
        net.append(
            replace(
                priced,
                value=quantize(priced.value / divisor, ctx.currency),
                shipping=quantize(priced.shipping / divisor, ctx.currency),
            )
        )
    return tuple(net)


def low_value_vat(
    ctx: Context,
    outcome: Outcome,
    lines: tuple[PricedLine, ...],
    limit: Param,
    *,
    rule: str,
    explanation: str,
    rest_imported: bool = False,
) -> None:
    """Goods within a low-value scheme's limit (IOSS, VOEC, LVG, OVR, ...): the registered seller
    charges VAT/GST at checkout, the outcome and each line stating the threshold. The regime forces
    DDP unless the rest of the shipment is imported normally."""
    threshold = param_text(limit)
    outcome.params["threshold"] = threshold
    outcome.forced_incoterm = None if rest_imported else "DDP"
    outcome.charges += sale_vat(
        ctx, outcome, lines, rule=rule, dated=limit.dated, explanation=explanation, threshold=threshold
    )


def waive_under_minimum(
    ctx: Context,
    charges: list[ChargeLine],
    minimum: Param,
    explanation: str,
    *,
    applies: Callable[[ChargeLine], bool],
    inclusive: bool,
) -> list[ChargeLine]:
    """A minimum-amount rule: when the charges it `applies` to total less than `minimum` (or exactly
    it, when `inclusive`), they stay on the quote with nothing to pay, saying which minimum waived them
    (`explanation` takes %(minimum)s)."""
    total = sum((c.amount for c in charges if applies(c)), Decimal(0))
    limit = ctx.param_in_quote(minimum)
    if total > limit or (total == limit and not inclusive):
        return charges
    text = param_text(minimum)
    return [
        with_changes(
            c,
            amount=Decimal(0),
            rule=f"{c.rule}+{minimum.id}",
            explanation=explanation,
            params={**c.params, "minimum": text},
        )
        if applies(c)
        else c
        for c in charges
    ]


def with_estimate(lines: list[ChargeLine]) -> list[ChargeLine]:
    return [c if c.estimate is True else with_changes(c, estimate=True) for c in lines]
