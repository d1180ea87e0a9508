"""API: product search, with the results page's filters, facets, sorting and paging."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Router, get
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from app.api.bodies import StrictBody
from app.api.catalog import summary_out
from app.api.common import ApiProblem, View, money_out, problems, provide_view
from app.api.schemas import MoneyOut, ProblemOut, ProductSummaryOut
from app.i18n.markers import N_
from app.search.model import MAX_PER_PAGE, MAX_QUERY_CHARS, Highlight, SearchUnavailable, Sort
from app.search.pages import (
    MAX_RESULTS_WINDOW,
    attribute_facets,
    category_facets,
    make_form,
    max_page,
    price_range,
    search_all_pages,
)


class SegmentOut(msgspec.Struct):
    text: str
    matched: bool


class HighlightOut(msgspec.Struct):
    field: str  # "name" or "description"
    segments: list[SegmentOut]  # plain text: clients escape it and mark the matched segments


class SearchHitOut(msgspec.Struct):
    product: ProductSummaryOut
    score: float
    matched_locale: str  # the language whose text matched best (may differ from `locale`)
    highlights: list[HighlightOut]


class CategoryFacetOut(msgspec.Struct):
    code: str
    name: str
    count: int
    selected: bool


class AttributeValueOut(msgspec.Struct):
    value: str  # "axis:value", as the `attribute` parameter takes it
    label: str
    count: int
    selected: bool


class AttributeFacetOut(msgspec.Struct):
    axis: str
    label: str
    values: list[AttributeValueOut]


class PriceRangeOut(msgspec.Struct):
    min: MoneyOut
    max: MoneyOut


class SearchFacetsOut(msgspec.Struct):
    categories: list[CategoryFacetOut]
    attributes: list[AttributeFacetOut]
    in_stock: int
    price: PriceRangeOut | None  # in the response currency; approximate where price lists apply


class SearchResultsOut(msgspec.Struct):
    query: str  # as searched: control characters removed, truncated
    items: list[SearchHitOut]
    total: int
    page: int
    per_page: int
    total_pages: int
    sort: str
    suggestion: str | None  # a corrected query when this one found little or nothing
    facets: SearchFacetsOut


def highlight_out(highlight: Highlight) -> HighlightOut:
    return HighlightOut(highlight.field, [SegmentOut(text, matched) for text, matched in highlight.segments])


PRICE_PATTERN = r"^\d{1,9}(\.\d{1,6})?$"
UNAVAILABLE = ResponseSpec(
    data_container=ProblemOut,
    description="Search is unavailable (the search server is down or the index is missing); retry later",
    media_type="application/problem+json",
    generate_examples=False,
)


@get(
    "/search",
    summary="Search products",
    description=(
        "Full-text search in every shop language (the `locale`'s texts rank first; a query in another "
        "language still finds the product), typo tolerant, with facets over all matches. Prices, "
        "price bounds and the facets' price range are in the response currency (`currency`, else "
        f"the market's). Queries longer than {MAX_QUERY_CHARS} characters are truncated; query "
        "syntax is searched as text, never an error."
    ),
    responses={**problems(422), 503: UNAVAILABLE},
)
async def search_products(
    view: NamedDependency[View],
    q: Annotated[str, QueryParameter(description="What to search for (empty: every product)")] = "",
    category: Annotated[
        str | None, QueryParameter(description="A category code: products in it or its subcategories")
    ] = None,
    attribute: Annotated[
        list[str] | None,
        QueryParameter(
            description='"axis:value" filters, repeatable (values of one axis OR together, axes AND): '
            "colour:red&attribute=size:m"
        ),
    ] = None,
    min_price: Annotated[
        str | None,
        QueryParameter(pattern=PRICE_PATTERN, description="Lowest price, in the response currency"),
    ] = None,
    max_price: Annotated[
        str | None,
        QueryParameter(pattern=PRICE_PATTERN, description="Highest price, in the response currency"),
    ] = None,
    in_stock: Annotated[bool, QueryParameter(description="Only products in stock")] = False,
    sort: Annotated[Sort, QueryParameter(description="Result order")] = Sort.RELEVANCE,
    page: Annotated[int, QueryParameter(ge=1, le=MAX_RESULTS_WINDOW, description="Page, from 1")] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=MAX_PER_PAGE, description="Results per page")] = 24,
) -> SearchResultsOut:
    locale, catalog, pricer, settings = view.locale, view.catalog, view.pricer, view.shop.settings
    form = make_form(
        catalog,
        locale,
        per_page,
        q=q,
        category=category,
        attributes=attribute or (),
        min_price=min_price,
        max_price=max_price,
        in_stock="1" if in_stock else None,
        sort=sort.value,
        page=str(min(page, max_page(per_page))),
    )
    if category and form.category is None:
        raise ApiProblem(
            422,
            N_("No category with this code."),
            "unknown_category",
            [{"field": "category", "message": "unknown category"}],
        )
    try:
        results = await search_all_pages(settings, form.query(locale, pricer, settings.shop_currency))
    except SearchUnavailable as error:
        raise ApiProblem(503, N_("Search is unavailable at the moment."), "search_unavailable") from error
    stock = await view.shop.stock_cache.get(catalog.revision)
    facets = results.facets
    items = []
    for hit in results.hits:
        product = catalog.products.get(hit.product_id)
        if product is not None:  # the index may briefly hold a product the catalogue just dropped
            items.append(
                SearchHitOut(
                    product=summary_out(product, locale, stock, pricer),
                    score=hit.score,
                    matched_locale=hit.locale,
                    highlights=[highlight_out(h) for h in hit.highlights],
                )
            )
    span = price_range(pricer, facets, settings.shop_currency)
    total_pages = min(max(1, -(-results.total // form.per_page)), max_page(form.per_page))
    return SearchResultsOut(
        query=form.q,
        items=items,
        total=results.total,
        page=min(form.page, total_pages),
        per_page=form.per_page,
        total_pages=total_pages,
        sort=form.sort.value,
        suggestion=results.suggestion,
        facets=SearchFacetsOut(
            categories=[
                CategoryFacetOut(code=link.code, name=link.label, count=link.count, selected=link.selected)
                for link in category_facets(catalog, facets, form, locale)
            ],
            attributes=[
                AttributeFacetOut(
                    axis=group.axis,
                    label=group.label,
                    values=[AttributeValueOut(v.value, v.label, v.count, v.selected) for v in group.values],
                )
                for group in attribute_facets(catalog, facets, form, locale)
            ],
            in_stock=facets.in_stock,
            price=PriceRangeOut(money_out(span[0], locale), money_out(span[1], locale)) if span else None,
        ),
    )


router = Router(
    path="/api/v1",
    route_handlers=[search_products],
    tags=["search"],
    dependencies={"view": Provide(provide_view)},
    dto=StrictBody,
    return_dto=None,
)
