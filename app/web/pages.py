"""Rendering a localised page: hreflang alternates, canonical link, locale cookie, cart badge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from app.cart.services import cart_item_count
from app.catalog.rules import Catalog
from app.checkout.fetch import tax_setup
from app.checkout.landed import item_taxes
from app.core.settings import Settings, get_settings
from app.i18n.formatting import format_number
from app.i18n.locales import DEFAULT_LOCALE, LOCALES, ShopLocale
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.markets.regions import crosses_customs_border
from app.markets.rules import Pricer
from app.web import urls
from app.web.market import fresh_currencies, make_pricer, market_selector, presentment_for
from app.web.page_cache import RenderedPage
from app.web.state import CART_COOKIE, COOKIE_MAX_AGE, LOCALE_COOKIE, ShopState


@dataclass
class PageMeta:
    """What the <head> of a page needs beyond its body."""

    title: str
    description: str = ""
    # locale code -> path of the same page in that locale (hreflang, canonical, switcher); None: none
    alternate: Callable[[str], str] | None = None
    noindex: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def gettext_for(locale: str) -> Callable[[str], str]:
    return get_translations(locale).gettext


def base_url(request: Request[Any, Any, Any]) -> str:
    return get_settings().public_base_url or str(request.base_url).rstrip("/")


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
        secure=get_settings().cookie_secure if secure is None else secure,
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


def fx_disclosure(pricer: Pricer | None, base_currency: str) -> dict[str, Any] | None:
    """Where prices are converted, from which currency and at rates of which day (shown in the footer)."""
    if pricer is None or pricer.currency == base_currency:
        return None
    _, as_of = pricer.rates.describe(base_currency, pricer.currency)
    return {"base": base_currency, "as_of": as_of}


def render(
    shop: ShopState,
    root: str,
    locale: ShopLocale,
    template: str,
    context: dict[str, Any],
    meta: PageMeta,
    catalog: Catalog | None,
    pricer: Pricer | None,
) -> RenderedPage:
    """Render a template as a full page in `locale`, with holes for per-shopper parts."""
    settings = shop.settings
    alternates: list[tuple[ShopLocale, str]] = []
    if meta.alternate is not None:
        alternates = [(loc, meta.alternate(code)) for code, loc in LOCALES.items()]
    switcher = alternates or [(loc, urls.home_url(code)) for code, loc in LOCALES.items()]
    fresh = fresh_currencies(pricer.rates, settings) if pricer else None
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
        "fx_note": fx_disclosure(pricer, settings.shop_currency),
        "tax_note": price_tax_note(pricer, settings.shop_country) if pricer else "",
        "item_taxes": lambda product, variant: one_item_taxes(product, variant, pricer, settings),
        "selector": market_selector(locale.code, pricer, fresh),
    }
    headers = dict(meta.headers)
    if meta.noindex:
        headers["X-Robots-Tag"] = "noindex"
    return RenderedPage(shop.templates.get_template(template).render(page_context), headers)


def price_tax_note(pricer: Pricer, shop_country: str) -> str:
    """What the shopper's prices hold (a gettext msgid): it follows the pricing model of
    app/markets/taxes.py, and checkout charges exactly that (app/checkout/landed.py)."""
    country = pricer.presentment.country or shop_country
    if pricer.taxes.includes_tax:
        if crosses_customs_border(shop_country, country):
            return N_("Prices include VAT for your country; import duties, if any, are added at checkout.")
        return N_("Prices include VAT for your country.")
    if pricer.presentment.market.incoterm == "DDP":
        return N_("Prices exclude tax: taxes and import duties due are added at checkout.")
    return N_("Prices exclude tax: import duties and taxes may be payable to the carrier on delivery.")


def one_item_taxes(product: Any, variant: Any, pricer: Pricer | None, settings: Settings) -> Any:
    """The taxes and duties one unit would owe where the shopper is (None: country unknown)."""
    if pricer is None or pricer.presentment.country is None:
        return None
    setup = tax_setup(settings, datetime.now(UTC).date())
    return item_taxes(product, variant, pricer, pricer.presentment.country, setup)


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
        secure = get_settings().cookie_secure
        headers = {**headers, "set-cookie": cookie_header(LOCALE_COOKIE, locale.code, secure)}
    return Response(
        content=body.encode(),
        media_type=MediaType.HTML,
        status_code=status_code,
        cookies=cookies,
        headers=headers,
    )


@dataclass(frozen=True)
class PageRequest:
    """What every page handler holds, by dependency injection: one bundle to pass to the renderers."""

    request: Request[Any, Any, Any]
    shop: ShopState
    locale: ShopLocale
    catalog: Catalog
    pricer: Pricer

    def gettext(self) -> Callable[[str], str]:
        return gettext_for(self.locale.code)


async def render_page(
    page: PageRequest,
    template: str,
    context: dict[str, Any],
    meta: PageMeta,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
) -> Response[bytes]:
    """Render and answer a page that is not cached (forms with errors, carts, orders)."""
    request = page.request
    pricer = context.get("pricer") or page.pricer
    rendered = render(
        page.shop, base_url(request), page.locale, template, context, meta, page.catalog, pricer
    )
    cart_count = await cart_item_count(request.cookies.get(CART_COOKIE))
    return respond(request, page.locale, rendered, cart_count, status_code, cookies)


PageParts = tuple[str, dict[str, Any], PageMeta]


async def cached_page(
    page: PageRequest,
    key: tuple[Any, ...],
    build: Callable[[Catalog, dict[int, int]], PageParts],
) -> Response[bytes]:
    """A catalogue page from the page cache, built (template, context, meta) on a miss."""
    request, shop, locale, catalog, pricer = page.request, page.shop, page.locale, page.catalog, page.pricer
    stock = await shop.stock_cache.get(catalog.revision)
    root = base_url(request)
    shopper = pricer.presentment
    full_key = (
        *key,
        locale.code,
        root,
        catalog.revision,
        shop.stock_cache.version,
        shopper.country,
        shopper.currency,
        shopper.currency_chosen,
        shopper.stale_currency,
        pricer.rates.version,
    )
    rendered = shop.page_cache.get(full_key)
    if rendered is None:
        template, context, meta = build(catalog, stock)
        rendered = render(shop, root, locale, template, context, meta, catalog, pricer)
        shop.page_cache.put(full_key, rendered)
    cart_count = await cart_item_count(request.cookies.get(CART_COOKIE))
    return respond(request, locale, rendered, cart_count)


def build_page(
    request: Request[Any, Any, Any],
    shop: ShopState,
    locale: ShopLocale,
    template: str,
    context: dict[str, Any],
    meta: PageMeta,
    status_code: int,
) -> Response[bytes]:
    """Render and answer without I/O (error pages: whatever catalogue and rates are cached, no cart badge)."""
    rates = shop.fx_cache.peek()
    catalog = shop.catalog_cache.peek()
    pricer = (
        make_pricer(presentment_for(request, locale, rates, shop.settings), rates, None, shop.settings)
        if rates
        else None
    )
    rendered = render(shop, base_url(request), locale, template, context, meta, catalog, pricer)
    return respond(request, locale, rendered, 0, status_code)
