"""API: categories and products."""

from __future__ import annotations

from litestar import Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery

from app.api.bodies import StrictBody
from app.api.common import ApiProblem, View, money_out, problems, provide_view
from app.api.schemas import CategoryOut, OptionOut, ProductOut, ProductPageOut, ProductSummaryOut, VariantOut
from app.catalog.rules import Catalog, CategoryView, ProductView, parse_page, parse_sort, sort_products
from app.catalog.services import variant_stock
from app.i18n.markers import N_
from app.markets.rules import Pricer
from app.web import urls


def category_out(catalog: Catalog, category: CategoryView, locale: str) -> CategoryOut:
    text = category.text(locale)
    return CategoryOut(
        code=category.code,
        name=text.name,
        slug=text.slug,
        description=text.description,
        url=urls.category_url(locale, text.slug),
        children=[category_out(catalog, child, locale) for child in catalog.children(category)],
    )


def summary_out(
    product: ProductView, locale: str, stock: dict[int, int], pricer: Pricer
) -> ProductSummaryOut:
    text = product.text(locale)
    image = product.image_for(None)
    return ProductSummaryOut(
        code=product.code,
        name=text.name,
        slug=text.slug,
        url=urls.product_url(locale, text.slug),
        price_from=money_out(pricer.from_price(product), locale),
        in_stock=product.in_stock(stock),
        image=f"/media/{image.path}" if image else None,
    )


@get("/categories", summary="Category tree", responses=problems(422))
async def list_categories(view: NamedDependency[View]) -> list[CategoryOut]:
    loc = view.locale
    catalog = view.catalog
    return [category_out(catalog, category, loc) for category in catalog.top_categories]


@get(
    "/categories/{code:str}/products",
    summary="Products of a category and its subcategories",
    responses=problems(404, 422),
)
async def category_products(
    code: FromPath[str],
    view: NamedDependency[View],
    page: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
) -> ProductPageOut:
    loc = view.locale
    catalog = view.catalog
    category = next((c for c in catalog.categories.values() if c.code == code), None)
    if category is None:
        raise ApiProblem(404, N_("No category with this code."), "unknown_category")
    products = [catalog.products[pid] for pid in catalog.products_in_category.get(category.id, ())]
    current = parse_page(page, len(products), view.shop.settings.page_size)
    if current is None:
        raise ApiProblem(404, N_("This page does not exist."), "page_out_of_range")
    chosen_sort = parse_sort(sort)
    shown = sort_products(products, chosen_sort, loc, price_of=lambda p: view.pricer.from_price(p).amount)[
        current.start : current.start + current.size
    ]
    stock = await view.shop.stock_cache.get(catalog.revision)
    return ProductPageOut(
        items=[summary_out(p, loc, stock, view.pricer) for p in shown],
        page=current.number,
        total_pages=current.total_pages,
        total_items=current.total_items,
        sort=chosen_sort,
    )


@get(
    "/products/{code:str}",
    summary="A product with its variants, prices and stock",
    responses=problems(404, 422),
)
async def product_detail(
    code: FromPath[str],
    view: NamedDependency[View],
) -> ProductOut:
    loc = view.locale
    pricer = view.pricer
    catalog = view.catalog
    product_id = catalog.products_by_code.get(code)
    if product_id is None:
        raise ApiProblem(404, N_("No product with this code."), "unknown_product")
    product = catalog.products[product_id]
    stock = await variant_stock([v.id for v in product.variants])
    text = product.text(loc)
    return ProductOut(
        code=product.code,
        name=text.name,
        slug=text.slug,
        description=text.description,
        url=urls.product_url(loc, text.slug),
        category=catalog.categories[product.category_id].code,
        images=[f"/media/{image.path}" for image in product.images],
        variants=[
            VariantOut(
                sku=v.sku,
                options=[
                    OptionOut(
                        axis,
                        catalog.option_label(axis, "", loc),
                        value,
                        catalog.option_label(axis, value, loc),
                    )
                    for axis, value in v.options
                ],
                price=money_out(
                    pricer.price(v.id, v.price_minor, v.currency, tax_class=product.tax_class), loc
                ),
                in_stock=stock.get(v.id, 0) > 0,
                stock=stock.get(v.id, 0),
            )
            for v in product.variants
        ],
        hs_code=product.hs_code,
        origin_country=product.origin_country,
        weight_grams=product.weight_grams,
    )


router = Router(
    path="/api/v1",
    route_handlers=[list_categories, category_products, product_detail],
    tags=["catalogue"],
    dependencies={"view": Provide(provide_view)},
    dto=StrictBody,
    return_dto=None,
)
