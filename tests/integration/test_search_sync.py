"""The search index follows the catalogue through the outbox: stock running out and coming back,
unpublishing, a rebuild that races a sync, a failed write retried later."""

from __future__ import annotations

import json

from litestar.testing import AsyncTestClient

from app.catalog.services import bump_revision, load_catalog
from app.catalog.tables import Product
from app.checkout.services import place_order
from app.core.settings import get_settings
from app.core.transactions import write_transaction
from app.notifications.outbox import deliver_pending
from app.orders.rules import Status
from app.orders.services import transition_order
from app.outbox.rules import SEARCH_SYNC
from app.outbox.services import deliver_due
from app.outbox.tables import OutboxMessage
from app.search.model import SearchQuery
from app.search.services import configured_backend, ensure_index, reindex, request_sync, sync_index
from app.server.app import create_app
from tests.builders import build_catalog, cart_with, checkout_request, product

MUG = product("MG-001", "Enamel Camping Mug", category="mugs")
TEE = product("TS-001", "Linen Camping Shirt")


_ids: dict[int, str] = {}  # product id -> code, for the catalogue of the running test


def codes(text: str, in_stock: bool = False) -> list[str]:
    results = configured_backend().search(SearchQuery(text=text, locale="en", in_stock=in_stock))
    return sorted(_ids[hit.product_id] for hit in results.hits)


async def indexed(stock: dict[str, int] | int = 1) -> None:
    await build_catalog([MUG, TEE], stock=stock)
    _ids.clear()
    _ids.update({p["id"]: p["code"] for p in await Product.select(Product.id, Product.code).run()})
    assert await reindex() == 2


async def sync_rows() -> list[dict]:
    rows = await OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).run()
    return [json.loads(r["payload"]) for r in rows]


async def test_the_last_unit_sold_leaves_the_in_stock_results_and_a_cancel_brings_it_back() -> None:
    await indexed(stock={"MG-001": 1, "TS-001": 5})
    assert codes("camping", in_stock=True) == ["MG-001", "TS-001"]
    placed = await place_order(
        await cart_with("MG-001"), checkout_request(), await load_catalog(), get_settings()
    )
    mug_id = next(i for i, c in _ids.items() if c == "MG-001")
    assert await sync_rows() == [{"product_ids": [mug_id]}]  # written with the order
    assert codes("camping", in_stock=True) == ["MG-001", "TS-001"]  # not applied yet
    await deliver_pending()
    assert codes("camping", in_stock=True) == ["TS-001"]
    assert codes("camping") == ["MG-001", "TS-001"]  # still found without the filter
    await transition_order(placed.number, Status.CANCELLED, actor="test")
    await deliver_pending()
    assert codes("camping", in_stock=True) == ["MG-001", "TS-001"]


async def test_an_unpublished_product_disappears_and_a_sync_for_a_deleted_one_is_harmless() -> None:
    await indexed()
    tee_id = next(i for i, c in _ids.items() if c == "TS-001")
    async with write_transaction():
        await Product.update({Product.is_published: False}).where(Product.id == tee_id).run()
        await bump_revision()
        await request_sync([tee_id, 999_999])
    await deliver_pending()
    assert codes("camping") == ["MG-001"]


async def test_a_failed_index_write_is_retried_and_lands_later() -> None:
    await indexed(stock={"MG-001": 1, "TS-001": 1})
    mug_id = next(i for i, c in _ids.items() if c == "MG-001")
    await Product.update({Product.is_published: False}).where(Product.id == mug_id).run()
    await bump_revision()
    await request_sync([mug_id])

    async def down(payload) -> None:
        raise ConnectionError("search server down")

    assert await deliver_due({SEARCH_SYNC: down}) == 0
    assert codes("camping") == ["MG-001", "TS-001"]
    await OutboxMessage.update({OutboxMessage.next_attempt_at: 0}, force=True).run()
    assert await deliver_due({SEARCH_SYNC: sync_index}) == 1
    assert codes("camping") == ["TS-001"]


async def test_a_rebuild_applies_again_the_syncs_queued_while_it_ran() -> None:
    await indexed()
    tee_id = next(i for i, c in _ids.items() if c == "TS-001")
    backend = configured_backend()
    real_replace = backend.replace_all

    def replace_while_the_tee_is_unpublished(documents, progress=None) -> None:
        # The catalogue was read (tee published); meanwhile the tee is unpublished and its sync
        # delivered into the old index, which this rebuild then replaces.
        import asyncio

        asyncio.run(_unpublish(tee_id))
        real_replace(documents, progress)

    backend.replace_all = replace_while_the_tee_is_unpublished  # type: ignore[method-assign]
    try:
        await reindex()
    finally:
        del backend.replace_all
    assert codes("camping") == ["MG-001"]


async def _unpublish(product_id: int) -> None:
    await Product.update({Product.is_published: False}).where(Product.id == product_id).run()
    await bump_revision()
    await request_sync([product_id])


async def test_a_rebuild_settles_the_syncs_written_before_it_read_the_catalogue() -> None:
    await build_catalog([MUG, TEE])
    await request_sync(everything=True)  # as an import writes it
    told: list[tuple[int, int]] = []
    assert await reindex(lambda done, total: told.append((done, total))) == 2
    assert told == [(0, 2), (2, 2)]  # the CLI's progress bar
    assert await OutboxMessage.count().where(OutboxMessage.done_at.is_null()).run() == 0


async def test_a_shop_starting_with_an_empty_index_builds_it() -> None:
    await build_catalog([MUG, TEE])
    _ids.update({p["id"]: p["code"] for p in await Product.select(Product.id, Product.code).run()})
    configured_backend().replace_all([])  # a new engine version's folder, a new Meilisearch server
    async with AsyncTestClient(app=create_app(), base_url="http://shop.test"):
        pass  # startup queues a full sync and its first delivery pass builds the index
    assert codes("camping") == ["MG-001", "TS-001"]
    assert await ensure_index() is False  # not empty any more: nothing queued
