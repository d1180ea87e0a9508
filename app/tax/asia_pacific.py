"""Landed cost into Australia, New Zealand, Singapore, Japan, Korea and China (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.i18n.markers import N_
from app.tax.charges import duty_rate, import_charges, low_value_vat, rated_charge, sale_vat, vat_rate
from app.tax.common import (
    CONSUMER_KINDS,
    HUNDRED,
    Context,
    Outcome,
    PricedLine,
    param_text,
    refuse_domestic,
    refuse_kind,
    require_param,
)
from app.tax.model import Param, QuoteError


def _exempt_or_import(
    ctx: Context,
    limit: Param,
    value: Decimal,
    *,
    exempt: Outcome,
    imported: Outcome,
    lines: tuple[PricedLine, ...] | None = None,
) -> Outcome:
    """Nothing due while `value` (shipment currency) is within `limit`; above it the lines are imported
    normally. Either outcome states the threshold."""
    if ctx.within(limit, value):
        outcome = exempt
    else:
        outcome = imported
        outcome.charges += import_charges(
            ctx,
            outcome,
            ctx.lines if lines is None else lines,
            tariff=ctx.country,
            collected=ctx.import_collected,
        )
    outcome.params["threshold"] = param_text(limit)
    return outcome


# ---------------------------------------------------------------- AU, NZ, SG: vendor-collected GST


def _split_items(ctx: Context, limit: Param) -> tuple[tuple[PricedLine, ...], tuple[PricedLine, ...]]:
    """The lines whose item value is within `limit`, and the others, each in order: one pass (a line
    equal to a low one is low itself, so this is the `p not in low` of before)."""
    low: list[PricedLine] = []
    high: list[PricedLine] = []
    for priced in ctx.lines:
        (low if ctx.within(limit, priced.line.unit_value) else high).append(priced)
    return tuple(low), tuple(high)


def _vendor_gst(ctx: Context, *, threshold_id: str, registration: str, prefix: str) -> Outcome:
    """AU (A$1,000), NZ (NZ$1,000): per-item customs value; a registered vendor charges GST at
    checkout on the price including shipping, no duty; dearer items are imported normally
    (duty on the FOB value, GST on value + duty + transport) (reference §2a, §3)."""
    refuse_kind(ctx, "CBEC")
    refuse_domestic(ctx)
    limit = require_param(ctx, threshold_id)
    low, high = _split_items(ctx, limit)
    vendor = registration in ctx.registrations and ctx.shipment.shipment_kind in CONSUMER_KINDS
    if low and vendor:
        outcome = Outcome(
            f"{prefix}_LVG", N_("Low-value goods up to %(threshold)s per item: GST charged at checkout")
        )
        low_value_vat(
            ctx,
            outcome,
            low,
            limit,
            rule=f"{prefix}_LVG",
            explanation=N_(
                "Item up to %(threshold)s: GST %(rate)s charged at checkout by the registered seller"
            ),
            rest_imported=bool(high),
        )
    else:
        outcome = Outcome(
            f"{prefix}_LVG_EXEMPT" if low and not high else f"{prefix}_IMPORT",
            N_("Items up to %(threshold)s: no duty or GST at the border; dearer items are imported normally"),
        )
        if low and ctx.shipment.shipment_kind in CONSUMER_KINDS:
            outcome.warn(
                "registration_check",
                N_(
                    "Without %(registration)s no GST is charged on low-value goods; check the registration threshold"  # noqa: E501
                ),
                registration=registration,
            )
        outcome.params["threshold"] = param_text(limit)
    if high:
        outcome.charges += import_charges(
            ctx, outcome, high, tariff=ctx.country, collected=ctx.import_collected
        )
        outcome.warn("border_fees", N_("Import processing or entry fees at the border are not included"))
    return outcome


def au(ctx: Context) -> Outcome:
    return _vendor_gst(ctx, threshold_id="AU_LVG_THRESHOLD", registration="AU_GST", prefix="AU")


def nz(ctx: Context) -> Outcome:
    return _vendor_gst(ctx, threshold_id="NZ_LVG_THRESHOLD", registration="NZ_GST", prefix="NZ")


def sg(ctx: Context) -> Outcome:
    """Singapore: OVR-registered sellers charge 9 % GST at checkout on items up to S$400; without OVR a
    consignment up to S$400 CIF has import relief, above it import GST on CIF + duty (reference §2a)."""
    refuse_kind(ctx, "CBEC")
    refuse_domestic(ctx)
    limit = require_param(ctx, "SG_LVG_THRESHOLD")
    if "SG_OVR" in ctx.registrations and ctx.shipment.shipment_kind in CONSUMER_KINDS:
        low, high = _split_items(ctx, limit)
        outcome = Outcome("SG_OVR", N_("Singapore OVR: items up to %(threshold)s, GST charged at checkout"))
        low_value_vat(
            ctx,
            outcome,
            low,
            limit,
            rule="SG_OVR",
            explanation=N_("Singapore OVR: item up to %(threshold)s, GST %(rate)s charged at checkout"),
            rest_imported=bool(high),
        )
        if high:
            outcome.charges += import_charges(ctx, outcome, high, tariff="SG", collected=ctx.import_collected)
        return outcome
    return _exempt_or_import(
        ctx,
        limit,
        ctx.intrinsic_input + ctx.shipping_input,  # CIF
        exempt=Outcome("SG_RELIEF", N_("Singapore: consignment up to %(threshold)s, import GST relief")),
        imported=Outcome("SG_IMPORT", N_("Singapore: import GST on the CIF value over %(threshold)s")),
    )


# ---------------------------------------------------------------- Japan, Korea


def jp(ctx: Context) -> Outcome:
    """Japan: customs value (CIF; personal use at 60 % of the retail price) up to JPY 10,000 is
    exempt; above, duty (simplified rates) and consumption tax on CIF + duty on delivery (reference §2a)."""
    refuse_kind(ctx, "CBEC")
    refuse_domestic(ctx)
    limit = require_param(ctx, "JP_EXEMPT_THRESHOLD")
    personal = ctx.shipment.shipment_kind == "personal_use"
    factor = require_param(ctx, "JP_PERSONAL_USE_FACTOR").value / HUNDRED if personal else Decimal(1)
    lines = ctx.lines
    if factor != 1:
        lines = tuple(PricedLine(p.line, p.input_value, p.value * factor, p.shipping) for p in lines)
    outcome = _exempt_or_import(
        ctx,
        limit,
        ctx.intrinsic_input * factor + ctx.shipping_input,  # the customs value
        exempt=Outcome(
            "JP_SMALL_AMOUNT", N_("Japan: customs value up to %(threshold)s, duty and tax exempt")
        ),
        imported=Outcome("JP_IMPORT", N_("Japan: duty and consumption tax on the CIF value, on delivery")),
        lines=lines,
    )
    if outcome.regime == "JP_SMALL_AMOUNT" and any(
        p.hs[:2] in ("61", "64") or p.hs.startswith("4202") for p in ctx.lines
    ):
        outcome.warn(
            "jp_designated_goods",
            N_("Knitted garments, footwear and leather bags may be dutiable even below the threshold"),
        )
    if personal:
        outcome.warn(
            "jp_sixty_percent",
            N_("Personal-use value taken at 60 %% of the price plus freight (freight treatment unverified)"),
        )
    if ctx.on >= date(2028, 4, 1):
        outcome.warn(
            "jp_2028",
            N_("The JPY 10,000 exemption is planned to end on 1 Apr 2028 (not verified as enacted)"),
        )
    return outcome


def kr(ctx: Context) -> Outcome:
    """Korea: list clearance up to US$150 (US$200 from the US); above, the whole shipment pays duty on
    CIF and 10 % VAT on CIF + duty (reference §2a, §3; Medium)."""
    refuse_kind(ctx, "CBEC")
    refuse_domestic(ctx)
    limit = require_param(
        ctx, "KR_LIST_CLEARANCE_FROM_US" if ctx.shipment.ship_from == "US" else "KR_LIST_CLEARANCE"
    )
    return _exempt_or_import(
        ctx,
        limit,
        ctx.intrinsic_input,
        exempt=Outcome(
            "KR_LIST_CLEARANCE", N_("Korea: personal-use goods up to %(threshold)s, no duty or VAT")
        ),
        imported=Outcome("KR_IMPORT", N_("Korea: over %(threshold)s the whole shipment pays duty and VAT")),
    )


# ---------------------------------------------------------------- China


def cn(ctx: Context) -> Outcome:
    """China cross-border e-commerce retail import: up to RMB 5,000 per transaction, tariff 0 % and
    VAT at 70 %, withheld at checkout; one indivisible dearer item pays full duty and VAT (reference
    §2a, §3)."""
    if ctx.shipment.shipment_kind != "CBEC":
        raise QuoteError(
            "kind_not_available",
            N_("Only cross-border e-commerce (CBEC) shipments are quoted for %(destination)s"),
            destination="CN",
        )
    limit = require_param(ctx, "CN_CBEC_TRANSACTION_LIMIT")
    factor = require_param(ctx, "CN_CBEC_TAX_FACTOR")
    annual = require_param(ctx, "CN_CBEC_ANNUAL_LIMIT")
    threshold = param_text(limit)
    outcome = Outcome(
        "CN_CBEC", N_("China CBEC: up to %(threshold)s, tariff 0 %% and 70 %% of VAT, withheld at checkout")
    )
    outcome.params["threshold"] = threshold
    outcome.forced_incoterm = "DDP"
    outcome.warn(
        "cn_annual_limit",
        N_("The shopper's annual CBEC limit of %(limit)s is not checked here"),
        limit=param_text(annual),
    )
    outcome.warn("cn_consumption_tax", N_("Consumption tax (cosmetics and other CT goods) is not modelled"))
    if ctx.within(limit, ctx.intrinsic_input + ctx.shipping_input):
        outcome.charges += sale_vat(
            ctx,
            outcome,
            ctx.lines,
            rule="CN_CBEC",
            dated=factor.dated,
            factor=factor.value / HUNDRED,
            explanation=N_("China CBEC: VAT at 70 %% of the statutory rate, %(rate)s, withheld at checkout"),
        )
        return outcome
    single = len(ctx.lines) == 1 and ctx.lines[0].line.quantity == 1
    if not single:
        raise QuoteError(
            "over_limit", N_("China CBEC transactions are limited to %(threshold)s"), threshold=threshold
        )
    outcome.regime = "CN_CBEC_FULL"
    outcome.explanation = N_(
        "China CBEC: a single item over %(threshold)s pays full duty and VAT at checkout"
    )
    priced = ctx.lines[0]
    resolved = duty_rate(ctx, outcome, priced, tariff="CN")
    base = priced.value + priced.shipping
    duty = rated_charge(
        ctx,
        "duty",
        N_("Import duty"),
        resolved,
        base=base,
        explanation=N_("Duty %(rate)s on %(description)s"),
        collected="checkout",
        description=priced.line.description,
    )
    rate = vat_rate(ctx, outcome, "CN", priced.line.tax_class)
    vat_base = base + duty.amount
    outcome.charges += [
        duty,
        rated_charge(
            ctx,
            "tax",
            N_("Import VAT"),
            rate,
            base=vat_base,
            rule=f"CN_CBEC_FULL:{rate.rule}",
            explanation=N_("Import VAT %(rate)s on price, freight and duty"),
            collected="checkout",
        ),
    ]
    return outcome
