"""HTML pages of the catalogue: home, category listings and product pages."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from app.catalog.pages import chosen_options, product_parts
from app.catalog.rules import SORTS, Catalog, parse_page, parse_sort, sort_products, summary
from app.core.richtext import html_to_text
from app.web import urls
from app.web.pages import PageMeta, PageParts, PageRequest, cached_page

FEATURED_COUNT = 12


@get("/{locale:str}/", name="home", include_in_schema=False)
async def home(page: NamedDependency[PageRequest]) -> Response[bytes]:
    locale, shop_name = page.locale.code, page.shop.settings.shop_name

    def build(catalog: Catalog, stock: dict[int, int]) -> PageParts:
        _ = page.gettext()
        featured = sort_products(list(catalog.products.values()), "featured", locale)[:FEATURED_COUNT]
        meta = PageMeta(
            title=_("%(shop)s – gifts and everyday goods, shipped worldwide") % {"shop": shop_name},
            description=_(
                "Clothing, accessories, homeware, stationery, tech and tea, shipped to your country "
                "with prices in your language."
            ),
            alternate=urls.home_url,
        )
        return "home.html", {"featured": featured, "stock": stock}, meta

    return await cached_page(page, ("home",), build)


@get("/{locale:str}/c/{slug:str}", name="category", include_in_schema=False)
async def category_page(
    page: NamedDependency[PageRequest],
    slug: FromPath[str],
    page_number: Annotated[str | None, QueryParameter(name="page")] = None,
    sort: FromQuery[str | None] = None,
) -> Response[Any]:
    locale, catalog, settings = page.locale.code, page.catalog, page.shop.settings
    category_id, target = catalog.category_at(locale, slug)
    if category_id is None:
        raise NotFoundException()
    if target != slug:
        return Redirect(urls.category_url(locale, target), status_code=301)
    category = catalog.categories[category_id]
    chosen_sort = parse_sort(sort)
    current = parse_page(
        page_number, len(catalog.products_in_category.get(category_id, ())), settings.page_size
    )
    if current is None:
        raise NotFoundException()
    pricer = page.pricer

    def build(catalog: Catalog, stock: dict[int, int]) -> PageParts:
        products = [catalog.products[pid] for pid in catalog.products_in_category.get(category_id, ())]
        # Sorted by the price the shopper sees (a price list may set it), not the base price.
        ordered = sort_products(products, chosen_sort, locale, price_of=lambda p: pricer.from_price(p).amount)
        text = category.text(locale)
        _ = page.gettext()
        title = text.seo_title or text.name
        if current.number > 1:
            title = _("%(name)s – page %(page)s") % {"name": text.name, "page": current.number}

        def alternate(code: str) -> str:
            return urls.category_url(code, category.text(code).slug, page=current.number)

        meta = PageMeta(
            title=f"{title} | {settings.shop_name}",
            description=text.seo_description or summary(html_to_text(text.description)),
            alternate=alternate,
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

    return await cached_page(page, ("category", category_id, current.number, chosen_sort), build)


@get("/{locale:str}/p/{slug:str}", name="product", include_in_schema=False)
async def product_page(
    request: Request[Any, Any, Any], page: NamedDependency[PageRequest], slug: FromPath[str]
) -> Response[Any]:
    locale, catalog = page.locale.code, page.catalog
    product_id, target = catalog.product_at(locale, slug)
    if product_id is None:
        raise NotFoundException()
    if target != slug:
        return Redirect(urls.product_url(locale, target), status_code=301)
    product = catalog.products[product_id]
    chosen = chosen_options(product, request.query_params)
    shop_name = page.shop.settings.shop_name

    def build(catalog: Catalog, stock: dict[int, int]) -> PageParts:
        return product_parts(catalog, locale, product, chosen, stock, shop_name)

    return await cached_page(page, ("product", product_id, tuple(sorted(chosen.items()))), build)


@get("/{locale:str}/pages/{slug:str}", name="page", include_in_schema=False)
async def content_page(page: NamedDependency[PageRequest], slug: FromPath[str]) -> Response[Any]:
    """A content page (shipping and returns, about us); old slugs answer 301, unpublished ones 404."""
    locale, catalog = page.locale.code, page.catalog
    page_id, target = catalog.page_at(locale, slug)
    if page_id is None:
        raise NotFoundException()
    if target != slug:
        return Redirect(urls.page_url(locale, target), status_code=301)
    shown = catalog.pages[page_id]
    shop_name = page.shop.settings.shop_name

    def build(catalog: Catalog, stock: dict[int, int]) -> PageParts:
        text = shown.text(locale)

        def alternate(code: str) -> str:
            return urls.page_url(code, shown.text(code).slug)

        meta = PageMeta(
            title=f"{text.seo_title or text.name} | {shop_name}",
            description=text.seo_description or summary(html_to_text(text.description)),
            alternate=alternate,
        )
        return "page.html", {"page": shown}, meta

    return await cached_page(page, ("page", page_id), build)


CONTROLLERS = [home, category_page, product_page, content_page]
