"""Creating and emptying the test database on either engine."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even where a loop is already running
    (Playwright's sync API keeps one in the main thread)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


async def recreate_database(url: str) -> None:
    """Drop and recreate the database (PostgreSQL) or file (SQLite), then migrate it."""
    if url.startswith("postgres"):
        import asyncpg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    else:
        path = url.split("sqlite:///", 1)[1]
        if os.path.exists(path):
            os.unlink(path)
    from app.core.migrations import migrate_database

    await migrate_database()


async def truncate_all(tables: list[type[Table]]) -> None:
    engine = engine_finder()
    assert engine is not None
    names = [table._meta.tablename for table in tables]
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
        return
    await engine.run_ddl("UPDATE category SET parent = NULL")  # RESTRICT is checked row by row
    for name in reversed(names):  # children before parents
        await engine.run_ddl(f"DELETE FROM {name}")
