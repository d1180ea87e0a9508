"""Pure market logic: which market a shopper is in, and what a variant costs there."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from moneyed import Money, get_currency

from app.core.money import from_minor, money, precision, quantize_charge, to_minor
from app.fx.rules import RateTable, Rounding, apply_markup, round_price


@dataclass(frozen=True)
class Market:
    code: str
    countries: frozenset[str]
    currency: str
    locale: str
    tax_inclusive: bool
    rounding: Rounding
    fx_markup_percent: Decimal
    country_currencies: Mapping[str, str] = field(default_factory=dict)
    # Who pays import charges where a regime leaves it open: "DDP" (collected at checkout) or "DAP"
    # (the shopper pays the carrier on delivery; checkout shows an estimate).
    incoterm: str = "DAP"
    # Tax-inclusive markets only: one gross price in every country of the market (the entered price;
    # the merchant absorbs rate differences) instead of each destination's own gross price.
    one_gross_price: bool = False

    def currency_for(self, country: str | None) -> str:
        return self.country_currencies.get(country or "", self.currency)


@dataclass(frozen=True)
class MarketSet:
    markets: Mapping[str, Market]
    default: str
    base_currency: str

    def for_country(self, country: str | None) -> Market:
        for market in self.markets.values():
            if country and country in market.countries:
                return market
        return self.markets[self.default]

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(
            c for m in self.markets.values() for c in (m.currency, *m.country_currencies.values())
        ) | {self.base_currency}


def _incoterm(market: str, value: object) -> str:
    if value not in ("DDP", "DAP"):
        raise ValueError(f"market {market}: incoterm must be DDP or DAP, not {value!r}")
    return str(value)


def parse_markets(data: Mapping[str, Any]) -> MarketSet:
    markets = {
        code: Market(
            code=code,
            countries=frozenset(entry.get("countries", [])),
            currency=entry["currency"],
            locale=entry["locale"],
            tax_inclusive=bool(entry["tax_inclusive"]),
            rounding=Rounding.parse(entry["rounding"]),
            fx_markup_percent=Decimal(entry.get("fx_markup_percent", "0")),
            country_currencies=dict(entry.get("country_currencies", {})),
            incoterm=_incoterm(code, entry.get("incoterm", "DAP")),
            one_gross_price=bool(entry.get("one_gross_price", False)),
        )
        for code, entry in data["markets"].items()
    }
    claimed: dict[str, str] = {}
    for market in markets.values():
        for country in market.countries:
            if country in claimed:
                raise ValueError(f"{country} is in both {claimed[country]} and {market.code}")
            claimed[country] = market.code
    if data["default_market"] not in markets:
        raise ValueError("default_market names no market")
    return MarketSet(markets, data["default_market"], data["base_currency"])


@dataclass(frozen=True)
class Presentment:
    """Where the shopper is pricing from: a country (maybe unknown), its market, and a currency."""

    country: str | None
    market: Market
    currency: str
    currency_chosen: bool = False  # the shopper picked the currency (else it follows the country)
    # The currency the shopper would see if its rate were not too old to sell at (then: the base).
    stale_currency: str | None = None

    @property
    def uses_market_currency(self) -> bool:
        return self.currency == self.market.currency_for(self.country)


def sellable_presentment(presentment: Presentment, fresh: Iterable[str], base_currency: str) -> Presentment:
    """One stale-rate policy for pages, cart, API and checkout: a currency whose rate is older than
    the limit is not offered; prices fall back to the base currency, and the shopper is told why."""
    if presentment.currency == base_currency or presentment.currency in fresh:
        return presentment
    return replace(
        presentment, currency=base_currency, currency_chosen=False, stale_currency=presentment.currency
    )


def resolve_presentment(
    markets: MarketSet,
    *,
    chosen_country: str | None,
    chosen_currency: str | None,
    region_hint: str | None,
    available: Iterable[str],
) -> Presentment:
    """An explicit country/currency choice wins, then the region of the shopper's language, then the default.

    The URL locale plays no part: a German reader in Switzerland sees /de/ in CHF.
    """
    available = set(available)
    country = chosen_country or region_hint
    market = markets.for_country(country)
    currency = market.currency_for(country)
    chosen = bool(chosen_currency and chosen_currency in available)
    if chosen:
        currency = chosen_currency  # type: ignore[assignment]
    if currency not in available:
        currency = markets.base_currency
    return Presentment(country, market, currency, chosen)


# Converted prices are a pure function of these inputs, so they are memoised across requests:
# a listing re-rendered after a cache miss costs dictionary lookups, not Decimal arithmetic.
_CONVERTED: dict[tuple[Any, ...], dict[tuple[str, int, Decimal], Money]] = {}
_CONVERTED_MAX = 100_000  # prices per (rates, currency, markup, rule)
_MINOR = Rounding("minor")


def forget_conversions() -> None:
    """Empty the memo (benchmarks measure the cold path with it)."""
    for memo in _CONVERTED.values():
        memo.clear()
    _CONVERTED.clear()


HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PriceTaxes:
    """What prices hold in one destination: entered price -> net -> shown price.

    `home`: per product tax class, the shop country's rate (percent) that entered prices include
    (empty when the merchant enters net prices). `included`: per tax class, the destination's rate
    that shown prices include, where the seller charges that tax at checkout; a class missing
    there is shown net (tax-exclusive markets, or destination tax paid on import). Shipping rates
    are net. `one_gross_price`: the entered gross price is shown as is wherever tax is included.
    """

    home: Mapping[str, Decimal] = field(default_factory=dict)
    included: Mapping[str, Decimal] = field(default_factory=dict)
    one_gross_price: bool = False

    def factor(self, tax_class: str) -> Decimal:
        """Shown price = entered price x factor (before conversion and rounding)."""
        home = self.home.get(tax_class, Decimal(0))
        rate = self.included.get(tax_class)
        if rate is None:
            return HUNDRED / (HUNDRED + home)
        if self.one_gross_price and self.home:
            return Decimal(1)
        return (HUNDRED + rate) / (HUNDRED + home)

    @property
    def shipping_factor(self) -> Decimal:
        return (HUNDRED + self.included.get("standard", Decimal(0))) / HUNDRED

    @property
    def includes_tax(self) -> bool:
        return bool(self.included)


NO_TAXES = PriceTaxes()  # entered prices shown as entered


class Pricer:
    """Prices in the shopper's currency: a fixed market price when the merchant set one, else
    base price -> convert -> markup -> the market's rounding. Decimal all the way.

    What this returns is exactly what is charged.
    """

    def __init__(
        self,
        presentment: Presentment,
        rates: RateTable,
        overrides: Mapping[tuple[int, str], tuple[int, str]] | None = None,
        taxes: PriceTaxes = NO_TAXES,
    ) -> None:
        self.presentment = presentment
        self.rates = rates
        self.overrides = overrides or {}
        self.taxes = taxes
        self._tax_factors: dict[str, Decimal] = {}
        market = presentment.market
        self._price_rule = market.rounding if presentment.uses_market_currency else _MINOR
        self.currency = presentment.currency  # an attribute, not a property: read per conversion
        self._currency_object = get_currency(presentment.currency)  # Money() skips the lookup
        self._factors: dict[str, Decimal] = {}
        if len(_CONVERTED) > 256:  # old rate tables: let their memos go
            forget_conversions()
        self._memos = {
            rule: _CONVERTED.setdefault(
                (rates.version, presentment.currency, market.fx_markup_percent, rule), {}
            )
            for rule in {self._price_rule, _MINOR}
        }
        self._has_overrides = any(code == market.code for _, code in self.overrides)

    def price(self, variant_id: int, base_minor: int, base_currency: str, *, tax_class: str) -> Money:
        if self._has_overrides:
            fixed = self.overrides.get((variant_id, self.presentment.market.code))
            if fixed is not None and fixed[1] == self.currency:
                # A price list is charged as is, on the currency's charge unit (no HUF fillér).
                return Money(quantize_charge(from_minor(*fixed).amount, self.currency), self._currency_object)
        return self._convert_minor(base_minor, base_currency, self._price_rule, self.tax_factor(tax_class))

    def tax_factor(self, tax_class: str) -> Decimal:
        factor = self._tax_factors.get(tax_class)
        if factor is None:
            factor = self._tax_factors[tax_class] = self.taxes.factor(tax_class)
        return factor

    def shipping(self, net: Money) -> Money:
        """A shipping rate (net, in the shop currency) as charged here: with the destination tax
        where prices include it, converted, to the minor unit."""
        return self._convert_minor(to_minor(net), net.currency.code, _MINOR, self.taxes.shipping_factor)

    def from_price(self, product: Any) -> Money:
        """A product's lowest price (the "from" price in listings).

        Conversion and rounding never reorder prices, so without price lists only the cheapest
        base price needs converting.
        """
        if not self._has_overrides:
            cheapest = product.cheapest
            factor = self.tax_factor(product.tax_class)
            return self._convert_minor(cheapest.price_minor, cheapest.currency, self._price_rule, factor)
        return min(
            (
                self.price(v.id, v.price_minor, v.currency, tax_class=product.tax_class)
                for v in product.variants
            ),
            key=lambda m: m.amount,
        )

    def convert(self, amount: Money, *, rounding: bool) -> Money:
        """Convert an amount in another currency; `rounding` applies the market's price rule
        (prices), otherwise just the minor unit (shipping, fees)."""
        rule = self._price_rule if rounding else _MINOR
        return self._convert_minor(to_minor(amount), amount.currency.code, rule)

    @property
    def price_rule(self) -> Rounding:
        """The rounding rule prices get here (the market's, or the minor unit in another currency)."""
        return self._price_rule

    def applied_rate(self, source_currency: str) -> Decimal:
        """Units of the shopper's currency per unit of `source_currency` that prices are converted
        at: the cross rate times (1 + the market's FX markup). The rate to disclose at checkout
        (see `app.fx.rules.disclosed_rate`); unscaled, unlike the per-minor-unit `_factors`."""
        if source_currency == self.currency:
            return Decimal(1)
        rate = self.rates.cross(source_currency, self.currency)
        return apply_markup(rate, self.presentment.market.fx_markup_percent)

    def _convert_minor(
        self, minor: int, source: str, rule: Rounding, tax_factor: Decimal = Decimal(1)
    ) -> Money:
        if source == self.currency and tax_factor == 1:
            return from_minor(minor, source)
        memo = self._memos[rule]
        key = (source, minor, tax_factor)
        found = memo.get(key)
        if found is None:
            factor = self._factors.get(source)
            if factor is None:  # rate, markup and the source's minor unit in one multiplier
                factor = self._factors[source] = self.applied_rate(source).scaleb(-precision(source))
            converted = minor * factor * tax_factor
            found = Money(round_price(converted, self.currency, rule), self._currency_object)
            if len(memo) >= _CONVERTED_MAX:
                memo.clear()
            memo[key] = found
        return found


def settlement_amount(presentment: Money, rate: Decimal, settlement_currency: str) -> Money:
    """Presentment -> settlement at a stored rate (presentment units per settlement unit)."""
    return money(presentment.amount / rate, settlement_currency)
