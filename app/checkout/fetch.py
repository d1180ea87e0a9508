"""Loading what the checkout calculation needs (the cart, fresh stock) into a frozen input."""

from __future__ import annotations

from datetime import UTC, datetime

from app.cart.services import cart_quantities
from app.catalog.rules import Catalog
from app.catalog.services import variant_stock
from app.checkout.calculations import CheckoutInput
from app.core.settings import Settings
from app.markets.rules import Pricer
from app.shipping.data import rate_table


async def fetch_checkout(
    cart_id: int | None,
    *,
    catalog: Catalog,
    pricer: Pricer,
    country: str,
    shipping_method: str,
    settings: Settings,
    with_stock: bool = True,
) -> CheckoutInput:
    """The cart's lines (and, for display, their stock) with everything else the quote depends on;
    `calculate_checkout` turns it into the quote."""
    quantities = tuple(await cart_quantities(cart_id))
    stock = await variant_stock([variant_id for variant_id, _ in quantities]) if with_stock else {}
    return CheckoutInput(
        catalog=catalog,
        quantities=quantities,
        stock=stock,
        pricer=pricer,
        shipping_rates=rate_table(),
        country=country,
        shipping_method=shipping_method,
        settlement_currency=settings.shop_currency,
        max_rate_age_hours=settings.fx_max_age_hours,
        now=datetime.now(UTC),
    )
