"""UK, NO, CH, AU, NZ, SG, CA, US, JP, KR, CN worked by hand from ../shared/reference/crossborder-rules.md.

Rates: PER_EUR in test_tax_builders (GBP 0.9, NOK 12, AUD 1.6, CAD 1.6 ... per EUR).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.tax.model import QuoteError
from tests.unit.test_tax_builders import line, quote, shipment

D = Decimal


def codes(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {w.code for w in result.warnings}


# ---------------------------------------------------------------- United Kingdom (§2a, §2c, §3)


def test_uk_at_135_pounds_vat_at_checkout_no_duty() -> None:
    # EUR 150 = GBP 135.00 exactly: point-of-sale VAT 20 % x (135 + 9 delivery) = 28.80
    result = quote(shipment("GB", [line("150.00")], registrations=["UK_VAT"]))
    assert (result.regime, result.currency) == ("GB_LOW_VALUE", "GBP")
    assert (result.tax_total, result.duty_total, result.collected) == (D("28.80"), 0, "checkout")


def test_uk_just_over_135_pounds_duty_and_import_vat_on_delivery() -> None:
    # EUR 150.01 = GBP 135.009 -> 135.01; CIF 144.01; duty 12 % = 17.28; VAT 20 % x 161.29 = 32.26
    result = quote(shipment("GB", [line("150.01")], registrations=["UK_VAT"]))
    assert result.regime == "GB_IMPORT"
    assert (result.duty_total, result.tax_total) == (D("17.28"), D("32.26"))
    assert (result.collected, result.incoterm) == ("delivery", "DAP")


def test_uk_below_135_without_registration_is_an_error() -> None:
    with pytest.raises(QuoteError) as error:
        quote(shipment("GB", [line("149.99")]))
    assert error.value.code == "registration_required"
    assert error.value.params["registration"] == "UK_VAT"


def test_uk_eu_origin_with_origin_statement_pays_no_duty() -> None:
    goods = [line("300.00", origin="DE")]
    result = quote(shipment("GB", goods, ship_from="DE", proof_of_origin=True))
    assert result.duty_total == 0  # TCA preference (§2c)
    assert result.tax_total == D("55.80")  # 20 % x (270 + 9)


def test_uk_gift_up_to_39_pounds() -> None:
    assert quote(shipment("GB", [line("43.33")], kind="gift_C2C")).collected == "none"  # GBP 38.997


# ---------------------------------------------------------------- Norway (§2a, §3)


@pytest.mark.parametrize(
    ("value", "regime", "tax", "duty"),
    [
        # EUR 249.99 = NOK 2999.88 < 3000: VOEC, 25 % x (2999.88 + 120) = 779.97 -> NOK 780
        ("249.99", "NO_VOEC", "780.00", "0"),
        # EUR 250 = NOK 3000.00, not below 3000: import. duty 10.7 % x 3120 = 333.84 -> 334;
        # VAT 25 % x (3120 + 334) = 863.50 -> 864 (whole kroner, as in the official example)
        ("250.00", "NO_IMPORT", "864.00", "334.00"),
    ],
)
def test_norway_voec_item_limit(value: str, regime: str, tax: str, duty: str) -> None:
    result = quote(shipment("NO", [line(value)], registrations=["VOEC"]))
    assert (result.regime, result.tax_total, result.duty_total) == (regime, D(tax), D(duty))


def test_norway_mixed_consignment_splits_voec_and_import() -> None:
    result = quote(
        shipment(
            "NO",
            [line("100.00"), line("300.00", hs="610990", description="wool T-shirt")],
            registrations=["VOEC"],
        )
    )
    assert result.regime == "NO_VOEC_MIXED"
    assert {c.collected for c in result.taxes} == {"checkout", "delivery"}
    assert result.collected == "delivery"


def test_norway_food_under_voec_at_15_percent() -> None:
    result = quote(
        shipment("NO", [line("50.00", hs="2106", tax_class="food")], shipping="0", registrations=["VOEC"])
    )
    assert result.tax_total == D("90.00")  # 15 % x NOK 600


# ---------------------------------------------------------------- Switzerland (§2a, §3)


@pytest.mark.parametrize(
    ("goods", "vat"),
    [
        ("51.73", "0.00"),  # 8.1 % x (51.73 + 10) = 5.0001 -> 5.00: "up to CHF 5" not levied
        ("51.80", "5.01"),  # 8.1 % x 61.80 = 5.0058 -> 5.01: levied
    ],
)
def test_switzerland_small_amount_rule(goods: str, vat: str) -> None:
    result = quote(shipment("CH", [line(goods)], currency="CHF"))
    assert result.tax_total == D(vat)
    assert result.duty_total == 0  # industrial goods duty-free since 2024


def test_switzerland_small_amount_rule_for_a_euro_price() -> None:
    # EUR 54.45 = CHF 51.7275 -> 51.73; shipping EUR 10 = CHF 9.50; 8.1 % x 61.23 = 4.96: not levied
    assert quote(shipment("CH", [line("54.45")])).tax_total == 0


def test_switzerland_registered_mail_order_seller_charges_vat_at_checkout() -> None:
    result = quote(shipment("CH", registrations=["CH_VAT"]))
    assert (result.tax_total, result.collected) == (D("8.46"), "checkout")  # 8.1 % x (95 + 9.50)


def test_switzerland_agricultural_goods_need_a_duty() -> None:
    with pytest.raises(QuoteError) as error:
        quote(shipment("CH", [line(hs="0406")]))
    assert error.value.code == "duty_rate_unknown"


def test_switzerland_agricultural_goods_with_an_estimated_rate_are_quoted_as_estimates() -> None:
    """Roasted coffee (0901): data/tax/duties.toml holds an UNVERIFIED ad-valorem stand-in for the
    weight-based duty, so the quote goes ahead and says it is an estimate."""
    result = quote(shipment("CH", [line(hs="090121")]))
    (duty,) = result.duties
    assert duty.estimate and result.estimate and duty.rule.startswith("DUTY:CH:")


# ---------------------------------------------------------------- Australia, New Zealand, Singapore


@pytest.mark.parametrize(
    ("value", "regime", "gst", "duty", "collected"),
    [
        ("625.00", "AU_LVG", "101.60", "0", "checkout"),  # A$1000.00: 10 % x (1000 + 16)
        # A$1000.02: duty 5 % x FOB 1000.02 = 50.00; GST 10 % x (1000.02 + 50 + 16) = 106.60
        ("625.01", "AU_IMPORT", "106.60", "50.00", "delivery"),
    ],
)
def test_australia_a1000_per_item(value: str, regime: str, gst: str, duty: str, collected: str) -> None:
    result = quote(shipment("AU", [line(value)], registrations=["AU_GST"]))
    assert result.tax_total == D(gst)
    assert result.duty_total == D(duty)
    assert result.collected == collected


def test_australia_unregistered_low_value_no_gst_but_a_warning() -> None:
    result = quote(shipment("AU"))
    assert result.collected == "none"
    assert "registration_check" in codes(result)


def test_new_zealand_registered_gst() -> None:
    assert quote(shipment("NZ", registrations=["NZ_GST"])).tax_total == D("33.00")  # 15 % x (200 + 20)


@pytest.mark.parametrize(("goods", "gst"), [("390.00", "0"), ("390.01", "36.00")])
def test_singapore_relief_up_to_400_without_ovr(goods: str, gst: str) -> None:
    # S$390 + S$10 = S$400 CIF: relief; S$400.01: 9 % x 400.01 = 36.0009 -> 36.00
    assert quote(shipment("SG", [line(goods)], currency="SGD")).tax_total == D(gst)


def test_singapore_ovr_gst_at_checkout() -> None:
    assert quote(shipment("SG", registrations=["SG_OVR"])).tax_total == D("14.85")  # 9 % x (150 + 15)


# ---------------------------------------------------------------- Canada (§1c, §2a)


@pytest.mark.parametrize(
    ("value", "duty", "tax"),
    [
        ("12.50", "0", "0"),  # C$20.00: within the C$20 courier threshold
        # C$20.02: duty 18 % = 3.60; HST 13 % x (20.02 + 3.60) = 3.07
        ("12.51", "3.60", "3.07"),
    ],
)
def test_canada_courier_from_overseas(value: str, duty: str, tax: str) -> None:
    result = quote(shipment("CA", [line(value)], region="ON", channel="courier"))
    assert (result.duty_total, result.tax_total) == (D(duty), D(tax))


def test_canada_courier_from_the_us_taxes_over_40_duty_over_150() -> None:
    result = quote(
        shipment("CA", [line("62.50", origin="US")], ship_from="US", region="ON", channel="courier")
    )
    assert (result.duty_total, result.tax_total) == (0, D("13.00"))  # HST 13 % x C$100


def test_canada_quebec_qst_is_an_estimate() -> None:
    result = quote(shipment("CA", [line("62.50")], region="QC", channel="post"))
    federal, provincial = sorted(result.taxes, key=lambda c: c.params["tax"])
    assert (federal.rate, federal.estimate) == (D(5), federal.estimate)
    assert (provincial.rate, provincial.estimate) == (D("9.975"), True)
    assert "ca_pst_unverified" in codes(result)


def test_canada_lines_with_the_same_description_keep_their_own_duty() -> None:
    # C$160 and C$40: duty 18 % = 28.80 and 7.20; HST 13 % x 188.80 = 24.54 and 13 % x 47.20 = 6.14
    goods = [line("100.00", description="shirt"), line("25.00", description="shirt")]
    result = quote(shipment("CA", goods, region="ON", channel="courier"))
    assert sorted(c.amount for c in result.taxes) == [D("6.14"), D("24.54")]


def test_canada_needs_a_province() -> None:
    with pytest.raises(QuoteError) as error:
        quote(shipment("CA"))
    assert error.value.code == "region_required"


# ---------------------------------------------------------------- United States (§2d)


def _us(on: str, **kwargs):  # type: ignore[no-untyped-def]
    goods = kwargs.pop("goods", [line("100.00", origin="IN")])
    return quote(shipment("US", goods, currency="USD", shipping="20.00", on=on, **kwargs))


def test_us_de_minimis_until_28_august_2025() -> None:
    result = _us("2025-08-28")
    assert (result.regime, result.collected) == ("US_DE_MINIMIS", "none")


def test_us_duty_on_every_parcel_from_29_august_2025_on_fob_value() -> None:
    # duty 16.5 % x 100 (freight excluded, 19 CFR 152.102(f)) + MPF $2.69
    result = _us("2025-10-01")
    assert result.regime == "US_DUTY"
    assert (result.duty_total, result.fees_total, result.tax_total) == (D("16.50"), D("2.69"), 0)


def test_us_section_122_surcharge_window() -> None:
    assert _us("2026-02-24").duty_total == D("26.50")  # + 10 % x 100
    after = _us("2026-07-24")
    assert after.duty_total == D("16.50")
    assert "us_layers_unverified" in codes(after) and after.estimate


def test_us_gift_formal_entry_and_sales_tax() -> None:
    assert _us("2026-01-15", kind="gift_C2C").duty_total == 0
    with pytest.raises(QuoteError) as error:
        _us("2026-01-15", goods=[line("2500.01", origin="IN")])
    assert error.value.code == "over_limit"
    taxed = _us("2026-01-15", registrations=["US_SALES_TAX:NY"], region="NY")
    assert taxed.tax_total == D("4.80")  # NY state 4 % x (100 + 20), at checkout
    assert taxed.taxes[0].collected == "checkout"
    assert _us("2026-01-15", registrations=["US_SALES_TAX:NY"], region="NJ").tax_total == 0


def test_us_duty_table_gap_is_an_error() -> None:
    with pytest.raises(QuoteError) as error:
        _us("2026-01-15", goods=[line(hs="9503", origin="IN")])
    assert error.value.code == "duty_rate_unknown"


# ---------------------------------------------------------------- Japan, Korea, China


@pytest.mark.parametrize(("goods", "duty", "tax"), [("9000", "0", "0"), ("9001", "500", "1050")])
def test_japan_10000_yen_rule(goods: str, duty: str, tax: str) -> None:
    # CIF 9001 + 1000 = 10001: duty 5 % = 500.05 -> 500; tax 10 % x 10501 = 1050
    result = quote(shipment("JP", [line(goods, hs="9503")], currency="JPY", shipping="1000"))
    assert (result.duty_total, result.tax_total) == (D(duty), D(tax))


def test_japan_personal_use_valued_at_60_percent() -> None:
    # 60 % x 15000 + 1000 freight = 10000: exempt
    result = quote(
        shipment("JP", [line("15000", hs="9503")], currency="JPY", shipping="1000", kind="personal_use")
    )
    assert result.collected == "none"
    assert "jp_sixty_percent" in codes(result)


@pytest.mark.parametrize(
    ("ship_from", "usd", "taxed"), [("CN", "150.00", False), ("CN", "150.01", True), ("US", "200.00", False)]
)
def test_korea_list_clearance(ship_from: str, usd: str, taxed: bool) -> None:
    result = quote(shipment("KR", [line(usd)], currency="USD", ship_from=ship_from))
    assert (result.tax_total > 0) is taxed


def test_china_cbec_70_percent_vat_up_to_5000() -> None:
    # (4990 + 10) x 13 % x 70 % = 455.00, withheld at checkout
    result = quote(shipment("CN", [line("4990.00")], currency="CNY", kind="CBEC"))
    assert (result.tax_total, result.collected, result.incoterm) == (D("455.00"), "checkout", "DDP")


def test_china_cbec_over_5000() -> None:
    two = [line("3000.00"), line("2000.01", hs="6110")]
    with pytest.raises(QuoteError) as error:
        quote(shipment("CN", two, currency="CNY", kind="CBEC"))
    assert error.value.code == "over_limit"
    # one indivisible item: full duty 10 % x 5010.01 = 501.00 and VAT 13 % x 5511.01 = 716.43
    single = quote(shipment("CN", [line("5000.01", duty_rate="10")], currency="CNY", kind="CBEC"))
    assert (single.duty_total, single.tax_total) == (D("501.00"), D("716.43"))


def test_china_other_kinds_not_available() -> None:
    with pytest.raises(QuoteError) as error:
        quote(shipment("CN"))
    assert error.value.code == "kind_not_available"
