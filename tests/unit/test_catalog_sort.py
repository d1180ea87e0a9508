"""Sorting a listing by price sorts by the price the shopper is shown (price lists included)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from app.catalog.rules import ProductView, Text, VariantView, sort_products
from app.fx.rules import Rate, make_table
from app.markets.data import market_set
from app.markets.rules import Pricer, forget_conversions, resolve_presentment


def build(product_id: int, position: int, price_minor: int) -> ProductView:
    variant = VariantView(
        id=product_id * 10,
        sku=f"P{product_id}",
        options=(),
        price_minor=price_minor,
        currency="EUR",
        position=0,
    )
    return ProductView(
        id=product_id,
        code=f"P{product_id}",
        category_id=1,
        position=position,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        texts={"en": Text(f"Product {product_id}", f"product-{product_id}", "")},
        variants=(variant,),
        images=(),
        hs_code="6109100010",
        origin_country="PT",
        customs_description="T-shirt",
        weight_grams=100,
        dimensions_mm=(300, 200, 20),
        tax_class="standard",
        restrictions=frozenset(),
    )


def test_price_sorts_follow_the_displayed_price_where_a_price_list_sets_it() -> None:
    cheap, middle, dear = build(1, 1, 1000), build(2, 2, 2000), build(3, 3, 3000)
    now = datetime.now(UTC)
    rates = make_table("EUR", [Rate("JPY", Decimal(160), "test", now.date(), now)])
    japan = resolve_presentment(
        market_set(), chosen_country="JP", chosen_currency=None, region_hint=None, available=["EUR", "JPY"]
    )
    forget_conversions()
    # The merchant prices the dearest product at ¥980 in Japan: the cheapest there.
    pricer = Pricer(japan, rates, {(30, "jp"): (980, "JPY")})
    products = [middle, dear, cheap]

    def shown(p: ProductView) -> Decimal:
        return pricer.from_price(p).amount

    assert [p.id for p in sort_products(products, "price-asc", "en", shown)] == [3, 1, 2]
    assert [p.id for p in sort_products(products, "price-desc", "en", shown)] == [2, 1, 3]
    # Without a key: base prices, as before.
    assert [p.id for p in sort_products(products, "price-asc", "en")] == [1, 2, 3]
    assert [p.id for p in sort_products(products, "price-desc", "en")] == [3, 2, 1]
    # Ties keep the merchant's order; other sorts ignore the key.
    assert [p.id for p in sort_products(products, "price-asc", "en", lambda p: 0)] == [1, 2, 3]
    assert [p.id for p in sort_products(products, "featured", "en", shown)] == [1, 2, 3]
