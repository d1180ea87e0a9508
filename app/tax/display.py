"""Which VAT/GST rate a shown price holds: the display rate of a market and the shop's home rate (pure).

`display_rate(tables, rates, *, shop_country, destination, tax_class, registrations, incoterm, on)`
runs the landed-cost engine on a probe (one line of one unit of the destination's currency, duty
forced to 0, a B2C sale, net prices) and sums the rates of the tax lines collected at checkout: the
percentage a small sale of that tax class carries when the seller charges it at checkout (EU
domestic/OSS/origin VAT, IOSS, UK up to GBP 135, VOEC, AU/NZ/SG vendor GST, Swiss mail order, or
import VAT the shop pays under DDP). None when nothing is collected at checkout (DAP import, no
registration, tax-exclusive markets such as US and CA) or when the engine cannot quote the probe
(QuoteError). A tax line waived by a per-declaration minimum still counts: the minimum depends on
the basket, the rate does not.

`home_rate(tables, country, tax_class, on)`: the domestic VAT rate of a tax class in `country` (the
shop's), by the engine's own class -> rate-key mapping (`charges.resolve_vat_rate`: the standard
rate where the class has no mapping); QuoteError("rate_unknown") where the country has none.

Both are memoised with functools.lru_cache. TaxTables cannot be a cache key by value: it holds a
Mapping (so its generated hash raises TypeError), and hashing thousands of rows on every call would
cost more than the answer. The tables and the rates are immutable and built once per process (per
FX refresh for the rates), so they are keyed by identity (`_Same`); the cache holds them alive, so
an id is never reused for other tables while its entries are cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Generic, TypeVar

from app.tax.charges import resolve_vat_rate
from app.tax.model import FxRates, QuoteError, QuoteLine, Shipment, TaxTables
from app.tax.rules import COUNTRY_ALIASES, quote_landed_cost

T = TypeVar("T")

# The probe's HS code: the EU flat duty counts items by HS subheading, so it needs one; the duty
# itself is the line's duty_rate, 0, so no tariff row is looked up.
PROBE_HS_CODE = "999999"


class _Same(Generic[T]):
    """A cache key that is its value's identity (for unhashable, immutable objects)."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value


def display_rate(
    tables: TaxTables,
    rates: FxRates,
    *,
    shop_country: str,
    destination: str,
    tax_class: str,
    registrations: Iterable[str],
    incoterm: str | None,
    on: date,
) -> Decimal | None:
    """The VAT/GST percentage collected at checkout on a small B2C sale of one item of `tax_class`
    from `shop_country` to `destination` on `on`; None when no tax is collected at checkout."""
    return _display_rate(
        _Same(tables),
        _Same(rates),
        shop_country,
        destination,
        tax_class,
        frozenset(registrations),
        incoterm,
        on,
    )


@lru_cache(maxsize=4096)
def _display_rate(
    tables: _Same[TaxTables],
    rates: _Same[FxRates],
    shop_country: str,
    destination: str,
    tax_class: str,
    registrations: frozenset[str],
    incoterm: str | None,
    on: date,
) -> Decimal | None:
    country = COUNTRY_ALIASES.get(destination, destination)
    found = tables.value.destination(country, on)
    if found is None:
        return None
    probe = Shipment(
        ship_from=shop_country,
        destination=country,
        currency=found.currency,
        lines=(
            QuoteLine(
                description="probe",
                hs_code=PROBE_HS_CODE,
                origin=shop_country,
                unit_value=Decimal(1),
                quantity=1,
                tax_class=tax_class,
                duty_rate=Decimal(0),
            ),
        ),
        date=on,
        seller_registrations=registrations,
        shipment_kind="B2C_sale",
        incoterm=incoterm,
        prices_include_tax=True,
    )
    try:
        quote = quote_landed_cost(probe, tables.value, rates.value, on)
    except QuoteError:
        return None
    # Only tax the seller charges on the sale price can be in a shown price and extracted from it;
    # import VAT, even collected at checkout (DDP), is worked out on the customs value instead.
    included = [c.rate for c in quote.taxes if c.included and c.rate is not None]
    return sum(included, Decimal(0)) if included else None


def home_rate(tables: TaxTables, country: str, tax_class: str, on: date) -> Decimal:
    """The domestic VAT rate of `tax_class` in `country` on `on` (the standard rate where the class
    has no mapping there). Raises QuoteError("rate_unknown") when the country has no such rate."""
    return _home_rate(_Same(tables), COUNTRY_ALIASES.get(country, country), tax_class, on)


@lru_cache(maxsize=1024)
def _home_rate(tables: _Same[TaxTables], country: str, tax_class: str, on: date) -> Decimal:
    resolved, _unmapped = resolve_vat_rate(tables.value, country, tax_class, on)
    return resolved.rate
