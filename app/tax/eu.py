"""Landed cost into the EU-27: IOSS, the EUR 3 flat duty, normal import, gifts, intra-EU OSS (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.i18n.markers import N_
from app.tax.charges import (
    _line,
    _text,
    import_charges,
    low_value_vat,
    rated_charge,
    sale_vat,
    vat_rate,
    waive_under_minimum,
)
from app.tax.common import (
    CONSUMER_KINDS,
    ZERO,
    Context,
    Outcome,
    PricedLine,
    param_text,
    refuse_kind,
    require_param,
    split_shares,
)
from app.tax.model import ChargeLine, Collected, Dated, Param, QuoteError, TaxTables


def intra_eu(ctx: Context) -> Outcome:
    """Goods dispatched inside the EU: no customs. Destination VAT through OSS when the seller is
    registered (above the EUR 10,000 EU-wide threshold, or by opting in), else the origin's VAT."""
    origin = ctx.shipment.ship_from
    threshold = require_param(ctx, "EU_OSS_THRESHOLD")
    if origin == ctx.country:
        outcome = Outcome("EU_DOMESTIC", N_("Domestic sale: %(country)s VAT charged at checkout"))
        outcome.params["country"] = ctx.country
        vat_country, rule = ctx.country, "EU_DOMESTIC"
        dated = Dated(threshold.dated.effective_from, None, "S1", "High")
        explanation = N_("Domestic VAT %(rate)s charged at checkout")
    elif "OSS" in ctx.registrations:
        outcome = Outcome("EU_OSS", N_("EU distance sale under OSS: %(country)s VAT charged at checkout"))
        outcome.params["country"] = ctx.country
        vat_country, rule, dated = ctx.country, "EU_OSS", threshold.dated
        explanation = N_("EU OSS: VAT of the destination %(country)s, %(rate)s, charged at checkout")
    else:
        outcome = Outcome(
            "EU_ORIGIN_VAT",
            N_("EU distance sale below the %(threshold)s OSS threshold: %(origin)s VAT charged at checkout"),
        )
        outcome.params.update(threshold=param_text(threshold), origin=origin)
        outcome.warn(
            "oss_threshold",
            N_("Origin VAT applies only while EU-wide distance sales stay within %(threshold)s a year"),
            threshold=param_text(threshold),
        )
        vat_country, rule, dated = origin, "EU_ORIGIN_VAT", threshold.dated
        explanation = N_("Distance sale below the OSS threshold: VAT of %(country)s, %(rate)s")
    outcome.charges += sale_vat(
        ctx, outcome, ctx.lines, rule=rule, dated=dated, explanation=explanation, country=vat_country
    )
    outcome.forced_incoterm = "DDP"
    return outcome


def _flat_duty(ctx: Context, outcome: Outcome, param: Param, collected: Collected) -> list[ChargeLine]:
    """EUR 3 per item, an item being the goods sharing a tariff subheading and origin (reference
    §2b.6: 1 silk blouse + 2 wool blouses = 2 items = EUR 6)."""
    items: dict[tuple[str, str], list[PricedLine]] = {}
    short = False
    for priced in ctx.lines:
        hs = priced.hs
        if not hs:
            raise QuoteError(
                "hs_code_required",
                N_("An HS code is needed for %(description)s to count the EU flat-duty items"),
                description=priced.line.description,
            )
        key = (hs[:6], priced.line.origin)
        group = items.get(key)
        if group is None:
            items[key] = [priced]
            short = short or len(hs) < 6
        else:
            group.append(priced)
    if short:
        outcome.warn(
            "flat_duty_item_count",
            N_("HS codes shorter than 6 digits: the number of EUR 3 items may differ on the declaration"),
        )
    per_item = ctx.param_in_quote(param)
    flat = param_text(param)
    currency = ctx.currency
    dated = param.dated
    name = N_("EU flat customs duty")
    explanation = N_(
        "EU low-value consignment: flat duty %(flat)s per item (HS %(hs_code)s, origin %(origin)s)"
    )
    charges = []
    for key in sorted(items):  # the keys differ: as sorted(items.items())
        base = ZERO  # as sum(values, Decimal(0)), in order
        for priced in items[key]:
            base = base + priced.value
        hs, origin = key
        charges.append(
            _line(
                currency,
                "duty",
                name,
                None,
                base,
                per_item,
                "EU_FLAT_DUTY",
                dated,
                explanation,
                {"flat": flat, "hs_code": hs, "origin": _text(origin)},
                collected,
                False,
            )
        )
    return charges


def _vat_on_import(
    ctx: Context, outcome: Outcome, duties: list[ChargeLine], collected: Collected, standard_only: bool
) -> list[ChargeLine]:
    """Import VAT on goods + transport + the duty (flat duty shared over the lines by value)."""
    duty_total = sum((d.amount for d in duties), Decimal(0))
    duty_share = split_shares(duty_total, [p.value for p in ctx.lines], ctx.currency)
    charges = []
    for i, priced in enumerate(ctx.lines):
        tax_class = "standard" if standard_only else priced.line.tax_class
        rate = vat_rate(ctx, outcome, ctx.country, tax_class)
        base = priced.value + priced.shipping + duty_share[i]
        charges.append(
            rated_charge(
                ctx,
                "tax",
                N_("Import VAT"),
                rate,
                base=base,
                rule=f"EU_IMPORT_VAT:{rate.rule}",
                explanation=N_("Import VAT %(rate)s on goods, transport and duty of %(description)s"),
                collected=collected,
                description=priced.line.description,
            )
        )
    return charges


_ADDONS = (
    ("FR", "FR_TPC"),
    ("RO", "RO_LOGISTICS_TAX"),
    ("IT", "IT_CONTRIBUTION"),
    (None, "EU_HANDLING_FEE"),
)


def _national_addons(ctx: Context, outcome: Outcome) -> None:
    """FR/RO/IT parcel charges and the EU handling fee are owed by the seller or not confirmed: they
    are reported as warnings, never added to what the shopper pays."""
    for param_id, params in _addons(ctx.tables, ctx.country, ctx.on):
        outcome.warn(
            f"addon:{param_id}",
            N_("%(rule)s: %(amount)s per %(unit)s may be owed on this parcel (%(confidence)s, not included)"),
            **params,
        )


def _addons(tables: TaxTables, country: str, on: date) -> tuple[tuple[str, dict[str, str]], ...]:
    """The add-ons in force for `country` on `on` and their warnings' params, remembered with the
    tables (the params are copied into each warning)."""
    key = ("eu_addons", country, on)
    try:
        return tables._memo[key]  # TaxTables.cached, without a closure per call
    except KeyError:
        pass

    def compute() -> tuple[tuple[str, dict[str, str]], ...]:
        found = []
        for addon_country, param_id in _ADDONS:
            param = tables.param(param_id, on)
            if param is not None and addon_country in (None, country):
                found.append(
                    (
                        param_id,
                        {
                            "rule": param_id,
                            "amount": param_text(param),
                            "unit": param.unit.removeprefix("per_"),  # "per_item" -> "EUR 2 per item"
                            "confidence": param.dated.confidence,
                        },
                    )
                )
        return tuple(found)

    return tables.cached(key, compute)


def _de_minimum(ctx: Context, charges: list[ChargeLine]) -> list[ChargeLine]:
    """Germany does not levy import taxes under EUR 1 (reference §2b.8)."""
    minimum = ctx.param("DE_MIN_IMPORT_TAX") if ctx.country == "DE" else None
    if minimum is None or not any(c.collected == "delivery" for c in charges):
        return charges
    return waive_under_minimum(
        ctx,
        charges,
        minimum,
        N_("Import taxes under %(minimum)s are not levied"),
        applies=lambda c: c.collected == "delivery",
        inclusive=False,
    )


def eu(ctx: Context) -> Outcome:
    """Import into the EU (reference §2a, §2b)."""
    if ctx.shipment.ship_from in ctx.tables.eu_members:
        return intra_eu(ctx)
    kind = ctx.shipment.shipment_kind
    refuse_kind(ctx, "CBEC")
    ioss = require_param(ctx, "EU_IOSS_THRESHOLD")
    gift = require_param(ctx, "EU_GIFT_EXEMPTION")
    flat = ctx.param("EU_FLAT_DUTY")
    relief = ctx.param("EU_DUTY_RELIEF")
    intrinsic = ctx.intrinsic_input
    low_value = ctx.within(ioss, intrinsic)
    collected = ctx.import_collected
    if kind == "gift_C2C" and ctx.within(gift, intrinsic):
        outcome = Outcome("EU_GIFT", N_("Gift between private persons up to %(threshold)s: no duty, no VAT"))
        outcome.params["threshold"] = param_text(gift)
        return outcome
    if low_value and kind in CONSUMER_KINDS:
        threshold = param_text(ioss)
        if "IOSS" in ctx.registrations:
            outcome = Outcome("EU_IOSS", N_("EU IOSS: goods up to %(threshold)s, VAT collected at checkout"))
            low_value_vat(
                ctx,
                outcome,
                ctx.lines,
                ioss,
                rule="EU_IOSS",
                explanation=N_("EU IOSS: goods up to %(threshold)s, VAT %(rate)s collected at checkout"),
            )
            if flat is not None:  # declared and paid by the seller; no VAT on it under IOSS (S15, Medium)
                outcome.charges += _flat_duty(ctx, outcome, flat, "checkout")
        else:
            outcome = Outcome(
                "EU_LOW_VALUE_IMPORT",
                N_("EU import up to %(threshold)s without IOSS: import VAT on delivery"),
            )
            outcome.params["threshold"] = threshold
            duties = _flat_duty(ctx, outcome, flat, collected) if flat is not None else []
            # Spain requires the standard rate under the special arrangements (S23)
            outcome.charges += duties + _vat_on_import(ctx, outcome, duties, collected, ctx.country == "ES")
            if ctx.country == "ES":
                outcome.warn(
                    "es_standard_rate",
                    N_("Spain charges the standard rate on low-value imports without IOSS"),
                )
            outcome.warn_carrier_fee()
        _national_addons(ctx, outcome)
        outcome.charges = _de_minimum(ctx, outcome.charges)
        return outcome
    if low_value and relief is not None:  # a gift over EUR 45 before 1 Jul 2026: duty relief, VAT due
        outcome = Outcome(
            "EU_LOW_VALUE_IMPORT", N_("EU import up to %(threshold)s: duty relief, import VAT on delivery")
        )
        outcome.params["threshold"] = param_text(relief)
        outcome.charges += _vat_on_import(ctx, outcome, [], collected, False)
        outcome.charges = _de_minimum(ctx, outcome.charges)
        return outcome
    outcome = Outcome("EU_IMPORT", N_("EU import: duty on the CIF value and import VAT"))
    if "IOSS" in ctx.registrations and not low_value:
        outcome.warn(
            "ioss_over_limit",
            N_("IOSS does not apply above %(threshold)s"),
            threshold=param_text(ioss),
        )
    outcome.charges += import_charges(ctx, outcome, ctx.lines, tariff="EU", collected=collected)
    outcome.charges = _de_minimum(ctx, outcome.charges)
    return outcome
