"""A batch of 10,000 shipments streamed through the partner API with bounded memory.

One real order (placed through checkout, to the UK, two lines: exportable) is copied in SQL into
10,000 orders with their lines and charges, plus 500 copies that lost their HS codes (left out).
The endpoint is called as a server calls it (the ASGI app, with a `send` that counts each body
piece and drops it) for the complete JSON document, while tracemalloc records the peak of
Python's allocations. For the ratio, the same batch is then held whole, every outcome in a list,
as an export without streaming would hold it (before even rendering it).

Measured (2 cores; SQLite / PostgreSQL): the stream peaks at 2.7 / 2.9 MiB above the baseline,
the same at 2,000 shipments as at 10,000 (one chunk of 200 orders, one 64 KiB piece, the spool
of left-out entries up to 1 MiB); the list of outcomes takes 39 MiB; the body is 17 MiB of JSON.
Bound asserted: STREAM_PEAK_BOUND, 8 MiB, a fifth of the list. Without tracemalloc the 10,000
stream in 4-6 s; traced, in about 20-25 s (the whole test: about 40 s)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from piccolo.engine import engine_finder
from piccolo.table import Table

from app.core.settings import get_settings
from app.customs.assemble import Batch, batch_outcomes
from app.orders.tables import Order, OrderCharge, OrderLine
from app.partners.rules import CUSTOMS_EXPORT
from app.partners.services import create_key
from tests.customs.orders import catalogue, order, pin
from tests.functional.admin import SETUP, forget_admin_store

SHIPMENTS = 10_000
LEFT_OUT = 500
MIB = 1024 * 1024
MARKER = b'"schema_version": "1"'
STREAM_PEAK_BOUND = 8 * MIB
QUERY = b"since=2026-12-01&until=2026-12-01&format=json"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


def _columns(table: type[Table]) -> list[str]:
    return [c._meta.db_column_name for c in table._meta.columns if not c._meta.primary_key]


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


async def copy_order(template: int, prefix: str, count: int) -> None:
    """`count` copies of an order (with its lines and charges) numbered `<prefix>1`, `<prefix>2`..."""
    engine = engine_finder()
    assert engine is not None
    series = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})"
    order_columns = _columns(Order)
    values = [
        f"'{prefix}' || n.i" if c == "number" else "NULL" if c == "checkout_key" else f'o."{c}"'
        for c in order_columns
    ]
    await engine.run_ddl(
        f'INSERT INTO "shop_order" ({_quoted(order_columns)}) '
        f'{series} SELECT {", ".join(values)} FROM "shop_order" o, n WHERE o."id" = {template}'
    )
    for table in (OrderLine, OrderCharge):
        name = table._meta.tablename
        columns = [c for c in _columns(table) if c != "order"]
        copied = ", ".join(f'x."{c}"' for c in columns)
        await engine.run_ddl(
            f'INSERT INTO "{name}" ({_quoted(columns)}, "order") '
            f'SELECT {copied}, o."id" FROM "{name}" x, "shop_order" o '
            f'WHERE x."order" = {template} AND o."number" LIKE \'{prefix}%\' '
            f'ORDER BY o."id", x."id"'
        )


async def the_batch() -> None:
    """One real UK order with two lines, copied into 10,000 exportable orders, and LEFT_OUT more
    copies whose lines lost their HS code."""
    await catalogue()
    await pin(await order("GB", [("MG-001", 2), ("SH-001", 1)]), "M-0")
    template = (await Order.select(Order.id).where(Order.number == "M-0").first().run())["id"]
    await copy_order(template, "M-", SHIPMENTS - 1)
    await copy_order(template, "X-", LEFT_OUT)
    damaged = Order.select(Order.id).where(Order.number.like("X-%"))
    await OrderLine.update({OrderLine.hs_code: ""}).where(OrderLine.order.is_in(damaged)).run()
    assert await Order.count().run() == SHIPMENTS + LEFT_OUT


class Receiver:
    """The server side of one HTTP exchange: the body is counted piece by piece and dropped."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.pieces = 0
        self.size = 0
        self.shipments = 0
        self.tail = b""  # the last bytes seen: the counts close the document
        self.done = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if not hasattr(self, "_asked"):
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.done.wait()  # the client stays until the last byte, then goes
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            self.pieces += 1 if body else 0
            self.size += len(body)
            # Each shipment carries one schema_version; a piece may cut the marker in two.
            window = self.tail[-len(MARKER) + 1 :] + body
            self.shipments += window.count(MARKER)
            self.tail = (self.tail + body)[-200:]
            if not message.get("more_body", False):
                self.done.set()


async def stream_through_the_api(app: Any, key: str) -> Receiver:
    path = "/api/v1/partner/customs/shipments"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": QUERY,
        "headers": [(b"host", b"shop.test"), (b"authorization", f"Bearer {key}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("shop.test", 80),
        "state": {},
    }
    receiver = Receiver()
    await app(scope, receiver.receive, receiver.send)
    return receiver


async def test_ten_thousand_shipments_stream_with_bounded_memory(client) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await the_batch()
    prepared = time.perf_counter()
    _, key = await create_key(SETUP, "Memory test", frozenset({CUSTOMS_EXPORT}), ())
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        receiver = await stream_through_the_api(client.app, key)
        streamed_peak = tracemalloc.get_traced_memory()[1] - baseline
        streamed = time.perf_counter()

        # For comparison: the same batch held whole, as a list of its outcomes.
        baseline = tracemalloc.get_traced_memory()[0]
        day = date(2026, 12, 1)
        held = [o async for o in batch_outcomes(Batch(day, day), get_settings())]
        held_size = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    print(
        f"\n{SHIPMENTS} shipments and {LEFT_OUT} left out: setup {prepared - started:.1f} s,"
        f" stream {streamed - prepared:.1f} s (traced), {receiver.size / MIB:.1f} MiB of JSON in"
        f" {receiver.pieces} pieces; peak while streaming {streamed_peak / MIB:.2f} MiB;"
        f" the outcomes held in a list {held_size / MIB:.1f} MiB"
        f" (ratio {held_size / max(streamed_peak, 1):.0f}x)"
    )
    assert receiver.status == 200
    assert receiver.headers["content-type"].startswith("application/json")
    assert receiver.shipments == SHIPMENTS
    assert receiver.tail.endswith(f'"exported": {SHIPMENTS}, "left_out_count": {LEFT_OUT}}}\n'.encode())
    assert receiver.pieces > 100  # sent as it was read, not in one piece at the end
    assert len(held) == SHIPMENTS + LEFT_OUT
    assert sum(o.shipment is not None for o in held) == SHIPMENTS
    assert streamed_peak < STREAM_PEAK_BOUND
    assert streamed_peak * 5 < held_size and streamed_peak * 5 < receiver.size
