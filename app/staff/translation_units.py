"""The common shape of translation files (pure): units, the problems a reader reports, and what a
reader found. The formats are app.staff.translation_xliff's (XLIFF 2.0) and
app.staff.translation_po_csv's (PO, CSV); app.staff.translation_exchange picks one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.i18n.markers import N_

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNITS = 50_000
HASH_NOTE = "source-hash"  # how XLIFF notes and PO comments label the source fingerprint

TOO_LARGE = N_("The file is larger than %(megabytes)s MB. Split it into smaller files.")
EMPTY = N_("The file is empty.")
NOT_UTF8 = N_("The file is not UTF-8 text from this line on. Save it as UTF-8 and upload it again.")
TOO_MANY_UNITS = N_("The file has more than %(limit)s units. Split it into smaller files.")
NO_UNITS = N_("The file has no units.")


@dataclass(frozen=True)
class Unit:
    """One text to translate: a field of a product or category, with what it was exported from."""

    id: str  # "product:TS-001:name"
    source: str
    target: str | None  # None: not translated (no target, an empty one, or a fuzzy PO entry)
    source_hash: str = ""  # the fingerprint of the source the unit was exported from
    context: str = ""  # for the translator: what the text is, its limits
    previous: str = ""  # the translation made from an older source (stale units)
    state: str = ""  # what the shop holds: "" (nothing), "translated", "reviewed"
    line: int = 0  # where the unit starts in an uploaded file
    language: str = ""  # the target language a unit names itself (CSV rows, XLIFF xml:lang)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: a gettext msgid, its parameters, the line and the unit."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0  # 0: the file as a whole
    unit: str = ""


@dataclass(frozen=True)
class ExchangeFile:
    """What a reader found in a file."""

    format: str
    source_language: str = ""
    target_language: str = ""  # "" when the file does not say (CSV names it per row)
    units: tuple[Unit, ...] = ()
    problems: tuple[Problem, ...] = ()


def shown(text: str, limit: int = 200) -> str:
    """A detail echoed in a message, cut short."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode(data: bytes) -> str | Problem:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        return Problem(NOT_UTF8, line=data[: bad.start].count(b"\n") + 1)


def too_large(data: bytes) -> Problem | None:
    if len(data) > MAX_FILE_BYTES:
        return Problem(TOO_LARGE, {"megabytes": MAX_FILE_BYTES // 2**20})
    return None


def finish(parsed: ExchangeFile) -> ExchangeFile:
    """File-wide checks shared by the readers: some units, not too many."""
    if parsed.problems:
        return parsed
    if not parsed.units:
        return replace(parsed, problems=(Problem(NO_UNITS),))
    if len(parsed.units) > MAX_UNITS:
        return replace(parsed, units=(), problems=(Problem(TOO_MANY_UNITS, {"limit": MAX_UNITS}),))
    return parsed


def target_text(text: str | None) -> str | None:
    return text if text is not None and text.strip() else None
