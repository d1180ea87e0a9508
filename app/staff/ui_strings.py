"""The completion of the UI strings' gettext catalogues (locales/<babel>/LC_MESSAGES/messages.po):
how many messages each locale has translated, fuzzy (flagged for review) or untranslated, and
which are still to do. Counting is pure; each catalogue is parsed once per version of its file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import polib

from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.i18n.translations import LOCALES_DIR, catalogue_paths
from app.staff.translation_rules import whole_percentages

# --- the UI strings (gettext catalogues) -----------------------------------------------------------


class MessageState(StrEnum):
    TRANSLATED = "translated"
    FUZZY = "fuzzy"  # translated, but flagged for review: gettext does not use it
    UNTRANSLATED = "untranslated"


MESSAGE_STATE_LABELS = {
    MessageState.TRANSLATED: N_("Translated"),
    MessageState.FUZZY: N_("Fuzzy (needs review)"),
    MessageState.UNTRANSLATED: N_("Untranslated"),
}


@dataclass(frozen=True)
class Message:
    """One message still to do: what the UI says in the source language, and its context."""

    msgid: str
    context: str = ""
    plural: str = ""


@dataclass(frozen=True)
class CatalogueCompletion:
    """How far one locale's .po catalogue is: counts, and the messages still to do."""

    counts: Mapping[MessageState, int]
    fuzzy: tuple[Message, ...] = ()
    untranslated: tuple[Message, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def percent(self) -> dict[MessageState, Decimal]:
        return {
            state: Decimal(value)
            for state, value in whole_percentages(self.counts, list(MessageState)).items()
        }


def message_state(msgstr: str, plurals: Iterable[str], fuzzy: bool) -> MessageState:
    """As gettext sees an entry: a fuzzy one is not used; a plural one needs every form."""
    forms = list(plurals) or [msgstr]
    if fuzzy and any(forms):
        return MessageState.FUZZY
    return MessageState.TRANSLATED if forms and all(forms) else MessageState.UNTRANSLATED


def catalogue_completion(entries: Iterable[Any]) -> CatalogueCompletion:
    """Count a catalogue's entries (polib POEntry-like: msgid, msgid_plural, msgctxt, msgstr,
    msgstr_plural, flags, obsolete); obsolete entries and the header are not messages."""
    counts = dict.fromkeys(MessageState, 0)
    todo: dict[MessageState, list[Message]] = {MessageState.FUZZY: [], MessageState.UNTRANSLATED: []}
    for entry in entries:
        if entry.obsolete or not entry.msgid:
            continue
        plurals = (
            [entry.msgstr_plural[key] for key in sorted(entry.msgstr_plural)] if entry.msgid_plural else []
        )
        state = message_state(entry.msgstr, plurals, "fuzzy" in entry.flags)
        counts[state] += 1
        if state in todo:
            todo[state].append(Message(entry.msgid, entry.msgctxt or "", entry.msgid_plural or ""))
    return CatalogueCompletion(
        counts, tuple(todo[MessageState.FUZZY]), tuple(todo[MessageState.UNTRANSLATED])
    )


# --- the catalogue files ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _completion_of(path: str, mtime_ns: int, size: int) -> CatalogueCompletion:
    """Parsed once per version of the file (the key holds its modification time and size)."""
    return catalogue_completion(polib.pofile(path))


def ui_completion(locale: str) -> CatalogueCompletion | None:
    """How far the locale's gettext catalogue (locales/<babel>/LC_MESSAGES/messages.po) is; None
    when it has none."""
    po_path, _ = catalogue_paths(LOCALES[locale].babel, LOCALES_DIR)
    try:
        stat = po_path.stat()
    except FileNotFoundError:
        return None
    return _completion_of(str(po_path), stat.st_mtime_ns, stat.st_size)
