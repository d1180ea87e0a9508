"""Taxes and duties of a priced cart, through the landed-cost engine (pure).

The engine (app.tax) is the one owner of every tax, duty and fee rule; this module only turns the
cart into the engine's Shipment and its answer into amounts in the shopper's currency:
- prices that include the destination's tax (see app.markets.taxes) go in as gross amounts and the
  engine extracts the tax from them (`included` lines, already in the goods and shipping);
- where the basket is imported normally instead (over a low-value limit, say), the tax those
  prices hold is not the shop's to charge: it comes off (`tax_removed`) and the engine quotes the
  net values, with the import tax collected at checkout (DDP) or estimated for delivery (DAP);
- countries the engine has no rules for are quoted with no charges and say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from moneyed import Money

from app.cart.rules import PricedCart, PricedLine
from app.catalog.rules import ProductView, VariantView
from app.core.money import from_minor, money, quantize_charge, zero
from app.i18n.markers import N_
from app.markets.regions import EU_MEMBER_STATES
from app.markets.rules import HUNDRED, Pricer
from app.tax.model import (
    ChargeLine,
    LandedCostQuote,
    QuoteError,
    QuoteLine,
    QuoteWarning,
    Shipment,
    TaxTables,
)
from app.tax.rules import quote_landed_cost

TAX_REMOVED = N_("Tax not charged at checkout")
TAX_REMOVED_WHY = N_(
    "This order is imported rather than sold under a tax scheme we collect: the tax our prices "
    "include comes off, and import charges apply instead."
)
NO_RULES = N_(
    "We have no import tax rules for %(country)s: duties and taxes, if any, are payable on delivery"
)


@dataclass(frozen=True)
class TaxSetup:
    """The shop's side of a landed-cost quote."""

    tables: TaxTables
    data_version: str  # of the rule files the quote was computed from
    shop_country: str
    registrations: frozenset[str]
    proof_of_origin: bool  # invoices carry a statement on origin (preferential duty rates)
    on: date


@dataclass(frozen=True)
class CheckoutCharge:
    """A tax, duty or fee line in the shopper's currency, with the rule that made it."""

    kind: str  # tax | duty | fee
    name: str  # gettext msgid
    rate: Decimal | None  # percent
    base: Money
    amount: Money
    rule: str
    source: str
    explanation: str  # gettext msgid
    params: Mapping[str, str]
    collected: str  # checkout | delivery
    included: bool  # already in the prices shown (tax-inclusive prices)
    estimate: bool

    @property
    def charged_now(self) -> bool:
        """Added to the total at checkout (included tax is already in the goods and shipping)."""
        return self.collected == "checkout" and not self.included


@dataclass(frozen=True)
class CheckoutTaxes:
    currency: str
    charges: tuple[CheckoutCharge, ...] = ()
    tax_removed: Money | None = None  # tax the shown prices hold that is not charged at checkout
    incoterm: str = "DDP"  # DDP: nothing more to pay on delivery; DAP: `due_on_delivery` is an estimate
    regime: str = ""
    explanation: str = ""  # gettext msgid
    explanation_params: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[QuoteWarning, ...] = ()
    estimate: bool = False
    error: QuoteError | None = None  # the quote cannot be given (e.g. a province is needed): no order
    data_version: str = ""

    @property
    def removed(self) -> Money:
        return self.tax_removed if self.tax_removed is not None else zero(self.currency)

    @property
    def charged_now(self) -> Money:
        return sum((c.amount for c in self.charges if c.charged_now), zero(self.currency))

    @property
    def due_on_delivery(self) -> Money:
        return sum((c.amount for c in self.charges if c.collected == "delivery"), zero(self.currency))

    @property
    def lines(self) -> tuple[CheckoutCharge, ...]:
        """Every line to show and record: the charges, then any tax taken off the prices."""
        if not self.removed.amount:
            return self.charges
        removed = CheckoutCharge(
            kind="removed",
            name=TAX_REMOVED,
            rate=None,
            base=self.removed,
            amount=self.removed,
            rule="PRICES_NET_ON_IMPORT",
            source="",
            explanation=TAX_REMOVED_WHY,
            params={},
            collected="checkout",
            included=False,
            estimate=False,
        )
        return (*self.charges, removed)

    @property
    def adjustment(self) -> Money:
        """What the taxes change in the total: charges added at checkout less tax taken off."""
        return self.charged_now - self.removed

    def version_parts(self) -> tuple[object, ...]:
        return (
            self.data_version,
            self.incoterm,
            self.error.code if self.error else None,
            str(self.removed.amount),
            tuple((c.rule, c.collected, c.included, str(c.amount.amount)) for c in self.charges),
        )


def _duty_rate(product: ProductView, country: str) -> Decimal | None:
    """The merchant's duty rate for this product at `country` ("EU": any member state), if set."""
    rates = product.duty_rates
    found = rates.get(country)
    if found is None and country in EU_MEMBER_STATES:
        found = rates.get("EU")
    return found


def _lines(
    cart: PricedCart, country: str, unit_value: Mapping[str, Decimal] | None = None
) -> tuple[QuoteLine, ...]:
    return tuple(
        QuoteLine(
            description=line.product.customs_description or line.sku,
            hs_code=line.product.hs_code or None,
            origin=line.product.origin_country,
            unit_value=unit_value[line.sku] if unit_value else line.unit_price.amount,
            quantity=line.quantity,
            weight_kg=Decimal(line.product.weight_grams) / 1000,
            tax_class=line.product.tax_class,
            duty_rate=_duty_rate(line.product, country),
        )
        for line in cart.lines
    )


def _charge(line: ChargeLine, source_currency: str, currency: str, pricer: Pricer) -> CheckoutCharge:
    fx = Decimal(1) if source_currency == currency else pricer.rates.cross(source_currency, currency)
    return CheckoutCharge(
        kind=line.kind,
        name=line.name,
        rate=line.rate,
        base=money(line.base * fx, currency),
        amount=Money(quantize_charge(line.amount * fx, currency), currency),  # HUF, NOK: whole units
        rule=line.rule,
        source=line.source,
        explanation=line.explanation,
        params=line.params,
        collected=line.collected,
        included=line.included,
        estimate=line.estimate,
    )


def _result(quote: LandedCostQuote, pricer: Pricer, setup: TaxSetup, removed: Money | None) -> CheckoutTaxes:
    currency = pricer.currency
    charges = tuple(_charge(c, quote.currency, currency, pricer) for c in quote.charges)
    return CheckoutTaxes(
        currency=currency,
        charges=charges,
        tax_removed=removed,
        incoterm=quote.incoterm,
        regime=quote.regime,
        explanation=quote.explanation,
        explanation_params=quote.explanation_params,
        warnings=quote.warnings,
        estimate=quote.estimate,
        data_version=setup.data_version,
    )


# China admits retail parcels from abroad as cross-border e-commerce (CBEC) only: the seller (or its
# platform) is registered with China customs and withholds the tax at checkout (reference §3, S38).
# Without that registration the engine refuses China, and so does the checkout.
CBEC_REGISTRATION = "CN_CBEC"


def shipment_kind(country: str, registrations: frozenset[str]) -> str:
    return "CBEC" if country == "CN" and CBEC_REGISTRATION in registrations else "B2C_sale"


def checkout_taxes(
    cart: PricedCart, shipping: Money, pricer: Pricer, country: str, region: str | None, setup: TaxSetup
) -> CheckoutTaxes:
    """The taxes, duties and fees of this cart shipped to `country` (`region`: CA province, US state)."""
    currency = pricer.currency
    if cart.is_empty:
        return CheckoutTaxes(currency, data_version=setup.data_version)
    gross = pricer.taxes.includes_tax
    shipment = Shipment(
        ship_from=setup.shop_country,
        destination=country,
        currency=currency,
        lines=_lines(cart, country),
        date=setup.on,
        destination_region=region or None,
        seller_registrations=setup.registrations,
        shipping_charged=shipping.amount,
        incoterm=pricer.presentment.market.incoterm,
        shipment_kind=shipment_kind(country, setup.registrations),
        prices_include_tax=gross,
        proof_of_origin=setup.proof_of_origin,
    )
    try:
        quote = quote_landed_cost(shipment, setup.tables, pricer.rates, setup.on)
        removed = None
        if gross and quote.net_required:
            # The basket is imported, not sold under a scheme the shop charges tax for: the tax in
            # the shown prices comes off, and the engine works on the net values.
            net_units = {
                line.sku: line.unit_price.amount
                * HUNDRED
                / (HUNDRED + pricer.taxes.included.get(line.product.tax_class, Decimal(0)))
                for line in cart.lines
            }
            net_shipping = shipping.amount / pricer.taxes.shipping_factor
            # In the currency's charge unit, so the total stays chargeable (whole kroner, forints).
            net_goods = sum(
                (quantize_charge(net_units[line.sku] * line.quantity, currency) for line in cart.lines),
                Decimal(0),
            )
            net = net_goods + quantize_charge(net_shipping, currency)
            removed = Money(cart.subtotal.amount + shipping.amount - net, currency)
            shipment = replace(
                shipment,
                lines=_lines(cart, country, net_units),
                shipping_charged=net_shipping,
                prices_include_tax=False,
            )
            quote = quote_landed_cost(shipment, setup.tables, pricer.rates, setup.on)
    except QuoteError as error:
        if error.code == "unknown_destination":
            return CheckoutTaxes(
                currency,
                incoterm="DAP",
                explanation=NO_RULES,
                explanation_params={"country": country},
                data_version=setup.data_version,
            )
        return CheckoutTaxes(currency, error=error, data_version=setup.data_version)
    return _result(quote, pricer, setup, removed)


def item_taxes(
    product: ProductView, variant: VariantView, pricer: Pricer, country: str, setup: TaxSetup
) -> CheckoutTaxes:
    """What one unit of a variant would owe on its own, before shipping: the product page's hint
    (checkout works on the whole basket, whose value can cross a threshold)."""
    unit = pricer.price(variant.id, variant.price_minor, variant.currency, tax_class=product.tax_class)
    line = PricedLine(product=product, variant=variant, quantity=1, available=1, unit_price=unit, total=unit)
    cart = PricedCart(
        lines=(line,), subtotal=unit, base_subtotal=from_minor(variant.price_minor, variant.currency)
    )
    return checkout_taxes(cart, zero(pricer.currency), pricer, country, None, setup)
