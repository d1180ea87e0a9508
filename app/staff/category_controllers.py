"""The back office's category screens: /admin/categories (the tree, a new category, moving one
up or down among its siblings) and /admin/categories/{code} (rename, move under another parent,
delete when empty). Owner and catalogue managers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.i18n.markers import N_
from app.staff.auth import actor_of, admin_locale, admin_url, render_admin, requires
from app.staff.categories import (
    CategoryForm,
    CategoryNotFound,
    CategoryRefused,
    category_tree,
    create_category,
    delete_category,
    flatten,
    load_category,
    move_category,
    read_category_form,
    update_category,
)
from app.staff.rules import Permission
from app.staff.services import StaffMember
from app.web.forms import read_form
from app.web.state import request_shop

CATALOG = Permission.MANAGE_CATALOG

DONE = {
    "created": N_("The category is created."),
    "saved": N_("The category is saved. The shop shows the change within seconds."),
    "moved": N_("The order of the categories is saved."),
    "deleted": N_("The category is deleted."),
    "unchanged": N_("Nothing changed."),
}
NOT_CREATED = N_("The category was not created. Correct the fields marked below.")
NOT_SAVED = N_("The category was not saved. Correct the fields marked below.")
NOT_DELETED = N_("The category was not deleted.")
UNKNOWN_ACTION = N_("Use one of the buttons of the form.")
CATEGORY_GONE = N_("This category does not exist any more: someone may have deleted it meanwhile.")


def category_url(code: str, done: str = "") -> str:
    return admin_url("categories", code, done=done)


def _locales(request: Request[Any, Any, Any], staff: StaffMember) -> tuple[str, str]:
    return admin_locale(request, staff).code, request_shop(request).settings.default_locale


async def tree_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    *,
    status: int = 200,
    form: CategoryForm | None = None,
    error: str | None = None,
) -> Response[Any]:
    locale, default_locale = _locales(request, staff)
    tree = await category_tree(locale, default_locale)
    return render_admin(
        request,
        "admin/categories.html",
        {
            "category": None,
            "tree": tree,
            "choices": flatten(tree),
            "values": form.values if form else {"code": "", "name": "", "parent": ""},
            "field_errors": form.errors if form else {},
            "error": error,
            "notice": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
            "base_locale": default_locale,
        },
        member=staff,
        status=status,
    )


async def edit_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    code: str,
    *,
    status: int = 200,
    form: CategoryForm | None = None,
    error: str | None = None,
    error_params: dict[str, Any] | None = None,
) -> Response[Any]:
    locale, default_locale = _locales(request, staff)
    try:
        category = await load_category(code, locale, default_locale)
    except CategoryNotFound:
        return await tree_screen(request, staff, status=404, error=CATEGORY_GONE)
    values = {"name": category.base_name, "parent": category.parent_code}
    if form is not None:
        values.update(form.values)
    # A category cannot go under itself or below itself: those are not offered at all.
    choices = [
        (node, depth)
        for node, depth in flatten(await category_tree(locale, default_locale))
        if node.code != category.code and node.code not in category.below
    ]
    return render_admin(
        request,
        "admin/categories.html",
        {
            "category": category,
            "choices": choices,
            "values": values,
            "field_errors": form.errors if form else {},
            "error": error,
            "error_params": error_params or {},
            "notice": DONE.get(request.query_params.get("done", "")) if status == 200 else None,
            "base_locale": default_locale,
        },
        member=staff,
        status=status,
    )


@get("/categories", name="admin-categories", guards=[requires(CATALOG)])
async def categories_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    return await tree_screen(request, staff)


@post("/categories", name="admin-category-create", guards=[requires(CATALOG)])
async def category_create(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    form = read_category_form(await read_form(request), with_code=True)
    if not form.errors:
        try:
            await create_category(
                actor_of(request, staff),
                form.values["code"],
                form.values["parent"],
                form.values["name"],
                request_shop(request).settings.default_locale,
            )
        except CategoryRefused as refused:
            form.errors[refused.key] = (refused.message, refused.params)
    if form.errors:
        return await tree_screen(request, staff, status=400, form=form, error=NOT_CREATED)
    return Redirect(f"/admin/categories?done=created#category-{quote(form.values['code'])}", status_code=303)


@get("/categories/{code:str}", name="admin-category", guards=[requires(CATALOG)])
async def category_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    return await edit_screen(request, staff, code)


@post("/categories/{code:str}", name="admin-category-save", guards=[requires(CATALOG)])
async def category_save(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    locale, default_locale = _locales(request, staff)
    form = read_category_form(await read_form(request), with_code=False)
    changed = False
    if not form.errors:
        try:
            changed = await update_category(
                actor_of(request, staff),
                code,
                form.values["name"],
                form.values["parent"],
                locale,
                default_locale,
            )
        except CategoryNotFound:
            return await tree_screen(request, staff, status=404, error=CATEGORY_GONE)
        except CategoryRefused as refused:
            form.errors[refused.key] = (refused.message, refused.params)
    if form.errors:
        return await edit_screen(request, staff, code, status=400, form=form, error=NOT_SAVED)
    return Redirect(category_url(code, "saved" if changed else "unchanged"), status_code=303)


@post("/categories/{code:str}/move", name="admin-category-move", guards=[requires(CATALOG)])
async def category_move(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    """The tree's up and down buttons: one place among the category's siblings."""
    operation = (await read_form(request)).get("op", "")
    if operation not in ("up", "down"):
        return await tree_screen(request, staff, status=400, error=UNKNOWN_ACTION)
    try:
        moved = await move_category(actor_of(request, staff), code, -1 if operation == "up" else 1)
    except CategoryNotFound:
        return await tree_screen(request, staff, status=404, error=CATEGORY_GONE)
    done = "moved" if moved else "unchanged"
    return Redirect(f"/admin/categories?done={done}#category-{quote(code)}", status_code=303)


@post("/categories/{code:str}/delete", name="admin-category-delete", guards=[requires(CATALOG)])
async def category_delete(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], code: FromPath[str]
) -> Response[Any]:
    locale, default_locale = _locales(request, staff)
    try:
        await delete_category(actor_of(request, staff), code, locale, default_locale)
    except CategoryNotFound:
        return await tree_screen(request, staff, status=404, error=CATEGORY_GONE)
    except CategoryRefused as refused:
        return await edit_screen(
            request, staff, code, status=409, error=refused.message, error_params=refused.params
        )
    return Redirect("/admin/categories?done=deleted", status_code=303)


CATEGORY_HANDLERS = [
    categories_page,
    category_create,
    category_page,
    category_save,
    category_move,
    category_delete,
]
