"""Products carry a tax class and shipping restriction tags.

`tax_class` is one of app.tax.model.PRODUCT_TAX_CLASSES (the importer validates it) and picks the
destination's VAT/GST rate; `restrictions` holds comma-separated tags such as `lithium_battery`,
`liquid`, `aerosol`, `food` for the shipping rules. Existing products become `standard` with no
restrictions; running the demo import again fills in the demo catalogue's values.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "product tax class and shipping restrictions"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_columns() -> None:
        engine = engine_finder()
        # One column per statement: SQLite's ALTER TABLE adds one at a time.
        await engine.run_ddl(
            "ALTER TABLE product ADD COLUMN tax_class VARCHAR(24) NOT NULL DEFAULT 'standard'"
        )
        await engine.run_ddl("ALTER TABLE product ADD COLUMN restrictions VARCHAR(200) NOT NULL DEFAULT ''")

    manager.add_raw(add_columns)
    return manager
