"""Shop content pages (shipping and returns, about us): the page, its texts per locale with the
translation workflow's columns (as product translations have them), and the slug history's
column for a renamed page's old address.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "shop pages"


def statements(id_type: str) -> list[str]:
    return [
        f"""CREATE TABLE "shop_page" (
            "id" {id_type},
            "code" VARCHAR(64) NOT NULL UNIQUE,
            "position" INTEGER NOT NULL DEFAULT 0,
            "is_published" BOOLEAN NOT NULL DEFAULT true
        )""",
        f"""CREATE TABLE "shop_page_translation" (
            "id" {id_type},
            "page" INTEGER NOT NULL REFERENCES "shop_page" ("id") ON DELETE CASCADE,
            "locale" VARCHAR(16) NOT NULL,
            "name" VARCHAR(200) NOT NULL,
            "slug" VARCHAR(200) NOT NULL,
            "description" TEXT NOT NULL DEFAULT '',
            "seo_title" VARCHAR(200) NOT NULL DEFAULT '',
            "seo_description" VARCHAR(400) NOT NULL DEFAULT '',
            "source_hash" VARCHAR(64) NOT NULL DEFAULT '',
            "source_text" TEXT NOT NULL DEFAULT '',
            "status" VARCHAR(16) NOT NULL DEFAULT 'imported',
            "updated_by" VARCHAR(254) NOT NULL DEFAULT '',
            "updated_at" TIMESTAMPTZ NULL DEFAULT NULL
        )""",
        # As for products: one text per page and locale, one page per address in a locale.
        'CREATE UNIQUE INDEX shop_page_translation_locale ON "shop_page_translation" ("page", "locale")',
        'CREATE UNIQUE INDEX shop_page_translation_slug ON "shop_page_translation" ("locale", "slug")',
        'CREATE INDEX shop_page_translation_locale_status ON "shop_page_translation" ("locale", "status")',
        # SQLite adds a column with a REFERENCES clause only when its default is NULL (it is).
        'ALTER TABLE "slug_history" ADD COLUMN "page" INTEGER NULL DEFAULT NULL '
        'REFERENCES "shop_page" ("id") ON DELETE CASCADE',
        'CREATE INDEX slug_history_page ON "slug_history" ("page")',
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def create_pages() -> None:
        engine = engine_finder()
        id_type = "SERIAL PRIMARY KEY NOT NULL" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY NOT NULL"
        for statement in statements(id_type):
            await engine.run_ddl(statement)

    manager.add_raw(create_pages)
    return manager
