"""Price lists: a merchant's fixed price of a variant in a market, stored and listed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from moneyed import Money

from app.catalog.services import bump_revision
from app.catalog.tables import Variant
from app.core.money import charge_unit, from_minor, is_chargeable, money, to_minor
from app.core.transactions import write_transaction
from app.markets.data import market_set
from app.markets.rules import Market
from app.markets.tables import PriceOverride


class PriceListError(ValueError):
    """A fixed price that cannot be set: unknown market or SKU, or not a positive amount."""


@dataclass(frozen=True)
class FixedPrice:
    sku: str
    market: str
    price: Money  # in the market's currency


def market_for_price_list(code: str) -> Market:
    markets = market_set().markets
    found = markets.get(code)
    if found is None:
        raise PriceListError(f"no market {code!r}; markets: {', '.join(markets)}")
    return found


async def _variant_id(sku: str) -> int:
    variant = await Variant.select(Variant.id).where(Variant.sku == sku).first().run()
    if variant is None:
        raise PriceListError(f"no SKU {sku}")
    return int(variant["id"])


async def set_price_override(sku: str, market: str, amount: Decimal) -> FixedPrice:
    """Sell `sku` in `market` at `amount` of the market's currency (replacing any fixed price)."""
    found = market_for_price_list(market)
    if not amount.is_finite():
        raise PriceListError("the amount must be a decimal number")
    if not is_chargeable(amount, found.currency):  # e.g. HUF 4990.50: forints are paid whole
        raise PriceListError(
            f"{found.currency} amounts are charged in steps of {charge_unit(found.currency)}"
        )
    price = money(amount, found.currency)
    minor = to_minor(price)
    if minor <= 0:
        raise PriceListError("the amount must be positive")
    async with write_transaction():
        variant_id = await _variant_id(sku)
        await (
            PriceOverride.delete()
            .where((PriceOverride.variant == variant_id) & (PriceOverride.market == market))
            .run()
        )
        await PriceOverride.insert(
            PriceOverride(variant=variant_id, market=market, price_minor=minor, currency=found.currency)
        ).run()
        await bump_revision()
    return FixedPrice(sku, market, price)


async def unset_price_override(sku: str, market: str) -> int:
    """Go back to converted prices for `sku` in `market`; returns how many fixed prices were removed."""
    async with write_transaction():
        variant_id = await _variant_id(sku)
        deleted = (
            await PriceOverride.delete()
            .where((PriceOverride.variant == variant_id) & (PriceOverride.market == market))
            .returning(PriceOverride.id)
            .run()
        )
        await bump_revision()
    return len(deleted)


async def list_price_overrides() -> list[FixedPrice]:
    """Every fixed price, by SKU then market."""
    rows = await (
        PriceOverride.select(
            PriceOverride.variant.sku, PriceOverride.market, PriceOverride.price_minor, PriceOverride.currency
        )
        .order_by(PriceOverride.variant.sku, PriceOverride.market)
        .run()
    )
    return [
        FixedPrice(row["variant.sku"], row["market"], from_minor(row["price_minor"], row["currency"]))
        for row in rows
    ]
