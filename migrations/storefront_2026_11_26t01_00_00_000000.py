"""Partner API keys (customs export for logistics partners): the key's public prefix, the SHA-256
of the key (the key itself is never stored), its scopes and destinations, who made it and when,
when it was revoked and last used."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-26T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partner keys"


def statements(id_type: str) -> list[str]:
    return [
        f"""CREATE TABLE "partner_key" (
            "id" {id_type},
            "name" VARCHAR(100) NOT NULL,
            "prefix" VARCHAR(32) NOT NULL UNIQUE,
            "secret_hash" VARCHAR(64) NOT NULL,
            "scopes" VARCHAR(200) NOT NULL DEFAULT '',
            "destinations" TEXT NOT NULL DEFAULT '',
            "created_by" VARCHAR(254) NOT NULL DEFAULT '',
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
            "revoked_at" TIMESTAMPTZ NULL DEFAULT NULL,
            "last_used_at" TIMESTAMPTZ NULL DEFAULT NULL
        )""",
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def create_partner_keys() -> None:
        engine = engine_finder()
        id_type = "SERIAL PRIMARY KEY NOT NULL" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY NOT NULL"
        for statement in statements(id_type):
            await engine.run_ddl(statement)

    manager.add_raw(create_partner_keys)
    return manager
