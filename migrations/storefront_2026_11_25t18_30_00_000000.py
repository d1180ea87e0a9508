"""The outbox: follow-ups (confirmation emails) written in the transaction of the change."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox"


def statements(id_type: str, bigint: str) -> list[str]:
    return [
        f"""CREATE TABLE "outbox_message" (
            "id" {id_type},
            "kind" VARCHAR(40) NOT NULL,
            "payload" TEXT NOT NULL DEFAULT '{{}}',
            "attempts" INTEGER NOT NULL DEFAULT 0,
            "next_attempt_at" {bigint} NOT NULL DEFAULT 0,
            "claimed_until" {bigint} NOT NULL DEFAULT 0,
            "done_at" TIMESTAMPTZ NULL DEFAULT NULL,
            "last_error" VARCHAR(300) NOT NULL DEFAULT '',
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )""",
        # What a worker looks for: rows not done, by due time.
        'CREATE INDEX outbox_message_due ON "outbox_message" ("done_at", "next_attempt_at")',
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def create_outbox() -> None:
        engine = engine_finder()
        if engine.engine_type == "postgres":
            todo = statements("SERIAL PRIMARY KEY NOT NULL", "BIGINT")
        else:
            todo = statements("INTEGER PRIMARY KEY NOT NULL", "INTEGER")
        for statement in todo:
            await engine.run_ddl(statement)

    manager.add_raw(create_outbox)
    return manager
