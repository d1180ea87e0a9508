"""`storefront prices`: price lists, a fixed price of a variant in a market."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click
from rich.table import Table

from app.cli.common import console, run


@click.group()
def prices() -> None:
    """Price lists: fixed prices per variant and market, which win over conversion."""


@prices.command("set")
@click.argument("sku")
@click.argument("market")
@click.argument("amount")
def prices_set(sku: str, market: str, amount: str) -> None:
    """Sell SKU in MARKET at AMOUNT (in the market's currency, e.g. 2490 for JPY or 24.90 for CHF)."""
    from app.markets.services import PriceListError, set_price_override

    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise click.ClickException("AMOUNT must be a decimal number") from None
    try:
        fixed = run(set_price_override(sku, market, value))
    except PriceListError as error:
        raise click.ClickException(str(error)) from None
    console.print(f"{sku} in {market}: {amount} {fixed.price.currency.code}")


@prices.command("unset")
@click.argument("sku")
@click.argument("market")
def prices_unset(sku: str, market: str) -> None:
    """Go back to converted prices for SKU in MARKET."""
    from app.markets.services import PriceListError, unset_price_override

    try:
        removed = run(unset_price_override(sku, market))
    except PriceListError as error:
        raise click.ClickException(str(error)) from None
    console.print(f"{removed} fixed price(s) removed")


@prices.command("list")
def prices_list() -> None:
    """Every fixed price."""
    from app.i18n.formatting import format_money
    from app.markets.services import list_price_overrides

    table = Table("sku", "market", "price")
    for fixed in run(list_price_overrides()):
        table.add_row(fixed.sku, fixed.market, format_money(fixed.price, "en"))
    console.print(table)
