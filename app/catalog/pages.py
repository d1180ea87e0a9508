"""The product page's parts, shared by the catalogue pages and the cart's add-to-cart form."""

from __future__ import annotations

from typing import Any

from litestar import Response

from app.catalog.rules import Catalog, ProductView, find_variant, summary
from app.catalog.services import variant_stock
from app.core.richtext import html_to_text
from app.web import urls
from app.web.pages import PageMeta, PageParts, PageRequest, render_page


def product_context(
    catalog: Catalog, product: ProductView, locale: str, chosen: dict[str, str], stock: dict[int, int]
) -> dict[str, Any]:
    """What the product page template needs, given the shopper's option choices."""
    variant = find_variant(product, chosen)
    colour = chosen.get("colour")
    return {
        "product": product,
        "category": catalog.categories[product.category_id],
        "trail": catalog.ancestors(catalog.categories[product.category_id]),
        "chosen": chosen,
        "variant": variant,
        "image": product.image_for(colour),
        "stock": stock,
        "in_stock": product.in_stock(stock),
    }


def chosen_options(product: ProductView, params: Any) -> dict[str, str]:
    """Option values picked in a query string or form, where they are real values; else the first in stock."""
    chosen = {}
    for axis in product.axes:
        value = params.get(f"opt_{axis}") or params.get(axis)
        if isinstance(value, str) and value in product.axis_values(axis):
            chosen[axis] = value
    return chosen


def product_parts(
    catalog: Catalog,
    locale: str,
    product: ProductView,
    chosen: dict[str, str],
    stock: dict[int, int],
    shop_name: str,
    errors: dict[str, Any] | None = None,
    quantity: str = "1",
) -> PageParts:
    if len(chosen) < len(product.axes):
        # Preselect the first variant in stock, keeping whatever the shopper chose.
        first = next((v for v in product.variants if stock.get(v.id, 0) > 0), product.variants[0])
        chosen = {**dict(first.options), **chosen}
    text = product.text(locale)
    context = product_context(catalog, product, locale, chosen, stock)
    context.update(errors=errors or {}, quantity=quantity)

    def alternate(code: str) -> str:
        return urls.product_url(code, product.text(code).slug)

    meta = PageMeta(
        title=f"{text.seo_title or text.name} | {shop_name}",
        description=text.seo_description or summary(html_to_text(text.description)),
        alternate=alternate,
    )
    return "product.html", context, meta


async def fresh_product_parts(
    page: PageRequest,
    product: ProductView,
    chosen: dict[str, str],
    errors: dict[str, Any] | None = None,
    quantity: str = "1",
) -> PageParts:
    """The product page's parts with stock read fresh, for a page that is not cached."""
    stock = await variant_stock([v.id for v in product.variants])
    return product_parts(
        page.catalog, page.locale.code, product, chosen, stock, page.shop.settings.shop_name, errors, quantity
    )


async def render_product(
    page: PageRequest,
    product: ProductView,
    chosen: dict[str, str],
    *,
    errors: dict[str, Any],
    quantity: str,
    status_code: int,
) -> Response[bytes]:
    """The product page again after a refused add-to-cart: fresh stock, the shopper's input, messages."""
    template, context, meta = await fresh_product_parts(page, product, chosen, errors, quantity)
    return await render_page(page, template, context, meta, status_code=status_code)


async def render_preview(page: PageRequest, product: ProductView) -> Response[bytes]:
    """The product page as the shop would render it, for a back-office preview of texts not saved
    (`product` carries them): under a banner, never cached or indexed, and without the locale
    cookie a shop page sets (previewing a language is not choosing it)."""
    template, context, meta = await fresh_product_parts(page, product, {})
    context["preview"] = True
    meta.noindex = True
    meta.headers["Cache-Control"] = "no-store"
    response = await render_page(page, template, context, meta)
    response.headers.pop("set-cookie", None)
    return response
