"""HTML cart: add from a product page, change quantities, remove lines."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from app.cart.rules import CartError, PricedCart, parse_quantity, price_cart
from app.cart.services import add_to_cart, cart_quantities, remove_line, set_quantity
from app.catalog.controllers import chosen_options, render_product
from app.catalog.rules import find_variant
from app.catalog.services import variant_stock
from app.i18n.markers import N_
from app.markets.rules import Pricer
from app.web import urls
from app.web.carts import current_cart_id, ensure_cart
from app.web.forms import read_form
from app.web.market import pricer_for
from app.web.pages import PageMeta, gettext_for, render_page, shop_locale_or_404
from app.web.state import catalog_cache, settings


async def load_priced_cart(cart_id: int | None, pricer: Pricer) -> PricedCart:
    """The cart in the shopper's currency, with stock read fresh."""
    catalog = await catalog_cache.get()
    quantities = await cart_quantities(cart_id)
    stock = await variant_stock([variant_id for variant_id, _ in quantities])
    return price_cart(catalog, quantities, stock, pricer, settings.shop_currency)


async def render_cart(
    request: Request[Any, Any, Any],
    locale: str,
    *,
    errors: dict[str, CartError] | None = None,
    typed: dict[str, str] | None = None,
    added: str | None = None,
    status_code: int = 200,
) -> Response[bytes]:
    shop_locale = shop_locale_or_404(locale)
    pricer = await pricer_for(request, shop_locale)
    cart = await load_priced_cart(await current_cart_id(request), pricer)
    catalog = await catalog_cache.get()
    _ = gettext_for(shop_locale.code)
    added_line = next((line for line in cart.lines if line.sku == added), None)
    context = {
        "cart": cart,
        "errors": errors or {},
        "typed": typed or {},
        "added": added_line,
        "catalog": catalog,
        "pricer": pricer,
    }
    meta = PageMeta(
        title=f"{_('Your cart')} | {settings.shop_name}",
        description=_("Shipping and import taxes are calculated at checkout."),
        alternate=urls.cart_url,
        noindex=True,
    )
    return await render_page(request, shop_locale, "cart.html", context, meta, status_code=status_code)


@get("/{locale:str}/cart", name="cart", include_in_schema=False)
async def cart_page(
    request: Request[Any, Any, Any], locale: FromPath[str], added: FromQuery[str | None] = None
) -> Response[bytes]:
    return await render_cart(request, locale, added=added)


@post("/{locale:str}/p/{slug:str}", name="cart-add", include_in_schema=False)
async def cart_add(
    request: Request[Any, Any, Any], locale: FromPath[str], slug: FromPath[str]
) -> Response[Any]:
    """Add to cart from a product page: the product is the page's, options and quantity come from its form."""
    shop_locale = shop_locale_or_404(locale)
    form = await read_form(request)
    catalog = await catalog_cache.get()
    product_id = catalog.product_slugs.get(shop_locale.code, {}).get(slug)
    if product_id is None:
        raise NotFoundException()
    product = catalog.products[product_id]
    chosen = chosen_options(product, form)
    quantity_text = form.get("quantity", "")
    try:
        variant = find_variant(product, chosen) if len(chosen) == len(product.axes) else None
        if variant is None:
            raise CartError(
                N_("Choose one of the options offered for each choice."), field="options", code="options"
            )
        quantity = parse_quantity(quantity_text)
        cart_id, cookies = await ensure_cart(request)
        await add_to_cart(cart_id, variant.id, quantity)
    except CartError as error:
        return await render_product(
            request,
            locale,
            product,
            chosen,
            errors={error.field: error},
            quantity=quantity_text,
            status_code=422,
        )
    response = Redirect(
        urls.cart_url(shop_locale.code) + "?" + urlencode({"added": variant.sku}), status_code=303
    )
    for new_cookie in cookies:
        response.set_cookie(new_cookie)
    return response


def _variant_id(catalog: Any, sku: str) -> int | None:
    found = catalog.variants_by_sku.get(sku)
    return found[1] if found else None


@post("/{locale:str}/cart/update", name="cart-update", include_in_schema=False)
async def cart_update(request: Request[Any, Any, Any], locale: FromPath[str]) -> Response[Any]:
    shop_locale = shop_locale_or_404(locale)
    form = await read_form(request)
    sku = form.get("sku", "")
    cart_id = await current_cart_id(request)
    variant_id = _variant_id(await catalog_cache.get(), sku)
    try:
        if cart_id is None or variant_id is None:
            raise CartError(N_("This item is no longer in your cart."), field="sku", code="not_in_cart")
        await set_quantity(cart_id, variant_id, parse_quantity(form.get("quantity", ""), allow_zero=True))
    except CartError as error:
        return await render_cart(
            request, locale, errors={sku: error}, typed={sku: form.get("quantity", "")}, status_code=422
        )
    return Redirect(urls.cart_url(shop_locale.code), status_code=303)


@post("/{locale:str}/cart/remove", name="cart-remove", include_in_schema=False)
async def cart_remove(request: Request[Any, Any, Any], locale: FromPath[str]) -> Response[Any]:
    shop_locale = shop_locale_or_404(locale)
    form = await read_form(request)
    cart_id = await current_cart_id(request)
    variant_id = _variant_id(await catalog_cache.get(), form.get("sku", ""))
    if cart_id is not None and variant_id is not None:
        await remove_line(cart_id, variant_id)
    return Redirect(urls.cart_url(shop_locale.code), status_code=303)


CONTROLLERS = [cart_page, cart_add, cart_update, cart_remove]
