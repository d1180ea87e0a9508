"""The one checkout calculation (pure): totals add up, the version names the whole quote, and the
stale-rate decision is made in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog.rules import ProductView, Text, VariantView
from app.catalog.services import build_catalog
from app.checkout.calculations import CheckoutInput, CheckoutQuote, calculate_checkout
from app.checkout.fetch import tax_setup
from app.checkout.landed import TaxSetup
from app.core.money import to_minor
from app.core.settings import get_settings
from app.fx.rules import Rounding, round_price
from app.markets.rules import Pricer
from app.shipping.data import rate_table as shipping_rates
from tests.builders import pricer_in, rate_table

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def product(product_id: int, price_minor: int) -> ProductView:
    variant = VariantView(product_id, f"SKU-{product_id}", (), price_minor, "EUR", 0)
    return ProductView(
        id=product_id,
        code=f"P{product_id}",
        category_id=1,
        position=product_id,
        created_at=NOW,
        texts={"en": Text(f"Product {product_id}", f"p-{product_id}", "")},
        variants=(variant,),
        images=(),
        hs_code="691200",
        origin_country="PT",
        customs_description="mug",
        weight_grams=300,
        dimensions_mm=(100, 100, 100),
        tax_class="standard",
        restrictions=frozenset(),
    )


PRODUCTS = {i: product(i, price) for i, price in enumerate([1250, 999, 4590, 1, 15000], start=1)}
CATALOG = build_catalog(1, {}, PRODUCTS, [])


def quote_for(
    quantities: list[tuple[int, int]],
    *,
    country: str = "DE",
    method: str = "standard",
    currency: str | None = None,
    rates_as_of: datetime = NOW,
    max_age_hours: float = 120,
    region: str = "",
    taxes: bool = True,
    rates: dict[str, str] | None = None,
    pricer: Pricer | None = None,
    setup: TaxSetup | None = None,
) -> CheckoutQuote:
    """The checkout quote at test rates, with the shop's pricing (or a given pricer and tax setup)."""
    table = rate_table(rates or {"JPY": "160", "USD": "1.10", "GBP": "0.864371"}, rates_as_of.date())
    return calculate_checkout(
        CheckoutInput(
            catalog=CATALOG,
            quantities=tuple(quantities),
            stock={},
            pricer=pricer or pricer_in(country, currency, table, taxes=taxes, on=NOW.date()),
            shipping_rates=shipping_rates(),
            country=country,
            region=region,
            shipping_method=method,
            taxes=setup or tax_setup(get_settings(), NOW.date()),
            settlement_currency="EUR",
            max_rate_age_hours=max_age_hours,
            now=NOW,
        )
    )


lines = st.lists(
    st.tuples(st.sampled_from(sorted(PRODUCTS)), st.integers(1, 6)),  # parcels within every weight limit
    min_size=1,
    max_size=5,
    unique_by=lambda t: t[0],
)


@settings(max_examples=150, deadline=None)
@given(lines, st.sampled_from(["DE", "JP", "US", "GB", "KW"]), st.sampled_from(["standard", "express"]))
def test_totals_add_up_in_both_currencies(quantities, country, method) -> None:
    quote = quote_for(quantities, country=country, method=method)
    assert quote.total == quote.subtotal + quote.shipping + quote.taxes.adjustment
    assert quote.taxes.adjustment == quote.taxes.charged_now - quote.taxes.removed
    assert sum(to_minor(line.total) for line in quote.cart.lines) == to_minor(quote.subtotal)
    assert sum(quote.line_settlements) == to_minor(quote.settlement_subtotal)
    assert (
        quote.settlement_subtotal + quote.settlement_shipping + quote.settlement_taxes
        == quote.settlement_total
    )
    assert quote.method is not None and quote.method.code == method
    assert quote.shipping == next(o.price for o in quote.options if o.method.code == method)


@settings(max_examples=60, deadline=None)
@given(lines)
def test_the_version_names_the_whole_quote(quantities) -> None:
    base = quote_for(quantities)
    assert quote_for(quantities).version == base.version  # same input, same version
    assert quote_for(quantities, method="express").version != base.version  # shipping is in it
    assert quote_for(quantities, country="AT").version != base.version  # so is the destination
    more = [(variant, quantity + 1) for variant, quantity in quantities]
    assert quote_for(more).version != base.version


def test_an_unknown_method_prices_no_shipping_and_names_no_method() -> None:
    quote = quote_for([(1, 1)], method="teleport")
    assert quote.method is None and quote.total == quote.subtotal
    assert quote_for([(1, 1)], country="AQ").options == ()  # no zone ships there


def test_the_stale_rate_decision_is_part_of_the_calculation() -> None:
    fresh = quote_for([(1, 2)], country="JP")
    assert fresh.currency == "JPY" and fresh.stale_currency is None
    assert fresh.fx is not None and fresh.fx.applied_rate == Decimal("163.2")  # 160 x 1.02
    old = quote_for([(1, 2)], country="JP", rates_as_of=NOW - timedelta(days=6))
    assert old.currency == "EUR" and old.stale_currency == "JPY" and old.fx is None
    # 12.50 entered with German VAT is 10.50 net; Japan's prices are net (its tax is paid on import).
    assert old.cart.subtotal.amount == Decimal("21.00")
    assert old.total == old.cart.subtotal + old.shipping + old.taxes.adjustment
    no_limit = quote_for([(1, 2)], country="JP", rates_as_of=NOW - timedelta(days=6), max_age_hours=0)
    assert no_limit.currency == "JPY"


def test_the_shown_rate_reproduces_every_converted_price() -> None:
    """A shopper can take the rate on the page, multiply and round by the market's rule (GBP: .99
    endings) and land on each price and the shipping charged."""
    quote = quote_for([(1, 1), (2, 3), (3, 1), (5, 1)], country="GB", method="express")
    assert quote.fx is not None
    shown = quote.fx.shown_rate
    digits = len(shown.as_tuple().digits)
    assert 6 <= digits < len(quote.fx.applied_rate.as_tuple().digits)  # 0.88165842 has more than needed
    rule = quote.pricer.price_rule
    for line in quote.cart.lines:
        # The entered price with the tax GB prices hold instead of Germany's (x 120/119), converted.
        base = Decimal(line.variant.price_minor) / 100 * quote.pricer.tax_factor(line.product.tax_class)
        assert round_price(base * shown, "GBP", rule) == line.unit_price.amount
    assert quote.method is not None
    net = quote.method.price.amount * quote.pricer.taxes.shipping_factor  # shipping rates are net
    shipping = round_price(net * shown, "GBP", Rounding("minor"))
    assert shipping == quote.shipping.amount
