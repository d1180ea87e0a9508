"""Applying the one Piccolo migration history to the configured database (SQLite or PostgreSQL)."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

from app.core.settings import get_settings

APP_NAME = "storefront"  # the Piccolo app whose migrations live in the top-level migrations/


class MigrationFailed(RuntimeError):
    """Piccolo refused or failed to apply a migration; the message says why."""


async def migrate_database() -> list[str]:
    """Apply every pending migration; returns the ids applied (empty: already up to date)."""
    get_settings().var_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_finder()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers carry on while a checkout writes; the setting is stored in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    await Migration.create_table(if_not_exists=True).run()
    before = set(await Migration.get_migrations_which_ran(app_name=APP_NAME))
    manager = ForwardsMigrationManager(app_name=APP_NAME)
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo prints progress with emoji
        result = await manager.run()
    if not result.success:
        raise MigrationFailed(f"migration failed: {result.message}")
    after = set(await Migration.get_migrations_which_ran(app_name=APP_NAME))
    return sorted(after - before)
