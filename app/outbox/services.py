"""Writing follow-ups with the change that causes them, and delivering them (at least once).

`enqueue` runs inside the caller's write transaction: the follow-up exists if and only if the
change committed. `deliver_due` claims due rows one at a time (a conditional UPDATE, so concurrent
workers and processes never take the same row), runs the kind's handler, and marks the row done,
or schedules a retry with backoff. A worker killed mid-delivery leaves a claim that expires after
LEASE_SECONDS, and the row is delivered again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from app.outbox.rules import LEASE_SECONDS, MAX_ATTEMPTS, retry_delay
from app.outbox.tables import OutboxMessage

log = logging.getLogger("storefront.outbox")

Handler = Callable[[Mapping[str, Any]], Awaitable[None]]


async def enqueue(kind: str, payload: Mapping[str, Any]) -> None:
    """Record a follow-up; call it inside the transaction of the change it follows."""
    await OutboxMessage.insert(
        OutboxMessage(kind=kind, payload=json.dumps(dict(payload)), next_attempt_at=int(time.time()))
    ).run()


async def claim_next(now: int) -> dict[str, Any] | None:
    """Take the oldest due row for LEASE_SECONDS, or None when nothing is due."""
    rows = await OutboxMessage.raw(
        "UPDATE outbox_message SET claimed_until = {}, attempts = attempts + 1 "
        "WHERE id = (SELECT id FROM outbox_message WHERE done_at IS NULL AND next_attempt_at <= {} "
        "AND claimed_until < {} AND attempts < {} ORDER BY id LIMIT 1) AND claimed_until < {} "
        "RETURNING id, kind, payload, attempts",
        now + LEASE_SECONDS,
        now,
        now,
        MAX_ATTEMPTS,
        now,
    ).run()
    return rows[0] if rows else None


async def deliver_due(handlers: Mapping[str, Handler], limit: int = 100) -> int:
    """Deliver what is due now; returns how many were delivered."""
    delivered = 0
    for _ in range(limit):
        now = int(time.time())
        row = await claim_next(now)
        if row is None:
            break
        handler = handlers.get(row["kind"])
        try:
            if handler is None:
                raise LookupError(f"no handler for {row['kind']}")
            await handler(json.loads(row["payload"]))
        except Exception as error:
            attempts = row["attempts"]
            # The kind and row only: payloads may hold personal data.
            log.warning("outbox %s #%s failed (attempt %s): %s", row["kind"], row["id"], attempts, error)
            await (
                OutboxMessage.update(
                    {
                        OutboxMessage.claimed_until: 0,
                        OutboxMessage.next_attempt_at: now + retry_delay(attempts),
                        OutboxMessage.last_error: f"{type(error).__name__}: {error}"[:300],
                    }
                )
                .where(OutboxMessage.id == row["id"])
                .run()
            )
            continue
        await (
            OutboxMessage.update({OutboxMessage.done_at: datetime.now(UTC)})
            .where(OutboxMessage.id == row["id"])
            .run()
        )
        delivered += 1
    return delivered


async def pending_count() -> int:
    return int(await OutboxMessage.count().where(OutboxMessage.done_at.is_null()).run())
