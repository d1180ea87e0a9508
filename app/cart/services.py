"""Cart persistence: lines keyed by an unguessable token, safe under concurrent requests."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from app.cart.rules import MAX_LINE_QUANTITY, CartError, PricedCart, check_stock, price_cart
from app.cart.tables import Cart, CartLine
from app.catalog.rules import Catalog
from app.catalog.services import variant_stock
from app.i18n.markers import N_
from app.markets.rules import Pricer

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(token: str | None) -> bool:
    return (
        bool(token)
        and 20 <= len(token or "") <= 64
        and (token or "").replace("-", "").replace("_", "").isalnum()
    )


async def find_cart_id(token: str | None) -> int | None:
    if not looks_like_token(token):
        return None
    row = await Cart.select(Cart.id).where(Cart.token == token).first().run()
    return row["id"] if row else None


async def create_cart() -> tuple[int, str]:
    token = new_token()
    rows = await Cart.insert(Cart(token=token)).run()
    return rows[0]["id"], token


async def cart_quantities(cart_id: int | None) -> list[tuple[int, int]]:
    """(variant id, quantity) pairs in the order they were added."""
    if cart_id is None:
        return []
    rows = (
        await CartLine.select(CartLine.variant, CartLine.quantity)
        .where(CartLine.cart == cart_id)
        .order_by(CartLine.id)
        .run()
    )
    return [(row["variant"], row["quantity"]) for row in rows]


async def cart_item_count(token: str | None) -> int:
    if not looks_like_token(token):
        return 0
    rows = await CartLine.select(CartLine.quantity).where(CartLine.cart.token == token).run()
    return sum(row["quantity"] for row in rows)


async def _touch(cart_id: int) -> None:
    await Cart.update({Cart.updated_at: datetime.now(UTC)}).where(Cart.id == cart_id).run()


async def add_to_cart(cart_id: int, variant_id: int, quantity: int) -> int:
    """Add a quantity of a variant; returns the new line quantity. Refuses more than is in stock."""
    stock = (await variant_stock([variant_id])).get(variant_id, 0)
    current = (
        await CartLine.select(CartLine.id, CartLine.quantity)
        .where((CartLine.cart == cart_id) & (CartLine.variant == variant_id))
        .first()
        .run()
    )
    new_quantity = (current["quantity"] if current else 0) + quantity
    if new_quantity > MAX_LINE_QUANTITY:
        raise CartError(
            N_("You can buy at most %(max)s of one item."), code="line_maximum", max=MAX_LINE_QUANTITY
        )
    check_stock(new_quantity, stock)
    inserted = (
        await CartLine.insert(CartLine(cart=cart_id, variant=variant_id, quantity=quantity))
        .on_conflict(action="DO NOTHING")
        .returning(CartLine.id)
        .run()
    )
    if not inserted:  # the line exists: add to it atomically, never past the line maximum
        await (
            CartLine.update({CartLine.quantity: CartLine.quantity + quantity})
            .where(
                (CartLine.cart == cart_id)
                & (CartLine.variant == variant_id)
                & (CartLine.quantity <= MAX_LINE_QUANTITY - quantity)
            )
            .run()
        )
    await _touch(cart_id)
    return new_quantity


async def set_quantity(cart_id: int, variant_id: int, quantity: int) -> None:
    """Set a line's quantity (0 removes it)."""
    if quantity == 0:
        await remove_line(cart_id, variant_id)
        return
    exists = (
        await CartLine.exists().where((CartLine.cart == cart_id) & (CartLine.variant == variant_id)).run()
    )
    if not exists:
        raise CartError(N_("This item is no longer in your cart."), field="sku", code="not_in_cart")
    stock = (await variant_stock([variant_id])).get(variant_id, 0)
    check_stock(quantity, stock)
    await (
        CartLine.update({CartLine.quantity: quantity})
        .where((CartLine.cart == cart_id) & (CartLine.variant == variant_id))
        .run()
    )
    await _touch(cart_id)


async def remove_line(cart_id: int, variant_id: int) -> None:
    await CartLine.delete().where((CartLine.cart == cart_id) & (CartLine.variant == variant_id)).run()
    await _touch(cart_id)


async def load_priced_cart(
    cart_id: int | None, catalog: Catalog, pricer: Pricer, base_currency: str
) -> PricedCart:
    """The cart in the shopper's currency, with stock read fresh."""
    quantities = await cart_quantities(cart_id)
    stock = await variant_stock([variant_id for variant_id, _ in quantities])
    return price_cart(catalog, quantities, stock, pricer, base_currency)
