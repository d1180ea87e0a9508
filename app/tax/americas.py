"""Landed cost into Canada and the United States (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.i18n.markers import N_
from app.tax.charges import _line, _text, charge, import_charges, with_estimate
from app.tax.common import (
    HUNDRED,
    Context,
    Outcome,
    param_text,
    percent,
    refuse_domestic,
    refuse_kind,
    require_param,
)
from app.tax.model import QuoteError

US_LAYERS_VERIFIED_UNTIL = date(2026, 7, 24)  # reference §2d: what applies after is UNVERIFIED


# ---------------------------------------------------------------- Canada


def ca(ctx: Context) -> Outcome:
    """Canada: thresholds by the place of direct shipment and channel; duty on the value for duty
    (FOB), GST/HST on value + duty by province; provincial PST/QST as estimates (reference §1c, §2a)."""
    refuse_kind(ctx, "CBEC")
    refuse_domestic(ctx)
    province = ctx.shipment.destination_region
    if not province or not ctx.tables.region_rates("CA", province, ctx.on):
        raise QuoteError(
            "region_required", N_("A province or territory is needed for %(country)s"), country="CA"
        )
    outcome = Outcome("CA_IMPORT", N_("Canada: duty and GST/HST on import above %(threshold)s"))
    if ctx.shipment.channel is None:
        outcome.warn("channel_assumed", N_("No channel given: courier thresholds are used"))
    if ctx.shipment.channel == "post":
        tax_limit = duty_limit = require_param(ctx, "CA_POSTAL_THRESHOLD")
    elif ctx.shipment.ship_from in ("US", "MX"):
        tax_limit, duty_limit = (
            require_param(ctx, "CA_CUSMA_TAX_THRESHOLD"),
            require_param(ctx, "CA_CUSMA_DUTY_THRESHOLD"),
        )
    else:
        tax_limit = duty_limit = require_param(ctx, "CA_COURIER_THRESHOLD")
    outcome.params["threshold"] = param_text(tax_limit)
    value = ctx.intrinsic_input
    taxed, dutiable = not ctx.within(tax_limit, value), not ctx.within(duty_limit, value)
    if not taxed and not dutiable:
        outcome.regime = "CA_LOW_VALUE"
        outcome.explanation = N_("Canada: shipment up to %(threshold)s, no duty or tax")
        return outcome
    if any(p.line.origin in ("US", "MX") for p in ctx.lines):
        outcome.warn("cusma_preference", N_("CUSMA preferential rates are not modelled: MFN duty shown"))
    collected = ctx.import_collected
    duties = (
        import_charges(ctx, outcome, ctx.lines, tariff="CA", collected=collected, vat=False)
        if dutiable
        else []
    )
    outcome.charges += duties
    if taxed:
        # import_charges(vat=False) gives one duty line per priced line, in the same order
        duty_by_line = [c.amount for c in duties] if duties else [Decimal(0)] * len(ctx.lines)
        currency = ctx.currency
        for rate_row in ctx.tables.region_rates("CA", province, ctx.on):
            key = rate_row.key
            federal = key in ("GST", "HST")
            rate = rate_row.rate
            rate_text = percent(rate)
            tax_text = _text(key)
            rule = f"CA_IMPORT:{key}:{province}"
            for priced, line_duty in zip(ctx.lines, duty_by_line, strict=True):
                base = priced.value + line_duty
                outcome.charges.append(
                    _line(
                        currency,
                        "tax",
                        N_("GST/HST") if federal else N_("Provincial sales tax"),
                        rate,
                        base,
                        base * rate / HUNDRED,
                        rule,
                        rate_row.dated,
                        N_("%(tax)s %(rate)s on the value for duty plus duty of %(description)s"),
                        {"rate": rate_text, "tax": tax_text, "description": _text(priced.line.description)},
                        collected,
                        not federal,
                    )
                )
        if any(r.key in ("PST", "QST") for r in ctx.tables.region_rates("CA", province, ctx.on)):
            outcome.warn(
                "ca_pst_unverified",
                N_("Whether the border collects %(province)s sales tax is unverified"),
                province=province,
            )
    return outcome


# ---------------------------------------------------------------- United States


def us(ctx: Context) -> Outcome:
    """United States: no VAT; duty on every parcel since 29 Aug 2025 on the FOB value, Section 122
    surcharge 24 Feb-24 Jul 2026, MPF on informal entries; state sales tax only where registered."""
    refuse_kind(ctx, "CBEC")
    refuse_domestic(ctx)
    value = ctx.intrinsic_input
    formal = require_param(ctx, "US_FORMAL_ENTRY")
    if ctx.input_in(value, formal.currency) > formal.value:
        raise QuoteError(
            "over_limit",
            N_("Over %(threshold)s a formal customs entry is needed"),
            threshold=param_text(formal),
        )
    de_minimis = ctx.param("US_DE_MINIMIS")
    gift = require_param(ctx, "US_GIFT_EXEMPTION")
    collected = ctx.import_collected
    if ctx.shipment.shipment_kind == "gift_C2C" and ctx.within(gift, value):
        outcome = Outcome("US_GIFT", N_("Bona-fide gift up to %(threshold)s: no duty"))
        outcome.params["threshold"] = param_text(gift)
    elif de_minimis is not None and ctx.within(de_minimis, value):
        outcome = Outcome("US_DE_MINIMIS", N_("Shipment up to %(threshold)s: duty-free under de minimis"))
        outcome.params["threshold"] = param_text(de_minimis)
    else:
        outcome = Outcome(
            "US_DUTY", N_("United States: duty on every parcel (de minimis suspended 29 Aug 2025)")
        )
        duties = import_charges(ctx, outcome, ctx.lines, tariff="US", collected=collected, vat=False)
        surcharge = ctx.param("US_SECTION_122")
        if surcharge is not None:
            for priced in ctx.lines:
                if priced.line.origin in ("CA", "MX"):
                    outcome.warn(
                        "usmca_exempt", N_("USMCA-qualifying goods are exempt from the Section 122 surcharge")
                    )
                    continue
                duties.append(
                    charge(
                        ctx,
                        "duty",
                        N_("Section 122 surcharge"),
                        rate=surcharge.value,
                        base=priced.value,
                        amount=priced.value * surcharge.value / HUNDRED,
                        rule="US_SECTION_122",
                        dated=surcharge.dated,
                        explanation=N_("Temporary import surcharge %(rate)s on %(description)s"),
                        collected=collected,
                        description=priced.line.description,
                    )
                )
        if ctx.on >= US_LAYERS_VERIFIED_UNTIL:
            duties = with_estimate(duties)
            outcome.warn(
                "us_layers_unverified",
                N_("Duty layers after 24 Jul 2026 are unverified: duty is an estimate"),
            )
        if any(p.line.origin == "CN" for p in ctx.lines):
            duties = with_estimate(duties)
            outcome.warn("us_section_301", N_("Section 301 duties on Chinese goods are not included"))
        outcome.charges += duties
        mpf = ctx.param("US_MPF_INFORMAL")
        if mpf is not None:
            outcome.charges.append(
                charge(
                    ctx,
                    "fee",
                    N_("Merchandise processing fee"),
                    rate=None,
                    base=ctx.goods,
                    amount=ctx.param_in_quote(mpf),
                    rule="US_MPF_INFORMAL",
                    dated=mpf.dated,
                    explanation=N_("CBP merchandise processing fee for an informal entry"),
                    collected=collected,
                    estimate=ctx.shipment.channel == "post",
                )
            )
    _us_sales_tax(ctx, outcome)
    return outcome


def _us_sales_tax(ctx: Context, outcome: Outcome) -> None:
    state = ctx.shipment.destination_region
    registered = {r.split(":", 1)[1] for r in ctx.registrations if r.startswith("US_SALES_TAX:")}
    if not registered:
        return
    if state is None:
        outcome.warn("region_missing", N_("No state given: sales tax is not computed"))
        return
    if state not in registered:
        return
    row = ctx.tables.vat_rate("US", "sales_tax", ctx.on, state)
    if row is None:
        raise QuoteError("rate_unknown", N_("No sales-tax rate for %(state)s"), state=state)
    currency = ctx.currency
    rate = row.rate
    rule = f"US_SALES_TAX:{state}"
    state_text = _text(state)
    for priced in ctx.lines:
        base = priced.value + priced.shipping
        outcome.charges.append(
            _line(
                currency,
                "tax",
                N_("Sales tax"),
                rate,
                base,
                base * rate / HUNDRED,
                rule,
                row.dated,
                N_("%(state)s state sales tax %(rate)s charged at checkout (local rates not included)"),
                {"rate": percent(rate), "state": state_text, "description": _text(priced.line.description)},
                "checkout",
                False,
            )
        )
