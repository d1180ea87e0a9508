"""64-bit amounts and the refund table.

Amounts in minor units outgrow 32 bits (EUR 1,200 in IDR is 2.3 billion sen), so every
`*_minor` column becomes BIGINT on PostgreSQL; SQLite's INTEGER is already 64-bit, so nothing
changes there. The refund table is the same CREATE TABLE on both engines apart from the id
and integer types; its CHECKs are inline (SQLite accepts CHECK in CREATE TABLE, only not in
ALTER TABLE).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "64-bit amounts, refunds"


BIGINT_COLUMNS = {
    "shop_order": [
        "subtotal_minor",
        "shipping_minor",
        "total_minor",
        "refunded_minor",
        "settlement_subtotal_minor",
        "settlement_shipping_minor",
        "settlement_total_minor",
        "refunded_settlement_minor",
    ],
    "order_line": ["unit_price_minor", "line_total_minor", "settlement_total_minor"],
    "payment": ["amount_minor"],
    "payment_event": ["amount_minor"],
    "price_override": ["price_minor"],
    "variant": ["price_minor"],
}

POSTGRES_ALTERS = [
    f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {column} TYPE BIGINT" for column in columns)
    for table, columns in BIGINT_COLUMNS.items()
]


def create_refund(id_type: str, bigint: str) -> list[str]:
    return [
        f"""CREATE TABLE "refund" (
            "id" {id_type},
            "order" INTEGER NOT NULL REFERENCES "shop_order" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
            "payment" INTEGER NOT NULL REFERENCES "payment" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
            "idempotency_key" VARCHAR(100) NOT NULL UNIQUE,
            "amount_minor" {bigint} NOT NULL CHECK ("amount_minor" > 0),
            "currency" VARCHAR(3) NOT NULL DEFAULT '',
            "settlement_minor" {bigint} NOT NULL DEFAULT 0 CHECK ("settlement_minor" >= 0),
            "status" VARCHAR(16) NOT NULL CHECK ("status" IN ('pending', 'succeeded', 'failed')),
            "provider" VARCHAR(32) NOT NULL DEFAULT '',
            "provider_refund_id" VARCHAR(128) NOT NULL DEFAULT '',
            "provider_event_id" VARCHAR(128) NOT NULL DEFAULT '',
            "actor" VARCHAR(100) NOT NULL DEFAULT '',
            "note" TEXT NOT NULL DEFAULT '',
            "error" TEXT NOT NULL DEFAULT '',
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
            "updated_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )""",
        'CREATE INDEX refund_order ON "refund" ("order")',
        'CREATE INDEX refund_payment ON "refund" ("payment")',
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def widen_amounts_and_add_refunds() -> None:
        engine = engine_finder()
        if engine.engine_type == "postgres":
            statements = POSTGRES_ALTERS + create_refund("SERIAL PRIMARY KEY NOT NULL", "BIGINT")
        else:
            statements = create_refund("INTEGER PRIMARY KEY NOT NULL", "INTEGER")
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(widen_amounts_and_add_refunds)
    return manager
