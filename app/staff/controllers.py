"""The back office's first screens under /admin/: login, logout, password reset, the overview,
staff accounts and the audit log. Every route but login and reset has a permission guard."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from app.core.settings import Settings
from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.notifications.outbox import deliver_pending
from app.partners.admin_controllers import PARTNER_HANDLERS
from app.staff import auth, category_controllers, image_controllers
from app.staff.auth import actor_of, parse_date, provide_staff, render_admin, requires
from app.staff.csv_controllers import CSV_HANDLERS
from app.staff.csv_export import csv_cell
from app.staff.customer_controllers import CUSTOMER_HANDLERS
from app.staff.customs_controllers import CUSTOMS_HANDLERS
from app.staff.dashboard_controllers import DASHBOARD_HANDLERS
from app.staff.order_controllers import ORDER_HANDLERS
from app.staff.page_controllers import PAGE_HANDLERS
from app.staff.product_controllers import PRODUCT_HANDLERS
from app.staff.rules import Permission, Role, email_is_valid, normalise_email, parse_locales, password_problem
from app.staff.services import (
    Actor,
    AuditFilter,
    StaffError,
    StaffMember,
    audit_actions,
    audit_entries,
    audit_page,
    authenticate,
    change_role,
    complete_password_reset,
    create_staff,
    list_staff,
    record_logout,
    request_password_reset,
    set_active,
    set_ui_locale,
    valid_reset_token,
)
from app.staff.translation_controllers import TRANSLATION_HANDLERS
from app.staff.translation_exchange_controllers import EXCHANGE_HANDLERS
from app.staff.ui_string_controllers import UI_STRING_HANDLERS
from app.web.forms import read_form
from app.web.limits import client_address
from app.web.pages import base_url

BAD_LOGIN = N_("The email or password is not correct, or the account is disabled.")
RESET_SENT = N_("If an account exists for this address, we have sent it a link to set a new password.")
RESET_INVALID = N_("This link is not valid any more. Ask for a new one.")
PASSWORDS_DIFFER = N_("The two passwords are not the same.")


def too_many(
    request: Request[Any, Any, Any], template: str, context: dict[str, Any], wait: int
) -> Response[Any]:
    minutes = max(1, -(-wait // 60))
    context = {**context, "error": auth.TOO_MANY_LOGINS, "error_params": {"minutes": minutes}}
    return render_admin(
        request, template, context, member=None, status=429, headers={"Retry-After": str(max(wait, 1))}
    )


def too_many_guesses(request: Request[Any, Any, Any], exc: TooManyRequestsException) -> Response[Any]:
    """The rate-limit middleware refused a login or reset POST from this client: the form again,
    with the wait in the staff member's language."""
    wait = int((exc.headers or {}).get("RateLimit-Reset", "3600"))
    if request.url.path.rstrip("/").endswith("/reset"):
        return too_many(request, "admin/reset_request.html", {"sent": False}, wait)
    return too_many(request, "admin/login.html", {"next": "/admin/", "email": ""}, wait)


# --- login and logout ----------------------------------------------------------------------------


@get("/login", name="admin-login")
async def login_page(request: Request[Any, Any, Any], next: FromQuery[str] = "/admin/") -> Response[Any]:
    if await auth.current_staff(request) is not None:
        return Redirect(auth.safe_next(next), status_code=303)
    return render_admin(request, "admin/login.html", {"next": auth.safe_next(next), "email": ""}, member=None)


@post("/login", name="admin-login-submit")
async def login_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await read_form(request)
    email = normalise_email(form.get("email", ""))[:254]
    target = auth.safe_next(form.get("next", ""))
    context = {"next": target, "email": email}
    wait = await auth.login_wait(request, email)
    if wait is not None:
        return too_many(request, "admin/login.html", context, wait)
    member = await authenticate(email, form.get("password", "")[:1024], client_address(request))
    if member is None:
        return render_admin(
            request, "admin/login.html", {**context, "error": BAD_LOGIN}, member=None, status=400
        )
    auth.start_session(request, member)
    return Redirect(target, status_code=303)


@post("/logout", name="admin-logout")
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    member = await auth.current_staff(request)
    if member is not None:
        await record_logout(member, client_address(request))
    auth.end_session(request)
    return Redirect("/admin/login", status_code=303)


# --- password reset ------------------------------------------------------------------------------


@get("/reset", name="admin-reset")
async def reset_page(request: Request[Any, Any, Any]) -> Response[Any]:
    return render_admin(request, "admin/reset_request.html", {"sent": False}, member=None)


@post("/reset", name="admin-reset-submit")
async def reset_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await read_form(request)
    email = normalise_email(form.get("email", ""))[:254]
    if email_is_valid(email) and await auth.reset_allowed(request, email):
        actor = Actor(None, "password-reset", client_address(request))
        await request_password_reset(email, actor, base_url(request))
    # The same answer whether or not the account exists; the email goes out after the response.
    response = render_admin(request, "admin/reset_request.html", {"sent": True}, member=None)
    response.background = BackgroundTask(deliver_pending)
    return response


@get("/reset/{token:str}", name="admin-reset-token")
async def new_password_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    valid = await valid_reset_token(token) is not None
    return render_admin(
        request,
        "admin/reset_password.html",
        {"token": token, "valid": valid},
        member=None,
        status=200 if valid else 404,
    )


@post("/reset/{token:str}", name="admin-reset-token-submit")
async def new_password_submit(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    form = await read_form(request)
    password, again = form.get("password", ""), form.get("password_again", "")
    problem = password_problem(password) or (PASSWORDS_DIFFER if password != again else None)
    if problem is None:
        if await complete_password_reset(token, password, client_address(request)) is None:
            problem = RESET_INVALID
        else:
            auth.end_session(request)
            return render_admin(request, "admin/reset_done.html", {}, member=None)
    valid = problem != RESET_INVALID and await valid_reset_token(token) is not None
    return render_admin(
        request,
        "admin/reset_password.html",
        {"token": token, "valid": valid, "error": problem},
        member=None,
        status=400,
    )


# --- overview and language -----------------------------------------------------------------------


@get("/", name="admin-home", guards=[requires(Permission.ACCESS_ADMIN)])
async def home(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    return render_admin(request, "admin/home.html", {}, member=staff)


@post("/language", name="admin-language", guards=[requires(Permission.ACCESS_ADMIN)])
async def language(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    form = await read_form(request)
    code = form.get("locale", "")
    if code in LOCALES and code != staff.ui_locale:
        await set_ui_locale(actor_of(request, staff), staff.id, code)
    return Redirect(auth.safe_next(form.get("next", "")), status_code=303)


# --- staff accounts ------------------------------------------------------------------------------


async def staff_screen(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], *, status: int = 200, **context: Any
) -> Response[Any]:
    values = {"email": "", "name": "", "role": Role.SUPPORT.value, "locales": [], **context.pop("values", {})}
    return render_admin(
        request,
        "admin/staff.html",
        {"accounts": await list_staff(), "values": values, "error": None, "notice": None, **context},
        member=staff,
        status=status,
    )


@get("/staff", name="admin-staff", guards=[requires(Permission.MANAGE_STAFF)])
async def staff_list(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    return await staff_screen(request, staff)


def role_of(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


async def form_locales(request: Request[Any, Any, Any]) -> frozenset[str]:
    form = await request.form()
    return parse_locales([v for v in form.getall("locales", []) if isinstance(v, str)], LOCALES)


@post("/staff", name="admin-staff-create", guards=[requires(Permission.MANAGE_STAFF)])
async def staff_create(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    form = await read_form(request)
    email = normalise_email(form.get("email", ""))
    name = form.get("name", "").strip()[:120]
    role = role_of(form.get("role", ""))
    locales = await form_locales(request)
    # The password is never sent back into the form.
    values = {"email": email, "name": name, "role": form.get("role", ""), "locales": sorted(locales)}
    error = None
    if not email_is_valid(email):
        error = N_("Enter a valid email address.")
    elif not name:
        error = N_("Enter a name.")
    elif role is None:
        error = N_("Choose a role.")
    else:
        error = password_problem(form.get("password", ""))
    if error is None and role is not None:
        try:
            await create_staff(actor_of(request, staff), email, name, form["password"], role, locales)
        except StaffError as refused:
            error = refused.message
    if error is not None:
        return await staff_screen(request, staff, status=400, values=values, error=error)
    return Redirect("/admin/staff?created=1", status_code=303)


@post("/staff/{staff_id:int}/role", name="admin-staff-role", guards=[requires(Permission.MANAGE_STAFF)])
async def staff_role(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], staff_id: FromPath[int]
) -> Response[Any]:
    form = await read_form(request)
    role = role_of(form.get("role", ""))
    if role is None:
        return await staff_screen(request, staff, status=400, error=N_("Choose a role."))
    try:
        await change_role(actor_of(request, staff), staff_id, role, await form_locales(request))
    except StaffError as refused:
        return await staff_screen(request, staff, status=409, error=refused.message)
    return Redirect("/admin/staff", status_code=303)


@post("/staff/{staff_id:int}/active", name="admin-staff-active", guards=[requires(Permission.MANAGE_STAFF)])
async def staff_active(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], staff_id: FromPath[int]
) -> Response[Any]:
    form = await read_form(request)
    try:
        await set_active(actor_of(request, staff), staff_id, form.get("active") == "1")
    except StaffError as refused:
        return await staff_screen(request, staff, status=409, error=refused.message)
    return Redirect("/admin/staff", status_code=303)


# --- the audit log -------------------------------------------------------------------------------


def audit_filter(request: Request[Any, Any, Any]) -> AuditFilter:
    params = request.query_params
    staff_id = params.get("staff", "")
    return AuditFilter(
        staff_id=int(staff_id) if staff_id.isdigit() and len(staff_id) < 10 else None,
        action=params.get("action", "")[:60],
        since=parse_date(params.get("since")),
        until=parse_date(params.get("until")),
    )


def filter_query(where: AuditFilter) -> dict[str, str]:
    values = {
        "staff": str(where.staff_id) if where.staff_id is not None else "",
        "action": where.action,
        "since": where.since.isoformat() if where.since else "",
        "until": where.until.isoformat() if where.until else "",
    }
    return {key: value for key, value in values.items() if value}


@get("/audit", name="admin-audit", guards=[requires(Permission.VIEW_AUDIT_LOG)])
async def audit_list(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    where = audit_filter(request)
    page_text = request.query_params.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < len(page_text) < 7 else 1
    entries, more = await audit_page(where, page)
    return render_admin(
        request,
        "admin/audit.html",
        {
            "entries": entries,
            "page": max(page, 1),
            "more": more,
            "where": where,
            "query": filter_query(where),
            "accounts": await list_staff(),
            "actions": await audit_actions(),
        },
        member=staff,
    )


@get("/audit.csv", name="admin-audit-csv", guards=[requires(Permission.VIEW_AUDIT_LOG)])
async def audit_csv(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "at", "staff_id", "actor", "ip", "action", "target", "before", "after"])
    for entry in await audit_entries(audit_filter(request)):
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    entry.id,
                    entry.at.isoformat(),
                    entry.staff_id,
                    entry.actor,
                    entry.ip,
                    entry.action,
                    entry.target,
                    entry.before,
                    entry.after,
                )
            ]
        )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"', "Cache-Control": "no-store"},
    )


def admin_router(settings: Settings) -> Router:
    """Everything under /admin, with its own session middleware (the shop has no sessions)."""
    return Router(
        path="/admin",
        route_handlers=[
            login_page,
            login_submit,
            logout,
            reset_page,
            reset_submit,
            new_password_page,
            new_password_submit,
            home,
            language,
            staff_list,
            staff_create,
            staff_role,
            staff_active,
            audit_list,
            audit_csv,
            *ORDER_HANDLERS,
            *CUSTOMS_HANDLERS,
            *DASHBOARD_HANDLERS,
            *CUSTOMER_HANDLERS,
            *PRODUCT_HANDLERS,
            *TRANSLATION_HANDLERS,
            *UI_STRING_HANDLERS,
            *EXCHANGE_HANDLERS,
            *CSV_HANDLERS,
            *category_controllers.CATEGORY_HANDLERS,
            *PAGE_HANDLERS,
            *image_controllers.IMAGE_HANDLERS,
            *PARTNER_HANDLERS,
        ],
        middleware=[auth.session_config(settings).middleware, auth.client_limit().middleware],
        dependencies={"staff": Provide(provide_staff)},
        exception_handlers={**auth.EXCEPTION_HANDLERS, TooManyRequestsException: too_many_guesses},  # type: ignore[dict-item]
        include_in_schema=False,
    )
