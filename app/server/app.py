"""The application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from app.accounts.controllers import account_router
from app.accounts.sessions import SHOP_STORES, shop_stores
from app.api import cart as cart_api
from app.api import catalog as catalog_api
from app.api import checkout as checkout_api
from app.api import quotes as quotes_api
from app.api import search as search_api
from app.cart import controllers as cart_pages
from app.catalog import controllers as catalog_pages
from app.checkout import controllers as checkout_pages
from app.core.settings import Settings, get_settings
from app.customs import controllers as customs_api
from app.fx.services import refresh_periodically
from app.markets import controllers as market_pages
from app.notifications.outbox import deliver_pending
from app.orders import controllers as order_pages
from app.partners import controllers as partner_api
from app.search import controllers as search_pages
from app.search.services import ensure_index
from app.server.chores import CHORES_SECONDS, run_chores
from app.server.errors import handle_exception
from app.server.hosts import AllowedHostsMiddleware
from app.server.routes import ROUTES, static_routers
from app.server.security import FastCookieCSRFMiddleware, add_security_headers
from app.staff.auth import ADMIN_STORES, admin_stores
from app.staff.controllers import admin_router
from app.web.deps import APP_DEPENDENCIES, PAGE_DEPENDENCIES
from app.web.state import create_shop_state

log = logging.getLogger("storefront.server")
SHUTDOWN_GRACE_SECONDS = 20


@asynccontextmanager
async def shop_state(app: Litestar) -> AsyncIterator[None]:
    """Settings, templates and caches for this worker, on app.state (nothing is built at import)."""
    app.state.shop = create_shop_state(app.state.settings)
    yield


@asynccontextmanager
async def database_pool(_: Litestar) -> AsyncIterator[None]:
    """PostgreSQL: one connection pool per worker process (SQLite needs none; DB_POOL_MAX=0 turns it off)."""
    settings = get_settings()
    engine = engine_finder()
    if not isinstance(engine, PostgresEngine) or settings.db_pool_max <= 0:
        yield
        return
    await engine.start_connection_pool(min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    try:
        yield
    finally:
        await engine.close_connection_pool()


@asynccontextmanager
async def running(work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run `work` as a task for the app's lifetime; cancel it, and wait for it, on shutdown."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@asynccontextmanager
async def fx_refresher(_: Litestar) -> AsyncIterator[None]:
    """With FX_REFRESH_MINUTES set, refresh rates in the background (never on a request)."""
    settings = get_settings()
    if settings.fx_refresh_minutes <= 0:
        yield
        return
    from app.fx.services import configured_providers

    providers = configured_providers(settings)
    interval = timedelta(minutes=settings.fx_refresh_minutes)
    max_jump, timeout = Decimal(settings.fx_max_jump), settings.fx_timeout_seconds
    async with running(refresh_periodically(providers, interval, max_jump=max_jump, timeout=timeout)):
        yield


async def deliver_until(stop: asyncio.Event, seconds: float, chores: Callable[[], Awaitable[object]]) -> None:
    """Delivery passes every `seconds` until `stop` is set, and `chores` hourly from the start; a
    pass is never cut off halfway (a cancelled pass could leave a sent email unmarked, to be sent
    again)."""
    loop = asyncio.get_running_loop()
    chores_due = loop.time()
    while not stop.is_set():
        try:
            await deliver_pending()
        except Exception:  # never let the loop die; the next pass tries again
            log.exception("outbox delivery pass failed")
        if loop.time() >= chores_due:
            chores_due = loop.time() + CHORES_SECONDS
            try:
                await chores()
            except Exception:
                log.exception("housekeeping pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


@asynccontextmanager
async def outbox_worker(app: Litestar) -> AsyncIterator[None]:
    """Deliver outbox follow-ups every OUTBOX_POLL_SECONDS in this worker (0: leave it to a separate
    `storefront worker`); the first pass at startup sends what a crash left behind. On shutdown
    the pass under way finishes (at most SHUTDOWN_GRACE_SECONDS) before the worker stops."""
    seconds = app.state.settings.outbox_poll_seconds
    if seconds <= 0:
        yield
        return
    await ensure_index()  # queued before the first pass, which then builds it
    stop = asyncio.Event()
    settings = app.state.settings
    stores = {name: app.stores.get(name) for name in (*ADMIN_STORES, *SHOP_STORES)}
    task = asyncio.create_task(deliver_until(stop, seconds, lambda: run_chores(settings, stores)))
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, SHUTDOWN_GRACE_SECONDS)
        except TimeoutError:  # wait_for cancelled it: its claim expires and the row is retried
            log.warning("outbox delivery still running at shutdown; stopped")


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    return Litestar(
        route_handlers=[
            *ROUTES,
            *static_routers(settings),
            Router(
                path="/",
                route_handlers=[
                    *catalog_pages.CONTROLLERS,
                    *cart_pages.CONTROLLERS,
                    *checkout_pages.CONTROLLERS,
                    *order_pages.CONTROLLERS,
                    *market_pages.CONTROLLERS,
                    *search_pages.CONTROLLERS,
                ],
                dependencies=PAGE_DEPENDENCIES,
            ),
            # Shopper accounts: the only shop pages with a session (and a per-client guess limit).
            account_router(settings),
            catalog_api.router,
            cart_api.router,
            checkout_api.router,
            quotes_api.router,
            search_api.router,
            customs_api.router,
            partner_api.router,
            admin_router(settings),
        ],
        stores={**admin_stores(settings), **shop_stores(settings)},
        state=State({"settings": settings}),
        dependencies=APP_DEPENDENCIES,
        before_send=[add_security_headers],
        middleware=[
            DefineMiddleware(AllowedHostsMiddleware, hosts=settings.allowed_hosts),
            DefineMiddleware(
                FastCookieCSRFMiddleware,
                config=CSRFConfig(
                    secret=settings.secret_key,
                    cookie_secure=settings.cookie_secure,
                    cookie_httponly=True,
                    cookie_samesite="lax",
                    # The API authenticates with tokens in the URL or headers, never cookies.
                    exclude=["/api/", "/health", "/static/", "/media/", "/schema"],
                ),
            ),
        ],
        exception_handlers={Exception: handle_exception},
        openapi_config=OpenAPIConfig(
            title=f"{settings.shop_name} API",
            version="1.0",
            path="/schema",
            components=partner_api.COMPONENTS,  # the partner API's bearer-key scheme
            render_plugins=[JsonRenderPlugin(path="/openapi.json"), YamlRenderPlugin(path="/openapi.yaml")],
        ),
        lifespan=[shop_state, database_pool, fx_refresher, outbox_worker],
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="never",  # handle_exception logs, without request bodies
        ),
        debug=settings.debug,
    )


logging.getLogger("piccolo").setLevel(logging.WARNING)
