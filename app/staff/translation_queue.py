"""Where a locale's translations stand: coverage per kind (missing, stale, draft, imported and
reviewed counts) and the queue a translator works through, stale entries first. An option axis is
one entry of the queue (one editor for its labels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.catalog.sources import SourceText
from app.staff.translation_options import option_snapshot
from app.staff.translation_rules import (
    KINDS,
    OPTION,
    QUEUE_KINDS,
    Coverage,
    State,
    coverage_of,
    most_urgent,
    queue_rank,
    state_of,
)
from app.staff.translations import base_locale, tables

QUEUE_PAGE_SIZE = 50

# --- coverage ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSnapshot:
    """One kind's owners, their base-locale texts and what some locales hold, read once."""

    codes: dict[int, str]  # owner id -> code, in code order
    sources: dict[int, SourceText]
    targets: dict[tuple[int, str], dict[str, Any]]  # (owner id, locale) -> name, status, source_hash

    def state(self, owner_id: int, locale: str) -> State:
        row = self.targets.get((owner_id, locale))
        source = self.sources.get(owner_id, SourceText())
        if row is None:
            return state_of(None, "", "", source.digest())
        return state_of(row["name"], row["status"], row["source_hash"], source.digest())


async def _snapshot(kind: str, locales: list[str]) -> KindSnapshot:
    owners, table, owner = tables(kind)
    own, columns = owners._meta.get_column_by_name, table._meta.get_column_by_name
    codes = {
        row["id"]: row["code"]
        for row in await owners.select(own("id"), own("code")).order_by(own("code")).run()
    }
    texts = ("name", "description", "seo_title", "seo_description")
    base_rows = (
        await table.select(columns(owner), *(columns(key) for key in texts))
        .where(columns("locale") == base_locale())
        .run()
    )
    sources = {row[owner]: SourceText(*(row[key] for key in texts)) for row in base_rows}
    targets: dict[tuple[int, str], dict[str, Any]] = {}
    if locales:
        rows = (
            await table.select(
                columns(owner), columns("locale"), columns("name"), columns("status"), columns("source_hash")
            )
            .where(columns("locale").is_in(locales))
            .run()
        )
        targets = {(row[owner], row["locale"]): row for row in rows}
    return KindSnapshot(codes, sources, targets)


async def coverage(locales: list[str]) -> dict[str, dict[str, Coverage]]:
    """locale -> kind -> counts of missing, stale, draft, imported and reviewed translations (for
    options, of each axis's and each value's label)."""
    result: dict[str, dict[str, Coverage]] = {locale: {} for locale in locales}
    for kind in KINDS:
        snapshot = await _snapshot(kind, locales)
        for locale in locales:
            result[locale][kind] = coverage_of(
                snapshot.state(owner_id, locale) for owner_id in snapshot.codes
            )
    options = await option_snapshot(locales)
    for locale in locales:
        result[locale][OPTION] = coverage_of(
            options.state(axis, value, locale) for axis, value in options.keys()
        )
    return result


# --- the queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    kind: str
    code: str
    source_name: str
    target_name: str
    state: State


async def queue(
    locale: str, kinds: tuple[str, ...] = QUEUE_KINDS, states: frozenset[State] | None = None
) -> list[QueueItem]:
    """A locale's entries in working order: stale, missing, draft, imported, then reviewed; by kind
    and code within a state. `states` None: all but the reviewed ones. An option axis is one entry
    (one editor), listed when any of its labels is in a wanted state, under the most urgent one."""

    def wanted(state: State) -> bool:
        return state is not State.REVIEWED if states is None else state in states

    items: list[QueueItem] = []
    for kind in (kind for kind in kinds if kind in KINDS):
        snapshot = await _snapshot(kind, [locale])
        for owner_id, code in snapshot.codes.items():
            state = snapshot.state(owner_id, locale)
            if wanted(state):
                target = snapshot.targets.get((owner_id, locale))
                source = snapshot.sources.get(owner_id, SourceText())
                items.append(QueueItem(kind, code, source.name, target["name"] if target else "", state))
    if OPTION in kinds:
        options = await option_snapshot([locale])
        for axis, values in options.names.axes.items():
            found = [s for s in (options.state(axis, value, locale) for value in ("", *values)) if wanted(s)]
            if found:
                target = options.labels.get((axis, "", locale))
                label = target["label"] if target else ""
                items.append(
                    QueueItem(OPTION, axis, options.source(axis, "").name, label, most_urgent(found))
                )
    return sorted(items, key=lambda item: (queue_rank(item.state), QUEUE_KINDS.index(item.kind), item.code))


async def next_in_queue(locale: str, kind: str, code: str) -> QueueItem | None:
    """The first entry still to do after this one (the one just saved is skipped)."""
    return next((item for item in await queue(locale) if (item.kind, item.code) != (kind, code)), None)
