"""Landed cost in the one checkout calculation: tax-inclusive prices are charged as shown, tax is
extracted from them; imported baskets lose the tax the prices held and pay import charges; DDP
collects at checkout, DAP estimates for delivery (pure, over the real data files)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.checkout.calculations import CheckoutQuote
from app.checkout.fetch import tax_setup
from app.checkout.landed import NO_RULES
from app.core.money import quantize_charge
from app.core.settings import get_settings
from app.markets.rules import Pricer, PriceTaxes
from app.markets.taxes import price_taxes
from tests.builders import pricer_in, rate_table
from tests.unit.test_checkout_calculations import PRODUCTS, quote_for

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
RATES = {
    "JPY": "160",
    "USD": "1.10",
    "GBP": "0.864371",
    "CAD": "1.52",
    "AUD": "1.70",
    "NZD": "1.90",
    "CHF": "0.94",
    "NOK": "11.70",
    "SEK": "11.10",
}


def quote(
    quantities: list[tuple[int, int]],
    country: str,
    *,
    region: str = "",
    method: str = "standard",
    incoterm: str | None = None,
    one_gross_price: bool = False,
    proof_of_origin: bool = True,
) -> CheckoutQuote:
    table = rate_table(RATES, NOW.date())
    pricer = pricer_in(country, None, table, on=NOW.date())
    if incoterm is not None or one_gross_price:  # the same shopper in a market configured otherwise
        market = replace(
            pricer.presentment.market,
            incoterm=incoterm or pricer.presentment.market.incoterm,
            one_gross_price=one_gross_price,
        )
        presentment = replace(pricer.presentment, market=market)
        taxes = price_taxes(get_settings(), presentment, table, NOW.date())
        pricer = Pricer(presentment, table, None, taxes)
    setup = replace(tax_setup(get_settings(), NOW.date()), proof_of_origin=proof_of_origin)
    return quote_for(quantities, country=country, region=region, method=method, pricer=pricer, setup=setup)


def extracted(gross: Decimal, rate: Decimal, currency: str) -> Decimal:
    """VAT in a tax-inclusive amount: gross x r / (100 + r), half up to the charge unit (whole
    kroner for NOK)."""
    return quantize_charge(gross * rate / (100 + rate), currency)


@pytest.mark.parametrize(
    ("country", "rate"),
    [("DE", "19"), ("FR", "20"), ("AT", "20"), ("GB", "20"), ("AU", "10"), ("NZ", "15"), ("NO", "25")],
)
def test_tax_inclusive_prices_are_charged_exactly_as_shown(country: str, rate: str) -> None:
    """One mug: the shown price holds the destination's VAT/GST, which checkout extracts from the
    goods and the shipping (same rate) instead of adding it."""
    result = quote([(1, 1)], country)
    assert result.taxes.error is None, result.taxes.error
    assert result.total == result.subtotal + result.shipping  # nothing added, nothing taken off
    (vat,) = result.taxes.charges
    assert (vat.kind, vat.included, vat.collected, vat.rate) == ("tax", True, "checkout", Decimal(rate))
    assert vat.amount.amount == extracted(
        result.subtotal.amount + result.shipping.amount, Decimal(rate), result.currency
    )
    assert result.taxes.incoterm == "DDP" and result.taxes.due_on_delivery.amount == 0


def test_each_destination_shows_its_own_gross_price() -> None:
    """EUR 12.50 entered with German VAT (19 %) is EUR 10.50 net: 12.61 with French VAT (20 %)."""
    germany, france = quote([(1, 1)], "DE"), quote([(1, 1)], "FR")
    assert germany.subtotal.amount == Decimal("12.50")
    assert france.subtotal.amount == Decimal("12.61")  # 12.50 / 1.19 x 1.20 = 12.605 -> 12.61
    assert PriceTaxes({"standard": Decimal(19)}, {"standard": Decimal(20)}, True).factor("standard") == 1


def test_one_gross_price_keeps_the_entered_price_and_extracts_the_destination_vat() -> None:
    """With `one_gross_price` the French shopper pays the German price (EUR 12.50 plus shipping),
    and the shop absorbs the higher French VAT extracted from it."""
    result = quote([(1, 1)], "FR", one_gross_price=True)
    assert result.subtotal.amount == Decimal("12.50")
    assert result.total == result.subtotal + result.shipping
    (vat,) = result.taxes.charges
    assert vat.rate == 20 and vat.included
    assert vat.amount.amount == extracted(result.total.amount, Decimal(20), "EUR")


def test_a_uk_basket_over_gbp_135_is_imported_and_still_costs_what_was_shown() -> None:
    """Over GBP 135 the UK's point-of-sale VAT does not apply: the VAT in the prices comes off and
    import VAT is collected at checkout (DDP); EU-origin goods with an origin statement pay no duty."""
    result = quote([(5, 2)], "GB")
    assert result.subtotal.amount > 135
    assert result.taxes.regime == "GB_IMPORT"
    kinds = {c.kind: c for c in result.taxes.lines}
    assert kinds["removed"].amount == result.taxes.removed and result.taxes.removed.amount > 0
    assert kinds["tax"].collected == "checkout" and not kinds["tax"].included
    assert kinds["duty"].amount.amount == 0 and kinds["duty"].rule.endswith("UK_EU_TCA")
    # Import VAT on the net goods (no duty, free shipping) is the VAT the prices held, to the penny.
    assert result.total == result.subtotal + result.shipping - result.taxes.removed + result.taxes.charged_now
    assert abs(result.total.amount - result.subtotal.amount) <= Decimal("0.01")


def test_a_country_without_rules_is_quoted_without_charges_and_says_so() -> None:
    result = quote([(1, 1)], "KW")
    assert result.taxes.charges == () and result.taxes.error is None
    assert result.taxes.incoterm == "DAP" and result.taxes.explanation == NO_RULES
    assert result.total == result.subtotal + result.shipping


def test_ddp_collects_what_dap_estimates_and_the_goods_stay_the_same() -> None:
    """A Japanese basket over the small-amount limit: consumption tax and duty."""
    ddp, dap = quote([(5, 1)], "JP", incoterm="DDP"), quote([(5, 1)], "JP", incoterm="DAP")
    assert ddp.subtotal == dap.subtotal and ddp.shipping == dap.shipping
    assert ddp.taxes.charged_now.amount > 0 and ddp.taxes.due_on_delivery.amount == 0
    assert dap.taxes.charged_now.amount == 0 and dap.taxes.due_on_delivery == ddp.taxes.charged_now
    assert dap.total == dap.subtotal + dap.shipping
    assert ddp.total == ddp.subtotal + ddp.shipping + ddp.taxes.charged_now
    assert ddp.version != dap.version


def test_a_small_japanese_order_owes_nothing_on_import() -> None:
    result = quote([(1, 1)], "JP", incoterm="DDP")
    assert result.taxes.regime == "JP_SMALL_AMOUNT" and result.taxes.charged_now.amount == 0
    assert result.total == result.subtotal + result.shipping


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(PRODUCTS)), st.integers(1, 4)), min_size=1, max_size=4),
    st.sampled_from(["DE", "FR", "GB", "JP", "AU", "NO", "CH", "US", "KW"]),
)
def test_taxes_are_never_negative_and_the_total_is_their_sum(quantities, country) -> None:
    deduped = list(dict(quantities).items())
    result = quote(deduped, country)
    taxes = result.taxes
    assert all(c.amount.amount >= 0 for c in taxes.lines)
    assert result.total == result.subtotal + result.shipping + taxes.charged_now - taxes.removed
    assert quote(list(reversed(deduped)), country).total == result.total  # line order changes nothing
