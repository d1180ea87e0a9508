"""Refreshing in-memory data off the request path."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

_running: set[asyncio.Task[None]] = set()  # the event loop keeps only weak references to tasks


def refresh_in_background(
    previous: asyncio.Task[None] | None, refresh: Callable[[], Awaitable[None]], what: str
) -> asyncio.Task[None]:
    """Run `refresh` as a task, unless the previous one is still running (then return that one).

    For caches that requests read while the data is re-read: the request that notices the data is
    due goes on with what is in memory instead of waiting for the database. Under load a query
    waits behind every queued request at each of its awaits (0.5-2.6 s measured at 32 connections
    on 2 workers), which made that one request the slowest of the run. A failure is logged and
    changes nothing: the next request that finds the data due tries again.
    """
    if previous is not None and not previous.done():
        return previous

    async def logged() -> None:
        try:
            await refresh()
        except Exception:
            log.exception("%s failed; serving what is in memory", what)

    # A fresh context: the task must not inherit the request's (a Piccolo transaction lives in one).
    task = asyncio.get_running_loop().create_task(logged(), context=contextvars.Context())
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task
