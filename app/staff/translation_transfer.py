"""Translation files in and out of the database, for the back office and the CLI: export one
locale (all, missing or stale entries: the texts of products and categories, the labels of option
axes and values) as XLIFF, PO or CSV; check a file (a dry run); import it in one write
transaction, only when no unit has an error. The formats are app.staff.translation_exchange's,
the checks app.staff.translation_import's; the slug history, the search sync of a category's
products and the base locale are the editor's (app.staff.translations), the option axes in use
and the products using them the option editor's (app.staff.translation_options), reused here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.catalog.services import bump_revision
from app.catalog.sources import SourceText
from app.catalog.tables import OptionLabel
from app.core.transactions import DUPLICATE_KEY_ERRORS, write_transaction
from app.i18n.locales import LOCALES
from app.search.services import request_sync
from app.staff.services import Actor, record_audit
from app.staff.translation_exchange import EXTENSIONS, build
from app.staff.translation_import import (
    TEXTS,
    Change,
    ImportPlan,
    LocaleState,
    OptionOwner,
    Owner,
    audit_summary,
    export_units,
    language_tag,
    option_key,
    plan_import,
)
from app.staff.translation_options import option_snapshot
from app.staff.translation_po_csv import PO
from app.staff.translation_rules import KINDS, OPTION, Status
from app.staff.translation_units import ExchangeFile, Unit
from app.staff.translations import base_locale, products_holding, retire_slug, tables

SOURCE_FIELDS = ("name", "description", "seo_title", "seo_description")


async def load_state(locale: str, *, lock: bool = False) -> LocaleState:
    """Every product and category with a base-locale source, every option axis and value in use,
    and what `locale` holds for them (on PostgreSQL, `lock` holds both locales' rows until the
    transaction ends)."""
    base = base_locale()
    owners: dict[tuple[str, str], Owner] = {}
    slugs: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        owner_table, table, owner_column = tables(kind)
        own, columns = owner_table._meta.get_column_by_name, table._meta.get_column_by_name
        codes = await owner_table.select(own("id"), own("code")).order_by(own("code")).run()
        query = table.select().where(columns("locale").is_in([base, locale]))
        locks = lock and table._meta.db.engine_type != "sqlite"  # SQLite: BEGIN IMMEDIATE already
        rows = await (query.lock_rows() if locks else query).run()
        by_owner = {(row[owner_column], row["locale"]): row for row in rows}
        slugs[kind] = {
            row["slug"]: row[owner_column] for row in rows if row["locale"] == locale and row["slug"]
        }
        for found in codes:
            source_row = by_owner.get((found["id"], base))
            if source_row is None:
                continue  # nothing to translate from
            target_row = by_owner.get((found["id"], locale))
            owners[(kind, found["code"])] = Owner(
                kind=kind,
                code=found["code"],
                owner_id=found["id"],
                source=SourceText(*(source_row[key] for key in SOURCE_FIELDS)),
                source_slug=source_row["slug"],
                target={key: target_row[key] for key in TEXTS} if target_row else None,
                status=target_row["status"] if target_row else "",
                target_hash=target_row["source_hash"] if target_row else "",
            )
    return LocaleState(locale, base, owners, slugs, await _load_options(locale, lock=lock))


async def _load_options(locale: str, *, lock: bool) -> dict[tuple[str, str], OptionOwner]:
    snapshot = await option_snapshot([locale], lock=lock)
    options: dict[tuple[str, str], OptionOwner] = {}
    for axis, value in snapshot.keys():
        row = snapshot.labels.get((axis, value, locale))
        options[(axis, value)] = OptionOwner(
            axis=axis,
            value=value,
            source=snapshot.source(axis, value),
            label=row["label"] if row else "",
            status=row["status"] if row else "",
            target_hash=row["source_hash"] if row else "",
            products=snapshot.names.products.get(axis, ()),
        )
    return options


@dataclass(frozen=True)
class ExportedFile:
    data: bytes
    filename: str
    units: int


def file_language(format: str, locale: str) -> str:
    """How a file names a locale: gettext's `zh_Hans` in PO, BCP 47 `zh-Hans` elsewhere."""
    return LOCALES[locale].babel if format == PO else language_tag(locale)


Progress = Callable[[int, int], None]  # (done, total): the CLI's progress bar


async def export_file(locale: str, format: str, only: str, progress: Progress | None = None) -> ExportedFile:
    state = await load_state(locale)
    units = export_units(state, only)

    def counted() -> Iterator[Unit]:
        for done, unit in enumerate(units, 1):
            yield unit
            if progress is not None:
                progress(done, len(units))

    data = build(format, counted(), file_language(format, state.base), file_language(format, locale))
    return ExportedFile(data, f"catalogue-{locale}-{only}.{EXTENSIONS[format]}", len(units))


async def check_file(parsed: ExchangeFile, locale: str, progress: Progress | None = None) -> ImportPlan:
    """A dry run: what importing the file would do now (nothing locked or written)."""
    return plan_import(parsed, await load_state(locale), progress)


async def import_file(
    actor: Actor,
    parsed: ExchangeFile,
    locale: str,
    filename: str,
    *,
    expected: str = "",
    progress: Progress | None = None,
) -> tuple[ImportPlan, str]:
    """Check and apply in one write transaction. Returns the plan and what happened: "errors",
    "changed" (not what the dry run showed, or someone saved meanwhile: nothing written),
    "unchanged" or "imported". `progress` is told of the units checked, then of the
    translations written."""
    try:
        async with write_transaction():
            state = await load_state(locale, lock=True)
            plan = plan_import(parsed, state, progress)
            if not plan.ok:
                return plan, "errors"
            if expected and expected != plan.fingerprint():
                return plan, "changed"
            if not plan.changes:
                return plan, "unchanged"
            await _apply(actor, plan, state, filename, progress)
    except DUPLICATE_KEY_ERRORS:
        # An editor created one of these translations or took one of the slugs meanwhile: rolled
        # back whole; the report shows the catalogue as it is now.
        return await check_file(parsed, locale), "changed"
    return plan, "imported"


async def _apply(
    actor: Actor, plan: ImportPlan, state: LocaleState, filename: str, progress: Progress | None
) -> None:
    """Write the planned translations, their slug history, one audit row, the catalogue revision
    and the search sync (inside the caller's transaction)."""
    now = datetime.now(UTC)
    products: set[int] = set()
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for done, change in enumerate(plan.changes, 1):
        if progress is not None:
            progress(done, len(plan.changes))
        if change.kind == OPTION:
            option = state.options[option_key(change.code)]
            await _write_label(actor, change, option, state.locale, now)
            if change.before is not None:
                before[change.key] = {
                    **dict(change.before),
                    "status": option.status,
                    "source_hash": option.target_hash[:12],
                }
            after[change.key] = {"name": change.after["name"], "status": "imported"}
            products.update(option.products)
            continue
        owner = state.owners[(change.kind, change.code)]
        _, table, owner_column = tables(change.kind)
        columns = table._meta.get_column_by_name
        values: dict[str, Any] = {
            **change.after,
            "status": Status.IMPORTED.value,
            "source_hash": owner.source_hash,
            "source_text": owner.source.to_json(),
            "updated_by": actor.name[:254],
            "updated_at": now,
        }
        if change.before is None:
            await table.insert(
                table(**{owner_column: owner.owner_id, "locale": state.locale, **values})
            ).run()
        else:
            await (
                table.update({columns(key): value for key, value in values.items()})
                .where((columns(owner_column) == owner.owner_id) & (columns("locale") == state.locale))
                .run()
            )
        old_slug = change.before["slug"] if change.before else ""
        await retire_slug(change.kind, owner.owner_id, state.locale, old_slug, change.after["slug"])
        if change.before is not None:
            before[change.key] = {
                **dict(change.before),
                "status": owner.status,
                "source_hash": owner.target_hash[:12],
            }
        after[change.key] = {**{key: change.after[key] for key in change.fields}, "status": "imported"}
        products.update(await products_holding(change.kind, owner.owner_id))
    target = f"{state.locale}:{plan.format}:{filename}"
    await record_audit(
        actor, "translation.import", target, before, {**audit_summary(plan, filename), "after": after}
    )
    await bump_revision()
    await request_sync(sorted(products))


async def _write_label(actor: Actor, change: Change, option: OptionOwner, locale: str, now: datetime) -> None:
    """One option label, as the option editor saves it, with the import's status."""
    values: dict[str, Any] = {
        "label": change.after["name"],
        "status": Status.IMPORTED.value,
        "source_hash": option.source_hash,
        "source_text": option.source.to_json(),
        "updated_by": actor.name[:254],
        "updated_at": now,
    }
    where = (
        (OptionLabel.axis == option.axis)
        & (OptionLabel.value == option.value)
        & (OptionLabel.locale == locale)
    )
    # A row holding an empty label counts as none (before is None) but is updated, not duplicated.
    if change.before is None and not await OptionLabel.exists().where(where).run():
        await OptionLabel.insert(
            OptionLabel(axis=option.axis, value=option.value, locale=locale, **values)
        ).run()
        return
    await (
        OptionLabel.update(
            {OptionLabel._meta.get_column_by_name(key): value for key, value in values.items()}
        )
        .where(where)
        .run()
    )
