"""An index on the normalised email of orders: the back office's customer screens group and look
customers up by LOWER(TRIM(email)) (app/staff/customers.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T22:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "customer email index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def create_index() -> None:
        engine = engine_finder()
        await engine.run_ddl('CREATE INDEX shop_order_customer ON "shop_order" (LOWER(TRIM(email)), id)')

    manager.add_raw(create_index)
    return manager
