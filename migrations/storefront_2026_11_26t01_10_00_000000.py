"""National tariff numbers: each product keeps one per destination country (the HS subheading plus
that country's digits, as JSON like its duty rates), and each order line freezes the one for the
order's destination at checkout.

Existing products start with none ('{}') and existing order lines with '' (none was frozen).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "national tariff numbers"


def statements() -> list[str]:
    # Both engines add a NOT NULL column with a constant default in place.
    return [
        'ALTER TABLE "product" ADD COLUMN "tariff_codes" VARCHAR(500) NOT NULL DEFAULT \'{}\'',
        'ALTER TABLE "order_line" ADD COLUMN "tariff_code" VARCHAR(12) NOT NULL DEFAULT \'\'',
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_columns() -> None:
        engine = engine_finder()
        for statement in statements():
            await engine.run_ddl(statement)

    manager.add_raw(add_columns)
    return manager
