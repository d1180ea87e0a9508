"""Database engine from DATABASE_URL: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine


def sqlite_path(url: str) -> str:
    """`sqlite:///relative.db` or `sqlite:////abs/path.db` -> a filesystem path."""
    return url.split("sqlite:///", 1)[1]


def engine_from_url(url: str) -> Engine:
    """Build the Piccolo engine a DATABASE_URL names."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        # timeout: how long a writer waits for SQLite's lock before failing (seconds).
        return SQLiteEngine(path=sqlite_path(url), timeout=30)
    if scheme in {"postgres", "postgresql"}:
        return PostgresEngine(config={"dsn": url.replace("postgres://", "postgresql://", 1)})
    raise ValueError(f"Unsupported DATABASE_URL scheme: {scheme!r}")
