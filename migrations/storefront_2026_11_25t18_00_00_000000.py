"""Products carry the merchant's duty rates by destination, overriding the tariff defaults."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "per-product duty rates"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_column() -> None:
        await engine_finder().run_ddl(
            "ALTER TABLE product ADD COLUMN duty_rates VARCHAR(500) NOT NULL DEFAULT '{}'"
        )

    manager.add_raw(add_column)
    return manager
