"""Shop URLs, all under a locale prefix; slugs are percent-encoded (they may be non-Latin)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode


def _query(**params: object) -> str:
    pairs = {k: v for k, v in params.items() if v not in (None, "") and not (k == "page" and v == 1)}
    return f"?{urlencode(pairs)}" if pairs else ""


def home_url(locale: str) -> str:
    return f"/{locale}/"


def category_url(locale: str, slug: str, page: int | None = None, sort: str | None = None) -> str:
    return f"/{locale}/c/{quote(slug, safe='')}" + _query(sort=sort, page=page)


def product_url(locale: str, slug: str, colour: str | None = None) -> str:
    return f"/{locale}/p/{quote(slug, safe='')}" + _query(colour=colour)


def page_url(locale: str, slug: str) -> str:
    """A content page of the shop (shipping and returns, about us)."""
    return f"/{locale}/pages/{quote(slug, safe='')}"


def cart_url(locale: str) -> str:
    return f"/{locale}/cart"


def checkout_url(locale: str, country: str | None = None) -> str:
    return f"/{locale}/checkout" + _query(country=country)


def order_url(locale: str, number: str, key: str) -> str:
    return f"/{locale}/orders/{number}" + _query(key=key)


def order_pay_url(locale: str, number: str, key: str) -> str:
    return f"/{locale}/orders/{number}/pay" + _query(key=key)


def lookup_url(locale: str) -> str:
    return f"/{locale}/orders/lookup"


def private_order_url(locale: str, number: str, secret: str, *, pay: bool = False) -> str:
    """An order's private link (confirmation page, or its payment page after a declined card)."""
    from app.orders.rules import access_key  # pure; imported here to keep this module dependency-free

    key = access_key(secret, number)
    return order_pay_url(locale, number, key) if pay else order_url(locale, number, key)


def order_link(root: str, locale: str, secret: str) -> Callable[[str], str]:
    """An order's absolute private link from its number (the confirmation email's)."""
    return lambda number: root + private_order_url(locale, number, secret)
