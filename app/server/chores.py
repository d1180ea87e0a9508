"""Hourly housekeeping run beside outbox delivery (in each web worker, or in `storefront worker`):
cancel bank-transfer orders left unpaid past UNPAID_ORDER_DAYS, as the order page promises, and
forget expired back-office sessions and login counters kept in files (Redis expires its own)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from litestar.stores.base import Store
from litestar.stores.file import FileStore

from app.core.settings import Settings
from app.orders.services import expire_unpaid

log = logging.getLogger(__name__)

CHORES_SECONDS = 60 * 60
EXPIRY_ACTOR = "system:expire-unpaid"


async def run_chores(settings: Settings, stores: Mapping[str, Store], now: datetime | None = None) -> int:
    """One housekeeping pass; returns how many unpaid orders it cancelled. Safe to run in several
    workers at once: each cancellation is a conditional state change, made once."""
    now = now or datetime.now(UTC)
    cancelled = await expire_unpaid(now - timedelta(days=settings.unpaid_order_days), actor=EXPIRY_ACTOR)
    if cancelled:
        log.info("cancelled %s order(s) unpaid after %s days", cancelled, settings.unpaid_order_days)
    for store in stores.values():
        if isinstance(store, FileStore) and await store.path.exists():  # made at its first write
            await store.delete_expired()
    return cancelled
