"""Builders for the landed-cost tests (shipments, lines, fixed FX rates), and a check of the builders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from app.tax.data import tax_tables
from app.tax.model import LandedCostQuote, QuoteLine, Shipment
from app.tax.rules import quote_landed_cost

TODAY = date(2026, 11, 25)

# Units per EUR, chosen so thresholds convert to round numbers (USD 187.50 = EUR 150 exactly).
PER_EUR = {
    "EUR": Decimal("1"),
    "USD": Decimal("1.25"),
    "GBP": Decimal("0.9"),
    "CHF": Decimal("0.95"),
    "NOK": Decimal("12"),
    "AUD": Decimal("1.6"),
    "NZD": Decimal("2"),
    "SGD": Decimal("1.5"),
    "CAD": Decimal("1.6"),
    "JPY": Decimal("160"),
    "KRW": Decimal("1500"),
    "CNY": Decimal("8"),
    "PLN": Decimal("4"),
    "RON": Decimal("5"),
    "SEK": Decimal("11"),
    "CZK": Decimal("25"),
    "HUF": Decimal("400"),
    "DKK": Decimal("7.5"),
    "BGN": Decimal("1.95583"),
}


class FixedRates:
    """The FxRates protocol over PER_EUR."""

    def __init__(self, per_eur: dict[str, Decimal] | None = None) -> None:
        self.per_eur = per_eur or PER_EUR

    def cross(self, source: str, target: str) -> Decimal:
        return self.per_eur[target] / self.per_eur[source]


def line(
    value: str = "100.00",
    *,
    hs: str | None = "610910",
    origin: str = "CN",
    quantity: int = 1,
    tax_class: str = "standard",
    description: str = "cotton T-shirt",
    duty_rate: str | None = None,
) -> QuoteLine:
    return QuoteLine(
        description=description,
        hs_code=hs,
        origin=origin,
        unit_value=Decimal(value),
        quantity=quantity,
        weight_kg=Decimal("0.2"),
        tax_class=tax_class,
        duty_rate=Decimal(duty_rate) if duty_rate is not None else None,
    )


def shipment(
    destination: str,
    lines: Iterable[QuoteLine] | None = None,
    *,
    on: str | None = "2026-07-15",
    ship_from: str = "CN",
    currency: str = "EUR",
    shipping: str = "10.00",
    included: bool = False,
    registrations: Iterable[str] = (),
    kind: str = "B2C_sale",
    channel: str | None = None,
    region: str | None = None,
    incoterm: str | None = None,
    proof_of_origin: bool = False,
) -> Shipment:
    return Shipment(
        ship_from=ship_from,
        destination=destination,
        currency=currency,
        lines=tuple(lines) if lines is not None else (line(),),
        date=date.fromisoformat(on) if on else None,
        destination_region=region,
        seller_registrations=frozenset(registrations),
        shipment_kind=kind,
        channel=channel,
        shipping_charged=Decimal(shipping),
        shipping_included_in_price=included,
        incoterm=incoterm,
        proof_of_origin=proof_of_origin,
    )


def quote(ship: Shipment, rates: FixedRates | None = None) -> LandedCostQuote:
    return quote_landed_cost(ship, tax_tables(), rates or FixedRates(), TODAY)


def test_builders_make_a_plain_quote() -> None:
    result = quote(shipment("DE", registrations=["IOSS"]))
    assert result.currency == "EUR"
    assert result.goods == Decimal("100.00")
