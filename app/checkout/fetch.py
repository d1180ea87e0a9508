"""Loading what the checkout calculation needs (the cart, fresh stock) into a frozen input."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.cart.services import cart_quantities
from app.catalog.rules import Catalog
from app.catalog.services import variant_stock
from app.checkout.calculations import CheckoutInput
from app.checkout.landed import TaxSetup
from app.core.settings import Settings
from app.markets.rules import Pricer
from app.shipping.data import rate_table
from app.tax.data import tax_data_version, tax_tables


def tax_setup(settings: Settings, on: date) -> TaxSetup:
    return TaxSetup(
        tables=tax_tables(),
        data_version=tax_data_version(),
        shop_country=settings.shop_country,
        registrations=frozenset(settings.tax_registrations),
        proof_of_origin=settings.origin_statement,
        on=on,
    )


async def fetch_checkout(
    cart_id: int | None,
    *,
    catalog: Catalog,
    pricer: Pricer,
    country: str,
    shipping_method: str,
    settings: Settings,
    region: str = "",
    with_stock: bool = True,
) -> CheckoutInput:
    """The cart's lines (and, for display, their stock) with everything else the quote depends on;
    `calculate_checkout` turns it into the quote."""
    quantities = tuple(await cart_quantities(cart_id))
    stock = await variant_stock([variant_id for variant_id, _ in quantities]) if with_stock else {}
    now = datetime.now(UTC)
    return CheckoutInput(
        catalog=catalog,
        quantities=quantities,
        stock=stock,
        pricer=pricer,
        shipping_rates=rate_table(),
        country=country,
        region=region,
        shipping_method=shipping_method,
        taxes=tax_setup(settings, now.date()),
        settlement_currency=settings.shop_currency,
        max_rate_age_hours=settings.fx_max_age_hours,
        now=now,
    )
