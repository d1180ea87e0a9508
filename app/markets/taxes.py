"""Which tax the shown prices hold in a destination (the pricing model, see README "Prices and tax").

The merchant enters prices including the shop country's VAT (PRICES_INCLUDE_TAX, default) or net.
A tax-inclusive market shows each destination's gross price, where the shop charges that tax at
checkout itself (a registration such as OSS, UK_VAT or AU_GST); `one_gross_price` keeps the entered
gross price across the market instead. Elsewhere (tax-exclusive markets such as US and CA, or tax
paid on import) prices are net, and checkout adds what is due or estimates it.
"""

from __future__ import annotations

from datetime import date

from app.core.settings import Settings
from app.fx.rules import RateTable
from app.markets.rules import Presentment, PriceTaxes
from app.tax.data import tax_tables
from app.tax.display import display_rate, home_rate
from app.tax.model import PRODUCT_TAX_CLASSES


def price_taxes(settings: Settings, presentment: Presentment, rates: RateTable, on: date) -> PriceTaxes:
    """The taxes in this shopper's prices on `on` (the shop's own country when it is unknown)."""
    market = presentment.market
    key = (
        settings.shop_country,
        presentment.country or settings.shop_country,
        market.tax_inclusive,
        market.one_gross_price,
        market.incoterm,
        settings.prices_include_tax,
        settings.tax_registrations,
        rates.version,
        on,
    )
    found = _MEMO.get(key)
    if found is None:
        if len(_MEMO) > 4096:
            _MEMO.clear()
        found = _MEMO[key] = _price_taxes(*key[:6], frozenset(settings.tax_registrations), rates, on)
    return found


_MEMO: dict[tuple[object, ...], PriceTaxes] = {}  # per destination and day: asked on every request


def _price_taxes(
    shop_country: str,
    country: str,
    tax_inclusive: bool,
    one_gross_price: bool,
    incoterm: str,
    entered_gross: bool,
    registrations: frozenset[str],
    rates: RateTable,
    on: date,
) -> PriceTaxes:
    tables = tax_tables()
    home = {c: home_rate(tables, shop_country, c, on) for c in PRODUCT_TAX_CLASSES} if entered_gross else {}
    included = {}
    if tax_inclusive:
        for tax_class in PRODUCT_TAX_CLASSES:
            rate = display_rate(
                tables,
                rates,
                shop_country=shop_country,
                destination=country,
                tax_class=tax_class,
                registrations=registrations,
                incoterm=incoterm,
                on=on,
            )
            if rate is not None:
                included[tax_class] = rate
    return PriceTaxes(home=home, included=included, one_gross_price=one_gross_price)
