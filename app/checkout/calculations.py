"""The one checkout calculation (pure): priced lines, shipping options, totals in the shopper's and
the shop's currency, the stale-rate decision, and a version of the whole quote.

The checkout page, the JSON API and order placement all call `calculate_checkout`, so the total
a shopper is shown and the total charged come from the same code; the price-change guard compares
versions of the whole quote (goods, shipping and, with landed cost, taxes and duties).
Model: Saleor's checkout/fetch.py (load a snapshot) -> checkout/calculations.py (pure).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from moneyed import Money

from app.cart.rules import PricedCart, price_cart
from app.catalog.rules import Catalog
from app.checkout.landed import CheckoutTaxes, TaxSetup, checkout_taxes
from app.core.money import allocate, from_minor, money, to_minor, zero
from app.fx.rules import disclosed_rate, is_fresh
from app.markets.rules import Pricer, sellable_presentment
from app.shipping.rules import (
    ParcelItem,
    Restriction,
    ShippingMethod,
    blocked,
    free_threshold,
    methods_for,
    parcel_for,
)
from app.shipping.rules import RateTable as ShippingRates

DEFAULT_METHOD = "standard"


@dataclass(frozen=True)
class CheckoutInput:
    """Everything the calculation needs, loaded beforehand (see checkout/fetch.py)."""

    catalog: Catalog
    quantities: tuple[tuple[int, int], ...]  # (variant id, quantity) in cart order
    stock: Mapping[int, int]  # for showing short lines; placement reserves stock atomically anyway
    pricer: Pricer  # the shopper's currency and the rates to charge at
    shipping_rates: ShippingRates
    country: str
    region: str  # CA province, US state ("" when not given yet)
    shipping_method: str  # the code the shopper chose; "" for the default
    taxes: TaxSetup
    settlement_currency: str
    max_rate_age_hours: float
    now: datetime


@dataclass(frozen=True)
class ShippingOption:
    method: ShippingMethod
    price: Money  # in the shopper's currency, as charged (with the destination tax where prices hold it)


@dataclass(frozen=True)
class FxDisclosure:
    """The conversion behind the prices, as the shopper is told it."""

    base: str
    currency: str
    applied_rate: Decimal  # currency units per base unit, conversion fee included: what prices use
    shown_rate: Decimal  # the applied rate with just the digits that reproduce every converted amount
    markup_percent: Decimal
    source: str
    as_of: date | None
    fetched_at: datetime | None


@dataclass(frozen=True)
class CheckoutQuote:
    country: str
    region: str  # CA province, US state: their taxes differ
    cart: PricedCart
    missing_lines: int  # cart lines whose product is no longer sold
    options: tuple[ShippingOption, ...]
    method: ShippingMethod | None  # None: the chosen method is not offered to this country
    shipping: Money
    taxes: CheckoutTaxes
    restrictions: tuple[Restriction, ...]  # goods that cannot be shipped to this country at all
    total: Money  # goods + shipping + taxes, duties and fees charged now - tax taken off
    rate: Decimal  # mid-market: presentment units per settlement unit (settlement is worked out at it)
    settlement_subtotal: Money
    settlement_shipping: Money
    settlement_taxes: Money  # the taxes' adjustment of the total, in the settlement currency
    settlement_total: Money
    line_settlements: tuple[int, ...]  # minor units per cart line, summing to settlement_subtotal
    fx: FxDisclosure | None  # None when charged in the shop's own currency
    pricer: Pricer  # the one that priced this quote (the base-currency one after a stale refusal)
    version: str

    @property
    def currency(self) -> str:
        return self.total.currency.code

    @property
    def stale_currency(self) -> str | None:
        """The currency refused because its rate is too old (then the quote is in the base currency)."""
        return self.pricer.presentment.stale_currency

    @property
    def subtotal(self) -> Money:
        return self.cart.subtotal

    @property
    def is_empty(self) -> bool:
        return self.cart.is_empty


def charge_pricer(pricer: Pricer, settlement_currency: str, max_age_hours: float, now: datetime) -> Pricer:
    """The pricer to charge with: the shopper's, or the base-currency one when its rates are too old."""
    currency = pricer.presentment.currency
    fresh = (
        {currency} if is_fresh(pricer.rates, [currency, settlement_currency], max_age_hours, now) else set()
    )
    presentment = sellable_presentment(pricer.presentment, fresh, settlement_currency)
    if presentment is pricer.presentment:
        return pricer
    return Pricer(presentment, pricer.rates, pricer.overrides, pricer.taxes)


def settle(
    cart: PricedCart, shipping: Money, adjustment: Money, settlement_currency: str, rate: Decimal
) -> tuple[Money, Money, Money, Money, tuple[int, ...]]:
    """Settlement subtotal, shipping, tax adjustment and total at `rate`; the parts add up to the
    total, and the line shares (largest remainder) to the subtotal."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    total = cart.subtotal + shipping + adjustment
    settlement_total = money(total.amount / rate, settlement_currency)
    settlement_shipping = money(shipping.amount / rate, settlement_currency)
    settlement_taxes = money(adjustment.amount / rate, settlement_currency)
    settlement_subtotal = settlement_total - settlement_shipping - settlement_taxes
    weights = [to_minor(line.total) for line in cart.lines]
    lines = (
        tuple(allocate(to_minor(settlement_subtotal), weights))
        if sum(weights) > 0
        else tuple(0 for _ in weights)
    )
    return settlement_subtotal, settlement_shipping, settlement_taxes, settlement_total, lines


def shown_rate(
    applied: Decimal, pricer: Pricer, cart: PricedCart, options: tuple[ShippingOption, ...]
) -> Decimal:
    """The applied rate with enough digits to reproduce every converted amount from it: the unit
    prices (those not fixed by a price list) under the market's rounding, and the shipping prices."""
    market = pricer.presentment.market.code
    # What was converted: the entered amounts with the tax the shown prices hold (app.markets.taxes).
    converted = [
        from_minor(line.variant.price_minor, line.variant.currency).amount
        * pricer.tax_factor(line.product.tax_class)
        for line in cart.lines
        if (line.variant.id, market) not in pricer.overrides
    ]
    for_prices = disclosed_rate(applied, converted, pricer.currency, pricer.price_rule)
    shipping = [o.method.price.amount * pricer.taxes.shipping_factor for o in options]
    for_shipping = disclosed_rate(applied, shipping, pricer.currency)
    # The longer of the two is the closer to the applied rate, so it serves both.
    return max(for_prices, for_shipping, key=lambda r: len(r.as_tuple().digits))


def quote_version(quote_parts: tuple[object, ...]) -> str:
    return hashlib.sha256(repr(quote_parts).encode()).hexdigest()[:24]


def _ships_free(table: ShippingRates, pricer: Pricer, subtotal: Money) -> bool:
    """Free standard shipping at the market's threshold (in its currency; converted when the shopper
    pays in another)."""
    threshold = free_threshold(table, pricer.presentment.market.code)
    if threshold is None:
        return False
    if threshold.currency != subtotal.currency:
        if not pricer.rates.has(threshold.currency.code):
            return False
        threshold = money(
            threshold.amount * pricer.rates.cross(threshold.currency.code, pricer.currency), pricer.currency
        )
    return subtotal >= threshold


def calculate_checkout(data: CheckoutInput) -> CheckoutQuote:
    """Price a cart for a destination and shipping method: everything the shopper pays, in one place."""
    pricer = charge_pricer(data.pricer, data.settlement_currency, data.max_rate_age_hours, data.now)
    currency = pricer.currency
    cart = price_cart(data.catalog, data.quantities, data.stock, pricer, data.settlement_currency)
    parcel = parcel_for(
        [
            ParcelItem(
                line.product.weight_grams,
                line.product.dimensions_mm,
                line.quantity,
                line.product.restrictions,
            )
            for line in cart.lines
        ]
    )
    restrictions = blocked(data.shipping_rates, data.country, parcel)
    free = _ships_free(data.shipping_rates, pricer, cart.subtotal)
    options = (
        ()
        if restrictions
        else tuple(
            ShippingOption(method, pricer.shipping(method.price))
            for method in methods_for(data.shipping_rates, data.country, parcel, free=free)
        )
    )
    chosen = data.shipping_method or DEFAULT_METHOD
    option = next((o for o in options if o.method.code == chosen), None)
    shipping = option.price if option else zero(currency)
    taxes = checkout_taxes(cart, shipping, pricer, data.country, data.region, data.taxes)
    rate = pricer.rates.cross(data.settlement_currency, currency)
    s_subtotal, s_shipping, s_taxes, s_total, line_settlements = settle(
        cart, shipping, taxes.adjustment, data.settlement_currency, rate
    )
    fx = None
    if currency != data.settlement_currency:
        source, as_of = pricer.rates.describe(data.settlement_currency, currency)
        fetched = [
            r.fetched_at for c, r in pricer.rates.rates.items() if c in {currency, data.settlement_currency}
        ]
        markup = pricer.presentment.market.fx_markup_percent
        applied = pricer.applied_rate(data.settlement_currency)
        fx = FxDisclosure(
            base=data.settlement_currency,
            currency=currency,
            applied_rate=applied,
            shown_rate=shown_rate(applied, pricer, cart, options),
            markup_percent=markup,
            source=source,
            as_of=as_of,
            fetched_at=max(fetched) if fetched else None,
        )
    total = cart.subtotal + shipping + taxes.adjustment
    version = quote_version(
        (
            data.country,  # the region is in it through the taxes it changes (CA, US)
            currency,
            tuple((line.sku, line.quantity, to_minor(line.unit_price)) for line in cart.lines),
            option.method.code if option else None,
            to_minor(shipping),
            taxes.version_parts(),
            tuple(r.tag for r in restrictions),
            to_minor(total),
            data.settlement_currency,
            to_minor(s_total),
            str(rate),
        )
    )
    return CheckoutQuote(
        country=data.country,
        region=data.region,
        cart=cart,
        missing_lines=len(data.quantities) - len(cart.lines),
        options=options,
        method=option.method if option else None,
        shipping=shipping,
        taxes=taxes,
        restrictions=restrictions,
        total=total,
        rate=rate,
        settlement_subtotal=s_subtotal,
        settlement_shipping=s_shipping,
        settlement_taxes=s_taxes,
        settlement_total=s_total,
        line_settlements=line_settlements,
        fx=fx,
        pricer=pricer,
        version=version,
    )
