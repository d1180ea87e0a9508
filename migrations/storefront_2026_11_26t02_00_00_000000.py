"""Shopper accounts: the customer table (email stored normalised, so unique case-insensitively),
their single-use email tokens (only a SHA-256 of each token is kept), and each order's link to the
account that placed it (nullable: guest orders have none; an account's deletion leaves the order).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "shopper accounts"


def statements(id_type: str, bigint: str) -> list[str]:
    return [
        f"""CREATE TABLE "customer" (
            "id" {id_type},
            "email" VARCHAR(254) NOT NULL UNIQUE,
            "password_hash" VARCHAR(255) NOT NULL DEFAULT '',
            "verified_at" TIMESTAMPTZ NULL DEFAULT NULL,
            "preferred_locale" VARCHAR(16) NOT NULL DEFAULT '',
            "preferred_currency" VARCHAR(3) NOT NULL DEFAULT '',
            "auth_version" INTEGER NOT NULL DEFAULT 1,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
            "last_login_at" TIMESTAMPTZ NULL DEFAULT NULL
        )""",
        # The application stores LOWER(TRIM(email)); the index makes that a rule of the data too.
        'CREATE UNIQUE INDEX customer_email_normalised ON "customer" (LOWER(TRIM(email)))',
        f"""CREATE TABLE "customer_token" (
            "id" {id_type},
            "customer" INTEGER NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE,
            "purpose" VARCHAR(10) NOT NULL,
            "token_hash" VARCHAR(64) NOT NULL DEFAULT '',
            "expires_at" {bigint} NOT NULL,
            "used_at" TIMESTAMPTZ NULL DEFAULT NULL,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )""",
        'CREATE INDEX customer_token_customer ON "customer_token" ("customer", "purpose")',
        # Both engines add a nullable column with a foreign key in place (SQLite allows it because
        # its default is NULL).
        'ALTER TABLE "shop_order" ADD COLUMN "customer" INTEGER NULL DEFAULT NULL '
        'REFERENCES "customer" ("id") ON DELETE SET NULL',
        'CREATE INDEX shop_order_customer_id ON "shop_order" ("customer", "id")',
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def create_accounts() -> None:
        engine = engine_finder()
        if engine.engine_type == "postgres":
            todo = statements("SERIAL PRIMARY KEY NOT NULL", "BIGINT")
        else:
            todo = statements("INTEGER PRIMARY KEY NOT NULL", "INTEGER")
        for statement in todo:
            await engine.run_ddl(statement)

    manager.add_raw(create_accounts)
    return manager
