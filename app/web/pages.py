"""Rendering a localised page: hreflang alternates, canonical link, locale cookie, cart badge."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.exceptions import NotFoundException
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from app.cart.services import cart_item_count
from app.catalog.rules import Catalog
from app.i18n.formatting import format_number
from app.i18n.locales import DEFAULT_LOCALE, LOCALES, ShopLocale, get_locale
from app.i18n.translations import get_translations
from app.markets.rules import Pricer
from app.web import urls
from app.web.market import market_selector, presentment_for, pricer_for
from app.web.state import (
    CART_COOKIE,
    COOKIE_MAX_AGE,
    LOCALE_COOKIE,
    catalog_cache,
    fx_cache,
    settings,
    stock_cache,
    templates,
)


@dataclass
class PageMeta:
    """What the <head> of a page needs beyond its body."""

    title: str
    description: str = ""
    # locale code -> path of the same page in that locale (hreflang, canonical, switcher); None: none
    alternate: Callable[[str], str] | None = None
    noindex: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def shop_locale_or_404(code: str) -> ShopLocale:
    shop_locale = get_locale(code)
    if shop_locale is None:
        raise NotFoundException()
    return shop_locale


def gettext_for(locale: str) -> Callable[[str], str]:
    return get_translations(locale).gettext


def base_url(request: Request[Any, Any, Any]) -> str:
    return settings.public_base_url or str(request.base_url).rstrip("/")


def csrf_input(request: Request[Any, Any, Any]) -> Markup:
    token = ScopeState.from_scope(request.scope).csrf_token
    token = token if isinstance(token, str) else ""
    return Markup('<input type="hidden" name="_csrf_token" value="{}">').format(escape(token))


def cookie(key: str, value: str, secure: bool | None = None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure if secure is None else secure,
        path="/",
    )


@lru_cache(maxsize=64)
def cookie_header(key: str, value: str, secure: bool) -> str:
    """The Set-Cookie value of `cookie()` for a cookie with few possible values (the locale), built
    once: Litestar builds each Cookie header through dataclasses.asdict, on every response."""
    return cookie(key, value, secure).to_header(header="")


# Holes in rendered pages, filled per request: cached HTML is the same for every shopper.
# Autoescaped output can never produce "<!--", so content cannot forge a hole.
CART_HOLE = "<!--sf:cart-->"
CSRF_HOLE = "<!--sf:csrf-->"
NEXT_HOLE = "<!--sf:next-->"  # this request's path, for forms that come back to it


@dataclass(frozen=True)
class RenderedPage:
    body: str
    headers: dict[str, str]


class PageCache:
    """Rendered catalogue pages per process, least recently used dropped first.

    Keys carry the catalogue revision and the stock snapshot version, so a change to either
    makes new keys and old pages age out: pages are never staler than those two caches.
    """

    def __init__(self, max_pages: int = 4096) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[tuple[Any, ...], RenderedPage] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> RenderedPage | None:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def put(self, key: tuple[Any, ...], page: RenderedPage) -> None:
        if self.max_pages <= 0:
            return
        self._pages[key] = page
        if len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()


page_cache = PageCache(settings.page_cache_pages)


def render(
    root: str,
    locale: ShopLocale,
    template: str,
    context: dict[str, Any],
    meta: PageMeta,
    catalog: Catalog | None,
    pricer: Pricer | None,
) -> RenderedPage:
    """Render a template as a full page in `locale`, with holes for per-shopper parts."""
    alternates: list[tuple[ShopLocale, str]] = []
    if meta.alternate is not None:
        alternates = [(loc, meta.alternate(code)) for code, loc in LOCALES.items()]
    switcher = alternates or [(loc, urls.home_url(code)) for code, loc in LOCALES.items()]
    page_context = {
        **context,
        "locale_code": locale.code,
        "shop_locale": locale,
        "settings": settings,
        "urls": urls,
        "catalog": catalog,
        "meta": meta,
        "root": root,
        "alternates": alternates,
        "x_default": meta.alternate(DEFAULT_LOCALE) if meta.alternate else None,
        "canonical": meta.alternate(locale.code) if meta.alternate else None,
        "switcher": switcher,
        "csrf_input": Markup(CSRF_HOLE),  # noqa: S704 (a constant)
        "cart_badge": Markup(CART_HOLE),  # noqa: S704 (a constant)
        "next_path": Markup(NEXT_HOLE),  # noqa: S704 (a constant)
        "pricer": pricer,
        "presentment": pricer.presentment if pricer else None,
        "selector": market_selector(locale.code, pricer),
    }
    headers = dict(meta.headers)
    if meta.noindex:
        headers["X-Robots-Tag"] = "noindex"
    return RenderedPage(templates.get_template(template).render(page_context), headers)


def cart_badge(locale: str, count: int) -> str:
    if not count:
        return ""
    label = get_translations(locale).ngettext("%(num)s item", "%(num)s items", count) % {
        "num": format_number(count, locale)
    }
    hidden = '<span class="visually-hidden">{}</span>'
    badge = Markup(' <span class="badge">' + hidden.format("(") + "{}" + hidden.format(")") + "</span>")  # noqa: S704
    return str(badge.format(label))


def respond(
    request: Request[Any, Any, Any],
    locale: ShopLocale,
    page: RenderedPage,
    cart_count: int,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Response[bytes]:
    """Fill the holes for this shopper and answer."""
    body = page.body.replace(CART_HOLE, cart_badge(locale.code, cart_count), 1)
    if CSRF_HOLE in body:
        body = body.replace(CSRF_HOLE, str(csrf_input(request)))
    if NEXT_HOLE in body:
        query = request.scope.get("query_string", b"").decode("latin-1")
        body = body.replace(NEXT_HOLE, str(escape(request.url.path + (f"?{query}" if query else ""))))
    headers = page.headers
    if request.cookies.get(LOCALE_COOKIE) != locale.code:
        headers = {**headers, "set-cookie": cookie_header(LOCALE_COOKIE, locale.code, settings.cookie_secure)}
    return Response(
        content=body.encode(),
        media_type=MediaType.HTML,
        status_code=status_code,
        cookies=cookies,
        headers=headers,
    )


async def render_page(
    request: Request[Any, Any, Any],
    locale: ShopLocale,
    template: str,
    context: dict[str, Any],
    meta: PageMeta,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Response[bytes]:
    """Render and answer a page that is not cached (forms with errors, carts, orders)."""
    pricer = context.get("pricer") or await pricer_for(request, locale)
    page = render(base_url(request), locale, template, context, meta, await catalog_cache.get(), pricer)
    cart_count = await cart_item_count(request.cookies.get(CART_COOKIE))
    return respond(request, locale, page, cart_count, status_code, cookies)


PageParts = tuple[str, dict[str, Any], PageMeta]


async def cached_page(
    request: Request[Any, Any, Any],
    locale: ShopLocale,
    key: tuple[Any, ...],
    build: Callable[[Catalog, dict[int, int]], PageParts],
) -> Response[bytes]:
    """A catalogue page from the page cache, built (template, context, meta) on a miss."""
    catalog = await catalog_cache.get()
    stock = await stock_cache.get()
    pricer = await pricer_for(request, locale)
    root = base_url(request)
    shopper = pricer.presentment
    full_key = (
        *key,
        locale.code,
        root,
        catalog.revision,
        stock_cache.version,
        shopper.country,
        shopper.currency,
        shopper.currency_chosen,
        pricer.rates.version,
    )
    page = page_cache.get(full_key)
    if page is None:
        template, context, meta = build(catalog, stock)
        page = render(root, locale, template, context, meta, catalog, pricer)
        page_cache.put(full_key, page)
    cart_count = await cart_item_count(request.cookies.get(CART_COOKIE))
    return respond(request, locale, page, cart_count)


def build_page(
    request: Request[Any, Any, Any],
    locale: ShopLocale,
    template: str,
    context: dict[str, Any],
    meta: PageMeta,
    catalog: Catalog | None,
    status_code: int,
) -> Response[bytes]:
    """Render and answer without I/O (error pages: whatever catalogue is cached, no cart badge)."""
    rates = fx_cache.peek()
    pricer = Pricer(presentment_for(request, locale, rates), rates) if rates else None
    page = render(base_url(request), locale, template, context, meta, catalog, pricer)
    return respond(request, locale, page, 0, status_code)
