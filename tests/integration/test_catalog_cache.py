"""The catalogue and stock caches: only a request with nothing to serve waits for the database;
periodic re-checks run in the background (a request that ran one inline waited seconds under load)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from app.catalog import services
from app.catalog.rules import Catalog
from app.catalog.services import CatalogCache, StockCache


def snapshot(revision: int) -> Catalog:
    return Catalog(
        revision=revision, categories={}, products={}, category_slugs={}, product_slugs={}, option_labels={}
    )


class SlowDatabase:
    """Stands in for the revision row and the catalogue tables; `gate` holds queries back."""

    def __init__(self) -> None:
        self.revision = 1
        self.gate = asyncio.Event()
        self.gate.set()
        self.loads = 0

    async def current_revision(self) -> int:
        await self.gate.wait()
        return self.revision

    async def load_catalog(self) -> Catalog:
        await self.gate.wait()
        self.loads += 1
        return snapshot(self.revision)


@pytest.fixture
def slow_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowDatabase]:
    db = SlowDatabase()
    monkeypatch.setattr(services, "current_revision", db.current_revision)
    monkeypatch.setattr(services, "load_catalog", db.load_catalog)
    yield db
    gc.unfreeze()


async def test_a_due_check_runs_in_the_background(slow_db: SlowDatabase) -> None:
    cache = CatalogCache(check_seconds=0.01)
    assert (await cache.get()).revision == 1  # the first request waits: nothing to serve yet
    assert gc.get_freeze_count() > 0  # the snapshot is out of the collector's way
    slow_db.revision = 2
    slow_db.gate.clear()  # the database is slow now
    await asyncio.sleep(0.02)
    catalog = await asyncio.wait_for(cache.get(), timeout=1)  # due, but not waited for
    assert catalog.revision == 1
    slow_db.gate.set()
    for _ in range(50):
        await asyncio.sleep(0.01)
        if (await cache.get()).revision == 2:
            break
    assert (await cache.get()).revision == 2 and slow_db.loads == 2


async def test_only_one_background_check_at_a_time(slow_db: SlowDatabase) -> None:
    cache = CatalogCache(check_seconds=0.01)
    await cache.get()
    slow_db.gate.clear()
    await asyncio.sleep(0.02)
    await asyncio.gather(*(cache.get() for _ in range(20)))
    running = [t for t in asyncio.all_tasks() if "refresh_in_background" in repr(t.get_coro())]
    assert len(running) == 1
    slow_db.gate.set()
    await asyncio.wait_for(asyncio.gather(*running), timeout=1)


async def test_invalidate_and_check_every_request_wait_for_the_database(slow_db: SlowDatabase) -> None:
    cache = CatalogCache(check_seconds=60)
    await cache.get()
    slow_db.revision = 2
    assert (await cache.get()).revision == 1  # within the interval
    cache.invalidate()
    assert (await cache.get()).revision == 2
    every_time = CatalogCache(check_seconds=0)  # the test setting
    await every_time.get()
    slow_db.revision = 3
    assert (await every_time.get()).revision == 3


async def test_a_failed_background_check_keeps_the_snapshot(
    slow_db: SlowDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = CatalogCache(check_seconds=0.01)
    await cache.get()

    async def down() -> int:
        raise OSError("database is down")

    monkeypatch.setattr(services, "current_revision", down)
    await asyncio.sleep(0.02)
    assert (await cache.get()).revision == 1
    await asyncio.sleep(0.02)  # the task has failed and logged by now
    assert (await cache.get()).revision == 1


async def test_stock_reloads_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    stock = {1: 5}
    gate = asyncio.Event()
    gate.set()

    class Query:
        async def run(self) -> list[dict[str, Any]]:
            await gate.wait()
            return [{"id": k, "stock": v} for k, v in stock.items()]

    class FakeVariant:
        id = stock = None

        @staticmethod
        def select(*_: Any) -> Query:
            return Query()

    monkeypatch.setattr(services, "Variant", FakeVariant)
    cache = StockCache(ttl_seconds=0.01)
    assert await cache.get(1) == {1: 5} and cache.version == 1
    stock[1] = 0
    gate.clear()
    await asyncio.sleep(0.02)
    assert await asyncio.wait_for(cache.get(1), timeout=1) == {1: 5}  # not waited for
    gate.set()
    for _ in range(50):
        await asyncio.sleep(0.01)
        if (await cache.get(1)) == {1: 0}:
            break
    assert await cache.get(1) == {1: 0} and cache.version == 2
    # A new catalogue revision brings new variants: their stock is read before serving, never
    # shown as sold out for a reload's time.
    stock[2] = 7
    assert await cache.get(2) == {1: 0, 2: 7} and cache.version == 3
