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
from app.core.money import allocate, from_minor, money, to_minor, zero
from app.fx.rules import disclosed_rate, is_fresh
from app.markets.rules import Pricer, sellable_presentment
from app.shipping.rules import RateTable as ShippingRates
from app.shipping.rules import ShippingMethod, methods_for

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
    shipping_method: str  # the code the shopper chose; "" for the default
    settlement_currency: str
    max_rate_age_hours: float
    now: datetime


@dataclass(frozen=True)
class ShippingOption:
    method: ShippingMethod
    price: Money  # in the shopper's currency, as charged


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
    cart: PricedCart
    missing_lines: int  # cart lines whose product is no longer sold
    options: tuple[ShippingOption, ...]
    method: ShippingMethod | None  # None: the chosen method is not offered to this country
    shipping: Money
    total: Money
    rate: Decimal  # mid-market: presentment units per settlement unit (settlement is worked out at it)
    settlement_subtotal: Money
    settlement_shipping: Money
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
    return Pricer(presentment, pricer.rates, pricer.overrides)


def settle(
    cart: PricedCart, shipping: Money, settlement_currency: str, rate: Decimal
) -> tuple[Money, Money, Money, tuple[int, ...]]:
    """Settlement subtotal, shipping and total at `rate`; line shares by largest remainder add up."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    total = cart.subtotal + shipping
    settlement_total = money(total.amount / rate, settlement_currency)
    settlement_shipping = money(shipping.amount / rate, settlement_currency)
    settlement_subtotal = settlement_total - settlement_shipping
    weights = [to_minor(line.total) for line in cart.lines]
    lines = (
        tuple(allocate(to_minor(settlement_subtotal), weights))
        if sum(weights) > 0
        else tuple(0 for _ in weights)
    )
    return settlement_subtotal, settlement_shipping, settlement_total, lines


def shown_rate(
    applied: Decimal, pricer: Pricer, cart: PricedCart, options: tuple[ShippingOption, ...]
) -> Decimal:
    """The applied rate with enough digits to reproduce every converted amount from it: the unit
    prices (those not fixed by a price list) under the market's rounding, and the shipping prices."""
    market = pricer.presentment.market.code
    converted = [
        from_minor(line.variant.price_minor, line.variant.currency).amount
        for line in cart.lines
        if (line.variant.id, market) not in pricer.overrides
    ]
    for_prices = disclosed_rate(applied, converted, pricer.currency, pricer.price_rule)
    for_shipping = disclosed_rate(applied, [o.method.price.amount for o in options], pricer.currency)
    # The longer of the two is the closer to the applied rate, so it serves both.
    return max(for_prices, for_shipping, key=lambda r: len(r.as_tuple().digits))


def quote_version(quote_parts: tuple[object, ...]) -> str:
    return hashlib.sha256(repr(quote_parts).encode()).hexdigest()[:24]


def calculate_checkout(data: CheckoutInput) -> CheckoutQuote:
    """Price a cart for a destination and shipping method: everything the shopper pays, in one place."""
    pricer = charge_pricer(data.pricer, data.settlement_currency, data.max_rate_age_hours, data.now)
    currency = pricer.currency
    cart = price_cart(data.catalog, data.quantities, data.stock, pricer, data.settlement_currency)
    options = tuple(
        ShippingOption(method, pricer.convert(method.price, rounding=False))
        for method in methods_for(data.shipping_rates, data.country, cart.base_subtotal)
    )
    chosen = data.shipping_method or DEFAULT_METHOD
    option = next((o for o in options if o.method.code == chosen), None)
    shipping = option.price if option else zero(currency)
    rate = pricer.rates.cross(data.settlement_currency, currency)
    s_subtotal, s_shipping, s_total, line_settlements = settle(cart, shipping, data.settlement_currency, rate)
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
    total = cart.subtotal + shipping
    version = quote_version(
        (
            data.country,
            currency,
            tuple((line.sku, line.quantity, to_minor(line.unit_price)) for line in cart.lines),
            option.method.code if option else None,
            to_minor(shipping),
            to_minor(total),
            data.settlement_currency,
            to_minor(s_total),
            str(rate),
        )
    )
    return CheckoutQuote(
        country=data.country,
        cart=cart,
        missing_lines=len(data.quantities) - len(cart.lines),
        options=options,
        method=option.method if option else None,
        shipping=shipping,
        total=total,
        rate=rate,
        settlement_subtotal=s_subtotal,
        settlement_shipping=s_shipping,
        settlement_total=s_total,
        line_settlements=line_settlements,
        fx=fx,
        pricer=pricer,
        version=version,
    )
