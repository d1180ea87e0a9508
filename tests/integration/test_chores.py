"""Hourly housekeeping: orders unpaid past UNPAID_ORDER_DAYS are cancelled (the order page and the
confirmation email promise it), their stock goes back on sale, and expired back-office sessions
kept in files are forgotten. Run by every web worker's delivery loop and by `storefront worker`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from litestar.testing import AsyncTestClient

from app.catalog.tables import Variant
from app.core.settings import get_settings
from app.orders.tables import Order, OrderEvent
from app.server.app import create_app
from app.server.chores import EXPIRY_ACTOR, run_chores
from app.staff.auth import SESSION_STORE, admin_stores


async def age_orders(days: float) -> None:
    await Order.update({Order.created_at: datetime.now(UTC) - timedelta(days=days)}, force=True).run()


async def status() -> str:
    row = await Order.select(Order.status).first().run()
    return str(row["status"])


async def test_an_order_unpaid_past_the_limit_is_cancelled_once_with_its_stock_back(
    client_order_async: str,
) -> None:
    settings = get_settings()
    stock = (await Variant.select(Variant.stock).first().run())["stock"]
    await age_orders(settings.unpaid_order_days - 0.5)
    assert await run_chores(settings, {}) == 0 and await status() == "pending_payment"

    await age_orders(settings.unpaid_order_days + 0.5)
    assert await run_chores(settings, {}) == 1
    assert await status() == "cancelled"
    assert (await Variant.select(Variant.stock).first().run())["stock"] == stock + 1
    assert await run_chores(settings, {}) == 0  # a second pass (another worker) changes nothing
    events = await OrderEvent.select(OrderEvent.actor).where(OrderEvent.to_status == "cancelled").run()
    assert events == [{"actor": EXPIRY_ACTOR}]


async def test_each_web_worker_runs_the_chores_when_it_starts(client_order_async: str) -> None:
    await age_orders(get_settings().unpaid_order_days + 1)
    async with AsyncTestClient(app=create_app(), base_url="http://shop.test"):
        pass
    assert await status() == "cancelled"


async def test_expired_file_sessions_are_forgotten_and_live_ones_kept() -> None:
    settings = get_settings()
    stores = admin_stores(settings)
    sessions = stores[SESSION_STORE]
    await sessions.set("gone", b"x", expires_in=1)
    await sessions.set("kept", b"y", expires_in=3600)
    path = settings.var_dir / "admin-sessions"
    assert len(list(path.iterdir())) == 2
    await asyncio.sleep(1.1)
    await run_chores(settings, stores)  # the limits store has no folder yet: skipped
    assert await sessions.get("kept") == b"y"
    assert len(list(path.iterdir())) == 1
