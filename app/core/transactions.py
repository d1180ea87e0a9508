"""Write transactions that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from typing import Any

from asyncpg.exceptions import UniqueViolationError
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def write_transaction() -> Any:
    """A transaction for a read-modify-write.

    SQLite: BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of
    both reading and one failing to upgrade its lock. PostgreSQL: row locks taken by the
    conditional UPDATEs do the same job.
    """
    engine = engine_finder()
    assert engine is not None, "no Piccolo engine configured"
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


# What a unique index refusing a row raises on each engine (SQLite's also covers other constraint
# failures, which validated input never reaches): a concurrent writer took the key first.
DUPLICATE_KEY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, UniqueViolationError)
