"""Back-office web plumbing: the session store and middleware, login limits, the permission
guard and page rendering in the staff member's language."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.enums import MediaType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.response import Redirect
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.types import Message, ScopeSession

from app.core.settings import Settings
from app.i18n.locales import LOCALES, ShopLocale, get_locale, negotiate_locale
from app.i18n.markers import N_
from app.staff.rules import ROLE_LABELS, Permission, Role, can
from app.staff.services import Actor, StaffMember, session_staff
from app.web.limits import Limit, client_address, count_attempt
from app.web.pages import csrf_input
from app.web.state import request_shop

log = logging.getLogger("storefront.staff")

SESSION_COOKIE = "admin_session"
SESSION_STORE = "admin_sessions"
LIMITS_STORE = "admin_limits"
SESSION_IDLE_SECONDS = 2 * 60 * 60  # the store forgets a session after 2 idle hours
SESSION_MAX_SECONDS = 12 * 60 * 60  # and no session lives longer than a working day
ROTATE = "staff_session_rotate"  # scope state: give this response a fresh session id
STAFF = "staff_member"  # scope state: the account the guard loaded for this request

# Someone who mistypes tries a few times; a script guessing passwords tries thousands.
LOGIN_PER_ACCOUNT = Limit("admin-login-account", 5, 15 * 60)
# Per client address: Litestar's rate-limit middleware, on the same store, counts the POSTs of
# the forms that guess at something (login, password reset) together.
RESETS_PER_ACCOUNT = Limit("admin-reset-account", 3, 60 * 60)  # keeps one inbox from being flooded
GUESSING_FORMS = frozenset({"/admin/login", "/admin/reset"})
GUESSES_PER_CLIENT_PER_HOUR = 40
TOO_MANY_LOGINS = N_("Too many attempts. Please wait %(minutes)s minutes, then try again.")


# --- stores and sessions -------------------------------------------------------------------------


ADMIN_STORES = (SESSION_STORE, LIMITS_STORE)


def admin_stores(settings: Settings) -> dict[str, Store]:
    """Sessions and login counters in one store: Redis when REDIS_URL is set (every worker and
    server shares them), else files under VAR_DIR (every worker on this machine shares them)."""
    base: Store
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        base = RedisStore.with_client(url=settings.redis_url, namespace="storefront-admin")
        return {
            SESSION_STORE: base.with_namespace("sessions"),
            LIMITS_STORE: base.with_namespace("limits"),
        }
    return {
        SESSION_STORE: FileStore(settings.var_dir / "admin-sessions"),
        LIMITS_STORE: FileStore(settings.var_dir / "admin-limits"),
    }


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, plus a fresh session id on request (at login), so an id
    planted in a browser before login is worth nothing after it. The old id's data is deleted."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})
        if state.get(ROTATE):
            if not isinstance(state[ROTATE], str):
                state[ROTATE] = self.generate_session_id()
            return str(state[ROTATE])
        return super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        state = connection.scope.get("state", {})
        old_id = connection.cookies.get(self.config.key)
        if state.get(ROTATE) and old_id:
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


@dataclass
class AdminSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_config(settings: Settings) -> AdminSessionConfig:
    return AdminSessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        max_age=SESSION_IDLE_SECONDS,
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def start_session(request: Request[Any, Any, Any], member: StaffMember) -> None:
    """Log `member` in on this response, under a new session id."""
    request.scope.setdefault("state", {})[ROTATE] = True
    request.set_session(
        {"staff_id": member.id, "auth_version": member.auth_version, "since": int(time.time())}
    )


def end_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Forget the session server-side (the store entry goes) and in the browser."""
    connection.clear_session()


def limits_store_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Store:
    return connection.app.stores.get(LIMITS_STORE)


async def login_wait(request: Request[Any, Any, Any], email: str) -> int | None:
    """Count a login attempt for the account typed; the seconds to wait when over the limit.
    (The account is in the form's body, which the rate-limit middleware never reads.)"""
    wait = await count_attempt(limits_store_of(request), LOGIN_PER_ACCOUNT, email or "-")
    if wait is not None:
        log.warning("admin logins refused for %s s: over the limit", wait)  # no email, no IP
    return wait


async def reset_allowed(request: Request[Any, Any, Any], email: str) -> bool:
    """Whether another reset email may go to this account now (the page answers the same)."""
    return await count_attempt(limits_store_of(request), RESETS_PER_ACCOUNT, email) is None


def is_guess(request: Request[Any, Any, Any]) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/") in GUESSING_FORMS


def hashed_client(request: Request[Any, Any, Any]) -> str:
    """The client's address, hashed: the store never holds an IP address in clear."""
    return hashlib.sha256(client_address(request).encode()).hexdigest()[:32]


def client_limit() -> RateLimitConfig:
    return RateLimitConfig(
        rate_limit=("hour", GUESSES_PER_CLIENT_PER_HOUR),
        store=LIMITS_STORE,
        identifier_for_request=hashed_client,
        check_throttle_handler=is_guess,
    )


# --- who is asking, and may they ------------------------------------------------------------------


class LoginRequired(Exception):
    """No valid back-office session: the browser is sent to the login page."""


class StaffForbidden(Exception):
    """Logged in, but the role does not allow this: a 403 page."""


async def current_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffMember | None:
    """The logged-in account, loaded once per request from the database, so a disabled account or
    a changed role takes effect on the very next request. A stale session is ended."""
    state = connection.scope.setdefault("state", {})
    if STAFF in state:
        return state[STAFF]
    session = connection.session if "session" in connection.scope else {}
    member = None
    staff_id, version, since = session.get("staff_id"), session.get("auth_version"), session.get("since")
    if isinstance(staff_id, int) and isinstance(version, int) and isinstance(since, int):
        if time.time() - since < SESSION_MAX_SECONDS:
            member = await session_staff(staff_id, version)
        if member is None:
            end_session(connection)
    state[STAFF] = member
    return member


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Coroutine[Any, Any, None]]


def requires(permission: Permission) -> Guard:
    """A guard: the request needs a logged-in, active account whose role allows `permission`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        member = await current_staff(connection)
        if member is None:
            raise LoginRequired()
        if not can(member.identity, permission):
            raise StaffForbidden()

    return guard


async def provide_staff(request: Request[Any, Any, Any]) -> StaffMember:
    """The account the route's guard checked (every /admin route but login and reset has one)."""
    member = await current_staff(request)
    if member is None:
        raise LoginRequired()
    return member


# --- rendering -----------------------------------------------------------------------------------

MENU: list[tuple[str, str, Permission]] = [
    ("/admin/", N_("Overview"), Permission.ACCESS_ADMIN),
    ("/admin/dashboard", N_("Dashboard"), Permission.VIEW_DASHBOARD),
    ("/admin/orders", N_("Orders"), Permission.VIEW_ORDERS),
    ("/admin/customers", N_("Customers"), Permission.VIEW_CUSTOMERS),
    ("/admin/products", N_("Products"), Permission.MANAGE_CATALOG),
    ("/admin/categories", N_("Categories"), Permission.MANAGE_CATALOG),
    ("/admin/pages", N_("Pages"), Permission.MANAGE_CATALOG),
    ("/admin/translations", N_("Translations"), Permission.TRANSLATE),
    ("/admin/stock", N_("Low stock"), Permission.MANAGE_STOCK),
    ("/admin/catalogue/import", N_("Import / export"), Permission.MANAGE_STOCK),
    ("/admin/staff", N_("Staff"), Permission.MANAGE_STAFF),
    ("/admin/partners", N_("Partner API keys"), Permission.MANAGE_PARTNER_KEYS),
    ("/admin/audit", N_("Audit log"), Permission.VIEW_AUDIT_LOG),
]


def admin_url(*parts: str, done: str = "") -> str:
    """An /admin address from its segments (each quoted, so codes with any character stay one
    segment), with the ?done= outcome a redirect after a POST shows."""
    path = "/admin/" + "/".join(quote(part, safe="") for part in parts)
    return f"{path}?done={done}" if done else path


def menu_for(member: StaffMember | None) -> list[tuple[str, str]]:
    """Only the screens this role may open (and only screens that exist)."""
    if member is None:
        return []
    return [(url, label) for url, label, permission in MENU if can(member.identity, permission)]


def admin_locale(request: Request[Any, Any, Any], member: StaffMember | None) -> ShopLocale:
    """The staff member's chosen language; before login, ?lang= or the browser's."""
    code = member.ui_locale if member else ""
    if not code:
        asked = request.query_params.get("lang", "")
        code = asked if asked in LOCALES else negotiate_locale(None, request.headers.get("accept-language"))
    found = get_locale(code) or get_locale("en")
    assert found is not None
    return found


def render_admin(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any],
    *,
    member: StaffMember | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    shop = request_shop(request)
    locale = admin_locale(request, member)
    page = {
        "error": None,
        "error_params": {},
        **context,
        "locale_code": locale.code,
        "shop_locale": locale,
        "settings": shop.settings,
        "staff": member,
        "menu": menu_for(member),
        "current_path": request.url.path,
        "locales": LOCALES,
        "role_labels": ROLE_LABELS,
        "roles": list(Role),
        "csrf_input": csrf_input(request),
    }
    html = shop.templates.get_template(template).render(page)
    return Response(
        html,
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex", **(headers or {})},
    )


def safe_next(value: str) -> str:
    """Where to go after login: a back-office path only (never another site)."""
    if value.startswith("/admin") and not value.startswith("//") and "\\" not in value and "\n" not in value:
        return value
    return "/admin/"


def login_required_handler(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    target = request.url.path if request.method == "GET" else "/admin/"
    from urllib.parse import quote

    return Redirect(f"/admin/login?next={quote(target, safe='/')}", status_code=303)


def forbidden_handler(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    member = request.scope.get("state", {}).get(STAFF)
    return render_admin(request, "admin/forbidden.html", {}, member=member, status=403)


EXCEPTION_HANDLERS: dict[type[Exception], Callable[[Request[Any, Any, Any], Exception], Response[Any]]] = {
    LoginRequired: login_required_handler,
    StaffForbidden: forbidden_handler,
}


def actor_of(request: Request[Any, Any, Any], member: StaffMember) -> Actor:
    """Who does an admin action, from where (for the audit log)."""
    return Actor(member.id, member.email, client_address(request))


def parse_date(value: str | None) -> date | None:
    """A filter's date from a query string; anything else is no filter."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
