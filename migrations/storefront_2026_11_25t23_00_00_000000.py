"""The translation workflow for option labels: the source fingerprint, status and last editor on
each option label (an axis's label when value is "", else one value's), as product and category
translations have them.

Existing labels are recorded as made from today's base-locale label (they were imported together),
so they start as "imported", not stale. A label with no base-locale row is made from the name the
shop shows in its place (the value, or the axis when value is "").
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-25T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "option label workflow"

NEW_COLUMNS = [
    '"source_hash" VARCHAR(64) NOT NULL DEFAULT \'\'',
    '"source_text" TEXT NOT NULL DEFAULT \'\'',
    '"status" VARCHAR(16) NOT NULL DEFAULT \'imported\'',
    '"updated_by" VARCHAR(254) NOT NULL DEFAULT \'\'',
    # SQLite cannot add a column whose default is current_timestamp: null = never edited here.
    '"updated_at" TIMESTAMPTZ NULL DEFAULT NULL',
]


def statements() -> list[str]:
    return [f'ALTER TABLE "option_label" ADD COLUMN {column}' for column in NEW_COLUMNS]


async def record_option_sources(engine) -> None:
    """Fingerprint every existing label with the base-locale label it stands beside today."""
    from app.core.settings import get_settings
    from app.catalog.sources import option_source

    base = get_settings().default_locale
    rows = await engine.run_querystring(
        QueryString('SELECT "axis", "value", "locale", "label" FROM "option_label"')
    )
    base_labels = {(row["axis"], row["value"]): row["label"] for row in rows if row["locale"] == base}
    for axis, value in sorted({(row["axis"], row["value"]) for row in rows if row["locale"] != base}):
        source = option_source(axis, value, base_labels)
        await engine.run_querystring(
            QueryString(
                'UPDATE "option_label" SET "source_hash" = {}, "source_text" = {} '
                'WHERE "axis" = {} AND "value" = {} AND "locale" <> {}',
                source.digest(),
                source.to_json(),
                axis,
                value,
                base,
            )
        )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="storefront", description=DESCRIPTION)

    async def add_workflow() -> None:
        engine = engine_finder()
        for statement in statements():
            await engine.run_ddl(statement)
        await record_option_sources(engine)

    manager.add_raw(add_workflow)
    return manager
