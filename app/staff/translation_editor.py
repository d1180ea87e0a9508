"""One product's or category's translation in the side-by-side editor: what it shows (the source,
the target, its state, how the source moved since, what the shop shows today) and saving it
(audited, with the slug history, the catalogue revision and the search sync in the same
transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.catalog.sources import SourceText
from app.staff.services import Actor
from app.staff.translation_forms import TranslationForm, target_fingerprint
from app.staff.translation_rules import FieldDiff, State, fallback_for, source_changes, state_of
from app.staff.translations import (
    SlugTaken,
    SourceChanged,
    TranslationChanged,
    TranslationNotFound,
    base_locale,
    products_holding,
    publish,
    retire_slug,
    saving,
    tables,
)

TEXT_FIELDS = ("name", "slug", "description", "seo_title", "seo_description")


@dataclass(frozen=True)
class TranslationRow:
    owner_id: int
    locale: str
    name: str
    slug: str
    description: str
    seo_title: str
    seo_description: str
    status: str
    source_hash: str
    source_text: str
    updated_by: str
    updated_at: datetime | None

    def texts(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in TEXT_FIELDS}

    @property
    def source(self) -> SourceText:
        return SourceText(self.name, self.description, self.seo_title, self.seo_description)

    @property
    def version(self) -> str:
        return target_fingerprint(self.texts(), self.status, self.source_hash)

    def snapshot(self) -> dict[str, Any]:
        """What the audit log keeps before and after a save."""
        return {**self.texts(), "status": self.status, "source_hash": self.source_hash[:12]}


def _row(raw: dict[str, Any], owner: str) -> TranslationRow:
    return TranslationRow(
        owner_id=raw[owner],
        locale=raw["locale"],
        name=raw["name"],
        slug=raw["slug"],
        description=raw["description"],
        seo_title=raw["seo_title"],
        seo_description=raw["seo_description"],
        status=raw["status"],
        source_hash=raw["source_hash"],
        source_text=raw["source_text"],
        updated_by=raw["updated_by"],
        updated_at=raw["updated_at"],
    )


# --- one entry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the side-by-side editor shows for one product or category in one locale."""

    kind: str
    code: str
    owner_id: int
    locale: str
    source: SourceText
    source_slug: str
    source_hash: str
    target: TranslationRow | None
    state: State
    previous: SourceText | None  # the source the target was made from, when recorded
    changes: list[FieldDiff]  # how the source moved since (stale entries)
    fallback: list[str]  # the locales the shop tries, this one first
    shown_locale: str | None  # the locale whose text the shop shows today
    shown_slug: str

    @property
    def target_version(self) -> str:
        return self.target.version if self.target else ""


async def load_entry(kind: str, code: str, locale: str) -> Entry:
    owners, table, owner = tables(kind)
    found = (
        await owners.select(owners._meta.get_column_by_name("id"))
        .where(owners._meta.get_column_by_name("code") == code)
        .first()
        .run()
    )
    if found is None:
        raise TranslationNotFound(code)
    owner_id = found["id"]
    columns = table._meta.get_column_by_name
    base = base_locale()
    rows = {
        row["locale"]: _row(row, owner)
        for row in await table.select().where(columns(owner) == owner_id).run()
    }
    source_row = rows.get(base)
    source = source_row.source if source_row else SourceText()
    source_hash = source.digest()
    target = rows.get(locale)
    state = state_of(
        target.name if target else None,
        target.status if target else "",
        target.source_hash if target else "",
        source_hash,
    )
    previous = SourceText.from_json(target.source_text) if target else None
    changes = source_changes(previous, source) if previous is not None and state is State.STALE else []
    chain = fallback_for(locale, base)
    shown = next((loc for loc in chain if loc in rows and rows[loc].name.strip()), None)
    return Entry(
        kind=kind,
        code=code,
        owner_id=owner_id,
        locale=locale,
        source=source,
        source_slug=source_row.slug if source_row else "",
        source_hash=source_hash,
        target=target,
        state=state,
        previous=previous,
        changes=changes,
        fallback=chain,
        shown_locale=shown,
        shown_slug=rows[shown].slug if shown else "",
    )


# --- saving ------------------------------------------------------------------------------------


async def save_translation(actor: Actor, kind: str, code: str, locale: str, form: TranslationForm) -> bool:
    """Write a valid translation in one transaction: the row (recording the source it was made
    from, its status and who saved it), the slug history, the audit row, the catalogue revision
    and the search sync. Returns whether anything changed. Raises TranslationNotFound,
    SourceChanged or TranslationChanged (the form is out of date) or SlugTaken, changing nothing."""
    _, table, owner = tables(kind)
    columns = table._meta.get_column_by_name
    async with saving():
        entry = await load_entry(kind, code, locale)
        if form.source_version != entry.source_hash:
            raise SourceChanged()
        if form.target_version != entry.target_version:
            raise TranslationChanged()
        taken = (
            await table.exists()
            .where(
                (columns("locale") == locale)
                & (columns("slug") == form.slug)
                & (columns(owner) != entry.owner_id)
            )
            .run()
        )
        if taken:
            raise SlugTaken()
        values: dict[str, Any] = {
            **form.texts(),
            "status": form.status.value,
            "source_hash": entry.source_hash,
        }
        before = entry.target
        if (
            before is not None
            and {**before.texts(), "status": before.status, "source_hash": before.source_hash} == values
        ):
            return False
        values.update(
            source_text=entry.source.to_json(),
            updated_by=actor.name[:254],
            updated_at=datetime.now(UTC),
        )
        if before is None:
            await table.insert(table(**{owner: entry.owner_id, "locale": locale, **values})).run()
        else:
            await (
                table.update({columns(key): value for key, value in values.items()})
                .where((columns(owner) == entry.owner_id) & (columns("locale") == locale))
                .run()
            )
        await retire_slug(kind, entry.owner_id, locale, before.slug if before else "", form.slug)
        await publish(
            actor,
            f"{kind}:{code}:{locale}",
            before.snapshot() if before else None,
            {**form.texts(), "status": form.status.value, "source_hash": entry.source_hash[:12]},
            await products_holding(kind, entry.owner_id),
        )
    return True
