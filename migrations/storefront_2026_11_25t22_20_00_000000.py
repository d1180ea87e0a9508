"""The translation workflow: SEO texts, the source fingerprint, status and last editor on each
product and category translation, and the slug history that keeps renamed pages' old URLs working.

Existing translations are recorded as made from today's base-locale texts (they were imported
together), so they start as "imported", not stale.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-25T22:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "translation workflow"

# (table, owner column)
TRANSLATION_TABLES = [("product_translation", "product"), ("category_translation", "category")]

NEW_COLUMNS = [
    '"seo_title" VARCHAR(200) NOT NULL DEFAULT \'\'',
    '"seo_description" VARCHAR(400) NOT NULL DEFAULT \'\'',
    '"source_hash" VARCHAR(64) NOT NULL DEFAULT \'\'',
    '"source_text" TEXT NOT NULL DEFAULT \'\'',
    '"status" VARCHAR(16) NOT NULL DEFAULT \'imported\'',
    '"updated_by" VARCHAR(254) NOT NULL DEFAULT \'\'',
    # SQLite cannot add a column whose default is current_timestamp: null = never edited here.
    '"updated_at" TIMESTAMPTZ NULL DEFAULT NULL',
]


def statements(id_type: str) -> list[str]:
    todo = [f'ALTER TABLE "{table}" ADD COLUMN {column}' for table, _ in TRANSLATION_TABLES for column in NEW_COLUMNS]
    todo += [
        f"""CREATE TABLE "slug_history" (
            "id" {id_type},
            "kind" VARCHAR(10) NOT NULL,
            "product" INTEGER NULL DEFAULT NULL REFERENCES "product" ("id") ON DELETE CASCADE,
            "category" INTEGER NULL DEFAULT NULL REFERENCES "category" ("id") ON DELETE CASCADE,
            "locale" VARCHAR(16) NOT NULL,
            "slug" VARCHAR(300) NOT NULL,
            "retired_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )""",
        # One owner per old address and locale: the shop looks a slug up by (kind, locale, slug).
        'CREATE UNIQUE INDEX slug_history_slug ON "slug_history" ("kind", "locale", "slug")',
        'CREATE INDEX slug_history_product ON "slug_history" ("product")',
        'CREATE INDEX slug_history_category ON "slug_history" ("category")',
        'CREATE INDEX product_translation_locale_status ON "product_translation" ("locale", "status")',
        'CREATE INDEX category_translation_locale_status ON "category_translation" ("locale", "status")',
    ]
    return todo


async def record_current_sources(engine) -> None:
    """Fingerprint every existing translation with the base-locale text it stands beside today."""
    from app.core.settings import get_settings
    from app.staff.translation_rules import SourceText

    base = get_settings().default_locale
    for table, owner in TRANSLATION_TABLES:
        rows = await engine.run_querystring(
            QueryString(
                # Table and column names come from TRANSLATION_TABLES above; values are parameters.
                f'SELECT "{owner}", "name", "description", "seo_title", "seo_description" '  # noqa: S608
                f'FROM "{table}" WHERE "locale" = {{}}',
                base,
            )
        )
        for row in rows:
            source = SourceText(row["name"], row["description"], row["seo_title"], row["seo_description"])
            await engine.run_querystring(
                QueryString(
                    f'UPDATE "{table}" SET "source_hash" = {{}}, "source_text" = {{}} '  # noqa: S608
                    f'WHERE "{owner}" = {{}} AND "locale" <> {{}}',
                    source.digest(),
                    source.to_json(),
                    row[owner],
                    base,
                )
            )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_workflow() -> None:
        engine = engine_finder()
        id_type = "SERIAL PRIMARY KEY NOT NULL" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY NOT NULL"
        for statement in statements(id_type):
            await engine.run_ddl(statement)
        await record_current_sources(engine)

    manager.add_raw(add_workflow)
    return manager
