"""Staff accounts, password-reset tokens and the append-only audit log (the back office)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T19:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff"


def statements(id_type: str, bigint: str) -> list[str]:
    return [
        f"""CREATE TABLE "staff_account" (
            "id" {id_type},
            "email" VARCHAR(254) NOT NULL UNIQUE,
            "name" VARCHAR(120) NOT NULL DEFAULT '',
            "password_hash" VARCHAR(255) NOT NULL DEFAULT '',
            "role" VARCHAR(30) NOT NULL DEFAULT '',
            "locales" VARCHAR(200) NOT NULL DEFAULT '',
            "ui_locale" VARCHAR(10) NOT NULL DEFAULT 'en',
            "active" BOOLEAN NOT NULL DEFAULT true,
            "auth_version" INTEGER NOT NULL DEFAULT 1,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
            "last_login_at" TIMESTAMPTZ NULL DEFAULT NULL
        )""",
        f"""CREATE TABLE "staff_reset_token" (
            "id" {id_type},
            "staff" INTEGER NOT NULL REFERENCES "staff_account" ("id") ON DELETE CASCADE,
            "nonce" VARCHAR(64) NOT NULL,
            "expires_at" {bigint} NOT NULL,
            "used_at" TIMESTAMPTZ NULL DEFAULT NULL,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )""",
        'CREATE INDEX staff_reset_token_staff ON "staff_reset_token" ("staff")',
        f"""CREATE TABLE "staff_audit_log" (
            "id" {id_type},
            "at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
            "staff_id" INTEGER NULL DEFAULT NULL,
            "actor" VARCHAR(254) NOT NULL DEFAULT '',
            "ip" VARCHAR(64) NOT NULL DEFAULT '',
            "action" VARCHAR(60) NOT NULL DEFAULT '',
            "target" VARCHAR(200) NOT NULL DEFAULT '',
            "before" TEXT NOT NULL DEFAULT '',
            "after" TEXT NOT NULL DEFAULT ''
        )""",
        # The owner's filters: by time (newest first), by person, by action.
        'CREATE INDEX staff_audit_log_at ON "staff_audit_log" ("at")',
        'CREATE INDEX staff_audit_log_staff ON "staff_audit_log" ("staff_id", "at")',
        'CREATE INDEX staff_audit_log_action ON "staff_audit_log" ("action", "at")',
    ]


# Append-only in the database too. SQLite: UPDATE is refused (the test suite empties tables with
# DELETE, so DELETE stays possible there). PostgreSQL: UPDATE and DELETE are refused row by row;
# TRUNCATE (tests, an operator's retention job) is a separate privilege.
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER staff_audit_log_no_update BEFORE UPDATE ON staff_audit_log "
    "BEGIN SELECT RAISE(ABORT, 'staff_audit_log is append-only'); END",
]
POSTGRES_APPEND_ONLY = [
    """CREATE FUNCTION staff_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'staff_audit_log is append-only'; END $$""",
    "CREATE TRIGGER staff_audit_log_no_change BEFORE UPDATE OR DELETE ON staff_audit_log "
    "FOR EACH ROW EXECUTE FUNCTION staff_audit_log_append_only()",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def create_staff() -> None:
        engine = engine_finder()
        if engine.engine_type == "postgres":
            todo = statements("SERIAL PRIMARY KEY NOT NULL", "BIGINT") + POSTGRES_APPEND_ONLY
        else:
            todo = statements("INTEGER PRIMARY KEY NOT NULL", "INTEGER") + SQLITE_APPEND_ONLY
        for statement in todo:
            await engine.run_ddl(statement)

    manager.add_raw(create_staff)
    return manager
