"""Variants carry a low-stock threshold: the back office lists those at or below it (/admin/stock)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "low-stock threshold per variant"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_column() -> None:
        engine = engine_finder()
        # Both engines accept a CHECK on an added column; existing variants get the default.
        await engine.run_ddl(
            "ALTER TABLE variant ADD COLUMN low_stock_threshold INTEGER NOT NULL DEFAULT 5 "
            "CONSTRAINT variant_low_stock_threshold_not_negative CHECK (low_stock_threshold >= 0)"
        )
        # The low-stock page reads variants by ascending stock and stops at one page.
        await engine.run_ddl("CREATE INDEX variant_stock ON variant (stock)")

    manager.add_raw(add_column)
    return manager
