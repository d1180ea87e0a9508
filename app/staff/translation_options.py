"""The labels of option axes and values in the translation workflow: the axes and values in use,
their labels' state per locale, the editor of one axis (its own label and its values' in one
locale) and saving it, by the same path as a product's translation.

An axis ("size") and each of its values ("m") have a label per locale (OptionLabel rows, value ""
for the axis), each translated, fingerprinted and reviewed on its own; where a locale has none, the
shop shows the fallback locale's label, else the name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column

from app.catalog.sources import SourceText, option_source
from app.catalog.tables import OptionLabel, Variant
from app.staff.services import Actor
from app.staff.translation_forms import OptionLabelForm, option_field, option_fingerprint
from app.staff.translation_rules import State, fallback_for, most_urgent, state_of, text_diff
from app.staff.translations import (
    SourceChanged,
    TranslationChanged,
    TranslationNotFound,
    base_locale,
    publish,
    saving,
)


@dataclass(frozen=True)
class OptionNames:
    """The option axes and values in use: what variants of every product (published or not) have."""

    axes: dict[str, tuple[str, ...]]  # axis -> its values, in the order variants first use them
    products: dict[str, tuple[int, ...]]  # axis -> the products using it (their search documents name it)


async def _option_names() -> OptionNames:
    rows = (
        await Variant.select(Variant.product, Variant.options)
        .order_by(Variant.product)
        .order_by(Variant.position)
        .order_by(Variant.id)
        .run()
    )
    axes: dict[str, dict[str, None]] = {}
    products: dict[str, dict[int, None]] = {}
    for row in rows:
        raw = row["options"]
        options = json.loads(raw) if isinstance(raw, str) else (raw or {})
        for axis, value in options.items():
            axes.setdefault(str(axis), {})[str(value)] = None
            products.setdefault(str(axis), {})[row["product"]] = None
    return OptionNames(
        {axis: tuple(values) for axis, values in axes.items()},
        {axis: tuple(ids) for axis, ids in products.items()},
    )


@dataclass(frozen=True)
class OptionSnapshot:
    """The axes and values in use and their labels in the base locale and some others, read once."""

    names: OptionNames
    labels: dict[tuple[str, str, str], dict[str, Any]]  # (axis, value, locale) -> the row
    base_labels: dict[tuple[str, str], str]

    def keys(self) -> list[tuple[str, str]]:
        """(axis, "") for each axis's own label, then (axis, value) for each of its values."""
        return [(axis, value) for axis, values in self.names.axes.items() for value in ("", *values)]

    def source(self, axis: str, value: str) -> SourceText:
        return option_source(axis, value, self.base_labels)

    def state(self, axis: str, value: str, locale: str) -> State:
        row = self.labels.get((axis, value, locale))
        digest = self.source(axis, value).digest()
        if row is None:
            return state_of(None, "", "", digest)
        return state_of(row["label"], row["status"], row["source_hash"], digest)


async def option_snapshot(
    locales: list[str], axis: str | None = None, *, lock: bool = False
) -> OptionSnapshot:
    """The labels in the base locale and `locales` (on PostgreSQL, `lock` holds their rows until
    the transaction ends: the translation import's check and write)."""
    base = base_locale()
    query = OptionLabel.select().where(OptionLabel.locale.is_in([base, *locales]))
    if axis is not None:
        query = query.where(OptionLabel.axis == axis)
    locks = lock and OptionLabel._meta.db.engine_type != "sqlite"  # SQLite: BEGIN IMMEDIATE already
    rows = await (query.lock_rows() if locks else query).run()
    return OptionSnapshot(
        await _option_names(),
        {(row["axis"], row["value"], row["locale"]): row for row in rows},
        {(row["axis"], row["value"]): row["label"] for row in rows if row["locale"] == base},
    )


@dataclass(frozen=True)
class OptionLine:
    """One label of an axis in the editor: the axis's own (value "") or one value's."""

    value: str
    source: SourceText  # its name is the base-locale label, else the axis or value name
    target: dict[str, Any] | None  # the stored row in the edited locale
    state: State
    previous: SourceText | None  # the source the label was made from, when recorded
    shown: str  # what the shop shows for it in this locale today
    shown_locale: str | None  # whose label that is (None: the bare name)

    @property
    def field(self) -> str:
        return option_field(self.value)

    @property
    def label(self) -> str:
        return self.target["label"] if self.target else ""

    @property
    def changes(self) -> tuple[tuple[str, str], ...]:
        """How the source moved since the label was made (stale lines with a recorded source)."""
        if self.state is not State.STALE or self.previous is None:
            return ()
        return text_diff(self.previous.name, self.source.name)

    def stored(self) -> tuple[str, str, str] | None:
        """(label, status, source hash) as stored: what a save compares and the version holds."""
        return (self.label, self.target["status"], self.target["source_hash"]) if self.target else None


@dataclass(frozen=True)
class OptionEntry:
    """What the option editor shows: an axis's label and its values' labels in one locale."""

    axis: str
    locale: str
    lines: tuple[OptionLine, ...]
    fallback: list[str]
    product_ids: tuple[int, ...]

    @property
    def state(self) -> State:
        return most_urgent(line.state for line in self.lines)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(line.value for line in self.lines if line.value)

    @property
    def source_version(self) -> str:
        return option_fingerprint({line.value: (line.source.name, "", "") for line in self.lines})

    @property
    def target_version(self) -> str:
        stored = {line.value: line.stored() for line in self.lines}
        return option_fingerprint({value: row for value, row in stored.items() if row is not None})

    @property
    def last_change(self) -> dict[str, Any] | None:
        """The label changed last in the back office (its updated_at and updated_by)."""
        changed = [line.target for line in self.lines if line.target and line.target["updated_at"]]
        return max(changed, key=lambda row: row["updated_at"], default=None)


async def load_option_entry(axis: str, locale: str) -> OptionEntry:
    snapshot = await option_snapshot(fallback_for(locale, base_locale()), axis)
    if axis not in snapshot.names.axes:
        raise TranslationNotFound(axis)
    chain = fallback_for(locale, base_locale())
    lines = []
    for value in ("", *snapshot.names.axes[axis]):
        target = snapshot.labels.get((axis, value, locale))
        shown_locale = next(
            (loc for loc in chain if (snapshot.labels.get((axis, value, loc)) or {}).get("label")), None
        )
        lines.append(
            OptionLine(
                value=value,
                source=snapshot.source(axis, value),
                target=target,
                state=snapshot.state(axis, value, locale),
                previous=SourceText.from_json(target["source_text"]) if target else None,
                shown=snapshot.labels[(axis, value, shown_locale)]["label"]
                if shown_locale
                else value or axis,
                shown_locale=shown_locale,
            )
        )
    return OptionEntry(axis, locale, tuple(lines), chain, snapshot.names.products.get(axis, ()))


async def save_option_labels(actor: Actor, axis: str, locale: str, form: OptionLabelForm) -> bool:
    """Write an axis's labels in one locale, each recording the source it was made from, the status
    and who saved it (an emptied label is removed: the shop falls back), with one audit row, the
    catalogue revision and the search sync, in one transaction: the same path as save_translation.
    Returns whether anything changed. Raises TranslationNotFound, SourceChanged or
    TranslationChanged (the form is out of date), changing nothing."""
    async with saving():
        entry = await load_option_entry(axis, locale)
        if form.source_version != entry.source_version:
            raise SourceChanged()
        if form.target_version != entry.target_version:
            raise TranslationChanged()
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for line in entry.lines:
            label = form.labels.get(line.value, "")
            wanted = (label, form.status.value, line.source.digest())
            if line.stored() == (wanted if label else None):
                continue
            where = (
                (OptionLabel.axis == axis)
                & (OptionLabel.value == line.value)
                & (OptionLabel.locale == locale)
            )
            values: dict[str, Any] = {
                "label": label,
                "status": form.status.value,
                "source_hash": wanted[2],
                "source_text": line.source.to_json(),
                "updated_by": actor.name[:254],
                "updated_at": datetime.now(UTC),
            }
            if not label:
                await OptionLabel.delete().where(where).run()
            elif line.target is None:
                await OptionLabel.insert(
                    OptionLabel(axis=axis, value=line.value, locale=locale, **values)
                ).run()
            else:
                changes: dict[Column | str, Any] = dict(values.items())
                await OptionLabel.update(changes).where(where).run()
            before[line.field] = _label_snapshot(line.stored())
            after[line.field] = _label_snapshot(wanted if label else None)
        if not after:
            return False
        await publish(actor, f"option:{axis}:{locale}", before, after, list(entry.product_ids))
    return True


def _label_snapshot(stored: tuple[str, str, str] | None) -> dict[str, str] | None:
    """What the audit log keeps of one label (None: there was none, or it was removed)."""
    if stored is None:
        return None
    label, status, source_hash = stored
    return {"label": label, "status": status, "source_hash": source_hash[:12]}
