"""A batch's customs export as text pieces, read and written a chunk of orders at a time: the CLI
writes them to a file, the partner API streams them as the response body. Memory holds one chunk
of orders (app/customs/assemble.py) and one piece of text, whatever the batch size.

Shapes:
- `csv`: the header, then a row per shipment line (app/customs/csv_out.py). Shipments only.
- `json`: a JSON array of shipments (app/customs/json_out.py), the CLI's. Shipments only.
- `json_document`: one JSON object, the partner API's complete answer: `batch` (what was asked),
  `shipments` (each as the published schema says), `left_out` (each order kept out, with its
  problems), then the counts `exported` and `left_out_count`. The left-out entries are written to a
  spooled temporary file while the shipments stream, and copied out after them.
- `left_out`: the same object without `shipments`: what a CSV consumer asks for separately.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import IO, Any, Literal

from app.core.settings import Settings
from app.customs import csv_out, json_out
from app.customs.assemble import CHUNK, Batch, Outcome, batch_outcomes

Shape = Literal["csv", "json", "json_document", "left_out"]
SHAPES: tuple[Shape, ...] = ("csv", "json", "json_document", "left_out")
PIECE_CHARS = 64 * 1024  # text gathered before a piece is yielded: fewer, larger writes
SPOOL_BYTES = 1024 * 1024  # left-out entries kept in memory up to this, then on disk
SCHEMA_PATH = "/api/v1/customs/schema.json"  # where each shipment's schema is published


@dataclass
class Tally:
    """What a stream has done so far (read it after the last piece for the totals)."""

    exported: int = 0
    left_out: int = 0


def problem_dicts(outcome: Outcome) -> list[dict[str, Any]]:
    """An order's problems for a machine: a stable code, the line's SKU, the English text."""
    return [
        {
            "code": p.code,
            "sku": p.sku,
            "message": p.text(),
            "params": {k: str(v) for k, v in p.params.items()},
        }
        for p in outcome.problems
    ]


def left_out_item(outcome: Outcome, first: bool) -> str:
    entry = {"order_number": outcome.number, "problems": problem_dicts(outcome)}
    return ("\n" if first else ",\n") + json.dumps(entry, ensure_ascii=False)


def batch_dict(batch: Batch, reason: str) -> dict[str, Any]:
    return {
        "since": batch.since.isoformat(),
        "until": batch.until.isoformat(),
        "carriers": list(batch.methods),
        "destinations": list(batch.destinations),
        "reason": reason,
    }


def _document_head(batch: Batch, reason: str, shape: Shape) -> str:
    head = json.dumps({"schema": SCHEMA_PATH, "batch": batch_dict(batch, reason)}, ensure_ascii=False)
    # The object stays open: the arrays follow, then the counts close it.
    return head[:-1] + (', "shipments": [' if shape == "json_document" else ', "left_out": [')


def _document_tail(tally: Tally) -> str:
    return f', "exported": {tally.exported}, "left_out_count": {tally.left_out}}}\n'


def _spool() -> IO[str]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8")


async def export_text(
    batch: Batch,
    settings: Settings,
    shape: Shape,
    *,
    reason: str = "sale_of_goods",
    tally: Tally | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    chunk: int = CHUNK,
) -> AsyncIterator[str]:
    """The export of `batch` in `shape`, piece by piece. `tally` counts as it goes; `on_outcome`
    sees every order (the CLI's progress bar and its list of problems on stderr). An order with a
    problem is never written half-filled: it is left out whole, and listed where the shape has room."""
    tally = tally if tally is not None else Tally()
    parts: list[str] = []
    size = 0

    def add(text: str) -> str | None:
        """Gather `text`; a piece to yield once enough has gathered."""
        nonlocal size
        parts.append(text)
        size += len(text)
        if size < PIECE_CHARS:
            return None
        piece = "".join(parts)
        parts.clear()
        size = 0
        return piece

    spool = _spool() if shape == "json_document" else None
    try:
        if shape == "csv":
            add(csv_out.header())
        elif shape == "json":
            add(json_out.OPEN)
        else:
            add(_document_head(batch, reason, shape))
        async for outcome in batch_outcomes(batch, settings, chunk, reason):
            if on_outcome is not None:
                on_outcome(outcome)
            text = ""
            if outcome.shipment is None:
                if shape == "left_out":
                    text = left_out_item(outcome, first=tally.left_out == 0)
                elif spool is not None:
                    spool.write(left_out_item(outcome, first=tally.left_out == 0))
                tally.left_out += 1
            else:
                if shape == "csv":
                    text = csv_out.shipment_rows(outcome.shipment)
                elif shape in ("json", "json_document"):
                    text = json_out.item(outcome.shipment, first=tally.exported == 0)
                tally.exported += 1
            if text and (piece := add(text)):
                yield piece
        if shape == "json":
            add(json_out.close(empty=tally.exported == 0))
        elif shape == "json_document":
            assert spool is not None
            add(("\n" if tally.exported else "") + '], "left_out": [')
            spool.seek(0)
            while block := spool.read(PIECE_CHARS):
                if piece := add(block):
                    yield piece
            add(("\n" if tally.left_out else "") + "]" + _document_tail(tally))
        elif shape == "left_out":
            add(("\n" if tally.left_out else "") + "]" + _document_tail(tally))
        if parts:
            yield "".join(parts)
    finally:
        if spool is not None:
            spool.close()


__all__ = ["SHAPES", "Shape", "Tally", "export_text"]
