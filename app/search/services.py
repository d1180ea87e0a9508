"""The index follows the catalogue: the configured backend, follow-ups that sync it, a full rebuild.

Changes reach the index through the outbox (SEARCH_SYNC rows written with the change), so a
restart or a failed write never leaves it behind for good: the row is retried until it lands.
A sync re-reads the products from the database rather than trusting the payload, so syncs that
run late or out of order still leave the index matching the catalogue.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from app.catalog.services import load_catalog
from app.catalog.tables import Product, Variant
from app.core.settings import Settings, get_settings
from app.core.transactions import write_transaction
from app.outbox.rules import SEARCH_SYNC
from app.outbox.services import enqueue
from app.outbox.tables import OutboxMessage
from app.search.documents import search_documents
from app.search.model import SearchBackend

log = logging.getLogger("storefront.search")


@cache
def _backend(url: str, key: str, prefix: str, folder: str) -> SearchBackend:
    if url:
        from app.search.meili import MeiliBackend

        return MeiliBackend(url, key or None, prefix)
    from app.search.embedded import EmbeddedBackend

    return EmbeddedBackend(Path(folder))


def configured_backend(settings: Settings | None = None) -> SearchBackend:
    """Meilisearch when MEILISEARCH_URL is set, else the embedded index under var/search (one
    instance per process: it holds the open index)."""
    settings = settings or get_settings()
    return _backend(
        settings.meilisearch_url,
        settings.meilisearch_key,
        settings.meilisearch_index_prefix,
        str(settings.var_dir / "search"),
    )


async def request_sync(product_ids: Iterable[int] = (), everything: bool = False) -> None:
    """Queue an index update inside the caller's transaction (products changed, stock ran out...)."""
    ids = sorted(set(product_ids))
    if ids or everything:
        await enqueue(SEARCH_SYNC, {"all": True} if everything else {"product_ids": ids})


async def _stock() -> dict[int, int]:
    rows = await Variant.select(Variant.id, Variant.stock).run()
    return {row["id"]: row["stock"] for row in rows}


async def sync_index(payload: Mapping[str, Any]) -> None:
    """The SEARCH_SYNC outbox handler: upsert the named products that are published, delete the
    others (unpublished or gone); `all` rebuilds the whole index."""
    if payload.get("all"):
        await reindex()
        return
    wanted = {int(i) for i in payload.get("product_ids", ())}
    catalog, stock = await load_catalog(), await _stock()
    documents = [d for d in search_documents(catalog, stock) if d.product_id in wanted]
    gone = sorted(wanted - {d.product_id for d in documents})
    backend = configured_backend()
    if documents:
        await asyncio.to_thread(backend.upsert, documents)
    if gone:
        await asyncio.to_thread(backend.delete, gone)
    log.info("search sync: %s updated, %s removed", len(documents), len(gone))


async def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the index from the published catalogue; returns the number of products indexed.
    `progress(done, total)` follows the backend's progress (the CLI draws a bar with it).

    A sync applied while the rebuild runs may land in the index being replaced, so every sync
    queued since the catalogue was read is applied again once the new index is live. Run one
    rebuild at a time (`storefront search reindex`, `storefront init`).
    """
    since = await _last_outbox_id()
    catalog, stock = await load_catalog(), await _stock()
    documents = search_documents(catalog, stock)
    if progress is not None:
        progress(0, len(documents))
    total = len(documents)
    told = (lambda done: progress(done, total)) if progress is not None else None
    await asyncio.to_thread(configured_backend().replace_all, documents, told)
    # Syncs written before the catalogue was read are covered by this rebuild: nothing left to do.
    covered = (OutboxMessage.id <= since) & (OutboxMessage.kind == SEARCH_SYNC)
    await (
        OutboxMessage.update({OutboxMessage.done_at: datetime.now(UTC)})
        .where(covered & OutboxMessage.done_at.is_null())
        .run()
    )
    replayed = await _syncs_after(since)
    if replayed:
        await sync_index({"product_ids": sorted(replayed)})
    log.info("search index rebuilt: %s products (%s re-synced)", len(documents), len(replayed))
    return len(documents)


async def _last_outbox_id() -> int:
    from app.outbox.tables import OutboxMessage

    row = (
        await OutboxMessage.select(OutboxMessage.id).order_by(OutboxMessage.id, ascending=False).first().run()
    )
    return int(row["id"]) if row else 0


async def _syncs_after(outbox_id: int) -> set[int]:
    """Products named by SEARCH_SYNC rows written after `outbox_id`, delivered or not."""
    rows = (
        await OutboxMessage.select(OutboxMessage.payload)
        .where((OutboxMessage.id > outbox_id) & (OutboxMessage.kind == SEARCH_SYNC))
        .run()
    )
    ids: set[int] = set()
    for row in rows:
        ids.update(int(i) for i in json.loads(row["payload"]).get("product_ids", ()))
    return ids


async def sync_lag() -> tuple[int, float]:
    """Index updates not yet applied: how many, and the oldest one's age in seconds (the lag)."""
    pending = OutboxMessage.done_at.is_null() & (OutboxMessage.kind == SEARCH_SYNC)
    rows = (
        await OutboxMessage.select(OutboxMessage.created_at).where(pending).order_by(OutboxMessage.id).run()
    )
    if not rows:
        return 0, 0.0
    oldest = rows[0]["created_at"]
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    return len(rows), (datetime.now(UTC) - oldest).total_seconds()


async def ensure_index() -> bool:
    """At startup: an empty index beside a non-empty catalogue (a new deployment, an index folder
    of a new engine version, a Meilisearch server replaced) gets a full sync through the outbox
    rather than a shop whose search finds nothing. Returns whether one was queued."""
    backend = configured_backend()
    try:
        state = await asyncio.to_thread(backend.status)
    except Exception as error:  # an unreachable server is the pages' concern, not startup's
        log.warning("search index check skipped: %s", error)
        return False
    if not state.healthy or any(state.documents.values()):
        return False
    if not await Product.exists().where(Product.is_published.eq(True)).run():
        return False
    async with write_transaction():
        await request_sync(everything=True)
    log.info("search index empty: full sync queued")
    return True
