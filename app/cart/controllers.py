"""HTML cart: add from a product page, change quantities, remove lines."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from app.cart.rules import CartError, parse_quantity
from app.cart.services import add_to_cart, load_priced_cart, remove_line, set_quantity
from app.catalog.pages import chosen_options, render_product
from app.catalog.rules import find_variant
from app.i18n.markers import N_
from app.web import urls
from app.web.carts import current_cart_id, ensure_cart
from app.web.forms import read_form
from app.web.pages import PageMeta, PageRequest, render_page


async def render_cart(
    page: PageRequest,
    *,
    errors: dict[str, CartError] | None = None,
    typed: dict[str, str] | None = None,
    added: str | None = None,
    status_code: int = 200,
) -> Response[bytes]:
    settings = page.shop.settings
    cart = await load_priced_cart(
        await current_cart_id(page.request), page.catalog, page.pricer, settings.shop_currency
    )
    _ = page.gettext()
    added_line = next((line for line in cart.lines if line.sku == added), None)
    context = {"cart": cart, "errors": errors or {}, "typed": typed or {}, "added": added_line}
    meta = PageMeta(
        title=f"{_('Your cart')} | {settings.shop_name}",
        description=_("Shipping is calculated at checkout."),
        alternate=urls.cart_url,
        noindex=True,
    )
    return await render_page(page, "cart.html", context, meta, status_code=status_code)


@get("/{locale:str}/cart", name="cart", include_in_schema=False)
async def cart_page(
    page: NamedDependency[PageRequest], added: FromQuery[str | None] = None
) -> Response[bytes]:
    return await render_cart(page, added=added)


@post("/{locale:str}/p/{slug:str}", name="cart-add", include_in_schema=False)
async def cart_add(page: NamedDependency[PageRequest], slug: FromPath[str]) -> Response[Any]:
    """Add to cart from a product page: the product is the page's, options and quantity come from its form."""
    form = await read_form(page.request)
    product_id, _ = page.catalog.product_at(page.locale.code, slug)  # the page's own address, or a former one
    if product_id is None:
        raise NotFoundException()
    product = page.catalog.products[product_id]
    chosen = chosen_options(product, form)
    quantity_text = form.get("quantity", "")
    try:
        variant = find_variant(product, chosen) if len(chosen) == len(product.axes) else None
        if variant is None:
            raise CartError(
                N_("Choose one of the options offered for each choice."), field="options", code="options"
            )
        quantity = parse_quantity(quantity_text)
        cart_id, cookies = await ensure_cart(page.request)
        await add_to_cart(cart_id, variant.id, quantity)
    except CartError as error:
        return await render_product(
            page, product, chosen, errors={error.field: error}, quantity=quantity_text, status_code=422
        )
    response = Redirect(
        urls.cart_url(page.locale.code) + "?" + urlencode({"added": variant.sku}), status_code=303
    )
    for new_cookie in cookies:
        response.set_cookie(new_cookie)
    return response


def _variant_id(page: PageRequest, sku: str) -> int | None:
    found = page.catalog.variants_by_sku.get(sku)
    return found[1] if found else None


@post("/{locale:str}/cart/update", name="cart-update", include_in_schema=False)
async def cart_update(page: NamedDependency[PageRequest]) -> Response[Any]:
    form = await read_form(page.request)
    sku = form.get("sku", "")
    cart_id = await current_cart_id(page.request)
    variant_id = _variant_id(page, sku)
    try:
        if cart_id is None or variant_id is None:
            raise CartError(N_("This item is no longer in your cart."), field="sku", code="not_in_cart")
        await set_quantity(cart_id, variant_id, parse_quantity(form.get("quantity", ""), allow_zero=True))
    except CartError as error:
        return await render_cart(
            page, errors={sku: error}, typed={sku: form.get("quantity", "")}, status_code=422
        )
    return Redirect(urls.cart_url(page.locale.code), status_code=303)


@post("/{locale:str}/cart/remove", name="cart-remove", include_in_schema=False)
async def cart_remove(page: NamedDependency[PageRequest]) -> Response[Any]:
    form = await read_form(page.request)
    cart_id = await current_cart_id(page.request)
    variant_id = _variant_id(page, form.get("sku", ""))
    if cart_id is not None and variant_id is not None:
        await remove_line(cart_id, variant_id)
    return Redirect(urls.cart_url(page.locale.code), status_code=303)


CONTROLLERS = [cart_page, cart_add, cart_update, cart_remove]
