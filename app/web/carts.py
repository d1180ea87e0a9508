"""The shopper's cart, found from (and remembered in) the cart cookie."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from app.cart.services import create_cart, find_cart_id
from app.web.pages import cookie
from app.web.state import CART_COOKIE


async def current_cart_id(request: Request[Any, Any, Any]) -> int | None:
    return await find_cart_id(request.cookies.get(CART_COOKIE))


async def ensure_cart(request: Request[Any, Any, Any]) -> tuple[int, list[Cookie]]:
    """The cart id, creating a cart (and its cookie) on the first add."""
    cart_id = await current_cart_id(request)
    if cart_id is not None:
        return cart_id, []
    cart_id, token = await create_cart()
    return cart_id, [cookie(CART_COOKIE, token)]
