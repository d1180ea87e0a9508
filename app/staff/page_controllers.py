"""The back office's content page screens: /admin/pages (the list), /admin/pages/new and
/admin/pages/{code} (code, published, position and the base-locale texts). Owner and catalogue
managers; translators translate pages in the translation workflow."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.staff.auth import actor_of, admin_url, render_admin, requires
from app.staff.rules import Permission
from app.staff.services import StaffMember
from app.staff.shop_pages import (
    TEXTS,
    PageChanged,
    PageForm,
    PageNotFound,
    create_page,
    load_page,
    page_list,
    read_page_form,
    save_page,
)
from app.web import urls
from app.web.forms import read_form
from app.web.state import request_shop

CATALOG = Permission.MANAGE_CATALOG

DONE = {
    "created": N_("The page is created."),
    "saved": N_("The page is saved. The shop shows the change within seconds."),
    "unchanged": N_("Nothing changed."),
}
NOT_CREATED = N_("The page was not created. Correct the fields marked below.")
NOT_SAVED = N_("The page was not saved. Correct the fields marked below.")
PAGE_GONE = N_("This page does not exist any more: someone may have deleted it meanwhile.")
CHANGED = N_("Someone else saved this page while you were editing it. Their version is shown below.")


def page_url(code: str, done: str = "") -> str:
    return admin_url("pages", code, done=done)


def _base(request: Request[Any, Any, Any]) -> str:
    return request_shop(request).settings.default_locale


def _context(request: Request[Any, Any, Any], status: int, error: str | None) -> dict[str, Any]:
    base = _base(request)
    return {
        "base_language": LOCALES[base].native_name if base in LOCALES else base,
        "error": error,
        "notice": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
    }


async def list_screen(
    request: Request[Any, Any, Any], staff: StaffMember, *, status: int = 200, error: str | None = None
) -> Response[Any]:
    base = _base(request)
    context = {**_context(request, status, error), "pages": await page_list(base), "base": base}
    return render_admin(
        request, "admin/pages.html", {**context, "shop_url": urls.page_url}, member=staff, status=status
    )


def form_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    values: dict[str, str],
    *,
    code: str | None,
    form: PageForm | None = None,
    status: int = 200,
    error: str | None = None,
) -> Response[Any]:
    return render_admin(
        request,
        "admin/page.html",
        {
            **_context(request, status, error),
            "code": code,
            "values": values,
            "field_errors": form.errors if form else {},
        },
        member=staff,
        status=status,
    )


async def edit_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    code: str,
    *,
    form: PageForm | None = None,
    status: int = 200,
    error: str | None = None,
) -> Response[Any]:
    try:
        page = await load_page(code, _base(request))
    except PageNotFound:
        return await list_screen(request, staff, status=404, error=PAGE_GONE)
    values = {
        **page.texts,
        "position": str(page.position),
        "published": "1" if page.published else "",
        "version": page.version,
    }
    if form is not None:  # what was typed, against the version stored now
        values.update({key: form.values[key] for key in (*TEXTS, "position", "published")})
    return form_screen(request, staff, values, code=code, form=form, status=status, error=error)


@get("/pages", name="admin-pages", guards=[requires(CATALOG)])
async def pages_page(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    return await list_screen(request, staff)


@get("/pages/new", name="admin-page-new", guards=[requires(CATALOG)])
async def page_new(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    values = {key: "" for key in ("code", "position", *TEXTS)} | {"published": "1", "position": "0"}
    return form_screen(request, staff, values, code=None)


@post("/pages/new", name="admin-page-create", guards=[requires(CATALOG)])
async def page_create(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    form = read_page_form(await read_form(request), with_code=True)
    if not form.errors:
        await create_page(actor_of(request, staff), form, _base(request))
    if form.errors:
        return form_screen(request, staff, form.values, code=None, form=form, status=400, error=NOT_CREATED)
    return Redirect(page_url(form.code, "created"), status_code=303)


@get("/pages/{code:str}", name="admin-page", guards=[requires(CATALOG)])
async def page_edit(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    return await edit_screen(request, staff, code)


@post("/pages/{code:str}", name="admin-page-save", guards=[requires(CATALOG)])
async def page_save(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    form = read_page_form(await read_form(request), with_code=False)
    changed = False
    if not form.errors:
        try:
            changed = await save_page(actor_of(request, staff), code, form, _base(request))
        except PageNotFound:
            return await list_screen(request, staff, status=404, error=PAGE_GONE)
        except PageChanged:
            return await edit_screen(request, staff, code, status=409, error=CHANGED)
    if form.errors:
        return await edit_screen(request, staff, code, form=form, status=400, error=NOT_SAVED)
    return Redirect(page_url(code, "saved" if changed else "unchanged"), status_code=303)


PAGE_HANDLERS = [pages_page, page_new, page_create, page_edit, page_save]
