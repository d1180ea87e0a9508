"""The translation workflow's rules (pure: no I/O): the state of a translation, coverage counts,
the order of the queue and the source diff shown for stale entries. The source fingerprint itself
is the catalogue's (app.catalog.sources); reading the editor's forms is app.staff.translation_forms'."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from enum import StrEnum
from typing import TypeVar

from app.catalog.sources import SourceText
from app.i18n.locales import LOCALES, fallback_chain
from app.i18n.markers import N_
from app.staff.rules import Permission, StaffIdentity, can

# --- locales -------------------------------------------------------------------------------------


def locales_for(staff: StaffIdentity, base: str) -> list[str]:
    """The shop locales `staff` may translate into, in the shop's order (the base is the source)."""
    return [code for code in LOCALES if code != base and can(staff, Permission.TRANSLATE, code)]


def fallback_for(locale: str, base: str) -> list[str]:
    """What the shop shows for `locale`, in order, as shop locales: `de` -> [de, en]."""
    return [code for code in fallback_chain(locale, base) if code in LOCALES]


# --- states ------------------------------------------------------------------------------------


class Status(StrEnum):
    """What is stored on a translation row."""

    DRAFT = "draft"
    IMPORTED = "imported"  # machine-translated or imported, nobody checked it here
    REVIEWED = "reviewed"


class State(StrEnum):
    """What a translator sees: the stored status, or missing, or stale (the source moved on)."""

    MISSING = "missing"
    STALE = "stale"
    DRAFT = "draft"
    IMPORTED = "imported"
    REVIEWED = "reviewed"


STATE_LABELS: dict[State, str] = {
    State.MISSING: N_("Missing"),
    State.STALE: N_("Stale"),
    State.DRAFT: N_("Draft"),
    State.IMPORTED: N_("Machine or imported"),
    State.REVIEWED: N_("Reviewed"),
}
# The order a translator works through: what the shop shows wrong first, then what it lacks.
QUEUE_ORDER: tuple[State, ...] = (State.STALE, State.MISSING, State.DRAFT, State.IMPORTED)
KINDS = ("product", "category", "page")  # the kinds with a translation table of their own
OPTION = "option"  # option axes and values: OptionLabel rows, one editor per axis
QUEUE_KINDS = (*KINDS, OPTION)
FIELD_LABELS = {
    "name": N_("Name"),
    "slug": N_("Address (slug)"),
    "description": N_("Description"),
    "seo_title": N_("Title for search engines"),
    "seo_description": N_("Description for search engines"),
}
KIND_LABELS = {
    "product": N_("Products"),
    "category": N_("Categories"),
    "page": N_("Pages"),
    OPTION: N_("Option labels"),
}
# An option's entry holds its axis label and its values' labels together.
KIND_NAMES = {
    "product": N_("Product"),
    "category": N_("Category"),
    "page": N_("Page"),
    OPTION: N_("Option labels"),
}


def state_of(name: str | None, status: str, stored_hash: str, source_hash: str) -> State:
    """The state of one translation; `name` None means there is no row. A row made from another
    source (or from one never recorded: an empty hash) is stale whatever its status."""
    if name is None or not name.strip():
        return State.MISSING
    if stored_hash != source_hash:
        return State.STALE
    if status == Status.REVIEWED:
        return State.REVIEWED
    if status == Status.DRAFT:
        return State.DRAFT
    return State.IMPORTED


# --- coverage ----------------------------------------------------------------------------------


K = TypeVar("K")


def whole_percentages(counts: Mapping[K, int], keys: Sequence[K]) -> dict[K, int]:
    """Whole percentages that add up to 100 (largest remainder), so a column never reads 101 %;
    ties go to the earlier key."""
    total = sum(counts.get(key, 0) for key in keys)
    if total == 0:
        return {key: 0 for key in keys}
    exact = {key: counts.get(key, 0) * 100 / total for key in keys}
    floors = {key: int(value) for key, value in exact.items()}
    left = 100 - sum(floors.values())
    for key in sorted(keys, key=lambda k: (-(exact[k] - floors[k]), keys.index(k)))[:left]:
        floors[key] += 1
    return floors


def percentages(counts: Mapping[State, int]) -> dict[State, int]:
    return whole_percentages(counts, list(State))


@dataclass(frozen=True)
class Coverage:
    """How far one locale's translations of one kind (products or categories) are."""

    total: int
    counts: Mapping[State, int]

    @property
    def percent(self) -> dict[State, Decimal]:
        """Whole percentages as Decimal (Babel's percent format takes it without a float)."""
        return {state: Decimal(value) for state, value in percentages(self.counts).items()}

    @property
    def done(self) -> bool:
        return self.total > 0 and self.counts.get(State.REVIEWED, 0) == self.total


def coverage_of(states: Iterable[State]) -> Coverage:
    counted = Counter(states)
    return Coverage(sum(counted.values()), {state: counted.get(state, 0) for state in State})


def queue_rank(state: State) -> int:
    """Position of a state in the queue; reviewed entries come last (they are done)."""
    return QUEUE_ORDER.index(state) if state in QUEUE_ORDER else len(QUEUE_ORDER)


def most_urgent(states: Iterable[State]) -> State:
    """The state an axis shows in the queue: its most urgent label's (reviewed when all are)."""
    return min(states, key=queue_rank, default=State.REVIEWED)


# --- the diff of a changed source ------------------------------------------------------------------

# One token per ideograph, kana or hangul (those scripts do not separate words with spaces), else
# words, runs of spaces and single punctuation marks.
TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class FieldDiff:
    """One source field that changed: (operation, text) parts, operation being "equal", "delete"
    or "insert". Plain text: the template escapes every part."""

    field: str
    parts: tuple[tuple[str, str], ...]


def text_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """Word-level (character-level for CJK) differences between two texts."""
    before, after = TOKEN.findall(old), TOKEN.findall(new)
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("equal", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("delete", "".join(before[i1:i2])))
        if j2 > j1:
            parts.append(("insert", "".join(after[j1:j2])))
    return tuple(parts)


def source_changes(previous: SourceText, current: SourceText) -> list[FieldDiff]:
    """The fields whose source text changed since the translation was made, with the changes."""
    old, new = previous.fields(), current.fields()
    return [FieldDiff(key, text_diff(old[key], new[key])) for key in old if old[key] != new[key]]
