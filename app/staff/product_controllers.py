"""The back office's catalogue screens: /admin/products (search, published filter, pages), a new
product (/admin/products/new), one product's page with its forms (base fields, new option values,
market prices, low-stock thresholds), each guarded by its own permission, and /admin/stock (the
variants at or below their low-stock threshold)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect

from app.core.money import precision
from app.i18n.locales import get_locale
from app.i18n.markers import N_
from app.markets.data import market_set
from app.staff.auth import (
    Guard,
    LoginRequired,
    StaffForbidden,
    actor_of,
    admin_locale,
    admin_url,
    current_staff,
    render_admin,
    requires,
)
from app.staff.market_prices import read_market_price_form, save_market_price
from app.staff.order_controllers import page_number
from app.staff.product_fields import CUSTOMS_KEYS, Errors, customs_values
from app.staff.product_new import TAX_CLASS_LABELS, category_choices, create_product, read_new_product_form
from app.staff.products import (
    Conflict,
    ProductEdit,
    ProductFilter,
    ProductNotFound,
    StockChanged,
    load_product_edit,
    product_page,
    read_product_form,
    save_product,
)
from app.staff.rules import Permission, can
from app.staff.services import StaffMember
from app.staff.stock import low_stock_page, read_threshold_form, save_thresholds
from app.staff.variant_additions import add_variants, read_variants_form
from app.tax.model import PRODUCT_TAX_CLASSES
from app.web.forms import read_form
from app.web.state import request_shop

DONE = {
    "saved": N_("The product is saved. The shop shows the change within seconds."),
    "unchanged": N_("Nothing changed: the form had the product's current values."),
    "created": N_(
        "The product is created, unpublished, with no stock. Add its stock, images and translations, "
        "then publish it."
    ),
    "variants": N_("The new variants are added with no stock: set their stock below."),
    "price-set": N_("The market price is saved. The shop charges it in that market within seconds."),
    "price-cleared": N_("The market price is removed: the shop converts the base price there again."),
    "thresholds": N_("The low-stock thresholds are saved."),
}
FIX_ERRORS = N_("The product was not saved. Correct the fields marked below.")
NOT_CREATED = N_("The product was not created. Correct the fields marked below.")
STOCK_CHANGED = N_(
    "The stock changed meanwhile (an order or another edit). Nothing was saved: check the current "
    "stock shown below, then save again."
)
NEW_PRODUCT_FIELDS = dict.fromkeys(
    ("code", "category", "name", "description", "price", "options", *CUSTOMS_KEYS), ""
) | {"tax_class": "standard"}
CATALOG = Permission.MANAGE_CATALOG
PRICES = Permission.EDIT_PRICES
STOCK = Permission.MANAGE_STOCK


def requires_any(*permissions: Permission) -> Guard:
    """A guard: logged in, with a role that allows at least one of `permissions`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        member = await current_staff(connection)
        if member is None:
            raise LoginRequired()
        if not any(can(member.identity, permission) for permission in permissions):
            raise StaffForbidden()

    return guard


def product_filter(request: Request[Any, Any, Any]) -> ProductFilter:
    params = request.query_params
    published = params.get("published", "")
    return ProductFilter(
        q=params.get("q", "").strip()[:100], published=published if published in ("yes", "no") else ""
    )


@get("/products", name="admin-products", guards=[requires(CATALOG)])
async def products_list(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    where = product_filter(request)
    page = page_number(request)
    rows, more = await product_page(where, admin_locale(request, staff).code, page)
    return render_admin(
        request,
        "admin/products.html",
        {"rows": rows, "page": page, "more": more, "where": where, "query": where.query()},
        member=staff,
    )


def product_url(code: str, done: str = "") -> str:
    return admin_url("products", code, done=done)


# --- a new product ------------------------------------------------------------------------------


async def new_product_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: Errors | None = None,
) -> Response[Any]:
    settings = request_shop(request).settings
    text_language = get_locale(settings.default_locale)
    return render_admin(
        request,
        "admin/product_new.html",
        {
            "values": {**NEW_PRODUCT_FIELDS, **(values or {})},
            "field_errors": errors or {},
            "categories": await category_choices(admin_locale(request, staff).code),
            "tax_classes": [(name, TAX_CLASS_LABELS[name]) for name in PRODUCT_TAX_CLASSES],
            "currency": settings.shop_currency,
            "text_locale": text_language.native_name if text_language else settings.default_locale,
            "error": NOT_CREATED if errors else None,
        },
        member=staff,
        status=status,
    )


@get("/products/new", name="admin-product-new", guards=[requires(CATALOG), requires(PRICES)])
async def product_new(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    return await new_product_screen(request, staff)


@post("/products/new", name="admin-product-create", guards=[requires(CATALOG), requires(PRICES)])
async def product_create(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    settings = request_shop(request).settings
    categories = await category_choices(admin_locale(request, staff).code)
    new = read_new_product_form(
        await read_form(request), categories=[c.id for c in categories], currency=settings.shop_currency
    )
    if new.errors:
        return await new_product_screen(request, staff, status=400, values=new.values, errors=new.errors)
    try:
        # The name and description are the shop's base texts; translators add the other languages.
        await create_product(actor_of(request, staff), new, settings.default_locale)
    except Conflict as conflict:
        return await new_product_screen(request, staff, status=409, values=new.values, errors=conflict.errors)
    request_shop(request).stock_cache.invalidate()
    return Redirect(product_url(new.code, "created"), status_code=303)


# --- one product --------------------------------------------------------------------------------


def shown_values(product: ProductEdit) -> dict[str, str]:
    """Every form's fields as the product stands."""
    values = {"published": "1" if product.published else "", **customs_values(product.customs)}
    for v in product.variants:
        values[f"price_{v.id}"] = f"{v.price.amount:.{precision(v.currency)}f}"
        values[f"stock_{v.id}"] = str(v.stock)
        values[f"shown_{v.id}"] = str(v.stock)
        values[f"threshold_{v.id}"] = str(v.low_stock_threshold)
    values.update({f"add_{axis}": "" for axis in product.axes})
    values.update(new_price="", market_variant="", market_market="", market_amount="")
    if product.variants:
        cheapest = min(product.variants, key=lambda v: v.price.amount)
        values["new_price"] = f"{cheapest.price.amount:.{precision(cheapest.currency)}f}"
    return values


async def product_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    code: str,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: Errors | None = None,
    error: str | None = None,
    current_stock: dict[int, int] | None = None,
) -> Response[Any]:
    try:
        product = await load_product_edit(code, admin_locale(request, staff).code)
    except ProductNotFound:
        return render_admin(request, "admin/product_missing.html", {}, member=staff, status=404)
    shown = shown_values(product)
    shown.update(values or {})
    for variant_id, stock in (current_stock or {}).items():
        shown[f"shown_{variant_id}"] = str(stock)  # the next save compares with what is now shown
    identity = staff.identity
    return render_admin(
        request,
        "admin/product.html",
        {
            "product": product,
            "axes": product.axes,
            "values": shown,
            "field_errors": errors or {},
            "current_stock": current_stock or {},
            "error": error,
            "notice": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
            "markets": list(market_set().markets.values()),
            "can_catalog": can(identity, CATALOG),
            "can_prices": can(identity, PRICES),
            "can_stock": can(identity, STOCK),
        },
        member=staff,
        status=status,
    )


@get("/products/{code:str}", name="admin-product", guards=[requires_any(CATALOG, STOCK)])
async def product_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    return await product_screen(request, staff, code)


async def _product_or_404(
    request: Request[Any, Any, Any], staff: StaffMember, code: str
) -> ProductEdit | Response[Any]:
    try:
        return await load_product_edit(code, admin_locale(request, staff).code)
    except ProductNotFound:
        return await product_screen(request, staff, code)


@post("/products/{code:str}", name="admin-product-save", guards=[requires(CATALOG)])
async def product_save(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    product = await _product_or_404(request, staff, code)
    if not isinstance(product, ProductEdit):
        return product
    edit = read_product_form(
        await read_form(request),
        product,
        prices=can(staff.identity, PRICES),
        stock=can(staff.identity, STOCK),
    )
    if edit.errors:
        return await product_screen(
            request, staff, code, status=400, values=edit.values, errors=edit.errors, error=FIX_ERRORS
        )
    try:
        changed = await save_product(actor_of(request, staff), code, edit, admin_locale(request, staff).code)
    except ProductNotFound:
        return await product_screen(request, staff, code)
    except StockChanged as moved:
        return await product_screen(
            request,
            staff,
            code,
            status=409,
            values=edit.values,
            errors=edit.errors,
            error=STOCK_CHANGED,
            current_stock=moved.current,
        )
    if changed:
        # This worker's listings show the new stock at once; the others within their cache's TTL.
        request_shop(request).stock_cache.invalidate()
    return Redirect(product_url(code, "saved" if changed else "unchanged"), status_code=303)


@post(
    "/products/{code:str}/variants",
    name="admin-product-variants",
    guards=[requires(CATALOG), requires(PRICES)],
)
async def product_add_variants(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    product = await _product_or_404(request, staff, code)
    if not isinstance(product, ProductEdit):
        return product
    currency = (
        product.variants[0].currency if product.variants else request_shop(request).settings.shop_currency
    )
    form = read_variants_form(await read_form(request), product, currency)
    if not form.errors:
        try:
            await add_variants(actor_of(request, staff), code, form, admin_locale(request, staff).code)
        except Conflict as conflict:
            form.errors.update(conflict.errors)
        except ProductNotFound:
            return await product_screen(request, staff, code)
    if form.errors:
        return await product_screen(
            request, staff, code, status=400, values=form.values, errors=form.errors, error=FIX_ERRORS
        )
    request_shop(request).stock_cache.invalidate()
    return Redirect(product_url(code, "variants"), status_code=303)


async def _market_price(
    request: Request[Any, Any, Any], staff: StaffMember, code: str, *, clear: bool
) -> Response[Any]:
    product = await _product_or_404(request, staff, code)
    if not isinstance(product, ProductEdit):
        return product
    form = read_market_price_form(await read_form(request), product, market_set().markets, clearing=clear)
    changed = False
    if not form.errors:
        try:
            changed = await save_market_price(
                actor_of(request, staff), code, form, admin_locale(request, staff).code, clear=clear
            )
        except Conflict as conflict:
            form.errors.update(conflict.errors)
        except ProductNotFound:
            return await product_screen(request, staff, code)
    if form.errors:
        values = {f"market_{key}": value for key, value in form.values.items()}
        errors = {f"market_{key}": problem for key, problem in form.errors.items()}
        return await product_screen(
            request, staff, code, status=400, values=values, errors=errors, error=FIX_ERRORS
        )
    done = "unchanged" if not changed else "price-cleared" if clear else "price-set"
    return Redirect(product_url(code, done), status_code=303)


@post("/products/{code:str}/prices", name="admin-product-price-set", guards=[requires(PRICES)])
async def product_price_set(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    return await _market_price(request, staff, code, clear=False)


@post("/products/{code:str}/prices/clear", name="admin-product-price-clear", guards=[requires(PRICES)])
async def product_price_clear(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    return await _market_price(request, staff, code, clear=True)


@post("/products/{code:str}/thresholds", name="admin-product-thresholds", guards=[requires(STOCK)])
async def product_thresholds(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    product = await _product_or_404(request, staff, code)
    if not isinstance(product, ProductEdit):
        return product
    form = read_threshold_form(await read_form(request), product)
    if form.errors:
        return await product_screen(
            request, staff, code, status=400, values=form.values, errors=form.errors, error=FIX_ERRORS
        )
    try:
        changed = await save_thresholds(
            actor_of(request, staff), code, form, admin_locale(request, staff).code
        )
    except ProductNotFound:
        return await product_screen(request, staff, code)
    return Redirect(product_url(code, "thresholds" if changed else "unchanged"), status_code=303)


# --- low stock ----------------------------------------------------------------------------------


@get("/stock", name="admin-stock", guards=[requires(STOCK)])
async def stock_list(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    page = page_number(request)
    rows, more = await low_stock_page(admin_locale(request, staff).code, page)
    return render_admin(request, "admin/stock.html", {"rows": rows, "page": page, "more": more}, member=staff)


PRODUCT_HANDLERS = [
    products_list,
    product_new,
    product_create,
    product_detail,
    product_save,
    product_add_variants,
    product_price_set,
    product_price_clear,
    product_thresholds,
    stock_list,
]
