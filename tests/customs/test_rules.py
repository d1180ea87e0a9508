"""Pure customs rules: the registration transmitted for each tax regime, and problems of one order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.checkout.landed import shipment_kind
from app.customs.model import Shipment
from app.customs.rules import (
    SCHEME_OF_RULE,
    ChargeFacts,
    LineFacts,
    OrderFacts,
    SenderFacts,
    declare,
    form_for,
    hs_digits,
    net_values,
    vat_number_valid,
)
from app.tax.model import QuoteError
from app.tax.rules import REGIMES, REGISTRATIONS
from tests.builders import rate_table
from tests.unit.test_tax_builders import line, quote, shipment

# A destination for each regime of the tax engine (REGIMES is keyed by regime, EU by its members).
DESTINATION_OF_REGIME = {"EU": "FR"}
REGIONS = {"CA": "ON"}
# Registrations that no carrier transmits: OSS is intra-EU (no customs), and Canada's GST
# registration changes nothing at the border for goods shipped from abroad.
NOT_TRANSMITTED = {"OSS", "CA_GST"}


def _checkout_rules(destination: str, registrations: tuple[str, ...]) -> set[str]:
    """Rule prefixes of the tax lines collected at checkout on a small DDP B2C parcel."""
    ship = shipment(
        destination,
        [line("40.00"), line("45.00", hs="691200", origin="DE")],
        registrations=registrations,
        region=REGIONS.get(destination),
        incoterm="DDP",
        kind=shipment_kind(destination, frozenset(registrations)),  # China: CBEC with CN_CBEC only
    )
    try:
        result = quote(ship)
    except QuoteError as error:  # e.g. UK below GBP 135 without UK_VAT: refused, nothing collected
        assert error.code in {"registration_required", "kind_not_available"}, error.code
        return set()
    return {c.rule.split(":", 1)[0] for c in result.charges if c.collected == "checkout"}


def test_every_scheme_rule_of_the_tax_engine_maps_to_its_registration() -> None:
    found: dict[str, str] = {}
    for regime in REGIMES:
        destination = DESTINATION_OF_REGIME.get(regime, regime)
        without = _checkout_rules(destination, ())
        for registration in REGISTRATIONS:
            # The rules a registration brings in are the ones collected under that seller scheme.
            for rule in _checkout_rules(destination, (registration,)) - without:
                found[rule] = registration
    transmitted = {r: s for r, s in found.items() if s not in NOT_TRANSMITTED}
    assert transmitted, found
    assert {rule: SCHEME_OF_RULE.get(rule) for rule in transmitted} == transmitted
    # and nothing in the mapping is a rule name the engine never produces
    assert set(SCHEME_OF_RULE) == set(transmitted)
    assert set(SCHEME_OF_RULE.values()) == set(REGISTRATIONS) - NOT_TRANSMITTED


SENDER = SenderFacts(
    name="Storefront",
    address={"street_address": "Heidestraße 17", "postal_code": "51147", "city": "Köln"},
    country="DE",
    phone="+49 221 123456",
    email="shipping@storefront.invalid",
    eori="DE123456789012345",
    vat_number="DE136695976",
    registrations=frozenset({"UK_VAT", "VOEC"}),
    tax_numbers={"UK_VAT": "GB980780684", "VOEC": "2024001"},
)
RATES = rate_table({"GBP": "0.9", "NOK": "12", "USD": "1.25", "XDR": "0.8"})


def facts(sku: str = "MG-001", **changes: object) -> LineFacts:
    base = LineFacts(
        sku=sku,
        name="Stoneware mug",
        customs_description="",
        english_name="Stoneware mug",
        local_name="",
        hs_code="691200",
        origin_country="DE",
        weight_grams=400,
        quantity=2,
        unit_price_minor=1299,
        line_total_minor=2598,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def uk_order(
    *lines: LineFacts, subtotal: int = 2598, rule: str = "GB_LOW_VALUE:VAT:GB:standard"
) -> OrderFacts:
    return OrderFacts(
        number="T-1",
        status="paid",
        created_at=date(2026, 12, 1),
        email="gb@example.com",
        currency="GBP",
        incoterm="DDP",
        shipping_method="standard",
        country="GB",
        address={
            "name": "Ada Lovelace",
            "street_address": "1 Main St",
            "postal_code": "SW1A 1AA",
            "city": "London",
        },
        subtotal_minor=subtotal,
        shipping_minor=1578,
        lines=lines or (facts(),),
        charges=(ChargeFacts(rule, "tax", "checkout"),),
    )


def texts(result: Shipment | list) -> list[str]:
    assert isinstance(result, list), result
    return [p.text() for p in result]


def test_a_uk_low_value_ddp_order_transmits_the_uk_vat_number() -> None:
    result = declare(uk_order(), SENDER, RATES, Decimal("1.2"))
    assert isinstance(result, Shipment)
    assert (result.registration and result.registration.scheme, result.form) == ("UK_VAT", "CN22")
    assert result.registration.number == "GB980780684"


def test_voec_limit_is_per_item_so_a_consignment_over_nok_3000_keeps_its_number() -> None:
    order = replace(
        uk_order(facts(unit_price_minor=200000, line_total_minor=400000), subtotal=400000),
        currency="NOK",
        country="NO",
        charges=(ChargeFacts("NO_VOEC:VAT:NO:standard", "tax", "checkout"),),
    )
    result = declare(order, SENDER, RATES, Decimal("1.2"))
    assert isinstance(result, Shipment) and result.registration
    assert (result.registration.scheme, result.registration.number) == ("VOEC", "2024001")


def test_each_problem_is_listed_with_its_exact_message() -> None:
    order = uk_order(
        facts("NH-001", hs_code=""),
        facts("WL-001", weight_grams=0),
        facts("XX-001", origin_country="??"),
        facts("HS-001", hs_code="69.12"),
    )
    assert texts(declare(order, SENDER, RATES, Decimal("1.2"))) == [
        "NH-001: No HS code.",
        "WL-001: Zero weight.",
        "XX-001: Unknown country of origin.",
        "HS-001: HS code 69.12 is not 6 to 10 digits.",
    ]


def test_us_needs_the_products_ten_digit_national_number_not_another_tariffs() -> None:
    order = replace(uk_order(), country="US", currency="USD", charges=())
    assert (hs_digits("US"), hs_digits("CH"), hs_digits("JP"), hs_digits("FR")) == (10, 8, 9, 6)
    # A 10-digit EU TARIC code is no US number: only the frozen US tariff number counts.
    taric = replace(order, lines=(facts(hs_code="6912002390"),))
    assert texts(declare(taric, SENDER, RATES, Decimal("1.2"))) == [
        "MG-001: No 10-digit tariff number for US (national tariff numbers)."
    ]
    other = replace(order, lines=(facts(tariff_code="6911104100"),))
    assert texts(declare(other, SENDER, RATES, Decimal("1.2"))) == [
        "MG-001: Tariff number 6911104100 for US does not start with HS code 691200."
    ]
    right = declare(replace(order, lines=(facts(tariff_code="6912.00.4810"),)), SENDER, RATES, Decimal("1.2"))
    assert isinstance(right, Shipment) and right.lines[0].hs_code == "6912004810"
    # Six digits elsewhere, whatever the stored code holds beyond them.
    fr = declare(replace(taric, country="FR", currency="EUR"), SENDER, RATES, Decimal("1.2"))
    assert isinstance(fr, Shipment) and fr.lines[0].hs_code == "691200"


def test_an_invalid_uk_vat_number_keeps_the_order_out() -> None:
    sender = replace(SENDER, tax_numbers={"UK_VAT": "GB123456789"})
    assert texts(declare(uk_order(), sender, RATES, Decimal("1.2"))) == [
        "The UK_VAT number GB123456789 is not valid."
    ]


def test_a_missing_uk_vat_number_keeps_the_order_out() -> None:
    sender = replace(SENDER, tax_numbers={})
    assert texts(declare(uk_order(), sender, RATES, Decimal("1.2"))) == [
        "No UK_VAT number is configured (TAX_REGISTRATION_NUMBERS)."
    ]


def test_uk_low_value_above_135_pounds_is_not_declared_under_the_uk_vat_number() -> None:
    order = uk_order(facts(quantity=1, unit_price_minor=13501, line_total_minor=13501), subtotal=13501)
    assert texts(declare(order, SENDER, RATES, Decimal("1.2"))) == [
        "Goods worth 135.01 GBP are above the UK_VAT limit of 135 GBP."
    ]
    at_limit = uk_order(facts(quantity=1, unit_price_minor=13500, line_total_minor=13500), subtotal=13500)
    assert isinstance(declare(at_limit, SENDER, RATES, Decimal("1.2")), Shipment)


def test_dap_orders_transmit_no_registration() -> None:
    result = declare(replace(uk_order(), incoterm="DAP"), SENDER, RATES, Decimal("1.2"))
    assert isinstance(result, Shipment) and result.registration is None


@pytest.mark.parametrize(
    ("kind", "sdr", "kg", "form"),
    [
        ("courier", "10", "0.5", "COMMERCIAL_INVOICE"),
        ("postal", "299.99", "2", "CN22"),
        ("postal", "300", "0.5", "CN23"),
        ("postal", "10", "2.001", "CN23"),
    ],
)
def test_form_by_service_value_and_weight(kind: str, sdr: str, kg: str, form: str) -> None:
    assert form_for(kind, Decimal(sdr), Decimal(kg)) == form


def test_eu_ioss_transmits_the_ioss_number_up_to_150_euros() -> None:
    sender = replace(SENDER, tax_numbers={"IOSS": "IM2760000742"})

    def fr(total: int) -> OrderFacts:
        return replace(
            uk_order(facts(quantity=1, unit_price_minor=total, line_total_minor=total), subtotal=total),
            currency="EUR",
            country="FR",
            charges=(ChargeFacts("EU_IOSS:VAT:FR:standard", "tax", "checkout"),),
        )

    result = declare(fr(15000), sender, RATES, Decimal("1.2"))
    assert isinstance(result, Shipment) and result.registration
    assert (result.registration.scheme, result.registration.number) == ("IOSS", "IM2760000742")
    assert texts(declare(fr(15001), sender, RATES, Decimal("1.2"))) == [
        "Goods worth 150.01 EUR are above the IOSS limit of 150 EUR."
    ]


def vat_charge(description: str, rate: str, amount: int) -> ChargeFacts:
    return ChargeFacts("GB_LOW_VALUE:VAT:GB:standard", "tax", "checkout", amount, True, rate, description)


def test_declared_values_leave_out_the_vat_included_in_the_prices() -> None:
    # GBP 25.98 of mugs and 15.78 shipping, 20 % UK VAT inside them: 6.96 (as the checkout stored).
    order = replace(uk_order(), charges=(vat_charge("MG-001", "20", 696),))
    assert net_values(order) == ([2165], 1315)  # 2598 / 1.2; 1578 - (696 - 433)
    result = declare(order, SENDER, RATES, Decimal("1.2"))
    assert isinstance(result, Shipment)
    assert (str(result.goods_value.amount), str(result.shipping_cost.amount)) == ("21.65", "13.15")
    assert (str(result.lines[0].unit_value.amount), str(result.lines[0].total_value.amount)) == (
        "10.83",
        "21.65",
    )
    # The UK limit is on the net value: GBP 162 gross is GBP 135 net, within it.
    at_limit = uk_order(facts(quantity=1, unit_price_minor=16200, line_total_minor=16200), subtotal=16200)
    at_limit = replace(at_limit, charges=(vat_charge("MG-001", "20", 2700 + 263),))
    assert isinstance(declare(at_limit, SENDER, RATES, Decimal("1.2")), Shipment)


def test_each_line_is_divided_by_its_own_rate_and_uncovered_lines_stay_as_they_are() -> None:
    book = facts("BK-001", customs_description="Printed book", line_total_minor=1050, quantity=1)
    mug = facts()
    uncovered = facts("CT-001", line_total_minor=5000, quantity=1)
    order = replace(
        uk_order(book, mug, uncovered),
        charges=(vat_charge("Printed book", "5", 50), vat_charge("MG-001", "20", 433 + 263)),
    )
    assert net_values(order) == ([1000, 2165, 5000], 1315)


def test_tax_taken_off_the_prices_reduces_lines_and_shipping_in_proportion() -> None:
    removed = ChargeFacts("PRICES_NET_ON_IMPORT", "removed", "checkout", 696)
    order = replace(uk_order(), charges=(removed,))
    lines, shipping = net_values(order)
    assert lines == [2165] and lines[0] + shipping == 2598 + 1578 - 696


def test_prices_without_tax_inside_are_declared_as_paid() -> None:
    order = replace(uk_order(), charges=(ChargeFacts("IMPORT-VAT:JP:standard", "tax", "checkout", 300),))
    assert net_values(order) == ([2598], 1578)


@pytest.mark.parametrize(
    ("country", "number", "valid"),
    [
        ("DE", "DE136695976", True),
        ("DE", "GB980780684", False),  # a UK number for a German shop
        ("GB", "GB980780684", True),
        ("GB", "DE136695976", False),
        ("CH", "CHE-116.281.710 MWST", True),
        ("NO", "NO 995 525 828 MVA", True),
        ("GR", "EL094259216", True),
        ("FR", "", False),
    ],
)
def test_the_shops_vat_number_is_checked_by_its_countrys_rules(
    country: str, number: str, valid: bool
) -> None:
    assert vat_number_valid(country, number) is valid


def test_a_packaging_weight_is_added_once_to_the_gross_weight() -> None:
    result = declare(uk_order(), replace(SENDER, packaging_grams=120), RATES, Decimal("1.2"))
    assert isinstance(result, Shipment)
    assert (str(result.net_weight_kg), str(result.gross_weight_kg)) == ("0.800", "0.920")


def test_china_cbec_transmits_the_customs_registration_code() -> None:
    sender = replace(SENDER, tax_numbers={"CN_CBEC": "3105W6007A"})
    order = replace(
        uk_order(facts(tariff_code="6912001000")),
        currency="CNY",
        country="CN",
        charges=(ChargeFacts("CN_CBEC:VAT:CN:standard", "tax", "checkout", 236),),
    )
    result = declare(order, sender, rate_table({"CNY": "7.8", "XDR": "0.8"}), Decimal("1.2"))
    assert isinstance(result, Shipment) and result.registration
    assert (result.registration.scheme, result.registration.number) == ("CN_CBEC", "3105W6007A")
    assert result.lines[0].hs_code == "6912001000"
