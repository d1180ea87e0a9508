"""The back office's catalogue screens (first slice): /admin/products (search, published filter,
pages) and one product's edit form (published flag, customs fields, each variant's price and
stock), for the owner and catalogue managers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.core.money import precision
from app.i18n.markers import N_
from app.staff.auth import actor_of, admin_locale, render_admin, requires
from app.staff.order_controllers import page_number
from app.staff.products import (
    ProductEdit,
    ProductFilter,
    ProductForm,
    ProductNotFound,
    StockChanged,
    load_product_edit,
    product_page,
    read_product_form,
    save_product,
)
from app.staff.rules import Permission
from app.staff.services import StaffMember
from app.web.forms import read_form
from app.web.state import request_shop

DONE = {
    "saved": N_("The product is saved. The shop shows the change within seconds."),
    "unchanged": N_("Nothing changed: the form had the product's current values."),
}
FIX_ERRORS = N_("The product was not saved. Correct the fields marked below.")
STOCK_CHANGED = N_(
    "The stock changed meanwhile (an order or another edit). Nothing was saved: check the current "
    "stock shown below, then save again."
)
CATALOG = Permission.MANAGE_CATALOG


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
    path = f"/admin/products/{quote(code, safe='')}"
    return f"{path}?done={done}" if done else path


def shown_values(product: ProductEdit) -> dict[str, str]:
    """The form's fields as the product stands."""
    values = {
        "published": "1" if product.published else "",
        "hs_code": product.hs_code,
        "origin_country": product.origin_country,
        "weight_grams": str(product.weight_grams),
    }
    for v in product.variants:
        values[f"price_{v.id}"] = f"{v.price.amount:.{precision(v.currency)}f}"
        values[f"stock_{v.id}"] = str(v.stock)
        values[f"shown_{v.id}"] = str(v.stock)
    return values


async def product_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    code: str,
    *,
    status: int = 200,
    form: ProductForm | None = None,
    error: str | None = None,
    current_stock: dict[int, int] | None = None,
) -> Response[Any]:
    try:
        product = await load_product_edit(code, admin_locale(request, staff).code)
    except ProductNotFound:
        return render_admin(request, "admin/product_missing.html", {}, member=staff, status=404)
    values = shown_values(product)
    if form is not None:
        values.update(form.values)
    for variant_id, stock in (current_stock or {}).items():
        values[f"shown_{variant_id}"] = str(stock)  # the next save compares with what is now shown
    return render_admin(
        request,
        "admin/product.html",
        {
            "product": product,
            "values": values,
            "field_errors": form.errors if form is not None else {},
            "current_stock": current_stock or {},
            "error": error,
            "notice": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
        },
        member=staff,
        status=status,
    )


@get("/products/{code:str}", name="admin-product", guards=[requires(CATALOG)])
async def product_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    return await product_screen(request, staff, code)


@post("/products/{code:str}", name="admin-product-save", guards=[requires(CATALOG)])
async def product_save(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    locale = admin_locale(request, staff).code
    try:
        product = await load_product_edit(code, locale)
    except ProductNotFound:
        return await product_screen(request, staff, code)
    edit = read_product_form(await read_form(request), product)
    if edit.errors:
        return await product_screen(request, staff, code, status=400, form=edit, error=FIX_ERRORS)
    try:
        changed = await save_product(actor_of(request, staff), code, edit, locale)
    except ProductNotFound:
        return await product_screen(request, staff, code)
    except StockChanged as moved:
        return await product_screen(
            request, staff, code, status=409, form=edit, error=STOCK_CHANGED, current_stock=moved.current
        )
    if changed:
        # This worker's listings show the new stock at once; the others within their cache's TTL.
        request_shop(request).stock_cache.invalidate()
    return Redirect(product_url(code, "saved" if changed else "unchanged"), status_code=303)


PRODUCT_HANDLERS = [products_list, product_detail, product_save]
