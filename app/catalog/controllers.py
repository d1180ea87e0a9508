"""HTML pages of the catalogue: home, category listings and product pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from app.catalog.rules import (
    SORTS,
    Catalog,
    ProductView,
    find_variant,
    parse_page,
    parse_sort,
    sort_products,
    summary,
)
from app.catalog.services import variant_stock
from app.web import urls
from app.web.pages import PageMeta, PageParts, cached_page, gettext_for, render_page, shop_locale_or_404
from app.web.state import catalog_cache, settings

FEATURED_COUNT = 12


def _slug_in_other_locale(index: Mapping[str, Mapping[str, int]], slug: str) -> int | None:
    """An id whose slug in some other locale matches (a shared or switched link)."""
    for slugs in index.values():
        if slug in slugs:
            return slugs[slug]
    return None


@get("/{locale:str}/", name="home", include_in_schema=False)
async def home(request: Request[Any, Any, Any], locale: FromPath[str]) -> Response[bytes]:
    shop_locale = shop_locale_or_404(locale)

    def build(catalog: Catalog, stock: dict[int, int]) -> PageParts:
        _ = gettext_for(shop_locale.code)
        featured = sort_products(list(catalog.products.values()), "featured", shop_locale.code)[
            :FEATURED_COUNT
        ]
        meta = PageMeta(
            title=_("%(shop)s – gifts and everyday goods, shipped worldwide") % {"shop": settings.shop_name},
            description=_(
                "Clothing, accessories, homeware, stationery, tech and tea, shipped to your country "
                "with prices in your language."
            ),
            alternate=urls.home_url,
        )
        return "home.html", {"featured": featured, "stock": stock}, meta

    return await cached_page(request, shop_locale, ("home",), build)


@get("/{locale:str}/c/{slug:str}", name="category", include_in_schema=False)
async def category_page(
    request: Request[Any, Any, Any],
    locale: FromPath[str],
    slug: FromPath[str],
    page: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
) -> Response[Any]:
    shop_locale = shop_locale_or_404(locale)
    catalog = await catalog_cache.get()
    category_id = catalog.category_slugs.get(shop_locale.code, {}).get(slug)
    if category_id is None:
        other = _slug_in_other_locale(catalog.category_slugs, slug)
        if other is None:
            raise NotFoundException()
        target = catalog.categories[other].text(shop_locale.code).slug
        return Redirect(urls.category_url(shop_locale.code, target), status_code=301)
    category = catalog.categories[category_id]
    chosen_sort = parse_sort(sort)
    current = parse_page(page, len(catalog.products_in_category.get(category_id, ())), settings.page_size)
    if current is None:
        raise NotFoundException()

    def build(catalog: Catalog, stock: dict[int, int]) -> PageParts:
        products = [catalog.products[pid] for pid in catalog.products_in_category.get(category_id, ())]
        ordered = sort_products(products, chosen_sort, shop_locale.code)
        text = category.text(shop_locale.code)
        _ = gettext_for(shop_locale.code)
        title = text.name
        if current.number > 1:
            title = _("%(name)s – page %(page)s") % {"name": text.name, "page": current.number}

        def alternate(code: str) -> str:
            return urls.category_url(code, category.text(code).slug, page=current.number)

        meta = PageMeta(
            title=f"{title} | {settings.shop_name}", description=text.description, alternate=alternate
        )
        context = {
            "category": category,
            "products": ordered[current.start : current.start + current.size],
            "stock": stock,
            "page": current,
            "sort": chosen_sort,
            "sorts": SORTS,
            "trail": catalog.ancestors(category),
        }
        return "category.html", context, meta

    return await cached_page(
        request, shop_locale, ("category", category_id, current.number, chosen_sort), build
    )


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
        title=f"{text.name} | {settings.shop_name}",
        description=summary(text.description),
        alternate=alternate,
    )
    return "product.html", context, meta


async def render_product(
    request: Request[Any, Any, Any],
    locale: str,
    product: ProductView,
    chosen: dict[str, str],
    *,
    errors: dict[str, Any],
    quantity: str,
    status_code: int,
) -> Response[bytes]:
    """The product page again after a refused add-to-cart: fresh stock, the shopper's input, messages."""
    shop_locale = shop_locale_or_404(locale)
    catalog = await catalog_cache.get()
    stock = await variant_stock([v.id for v in product.variants])
    template, context, meta = product_parts(
        catalog, shop_locale.code, product, chosen, stock, errors, quantity
    )
    return await render_page(request, shop_locale, template, context, meta, status_code=status_code)


@get("/{locale:str}/p/{slug:str}", name="product", include_in_schema=False)
async def product_page(
    request: Request[Any, Any, Any], locale: FromPath[str], slug: FromPath[str]
) -> Response[Any]:
    shop_locale = shop_locale_or_404(locale)
    catalog = await catalog_cache.get()
    product_id = catalog.product_slugs.get(shop_locale.code, {}).get(slug)
    if product_id is None:
        other = _slug_in_other_locale(catalog.product_slugs, slug)
        if other is None:
            raise NotFoundException()
        return Redirect(
            urls.product_url(shop_locale.code, catalog.products[other].text(shop_locale.code).slug),
            status_code=301,
        )
    product = catalog.products[product_id]
    chosen = chosen_options(product, request.query_params)

    def build(catalog: Catalog, stock: dict[int, int]) -> PageParts:
        return product_parts(catalog, shop_locale.code, product, chosen, stock)

    return await cached_page(
        request, shop_locale, ("product", product_id, tuple(sorted(chosen.items()))), build
    )


CONTROLLERS = [home, category_page, product_page]
