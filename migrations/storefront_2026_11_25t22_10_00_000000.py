"""Product images uploaded in the back office: alt text (base locale), pixel size and thumbnails."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T22:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "product image alt text and thumbnails"

# The same SQL on SQLite and PostgreSQL; existing rows (the demo's SVG placeholders) get no
# thumbnails and no alt text: the shop then shows the file itself, named by the product.
STATEMENTS = [
    "ALTER TABLE product_image ADD COLUMN alt VARCHAR(200) NOT NULL DEFAULT ''",
    "ALTER TABLE product_image ADD COLUMN width INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE product_image ADD COLUMN height INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE product_image ADD COLUMN thumb_small VARCHAR(300) NOT NULL DEFAULT ''",
    "ALTER TABLE product_image ADD COLUMN thumb_large VARCHAR(300) NOT NULL DEFAULT ''",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_columns() -> None:
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_columns)
    return manager
