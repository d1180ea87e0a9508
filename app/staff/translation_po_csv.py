"""PO (gettext, with polib) and CSV translation files (pure: bytes in, bytes out). PO: msgctxt is
the unit's id, the source hash an extracted comment. CSV: one row per unit, UTF-8 with a BOM,
cells a spreadsheet would run as formulas quoted (and unquoted again on reading)."""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

import polib

from app.i18n.markers import N_
from app.staff.translation_units import (
    EMPTY,
    HASH_NOTE,
    ExchangeFile,
    Problem,
    Unit,
    decode,
    finish,
    shown,
    target_text,
    too_large,
)

PO, CSV = "po", "csv"
HASH_COMMENT = HASH_NOTE + ": "
# Tools wrap comments at 79 columns: the hash may sit on the line after its label.
HASH_IN_COMMENT = re.compile(re.escape(HASH_NOTE) + r":\s*([0-9a-f]{64})\b")
CSV_COLUMNS = ("id", "language", "context", "source", "target", "previous_target", "source_hash")
CSV_REQUIRED = ("id", "language", "target", "source_hash")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")  # what a spreadsheet would run or eat

PO_SYNTAX = N_("The PO file is malformed: %(detail)s")
PO_CHARSET = N_("The PO header says the charset is %(found)s; it must be UTF-8.")
NO_CONTEXT = N_("This entry has no msgctxt, which holds the unit's id.")
PLURAL = N_("Plural forms are not used here; this entry has one.")
BAD_CSV = N_(
    "The CSV is malformed here (a quote is not closed, or a cell is too long); nothing after it was read."
)
MISSING_COLUMNS = N_("The header lacks the columns: %(columns)s.")
UNKNOWN_COLUMNS = N_("The header has columns this import does not know: %(columns)s. Known: %(known)s.")
DUPLICATE_COLUMN = N_("The header has the column %(column)s twice.")
WRONG_COUNT = N_("This line has %(found)s cells; the header has %(expected)s.")

# --- PO (gettext) --------------------------------------------------------------------------------

# str.splitlines, which polib reads content with, also breaks lines at these characters; Unicode
# noncharacters (reserved for a program's internal use, never interchanged) stand in for them
# while polib reads, so a text holding one survives whole.
LINE_BREAKERS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
STAND_INS = "".join(chr(0xFDD0 + index) for index in range(len(LINE_BREAKERS)))
HIDE, SHOW = str.maketrans(LINE_BREAKERS, STAND_INS), str.maketrans(STAND_INS, LINE_BREAKERS)


def build_po(units: Iterable[Unit], source_language: str, target_language: str) -> bytes:
    """A PO file: msgctxt is the unit's id, the source hash an extracted comment (`#.`); a stale
    unit carries its old translation marked fuzzy, which gettext tools show as needing review
    (and which the import skips until someone clears the flag)."""
    catalogue = polib.POFile(wrapwidth=0)
    catalogue.metadata = {
        "Project-Id-Version": "storefront catalogue",
        "Language": target_language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Source-Language": source_language,
    }
    for unit in units:
        comments = [line for line in unit.context.splitlines() if line.strip()]
        comments.append(HASH_COMMENT + unit.source_hash)
        entry = polib.POEntry(
            msgctxt=unit.id,
            msgid=unit.source,
            msgstr=unit.target if unit.target is not None else unit.previous,
            comment="\n".join(comments),
            flags=["fuzzy"] if unit.target is None and unit.previous else [],
        )
        catalogue.append(entry)
    return str(catalogue).encode("utf-8")


def read_po(data: bytes) -> ExchangeFile:
    empty = ExchangeFile(PO)
    problem = too_large(data)
    text = decode(data) if problem is None else problem
    if isinstance(text, Problem):
        return replace(empty, problems=(text,))
    if not text.strip():
        return replace(empty, problems=(Problem(EMPTY),))
    if any(stand_in in text for stand_in in STAND_INS):
        text = text.translate({ord(stand_in): None for stand_in in STAND_INS})  # not interchangeable text
    # polib opens its argument as a path when one exists by that name: content always ends with a
    # line break, which no file name on this machine has.
    content = text.translate(HIDE).rstrip("\n") + "\n"
    unterminated = _unterminated(content)
    if unterminated:
        params = {"detail": "a string is not closed, or the line is not PO"}
        return replace(empty, problems=(Problem(PO_SYNTAX, params, unterminated),))
    try:
        catalogue = polib.pofile(content, wrapwidth=0)
    except (OSError, ValueError) as bad:
        detail = str(bad)
        found = re.search(r"line (\d+)", detail)
        problems = (Problem(PO_SYNTAX, {"detail": shown(detail)}, int(found.group(1)) if found else 0),)
        return replace(empty, problems=problems)
    charset = re.search(r"charset=([\w.-]+)", catalogue.metadata.get("Content-Type", ""))
    if charset and charset.group(1).lower() not in ("utf-8", "utf8", "charset"):
        return replace(empty, problems=(Problem(PO_CHARSET, {"found": shown(charset.group(1), 40)}, 1),))
    # polib's line numbers point somewhere in an entry's comments; the report names its msgctxt line.
    context_lines = [n for n, line in enumerate(content.split("\n"), 1) if line.startswith("msgctxt")]
    units: list[Unit] = []
    problems_found: list[Problem] = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        unit_id = (entry.msgctxt or "").translate(SHOW)
        if not unit_id:
            problems_found.append(Problem(NO_CONTEXT, line=entry.linenum))
            continue
        if entry.msgid_plural:
            problems_found.append(Problem(PLURAL, line=entry.linenum, unit=unit_id))
            continue
        found_hash = HASH_IN_COMMENT.search(entry.comment or "")
        target = None if entry.fuzzy else entry.msgstr.translate(SHOW)
        units.append(
            Unit(
                id=unit_id,
                source=entry.msgid.translate(SHOW),
                target=target_text(target),
                source_hash=found_hash.group(1) if found_hash else "",
                line=_line_from(context_lines, entry.linenum),
            )
        )
    language = catalogue.metadata.get("Language", "")
    source = catalogue.metadata.get("X-Source-Language", "")
    return finish(ExchangeFile(PO, source, language, tuple(units), tuple(problems_found)))


# A keyword line or a continuation: one whole C string. polib reads `"trunc` as `trun`, so a file
# cut short would lose text silently; this catches it first.
PO_LINE = re.compile(r'(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"')


def _unterminated(content: str) -> int:
    """The first line that is neither a comment nor one whole PO string (0: none)."""
    for number, line in enumerate(content.split("\n"), 1):
        line = line.strip()
        if line and not line.startswith("#") and not PO_LINE.fullmatch(line):
            return number
    return 0


def _line_from(lines: list[int], start: int) -> int:
    """The first of `lines` at or after `start` (or `start`)."""
    at = bisect.bisect_left(lines, start)
    return lines[at] if at < len(lines) else start


# --- CSV -----------------------------------------------------------------------------------------


def _cell_out(text: str) -> str:
    """A spreadsheet must show the text, not run it: a leading quote before = + - @ (and before a
    quote, so the rule can be undone exactly)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell_in(text: str) -> str:
    """The inverse of _cell_out (spreadsheets that drop the quote on saving lose nothing either)."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START else text


def build_csv(units: Iterable[Unit], source_language: str, target_language: str) -> bytes:
    """One row per unit; UTF-8 with a BOM so spreadsheets read the scripts right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for unit in units:
        writer.writerow(
            [
                unit.id,
                target_language,
                _cell_out(unit.context),
                _cell_out(unit.source.replace("\x00", "")),
                _cell_out((unit.target or "").replace("\x00", "")),
                _cell_out(unit.previous),
                unit.source_hash,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_header(header: Sequence[str], line: int) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(Problem(DUPLICATE_COLUMN, {"column": shown(column, 40)}, line))
        seen.add(column)
    unknown = [shown(column, 40) for column in header if column not in CSV_COLUMNS]
    if unknown:
        params = {"columns": ", ".join(unknown), "known": ", ".join(CSV_COLUMNS)}
        problems.append(Problem(UNKNOWN_COLUMNS, params, line))
    missing = [column for column in CSV_REQUIRED if column not in seen]
    if missing:
        problems.append(Problem(MISSING_COLUMNS, {"columns": ", ".join(missing)}, line))
    return problems


def read_csv(data: bytes) -> ExchangeFile:
    """The rows of a CSV (comma or semicolon separated, UTF-8 with or without BOM)."""
    empty = ExchangeFile(CSV)
    problem = too_large(data)
    text = decode(data) if problem is None else problem
    if isinstance(text, Problem):
        return replace(empty, problems=(text,))
    if not text.strip():
        return replace(empty, problems=(Problem(EMPTY),))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    units: list[Unit] = []
    problems: list[Problem] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in record]
                problems.extend(_csv_header(header, line))
                if problems:
                    break
                continue
            if len(record) != len(header):
                problems.append(Problem(WRONG_COUNT, {"found": len(record), "expected": len(header)}, line))
                continue
            cells = dict(zip(header, record, strict=True))
            units.append(
                Unit(
                    id=cells["id"].strip(),
                    source=_cell_in(cells.get("source", "")),
                    target=target_text(_cell_in(cells["target"])),
                    source_hash=cells["source_hash"].strip(),
                    line=line,
                    language=cells["language"].strip(),
                )
            )
    except csv.Error as bad:
        problems.append(Problem(BAD_CSV, {"detail": shown(str(bad))}, start))
    if problems:
        return replace(empty, problems=tuple(problems))
    return finish(ExchangeFile(CSV, units=tuple(units)))
