"""EU landed cost worked by hand from the rules in ../shared/reference/crossborder-rules.md §2b and §3.

Rates: PER_EUR in test_tax_builders (USD 1.25 per EUR, so USD 187.50 is exactly the EUR 150 limit).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.fx.rules import Rate, make_table
from app.tax.data import tax_tables
from app.tax.model import QuoteError
from app.tax.rules import quote_landed_cost
from tests.unit.test_tax_builders import PER_EUR, TODAY, line, quote, shipment

D = Decimal


def amounts(lines: tuple) -> list[Decimal]:  # type: ignore[type-arg]
    return [c.amount for c in lines]


# ---------------------------------------------------------------- IOSS and the EUR 3 duty (§2b.1-3, §2b.6)


def test_ioss_after_1_july_2026_vat_and_flat_duty_at_checkout() -> None:
    # §2b.3: VAT = 19 % x (100 + 10 delivery) = 20.90; §2b.6: 1 item x EUR 3, paid by the declarant
    result = quote(shipment("DE", registrations=["IOSS"], on="2026-07-15"))
    assert result.regime == "EU_IOSS"
    assert amounts(result.taxes) == [D("20.90")]
    assert amounts(result.duties) == [D("3.00")]
    assert result.duties[0].rule == "EU_FLAT_DUTY"
    assert (result.collected, result.incoterm) == ("checkout", "DDP")
    assert result.total_now == D("133.90")
    assert result.due_on_delivery == 0
    assert "S11" in result.duties[0].source
    assert result.taxes[0].explanation.startswith("EU IOSS: goods up to %(threshold)s")
    assert result.taxes[0].params["threshold"] == "EUR 150"
    assert result.taxes[0].params["rate"] == "19%"


def test_ioss_on_30_june_2026_duty_relief_no_flat_duty() -> None:
    result = quote(shipment("DE", registrations=["IOSS"], on="2026-06-30"))
    assert result.duties == ()
    assert result.total_now == D("130.90")


def test_without_ioss_vat_on_goods_transport_and_duty_payable_on_delivery() -> None:
    # §3 EU row: (CIF + D) x t = (100 + 10 + 3) x 19 % = 21.47; due on delivery 21.47 + 3
    result = quote(shipment("DE", on="2026-07-15"))
    assert result.regime == "EU_LOW_VALUE_IMPORT"
    assert amounts(result.taxes) == [D("21.47")]
    assert result.due_on_delivery == D("24.47")
    assert (result.collected, result.incoterm) == ("delivery", "DAP")
    assert result.total_now == D("110.00")
    assert "carrier_fee" in {w.code for w in result.warnings}


def test_without_ioss_before_july_2026_only_vat() -> None:
    result = quote(shipment("DE", on="2026-06-30"))
    assert amounts(result.taxes) == [D("20.90")]
    assert result.duties == ()


@pytest.mark.parametrize(
    ("usd", "regime", "vat", "duty"),
    [
        # USD 187.49 = EUR 149.992 -> 149.99; VAT (149.99 + 10) x 19 % = 30.3981 -> 30.40; EUR 3
        ("187.49", "EU_IOSS", "30.40", "3.00"),
        # exactly EUR 150: still IOSS ("up to EUR 150"); VAT (150 + 10) x 19 % = 30.40
        ("187.50", "EU_IOSS", "30.40", "3.00"),
        # USD 187.51 = EUR 150.008: normal import. CIF 150.01 + 10 = 160.01; duty 12 % = 19.20;
        # VAT (160.01 + 19.20) x 19 % = 34.0499 -> 34.05
        ("187.51", "EU_IMPORT", "34.05", "19.20"),
    ],
)
def test_ioss_threshold_compared_in_euro_for_a_dollar_price(
    usd: str, regime: str, vat: str, duty: str
) -> None:
    result = quote(shipment("DE", [line(usd)], currency="USD", shipping="12.50", registrations=["IOSS"]))
    assert result.regime == regime
    assert result.tax_total == D(vat)
    assert result.duty_total == D(duty)


def test_intrinsic_value_excludes_separate_shipping_but_not_an_inclusive_price() -> None:
    # §2b.2: "EUR 155 incl. delivery" fails the EUR 150 test; "EUR 140 + EUR 15 delivery" passes
    inclusive = quote(shipment("DE", [line("155.00")], shipping="0", included=True, registrations=["IOSS"]))
    separate = quote(shipment("DE", [line("140.00")], shipping="15.00", registrations=["IOSS"]))
    assert inclusive.regime == "EU_IMPORT"
    assert separate.regime == "EU_IOSS"
    assert separate.tax_total == D("29.45")  # (140 + 15) x 19 %


def test_flat_duty_counts_distinct_tariff_lines() -> None:
    # §2b.6, Council example: 1 silk blouse + 2 wool blouses = 2 items = EUR 6
    blouses = [
        line("40.00", hs="620610", description="silk blouse"),
        line("30.00", hs="620620", description="wool blouse", quantity=2),
    ]
    assert quote(shipment("FR", blouses, registrations=["IOSS"])).duty_total == D("6.00")
    # DHL example: pen + book + hat = EUR 9
    parcel = [
        line("5.00", hs="960810"),
        line("12.00", hs="490199", tax_class="books"),
        line("20.00", hs="650500"),
    ]
    assert quote(shipment("FR", parcel, registrations=["IOSS"])).duty_total == D("9.00")


def test_flat_duty_needs_hs_codes_after_july_2026_but_not_before() -> None:
    no_hs = [line(hs=None)]
    with pytest.raises(QuoteError) as error:
        quote(shipment("DE", no_hs, registrations=["IOSS"], on="2026-07-01"))
    assert error.value.code == "hs_code_required"
    assert quote(shipment("DE", no_hs, registrations=["IOSS"], on="2026-06-30")).tax_total == D("20.90")


def test_quote_in_a_non_euro_member_state_currency() -> None:
    # PL: EUR 100 = PLN 400, shipping PLN 40; VAT 23 % x 440 = 101.20; EUR 3 = PLN 12
    result = quote(shipment("PL", registrations=["IOSS"]))
    assert (result.currency, result.goods, result.shipping) == ("PLN", D("400.00"), D("40.00"))
    assert (result.tax_total, result.duty_total) == (D("101.20"), D("12.00"))


def test_spain_charges_the_standard_rate_without_ioss() -> None:
    # §2b.4 / S23: special arrangements at the standard rate: 21 % x (12 + 0 + 3)
    result = quote(shipment("ES", [line("12.00", hs="490199", tax_class="books")], shipping="0"))
    assert result.taxes[0].rate == D(21)
    assert result.tax_total == D("3.15")


# ---------------------------------------------------------------- over EUR 150 (§2b.5) and preference


def test_over_150_duty_on_cif_and_vat_on_cif_plus_duty() -> None:
    # CIF 200 + 10 = 210; duty 12 % = 25.20; VAT 19 % x 235.20 = 44.688 -> 44.69
    result = quote(shipment("DE", [line("200.00")], registrations=["IOSS"]))
    assert (result.duty_total, result.tax_total) == (D("25.20"), D("44.69"))
    assert result.estimate is True  # the 12 % tariff rate is UNVERIFIED (§6.10)
    assert {"ioss_over_limit", "estimate"} <= {w.code for w in result.warnings}


def test_ddp_moves_import_charges_to_checkout_without_changing_them() -> None:
    dap = quote(shipment("DE", [line("200.00")]))
    ddp = quote(shipment("DE", [line("200.00")], incoterm="DDP"))
    assert (ddp.collected, ddp.incoterm, ddp.due_on_delivery) == ("checkout", "DDP", 0)
    assert ddp.total_now == dap.total_now + dap.due_on_delivery
    assert (ddp.goods, ddp.tax_total, ddp.duty_total) == (dap.goods, dap.tax_total, dap.duty_total)


def test_uk_origin_goods_get_the_tca_rate_only_with_proof_of_origin() -> None:
    goods = [line("200.00", origin="GB")]
    without = quote(shipment("DE", goods, ship_from="GB"))
    with_proof = quote(shipment("DE", goods, ship_from="GB", proof_of_origin=True))
    assert without.duty_total == D("25.20")
    assert "preference_needs_proof" in {w.code for w in without.warnings}
    assert with_proof.duty_total == 0
    assert with_proof.duties[0].rule == "DUTY:EU:EU_UK_TCA"


def test_line_duty_rate_overrides_the_table() -> None:
    result = quote(shipment("DE", [line("200.00", duty_rate="4.5")]))
    assert result.duty_total == D("9.45")  # 4.5 % x 210
    assert result.duties[0].estimate is False


# ---------------------------------------------------------------- gifts (§2b.6, S26) and Germany's EUR 1 rule


def test_gift_between_private_persons_up_to_45_is_free() -> None:
    assert quote(shipment("IE", [line("45.00")], kind="gift_C2C")).collected == "none"


def test_gift_over_45_pays_vat_and_from_july_2026_the_normal_duty() -> None:
    before = quote(shipment("IE", [line("45.01")], shipping="0", kind="gift_C2C", on="2026-06-30"))
    after = quote(shipment("IE", [line("45.01")], shipping="0", kind="gift_C2C", on="2026-07-01"))
    assert (before.duty_total, before.tax_total) == (0, D("10.35"))  # 23 % x 45.01 = 10.3523
    assert after.duty_total == D("5.40")  # CCT 12 % x 45.01, not the B2C flat EUR 3


def test_germany_does_not_levy_import_taxes_under_one_euro() -> None:
    # §2b.8: 19 % x 4.00 = 0.76 < EUR 1: not levied; 19 % x 5.27 = 1.0013 -> 1.00: levied
    small = quote(shipment("DE", [line("4.00")], shipping="0", on="2026-06-30"))
    assert small.tax_total == 0 and small.collected == "none"
    assert "DE_MIN_IMPORT_TAX" in small.taxes[0].rule
    assert quote(shipment("DE", [line("5.27")], shipping="0", on="2026-06-30")).tax_total == D("1.00")


# ---------------------------------------------------------------- intra-EU: OSS (not in the reference: X-OSS)


def test_intra_eu_origin_vat_below_the_threshold_destination_vat_with_oss() -> None:
    origin = quote(shipment("FR", [line(origin="DE")], ship_from="DE"))
    oss = quote(shipment("FR", [line(origin="DE")], ship_from="DE", registrations=["OSS"]))
    assert (origin.regime, origin.tax_total) == ("EU_ORIGIN_VAT", D("20.90"))  # DE 19 % x 110
    assert (oss.regime, oss.tax_total) == ("EU_OSS", D("22.00"))  # FR 20 % x 110
    assert origin.duties == () and oss.collected == "checkout"


@pytest.mark.parametrize(("on", "vat"), [("2025-06-30", "22.00"), ("2025-07-01", "24.00")])
def test_estonia_rate_change_on_1_july_2025(on: str, vat: str) -> None:
    result = quote(
        shipment("EE", [line(origin="DE")], ship_from="DE", shipping="0", registrations=["OSS"], on=on)
    )
    assert result.tax_total == D(vat)


def test_french_parcel_charge_is_a_warning_not_a_charge() -> None:
    result = quote(shipment("FR", registrations=["IOSS"], on="2026-03-01"))
    assert "addon:FR_TPC" in {w.code for w in result.warnings}
    assert result.fees == ()
    (warning,) = [w for w in result.warnings if w.code == "addon:FR_TPC"]
    assert (warning.message % warning.params).startswith("FR_TPC: EUR 2 per item may be owed")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("ship", "code"),
    [
        (shipment("BR"), "unknown_destination"),
        (shipment("DE", [line("200.00", hs=None)]), "hs_code_required"),
        (shipment("DE", kind="CBEC"), "kind_not_available"),
        (shipment("DE", [line(tax_class="luxury")]), "unknown_tax_class"),
        (shipment("DE", registrations=["IOSS", "MOSS"]), "invalid_input"),
        (shipment("DE", [line("-1")]), "invalid_input"),
        (shipment("DE", []), "no_lines"),
        (shipment("DE", currency="XYZ"), "fx_rate_missing"),
    ],
)
def test_clear_errors(ship, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuoteError) as error:
        quote(ship)
    assert error.value.code == code
    assert error.value.message  # a gettext msgid


# ---------------------------------------------------------------- dates and FX tables


def test_no_date_means_today() -> None:
    # TODAY is 2026-11-25: the EUR 3 duty applies and the reported EU handling fee is flagged
    result = quote(shipment("DE", registrations=["IOSS"], on=None))
    assert result.date == TODAY
    assert result.duty_total == D("3.00")
    assert "addon:EU_HANDLING_FEE" in {w.code for w in result.warnings}


def test_bulgaria_quotes_in_euro_from_2026() -> None:
    before = quote(shipment("BG", registrations=["IOSS"], on="2025-12-31"))
    after = quote(shipment("BG", registrations=["IOSS"], on="2026-01-01"))
    assert (before.currency, after.currency) == ("BGN", "EUR")
    assert before.goods == D("195.58")  # EUR 100 x 1.95583


def test_the_app_fx_rate_table_can_be_passed_in() -> None:
    rates = [
        Rate(code, per_eur, "test", date(2026, 7, 14), datetime(2026, 7, 14, tzinfo=UTC))
        for code, per_eur in PER_EUR.items()
    ]
    result = quote_landed_cost(
        shipment("PL", registrations=["IOSS"]), tax_tables(), make_table("EUR", rates), TODAY
    )
    assert result.tax_total == D("101.20")
