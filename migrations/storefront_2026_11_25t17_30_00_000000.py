"""Orders keep their tax, duty and fee lines (order_charge) and the taxes' effect on the total;
refunds record the tax and duty share they return.

Amounts are 64-bit minor units like every other money column; orders from before this have no
charge lines and a zero `taxes_minor`.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "order tax, duty and fee lines"


def statements(id_type: str, bigint: str) -> list[str]:
    return [
        f"ALTER TABLE shop_order ADD COLUMN taxes_minor {bigint} NOT NULL DEFAULT 0",
        f"ALTER TABLE shop_order ADD COLUMN settlement_taxes_minor {bigint} NOT NULL DEFAULT 0",
        "ALTER TABLE shop_order ADD COLUMN incoterm VARCHAR(3) NOT NULL DEFAULT ''",
        f"ALTER TABLE refund ADD COLUMN tax_minor {bigint} NOT NULL DEFAULT 0",
        f"ALTER TABLE refund ADD COLUMN duty_minor {bigint} NOT NULL DEFAULT 0",
        f"""CREATE TABLE "order_charge" (
            "id" {id_type},
            "order" INTEGER NOT NULL REFERENCES "shop_order" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
            "position" INTEGER NOT NULL DEFAULT 0,
            "kind" VARCHAR(8) NOT NULL CHECK ("kind" IN ('tax', 'duty', 'fee', 'removed')),
            "name" VARCHAR(200) NOT NULL DEFAULT '',
            "rate" VARCHAR(20) NOT NULL DEFAULT '',
            "base_minor" {bigint} NOT NULL DEFAULT 0,
            "amount_minor" {bigint} NOT NULL CHECK ("amount_minor" >= 0),
            "settlement_minor" {bigint} NOT NULL DEFAULT 0,
            "refunded_minor" {bigint} NOT NULL DEFAULT 0 CHECK ("refunded_minor" >= 0),
            "collected" VARCHAR(10) NOT NULL CHECK ("collected" IN ('checkout', 'delivery')),
            "included" BOOLEAN NOT NULL DEFAULT FALSE,
            "estimate" BOOLEAN NOT NULL DEFAULT FALSE,
            "rule" VARCHAR(120) NOT NULL DEFAULT '',
            "source" VARCHAR(300) NOT NULL DEFAULT '',
            "explanation" VARCHAR(300) NOT NULL DEFAULT '',
            "params" JSON NOT NULL DEFAULT '{{}}',
            "data_version" VARCHAR(24) NOT NULL DEFAULT ''
        )""",
        'CREATE INDEX order_charge_order ON "order_charge" ("order")',
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_order_charges() -> None:
        engine = engine_finder()
        if engine.engine_type == "postgres":
            todo = statements("SERIAL PRIMARY KEY NOT NULL", "BIGINT")
        else:
            todo = statements("INTEGER PRIMARY KEY NOT NULL", "INTEGER")
        for statement in todo:
            await engine.run_ddl(statement)

    manager.add_raw(add_order_charges)
    return manager
