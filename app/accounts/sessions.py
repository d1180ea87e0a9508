"""Shopper sessions and login limits: server-side, in the store the back office uses (files under
VAR_DIR, or Redis with REDIS_URL) but under names of their own, with a cookie of their own.

Only the account pages run the session middleware. Catalogue pages never read a session (they are
page-cached and identical for every shopper); checkout reads it straight from the store to link an
order to a verified account.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.types import Empty, Message, ScopeSession

from app.accounts.rules import session_alive
from app.accounts.services import CustomerView, session_customer
from app.core.settings import Settings
from app.i18n.markers import N_
from app.staff.auth import ROTATE, RotatingSessionBackend
from app.web.limits import Limit, client_address, count_attempt

log = logging.getLogger("storefront.accounts")

SESSION_COOKIE = "shop_session"
SESSION_STORE = "shop_sessions"
LIMITS_STORE = "shop_limits"
SHOP_STORES = (SESSION_STORE, LIMITS_STORE)
SESSION_IDLE_SECONDS = 24 * 60 * 60  # the store forgets a session after a day without a visit
SESSION_MAX_SECONDS = 14 * 24 * 60 * 60  # and no session lives longer than two weeks
CUSTOMER = "shop_customer"  # scope state: the account loaded for this request

LOGIN_PER_ACCOUNT = Limit("shop-login-account", 5, 15 * 60)
RESETS_PER_ACCOUNT = Limit("shop-reset-account", 3, 60 * 60)  # keeps one inbox from being flooded
SIGNUPS_PER_ADDRESS = Limit("shop-signup-address", 3, 60 * 60)  # "you already have an account" too
RESENDS_PER_ACCOUNT = Limit("shop-resend-account", 3, 60 * 60)
# Per client address, Litestar's rate-limit middleware counts the POSTs of every form that guesses
# at something or sends an email, together.
GUESSING_FORMS = re.compile(
    r"^/[a-z]{2}(?:-[a-z]+)?/account/(?:login|signup|reset(?:/[^/]*)?|verify/resend)/?$"
)
GUESSES_PER_CLIENT_PER_HOUR = 30
TOO_MANY = N_("Too many attempts. Please wait %(minutes)s minutes, then try again.")


def shop_stores(settings: Settings) -> dict[str, Store]:
    """Shopper sessions and counters beside the back office's: the same Redis under another
    namespace, or sibling folders under VAR_DIR."""
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        base = RedisStore.with_client(url=settings.redis_url, namespace="storefront-shop")
        return {SESSION_STORE: base.with_namespace("sessions"), LIMITS_STORE: base.with_namespace("limits")}
    return {
        SESSION_STORE: FileStore(settings.var_dir / "shop-sessions"),
        LIMITS_STORE: FileStore(settings.var_dir / "shop-limits"),
    }


class ShopSessionBackend(RotatingSessionBackend):
    """The back office's rotating server-side sessions, except that a visitor without a session
    gets no cookie and no store entry (Litestar would store an empty session for every visit)."""

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        if isinstance(scope_session, dict) and not scope_session:
            if not connection.cookies.get(self.config.key):
                return
            scope_session = Empty  # a cookie whose session is gone: expire it rather than keep "{}"
        await super().store_in_message(scope_session, message, connection)


@dataclass
class ShopSessionConfig(ServerSideSessionConfig):
    _backend_class = ShopSessionBackend


def session_config(settings: Settings) -> ShopSessionConfig:
    return ShopSessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        max_age=SESSION_IDLE_SECONDS,  # the store entry and the cookie, renewed by every visit
        path="/",  # account pages and checkout live under each /{locale}/
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def start_session(request: Request[Any, Any, Any], customer: CustomerView) -> None:
    """Log `customer` in on this response, under a new session id (the old id's data is deleted)."""
    request.scope.setdefault("state", {})[ROTATE] = True
    request.set_session(
        {"customer_id": customer.id, "auth_version": customer.auth_version, "since": int(time.time())}
    )
    request.scope["state"][CUSTOMER] = customer


def end_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Forget the session server-side (the store entry goes) and in the browser."""
    connection.clear_session()
    connection.scope.setdefault("state", {})[CUSTOMER] = None


async def _stored_session(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """The session of a request the middleware did not run for (checkout): read from the store."""
    session_id = connection.cookies.get(SESSION_COOKIE)
    if not session_id or session_id == "null":
        return {}
    config = session_config(connection.app.state.settings)
    backend = config._backend_class(config=config)
    raw = await backend.get(session_id, store=connection.app.stores.get(SESSION_STORE))
    data = backend.deserialize_data(raw) if raw else {}
    return data if isinstance(data, dict) else {}


async def current_customer(connection: ASGIConnection[Any, Any, Any, Any]) -> CustomerView | None:
    """The logged-in account, loaded from the database once per request (a password reset ends
    every older session at once). An expired or stale session is ended."""
    state = connection.scope.setdefault("state", {})
    if CUSTOMER in state:
        return state[CUSTOMER]
    middleware = "session" in connection.scope
    session = connection.session if middleware else await _stored_session(connection)
    customer = None
    customer_id, version, since = (
        session.get("customer_id"),
        session.get("auth_version"),
        session.get("since"),
    )
    if isinstance(customer_id, int) and isinstance(version, int) and isinstance(since, int):
        if session_alive(since, int(time.time()), SESSION_MAX_SECONDS):
            customer = await session_customer(customer_id, version)
        if customer is None and middleware:
            end_session(connection)
    state[CUSTOMER] = customer
    return customer


def limits_store_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Store:
    return connection.app.stores.get(LIMITS_STORE)


async def over_limit(request: Request[Any, Any, Any], limit: Limit, subject: str) -> int | None:
    """Count one attempt of `limit` for `subject` (an email or account id, hashed in the store);
    the seconds to wait when over it."""
    wait = await count_attempt(limits_store_of(request), limit, subject or "-")
    if wait is not None:
        log.warning("%s refused for %s s: over the limit", limit.name, wait)  # no email, no IP
    return wait


def is_guess(request: Request[Any, Any, Any]) -> bool:
    return request.method == "POST" and GUESSING_FORMS.match(request.url.path) is not None


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
