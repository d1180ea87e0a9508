"""Tax-inclusive prices (VAT extracted from the gross price, never added on top), net_required where
the goods are imported instead, and the display rate of a market."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.core.money import quantize_charge
from app.tax.contract import quote_to_json, shipment_from_json
from app.tax.data import tax_tables
from app.tax.display import _display_rate, display_rate, home_rate
from app.tax.model import LandedCostQuote, QuoteError, Shipment
from tests.unit.test_tax_builders import FixedRates, line, quote, shipment

ON = date(2026, 11, 25)
RATES = FixedRates()  # one object: display_rate memoises by the rates' identity


def gross(ship: Shipment) -> Shipment:
    return replace(ship, prices_include_tax=True)


def only_tax(result: LandedCostQuote) -> tuple[Decimal, Decimal, bool]:
    (tax,) = result.taxes
    return tax.amount, tax.base, tax.included


# ---------------------------------------------------------------- extraction


def test_oss_sale_extracts_the_destination_vat_from_the_gross_price() -> None:
    result = quote(
        gross(shipment("FR", [line("120.00")], ship_from="DE", shipping="0", registrations=["OSS"]))
    )
    assert result.regime == "EU_OSS"
    assert only_tax(result) == (Decimal("20.00"), Decimal("100.00"), True)
    assert result.taxes[0].rate == Decimal(20)
    assert result.total_now == Decimal("120.00")
    assert result.tax_total == Decimal("20.00")  # still counted
    assert result.collected == "checkout" and not result.net_required


def test_domestic_sale_extracts_19_percent() -> None:
    result = quote(gross(shipment("DE", [line("119.00")], ship_from="DE", shipping="0")))
    assert result.regime == "EU_DOMESTIC"
    assert only_tax(result) == (Decimal("19.00"), Decimal("100.00"), True)
    assert result.total_now == Decimal("119.00")


def test_gross_shipping_is_part_of_the_extracted_base() -> None:
    result = quote(
        gross(shipment("FR", [line("100.00")], ship_from="DE", shipping="20.00", registrations=["OSS"]))
    )
    assert only_tax(result) == (Decimal("20.00"), Decimal("100.00"), True)
    assert result.goods + result.shipping == result.total_now == Decimal("120.00")


def test_net_prices_are_unchanged() -> None:
    result = quote(shipment("FR", [line("100.00")], ship_from="DE", shipping="0", registrations=["OSS"]))
    assert only_tax(result) == (Decimal("20.00"), Decimal("100.00"), False)
    assert result.total_now == Decimal("120.00") and not result.net_required


@pytest.mark.parametrize(
    ("destination", "tax_class", "price", "vat", "net"),
    [
        ("FR", "books", "105.50", "5.50", "100.00"),  # FR reduced_low 5.5 %
        ("DE", "food", "107.00", "7.00", "100.00"),  # DE reduced 7 %
        ("DE", "books", "10.70", "0.70", "10.00"),
    ],
)
def test_reduced_rate_lines_extract_their_own_rate(
    destination: str, tax_class: str, price: str, vat: str, net: str
) -> None:
    ship = shipment(
        destination, [line(price, tax_class=tax_class)], ship_from="DE", shipping="0", registrations=["OSS"]
    )
    result = quote(gross(ship))
    assert only_tax(result) == (Decimal(vat), Decimal(net), True)
    assert result.total_now == Decimal(price)


def test_mixed_basket_extracts_per_line() -> None:
    lines = [line("119.00", description="shirt"), line("21.40", tax_class="food", description="tea")]
    result = quote(gross(shipment("DE", lines, ship_from="DE", shipping="0")))
    amounts = sorted((t.amount, t.base) for t in result.taxes)
    assert amounts == [(Decimal("1.40"), Decimal("20.00")), (Decimal("19.00"), Decimal("100.00"))]
    assert result.total_now == Decimal("140.40") and result.tax_total == Decimal("20.40")


def test_uk_low_value_is_included_but_over_135_needs_net_values() -> None:
    low = quote(
        gross(shipment("GB", [line("120.00")], currency="GBP", shipping="0", registrations=["UK_VAT"]))
    )
    assert low.regime == "GB_LOW_VALUE" and not low.net_required
    assert only_tax(low) == (Decimal("20.00"), Decimal("100.00"), True)
    assert low.total_now == Decimal("120.00")

    basket = [line("100.00", description="coat"), line("60.00", description="scarf")]
    high = quote(gross(shipment("GB", basket, currency="GBP", shipping="0", registrations=["UK_VAT"])))
    assert high.regime == "GB_IMPORT"
    assert high.net_required
    assert not any(c.included for c in high.charges)


def test_net_required_where_goods_are_imported_or_exempt() -> None:
    imported = quote(gross(shipment("DE", [line("200.00")], registrations=["IOSS"])))  # over EUR 150
    assert imported.regime == "EU_IMPORT" and imported.net_required
    us = quote(gross(shipment("US", [line("50.00")], currency="USD", ship_from="DE")))
    assert us.net_required
    # AU: the cheap item is taxed at checkout (included), the dear one imported
    mixed = quote(
        gross(
            shipment(
                "AU",
                [line("100.00", description="shirt"), line("1500.00", description="drone", duty_rate="0")],
                currency="AUD",
                registrations=["AU_GST"],
            )
        )
    )
    assert mixed.net_required and any(c.included for c in mixed.taxes)
    assert not quote(shipment("DE", [line("200.00")], registrations=["IOSS"])).net_required


def test_swiss_mail_order_duty_is_on_the_net_value() -> None:
    ship = shipment(
        "CH",
        [line("108.10", duty_rate="10")],
        currency="CHF",
        ship_from="DE",
        shipping="0",
        registrations=["CH_VAT"],
    )
    result = quote(gross(ship))
    (duty,) = result.duties
    assert duty.base == Decimal("100.00") and duty.amount == Decimal("10.00")
    assert only_tax(result) == (Decimal("8.10"), Decimal("100.00"), True)
    assert result.total_now == Decimal("118.10") and not result.net_required


def test_json_contract_carries_the_flags() -> None:
    body = {
        "ship_from": "DE",
        "destination": "FR",
        "currency": "EUR",
        "date": "2026-07-15",
        "seller_registrations": ["OSS"],
        "prices_include_tax": True,
        "lines": [{"description": "shirt", "origin": "DE", "unit_value": "120.00"}],
    }
    answer = quote_to_json(quote(shipment_from_json(body)))
    assert answer["taxes"][0]["included"] is True and answer["taxes"][0]["amount"] == "20.00"
    assert answer["total_now"] == "120.00" and answer["net_required"] is False
    json.dumps(answer)
    plain = shipment_from_json({k: v for k, v in body.items() if k != "prices_include_tax"})
    assert plain.prices_include_tax is False
    with pytest.raises(QuoteError):
        shipment_from_json({**body, "prices_include_tax": "yes"})


# ---------------------------------------------------------------- properties

SCENARIOS = [
    ("FR", "DE", ("OSS",), "EUR"),
    ("AT", "DE", (), "EUR"),
    ("DE", "DE", (), "EUR"),
    ("DE", "CN", ("IOSS",), "EUR"),
    ("GB", "CN", ("UK_VAT",), "GBP"),
    ("NO", "CN", ("VOEC",), "NOK"),
    ("CH", "DE", ("CH_VAT",), "CHF"),
    ("AU", "CN", ("AU_GST",), "AUD"),
    ("SG", "CN", ("SG_OVR",), "EUR"),
    ("US", "CN", (), "USD"),
]
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900"), places=2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(SCENARIOS),
    values=st.lists(money, min_size=1, max_size=3),
    classes=st.lists(st.sampled_from(["standard", "books", "food", "zero"]), min_size=3, max_size=3),
    shipping=st.decimals(min_value=Decimal(0), max_value=Decimal(30), places=2),
)
def test_inclusive_totals_add_up(
    scenario: tuple[str, str, tuple[str, ...], str],
    values: list[Decimal],
    classes: list[str],
    shipping: Decimal,
) -> None:
    destination, origin, registrations, currency = scenario
    lines = [
        line(str(v), tax_class=c, description=f"item {i}", duty_rate="5")
        for i, (v, c) in enumerate(zip(values, classes, strict=False))
    ]
    ship = shipment(
        destination,
        lines,
        ship_from=origin,
        currency=currency,
        shipping=str(shipping),
        registrations=registrations,
    )
    try:
        result = quote(gross(ship))
    except QuoteError:
        assume(False)
        return
    added = sum(
        (c.amount for c in result.charges if c.collected == "checkout" and not c.included), Decimal(0)
    )
    assert result.total_now == result.goods + result.shipping + added
    included = [c for c in result.charges if c.included]
    assert all(c.kind == "tax" and c.collected == "checkout" and c.amount >= 0 for c in included)
    for charge in included:  # VAT + net == gross, at the line's rate
        assert charge.rate is not None
        line_gross = charge.base + charge.amount
        assert charge.amount == quantize_charge(
            line_gross * charge.rate / (100 + charge.rate), result.currency
        )
    if not result.net_required:  # every line covered: the gross prices are exactly net + VAT
        assert sum((c.base + c.amount for c in included), Decimal(0)) == result.goods + result.shipping
    assert result.tax_total == sum((c.amount for c in result.taxes), Decimal(0))


# ---------------------------------------------------------------- display rate


def rate_of(
    destination: str, tax_class: str = "standard", registrations: tuple[str, ...] = (), **kw: object
) -> object:
    return display_rate(
        tax_tables(),
        RATES,
        shop_country=str(kw.get("shop_country", "DE")),
        destination=destination,
        tax_class=tax_class,
        registrations=frozenset(registrations),
        incoterm=kw.get("incoterm", "DAP"),  # type: ignore[arg-type]
        on=ON,
    )


def test_display_rate_of_eu_sales() -> None:
    assert rate_of("FR", registrations=("OSS",)) == Decimal(20)
    assert rate_of("DE") == Decimal(19)
    assert rate_of("FR", "books", registrations=("OSS",)) == Decimal("5.5")
    assert rate_of("FR") == Decimal(19)  # below the OSS threshold: the origin's VAT


def test_display_rate_none_without_checkout_tax() -> None:
    assert rate_of("US") is None
    assert rate_of("GB") is None  # no UK_VAT registration: the engine refuses
    assert rate_of("GB", registrations=("UK_VAT",)) == Decimal(20)
    assert rate_of("UK", registrations=("UK_VAT",)) == Decimal(20)
    assert rate_of("CA") is None
    assert rate_of("XX") is None
    assert rate_of("AU") is None and rate_of("AU", registrations=("AU_GST",)) == Decimal(10)


def test_display_rate_of_imports_and_zero_rates() -> None:
    # from outside the EU: IOSS VAT is on the sale price, so prices can hold it; import VAT, even
    # paid by the shop at checkout (DDP), is on the customs value, so prices are net there
    assert rate_of("FR", registrations=("IOSS",), shop_country="CN") == Decimal(20)
    assert rate_of("FR", shop_country="CN", incoterm="DDP") is None
    assert rate_of("FR", shop_country="CN") is None
    assert rate_of("CH", registrations=("CH_VAT",)) == Decimal("8.1")
    assert rate_of("IE", "books", registrations=("OSS",)) == Decimal(0)  # zero-rated, still at checkout


def test_display_rate_is_memoised() -> None:
    first = rate_of("FR", registrations=("OSS",))
    hits = _display_rate.cache_info().hits
    assert rate_of("FR", registrations=("OSS",)) is first
    assert _display_rate.cache_info().hits == hits + 1
    other = display_rate(  # other (equal) rates: another key, the same answer
        tax_tables(),
        FixedRates(),
        shop_country="DE",
        destination="FR",
        tax_class="standard",
        registrations=["OSS"],
        incoterm="DAP",
        on=ON,
    )
    assert other == first


def test_home_rate() -> None:
    tables = tax_tables()
    assert home_rate(tables, "DE", "standard", ON) == Decimal(19)
    assert home_rate(tables, "DE", "books", ON) == Decimal(7)
    assert home_rate(tables, "FR", "books", ON) == Decimal("5.5")
    with pytest.raises(QuoteError):
        home_rate(tables, "US", "standard", ON)
