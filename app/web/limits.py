"""Attempt limits against guessing (order lookup), in a store shared by every worker.

A fixed window per key: the first attempt starts it, each attempt counts, and past the limit the
caller gets the seconds left. The store is Redis when REDIS_URL is set (all workers and servers
see the same counts), else this worker's memory. With Redis the count is an atomic INCR; the
generic store (memory) reads and writes, which one event loop runs without interleaving.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from app.i18n.markers import N_

log = logging.getLogger("storefront.limits")
TOO_MANY_ATTEMPTS = N_("There were too many attempts. Please wait a few minutes, then try again.")


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window_seconds: int


# A shopper who mistypes tries a few times; a script trying an email list tries thousands.
LOOKUP_PER_CLIENT = Limit("lookup-client", 20, 15 * 60)
LOOKUP_PER_ORDER = Limit("lookup-order", 8, 60 * 60)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address (the trusted proxy's X-Forwarded-For, as uvicorn applies it)."""
    return request.client.host if request.client else "unknown"


def limits_store(redis_url: str) -> Store:
    if not redis_url:
        return MemoryStore()
    from litestar.stores.redis import RedisStore

    return RedisStore.with_client(url=redis_url, namespace="storefront-limits")


async def count_attempt(store: Store, limit: Limit, subject: str) -> int | None:
    """Count one attempt for `subject`; the seconds to wait when it is over the limit, else None."""
    # Hashed: the store never holds an IP address or an order number in clear.
    key = f"{limit.name}:{hashlib.sha256(subject.encode()).hexdigest()[:32]}"
    redis = getattr(store, "_redis", None)
    if redis is not None:
        full_key = store._make_key(key)  # type: ignore[attr-defined]
        count = int(await redis.incr(full_key))
        if count == 1:
            await redis.expire(full_key, limit.window_seconds)
    else:
        raw = await store.get(key)
        count = int(raw or 0) + 1
        left = await store.expires_in(key) if raw else None
        await store.set(key, str(count), expires_in=left or limit.window_seconds)
    if count <= limit.attempts:
        return None
    return await store.expires_in(key) or limit.window_seconds


async def check_lookup(store: Store, client: str, number: str) -> None:
    """Refuse (429 with Retry-After) an order lookup over the per-client or per-order limit."""
    for limit, subject in ((LOOKUP_PER_CLIENT, client), (LOOKUP_PER_ORDER, number or "-")):
        wait = await count_attempt(store, limit, subject)
        if wait is not None:
            log.warning("order lookups refused for %s s: %s over its limit", wait, limit.name)
            raise TooManyRequestsException(
                detail=TOO_MANY_ATTEMPTS, headers={"Retry-After": str(max(wait, 1))}
            )
