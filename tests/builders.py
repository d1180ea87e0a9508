"""Test data builders: small catalogues in every locale, through the same importer as the demo."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.catalog.importer import import_categories, import_option_labels, import_products, read_demo_files
from app.catalog.services import bump_revision
from app.core.settings import PROJECT_ROOT, get_settings
from app.fx.rules import Rate, RateTable, make_table
from app.fx.services import save_rates
from app.i18n.locales import LOCALES
from app.markets.data import market_set
from app.markets.rules import Pricer, resolve_presentment
from app.markets.taxes import price_taxes

DEMO = PROJECT_ROOT / "data" / "demo"


def texts(english: str, **overrides: str) -> dict[str, str]:
    """A translation dict for every locale: overrides where given, a marked copy elsewhere."""
    return {
        code: english if code == "en" else overrides.get(code.replace("-", "_"), f"{english} ({code})")
        for code in LOCALES
    }


def category(code: str, name: str, parent: str | None = None, **names: str) -> dict[str, Any]:
    return {
        "code": code,
        "parent": parent,
        "name": texts(name, **names),
        "description": texts(f"All about {name}."),
    }


def product(
    code: str,
    name: str,
    *,
    category: str = "shirts",
    price: str = "10.00",
    options: dict[str, list[str]] | None = None,
    hs_code: str = "610910",
    origin: str = "PT",
    weight: int = 200,
    adjustments: dict[str, str] | None = None,
    tariff_codes: dict[str, str] | None = None,
    **names: str,
) -> dict[str, Any]:
    return {
        "code": code,
        "category": category,
        "name": texts(name, **names),
        "description": texts(f"{name} description."),
        "customs_description": f"{name}, test article",
        "price": price,
        "hs_code": hs_code,
        "tariff_codes": tariff_codes or {},  # national numbers by destination: {"US": "6109100012"}
        "origin_country": origin,
        "weight_grams": weight,
        "dimensions_mm": [300, 200, 30],
        "options": options or {},
        "price_adjustments": adjustments or {},
    }


DEFAULT_CATEGORIES = [
    category("clothing", "Clothing", de="Kleidung", ja="衣料品", ar="ملابس"),
    category("shirts", "Shirts", parent="clothing", de="Hemden", ja="シャツ", ar="قمصان"),
    category("home", "Home", de="Wohnen", ja="ホーム", ar="المنزل"),
    category("mugs", "Mugs", parent="home", de="Becher", ja="マグカップ", ar="أكواب"),
]


async def build_catalog(
    products: list[dict[str, Any]],
    *,
    stock: dict[str, int] | int = 10,
    categories: list[dict[str, Any]] | None = None,
) -> None:
    """Insert categories, option labels and products; `stock` is per SKU or one number for all."""
    await import_categories(categories or DEFAULT_CATEGORIES)
    _, options, _ = read_demo_files(DEMO)
    await import_option_labels(options)
    settings = get_settings()
    await import_products(
        products,
        currency=settings.shop_currency,
        media_dir=settings.media_dir,
        colour_hex=options["colour_hex"],
        stock=(lambda sku: stock.get(sku, 0)) if isinstance(stock, dict) else (lambda sku: stock),
    )
    await bump_revision()


async def load_demo(limit: int | None = None) -> list[dict[str, Any]]:
    """The real demo catalogue (optionally only its first products); returns the product data."""
    categories, options, products = read_demo_files(DEMO)
    chosen = products[:limit] if limit else products
    await import_categories(categories)
    await import_option_labels(options)
    settings = get_settings()
    await import_products(
        chosen,
        currency=settings.shop_currency,
        media_dir=settings.media_dir,
        colour_hex=options["colour_hex"],
    )
    await bump_revision()
    return chosen


def pricer_in(
    country: str,
    currency: str | None = None,
    rates: dict[str, str] | RateTable | None = None,
    *,
    taxes: bool = True,
    on: date | None = None,
) -> Pricer:
    """A pricer for a shopper in `country` at fixed test rates (units per EUR, today), with the
    shop's taxes in its prices (app.markets.taxes) unless `taxes` is false (entered prices as is)."""
    table = rates if isinstance(rates, RateTable) else rate_table(rates or TEST_RATES)
    presentment = resolve_presentment(
        market_set(),
        chosen_country=country,
        chosen_currency=currency,
        region_hint=None,
        available=[*table.rates, "EUR"],
    )
    if not taxes:
        return Pricer(presentment, table)
    price_taxes_on = on or datetime.now(UTC).date()
    return Pricer(presentment, table, None, price_taxes(get_settings(), presentment, table, price_taxes_on))


TEST_RATES = {"USD": "1.10", "JPY": "160", "CHF": "0.95", "KWD": "0.34", "GBP": "0.85", "AED": "4.0397"}


def rate_table(rates: dict[str, str], as_of: date | None = None) -> RateTable:
    now = datetime.now(UTC)
    return make_table(
        "EUR", [Rate(c, Decimal(v), "test rates", as_of or now.date(), now) for c, v in rates.items()]
    )


def snapshot_rates() -> dict[str, str]:
    """The bundled snapshot's rates (to store with today's date)."""
    from app.fx.services import snapshot_table

    return {code: str(rate.per_base) for code, rate in snapshot_table().rates.items()}


async def store_rates(rates: dict[str, str], as_of: date | None = None) -> None:
    """Make these the shop's current rates (as the refresh would)."""
    await save_rates(list(rate_table(rates, as_of).rates.values()))


def demo_products() -> list[dict[str, Any]]:
    return read_demo_files(DEMO)[2]


def json_file(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


GERMAN_ADDRESS = {
    "country_code": "DE",
    "name": "Erika Mustermann",
    "street_address": "Heidestraße 17",
    "postal_code": "51147",
    "city": "KÖLN",
}


def checkout_request(
    provider: Any = None,
    details: dict[str, str] | None = None,
    *,
    key: str | None = None,
    pricer: Pricer | None = None,
    email: str = "e@example.com",
) -> Any:
    """A guest checkout to Cologne, standard shipping (bank transfer unless a provider is given)."""
    from app.checkout.services import CheckoutRequest
    from app.payments.providers import ManualProvider

    return CheckoutRequest(
        email=email,
        phone="",
        country="DE",
        address=GERMAN_ADDRESS,
        shipping_method="standard",
        provider=provider or ManualProvider(),
        payment_details=details or {},
        pricer=pricer or pricer_in("DE"),
        locale="en",
        checkout_key=key,
    )


def test_card(number: str = "4242424242424242") -> dict[str, str]:
    """What the test provider's card form hands the checkout: a token for `number`, never the number."""
    from app.payments.providers import TestProvider

    return TestProvider().validate({"card_number": number})


test_card.__test__ = False  # type: ignore[attr-defined]  # a builder, not a pytest test


async def cart_with(sku: str, quantity: int = 1) -> int:
    """A new cart holding `quantity` of one SKU; returns its id."""
    from app.cart.services import add_to_cart, create_cart
    from app.catalog.tables import Variant

    cart_id, _ = await create_cart()
    variant = await Variant.select(Variant.id).where(Variant.sku == sku).first().run()
    await add_to_cart(cart_id, variant["id"], quantity)
    return cart_id
