"""HTML search pages: results with facets at /{locale}/search, suggestions as a fragment for the box.

Never cached in the page cache, and `no-store` for browsers and proxies: both echo what the shopper
typed. Bad input gives results or an empty page; an unavailable backend gives a page that says so.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.enums import MediaType

from app.catalog.rules import Catalog
from app.i18n.locales import DEFAULT_LOCALE
from app.markets.rules import Pricer
from app.search.model import SearchResults, SearchUnavailable
from app.search.pages import (
    SORTS,
    SearchForm,
    attribute_facets,
    category_facets,
    clean_query,
    form_from_query,
    max_page,
    popular_categories,
    price_range,
    result_items,
    run_suggest,
    search_all_pages,
    search_url,
    sort_labels,
)
from app.web import urls
from app.web.pages import PageMeta, PageRequest, render_page

log = logging.getLogger("storefront.search")
NO_STORE = {"Cache-Control": "no-store"}
SUGGEST_MIN_CHARS = 2


def search_meta(page: PageRequest, form: SearchForm, results: SearchResults | None) -> PageMeta:
    _ = page.gettext()
    shop_name = page.shop.settings.shop_name
    if form.q:
        title = _("Search results for “%(query)s”") % {"query": form.q}
        if form.page > 1:
            title = _("%(name)s – page %(page)s") % {"name": title, "page": form.page}
    else:
        title = _("Search")
    return PageMeta(
        title=f"{title} | {shop_name}",
        description=_("Search the catalogue in your language, with prices in your currency."),
        # The same search in each language: hreflang and the switcher keep the shopper's query.
        alternate=lambda code: search_url(code, form, page=form.page),
        noindex=True,  # results pages are endless and thin: never in a search engine's index
        headers=dict(NO_STORE),
    )


@get("/{locale:str}/search", name="search", include_in_schema=False)
async def search_page(page: NamedDependency[PageRequest]) -> Response[bytes]:
    locale, catalog, settings, pricer = page.locale.code, page.catalog, page.shop.settings, page.pricer
    form = form_from_query(page.request.query_params, catalog, locale, settings.page_size)
    results: SearchResults | None = None
    unavailable = False
    if form.q or form.filtered:
        try:
            results = await search_all_pages(settings, form.query(locale, pricer, settings.shop_currency))
        except SearchUnavailable as error:
            # The rest of the page renders from the catalogue snapshot: header, popular categories.
            unavailable = True
            log.warning("search unavailable: %s", error)
    stock = await page.shop.stock_cache.get(catalog.revision)
    context = search_context(catalog, form, results, locale, pricer, settings.shop_currency, page)
    context.update(stock=stock, unavailable=unavailable)
    status = 503 if unavailable else 200
    meta = search_meta(page, form, results)
    if unavailable:
        meta.headers["Retry-After"] = "30"
    return await render_page(page, "search.html", context, meta, status_code=status)


def search_context(
    catalog: Catalog,
    form: SearchForm,
    results: SearchResults | None,
    locale: str,
    pricer: Pricer,
    shop_currency: str,
    page: PageRequest,
) -> dict[str, Any]:
    total = results.total if results else 0
    per_page = form.per_page
    total_pages = min(max(1, -(-total // per_page)), max_page(per_page))
    current = min(form.page, total_pages)
    facets = results.facets if results else None
    return {
        "form": form,
        "search_text": form.q,
        "results": results,
        "items": result_items(catalog, results.hits, locale) if results else [],
        "total": total,
        "current_page": current,
        "total_pages": total_pages,
        "category_facets": category_facets(catalog, facets, form, locale) if facets else [],
        "attribute_facets": attribute_facets(catalog, facets, form, locale) if facets else [],
        "price_range": price_range(pricer, facets, shop_currency) if facets else None,
        "in_stock_count": facets.in_stock if facets else 0,
        "suggestion_url": search_url(locale, form, q=results.suggestion)
        if results and results.suggestion
        else None,
        "popular": popular_categories(catalog),
        "sorts": SORTS,
        "sort_labels": sort_labels(page.gettext()),
        "search_url": search_url,
        "clear_url": search_url(locale, SearchForm(q=form.q, sort=form.sort, per_page=per_page)),
    }


@get("/{locale:str}/search/suggest", name="search_suggest", include_in_schema=False)
async def search_suggest(page: NamedDependency[PageRequest]) -> Response[bytes]:
    """Suggestions for the search box as an HTML fragment (the script inserts it as is: every
    text in it is escaped here). Empty when the query is short or the backend is unavailable."""
    locale, settings = page.locale.code, page.shop.settings
    text = clean_query(page.request.query_params.get("q"))
    hits: tuple[Any, ...] = ()
    if len(text) < SUGGEST_MIN_CHARS:
        text = ""  # an empty fragment: the script closes the list
    else:
        try:
            hits = await run_suggest(settings, text, locale)
        except SearchUnavailable as error:
            log.warning("search suggestions unavailable: %s", error)
    items = result_items(page.catalog, hits, locale)
    context = {
        "locale_code": locale or DEFAULT_LOCALE,
        "urls": urls,
        "pricer": page.pricer,
        "items": items,
        "query": text,
        "results_url": search_url(locale, SearchForm(q=text)),
    }
    body = page.shop.templates.get_template("partials/search_suggest.html").render(context)
    return Response(
        content=body.encode(),
        media_type=MediaType.HTML,
        headers={**NO_STORE, "X-Robots-Tag": "noindex"},
    )


CONTROLLERS = [search_page, search_suggest]
