"""Orders record the rate prices were converted at (markup included), as the shopper was shown it.

`fx_rate` stays the mid-market rate the settlement is worked out at; `fx_applied_rate` is the
disclosed rate (fee included, with the digits that reproduce the amounts) and `fx_markup_percent`
the fee. Orders from before this keep empty values and show the mid-market rate only.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applied FX rate on orders"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_columns() -> None:
        engine = engine_finder()
        # One column per statement: SQLite's ALTER TABLE adds one at a time.
        await engine.run_ddl(
            "ALTER TABLE shop_order ADD COLUMN fx_applied_rate VARCHAR(40) NOT NULL DEFAULT ''"
        )
        await engine.run_ddl(
            "ALTER TABLE shop_order ADD COLUMN fx_markup_percent VARCHAR(12) NOT NULL DEFAULT ''"
        )

    manager.add_raw(add_columns)
    return manager
