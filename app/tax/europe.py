"""Landed cost into the United Kingdom, Norway and Switzerland (pure)."""

from __future__ import annotations

from app.i18n.markers import N_
from app.tax.charges import import_charges, low_value_vat, net_lines, sale_vat, waive_under_minimum
from app.tax.common import (
    CONSUMER_KINDS,
    Context,
    Outcome,
    PricedLine,
    param_text,
    refuse_domestic,
    refuse_kind,
    require_param,
)
from app.tax.model import ChargeLine, Dated, QuoteError

# ---------------------------------------------------------------- United Kingdom


def gb(ctx: Context) -> Outcome:
    """Import into Great Britain (reference §2a, §2c)."""
    kind = ctx.shipment.shipment_kind
    refuse_kind(ctx, "CBEC")
    refuse_domestic(ctx)
    limit = require_param(ctx, "GB_LOW_VALUE_THRESHOLD")
    threshold = param_text(limit)
    low_value = ctx.within(limit, ctx.intrinsic_input)
    collected = ctx.import_collected
    if kind == "gift_C2C":
        gift = require_param(ctx, "GB_GIFT_VAT_EXEMPTION")
        if ctx.within(gift, ctx.intrinsic_input):
            outcome = Outcome(
                "GB_GIFT", N_("Gift between private persons up to %(threshold)s: no VAT, no duty")
            )
            outcome.params["threshold"] = param_text(gift)
            return outcome
        outcome = Outcome("GB_GIFT_IMPORT", N_("Gift over %(threshold)s: import VAT on delivery"))
        outcome.params["threshold"] = param_text(gift)
        outcome.warn("gb_gift_band", N_("The UK 2.5 %% gift band is unverified and not applied"))
        outcome.charges += import_charges(
            ctx, outcome, ctx.lines, tariff="GB", collected=collected, duty=not low_value
        )
        return outcome
    if low_value:
        if "UK_VAT" not in ctx.registrations:
            raise QuoteError(
                "registration_required",
                N_(
                    "Goods up to %(threshold)s sent to %(country)s need the seller's %(registration)s registration"  # noqa: E501
                ),
                threshold=threshold,
                country="GB",
                registration="UK_VAT",
            )
        outcome = Outcome(
            "GB_LOW_VALUE", N_("UK: consignments up to %(threshold)s, VAT charged at checkout, no duty")
        )
        low_value_vat(
            ctx,
            outcome,
            ctx.lines,
            limit,
            rule="GB_LOW_VALUE",
            explanation=N_("UK consignment up to %(threshold)s: VAT %(rate)s charged at checkout"),
        )
        return outcome
    outcome = Outcome("GB_IMPORT", N_("UK import over %(threshold)s: duty on the CIF value and import VAT"))
    outcome.params["threshold"] = threshold
    outcome.charges += import_charges(ctx, outcome, ctx.lines, tariff="GB", collected=collected)
    return outcome


# ---------------------------------------------------------------- Norway


def no(ctx: Context) -> Outcome:
    """Norway: VOEC for items below NOK 3,000, else VAT and duty from the first krone (reference §2a, §3)."""
    refuse_kind(ctx, "CBEC")
    limit = require_param(ctx, "NO_VOEC_ITEM_LIMIT")
    threshold = param_text(limit)
    voec = "VOEC" in ctx.registrations and ctx.shipment.shipment_kind in CONSUMER_KINDS
    below: list[PricedLine] = []
    rest: list[PricedLine] = []
    for priced in ctx.lines:  # one pass: a line equal to one below the limit is below it itself
        (below if voec and ctx.within(limit, priced.line.unit_value, strict=True) else rest).append(priced)
    under, over = tuple(below), tuple(rest)
    if under and not over:
        outcome = Outcome("NO_VOEC", N_("Norway VOEC: items below %(threshold)s, VAT charged at checkout"))
    elif under:
        outcome = Outcome(
            "NO_VOEC_MIXED", N_("Norway: VOEC items below %(threshold)s at checkout, the rest on import")
        )
    else:
        outcome = Outcome("NO_IMPORT", N_("Norway: VAT and duty on import from the first krone"))
    outcome.params["threshold"] = threshold
    if under:
        low_value_vat(
            ctx,
            outcome,
            under,
            limit,
            rule="NO_VOEC",
            explanation=N_("Norway VOEC: item below %(threshold)s, VAT %(rate)s charged at checkout"),
            rest_imported=bool(over),
        )
    if over:
        if ctx.shipment.shipment_kind == "gift_C2C":
            outcome.warn("gift_rules", N_("Gift allowances are not modelled for %(country)s"), country="NO")
        outcome.charges += import_charges(ctx, outcome, over, tariff="NO", collected=ctx.import_collected)
        outcome.warn_carrier_fee()
    return outcome


# ---------------------------------------------------------------- Switzerland


def ch(ctx: Context) -> Outcome:
    """Switzerland: registered mail-order sellers charge Swiss VAT at checkout; otherwise import VAT on
    delivery, not levied when it is CHF 5 or less per declaration (reference §2a, §3)."""
    refuse_kind(ctx, "CBEC")
    minimum = require_param(ctx, "CH_MIN_TAX_AMOUNT")
    registered = "CH_VAT" in ctx.registrations and ctx.shipment.shipment_kind in CONSUMER_KINDS
    collected = "checkout" if registered else ctx.import_collected
    for priced in ctx.lines:
        # Unless the data holds an ad-valorem estimate for it (flagged as such on the quote).
        weight_based = priced.hs and int(priced.hs[:2]) < 25
        if (
            weight_based
            and priced.line.duty_rate is None
            and ctx.tables.duty_row("CH", priced.hs, ctx.on) is None
        ):
            raise QuoteError(
                "duty_rate_unknown",
                N_(
                    "Swiss duty on agricultural goods (HS %(hs_code)s) is by gross weight: set the line's duty"  # noqa: E501
                ),
                hs_code=priced.hs,
            )
    if registered:
        outcome = Outcome(
            "CH_MAIL_ORDER", N_("Switzerland: registered seller, Swiss VAT charged at checkout")
        )
        outcome.forced_incoterm = "DDP"

        def vat() -> list[ChargeLine]:
            return sale_vat(
                ctx,
                outcome,
                ctx.lines,
                rule="CH_MAIL_ORDER",
                dated=Dated(minimum.dated.effective_from, None, "S32", "High"),
                explanation=N_("Swiss VAT %(rate)s charged at checkout by a registered mail-order seller"),
            )

        if ctx.shipment.prices_include_tax:  # the customs value is net of the VAT the price holds
            sale = vat()
            customs = net_lines(ctx, ctx.lines, sale)
            duties = import_charges(ctx, outcome, customs, tariff="CH", collected="checkout", vat=False)
        else:  # duties first: the warnings keep their order
            duties = import_charges(ctx, outcome, ctx.lines, tariff="CH", collected="checkout", vat=False)
            sale = vat()
        outcome.charges += duties + sale
        return outcome
    outcome = Outcome("CH_IMPORT", N_("Switzerland: import VAT on delivery, not levied up to %(minimum)s"))
    outcome.params["minimum"] = param_text(minimum)
    charges = import_charges(ctx, outcome, ctx.lines, tariff="CH", collected=collected)
    outcome.charges += waive_under_minimum(
        ctx,
        charges,
        minimum,
        N_("Import VAT of %(minimum)s or less per declaration is not levied"),
        applies=lambda c: c.kind == "tax",
        inclusive=True,
    )
    outcome.warn_carrier_fee()
    return outcome
