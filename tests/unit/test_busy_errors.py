"""Which database errors mean "not now, retry" (503 + Retry-After) and which are bugs (500)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from app.server.errors import is_busy


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.LockNotAvailableError("canceling statement due to lock timeout"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to user request"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        sqlite3.OperationalError("database is locked"),
    ],
)
def test_transient_database_errors_are_busy(error: Exception) -> None:
    assert is_busy(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.CheckViolationError("stock >= 0"),
        sqlite3.OperationalError("no such table: variant"),
        ValueError("a bug"),
    ],
)
def test_bugs_are_not_busy(error: Exception) -> None:
    assert not is_busy(error)
