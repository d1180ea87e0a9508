"""Reading an uploaded products or stock CSV (pure: no I/O).

`parse_csv` turns the uploaded bytes into rows with their line numbers, or errors (not UTF-8,
malformed quoting, wrong header, wrong cell count, too many rows); it never raises. What the rows
would change is app.staff.csv_import's to plan.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.i18n.markers import N_

STOCK = "stock"
PRODUCTS = "products"
KINDS = (PRODUCTS, STOCK)
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
STOCK_COLUMNS = ("sku", "stock")
PRODUCT_COLUMNS = (
    "product_code",
    "sku",
    "options",
    "name",
    "published",
    "hs_code",
    "tariff_codes",
    "origin_country",
    "weight_grams",
    "price",
    "currency",
    "stock",
)
COLUMNS = {STOCK: STOCK_COLUMNS, PRODUCTS: PRODUCT_COLUMNS}
REQUIRED = {STOCK: STOCK_COLUMNS, PRODUCTS: ("product_code", "sku")}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a formula in a spreadsheet: the export quotes these

EMPTY_FILE = N_("The file is empty.")
TOO_LARGE = N_("The file is larger than %(megabytes)s MB. Split it into smaller files.")
NOT_UTF8 = N_("This line is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again.")
BAD_CSV = N_(
    "The CSV is malformed here (a quote is not closed, or a cell is too long); nothing after it was read."
)
TOO_MANY_ROWS = N_("The file has more than %(limit)s rows. Split it into smaller files.")
NO_ROWS = N_("The file has a header but no rows.")
MISSING_COLUMNS = N_("The header lacks the columns: %(columns)s.")
UNKNOWN_COLUMNS = N_("The header has columns this import does not know: %(columns)s. Known: %(known)s.")
DUPLICATE_COLUMN = N_("The header has the column %(column)s twice.")
WRONG_COUNT = N_("This line has %(found)s cells; the header has %(expected)s.")


@dataclass(frozen=True)
class LineError:
    line: int  # 1 is the header; 0 the file as a whole
    message: str  # a gettext msgid
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    line: int  # where the record starts (a quoted cell may span lines)
    cells: Mapping[str, str]


@dataclass(frozen=True)
class ParsedFile:
    kind: str
    columns: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    errors: tuple[LineError, ...] = ()


def shown(text: str, limit: int = 80) -> str:
    """User text echoed in a message, cut short (a message never carries a whole cell)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_cell(text: str) -> str:
    """A cell as the merchant meant it: our exports put a quote before a leading = + - @ (so a
    spreadsheet shows it as text); that quote comes off again here."""
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:].strip()
    return text


def _decode(data: bytes) -> str | LineError:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        return LineError(data[: bad.start].count(b"\n") + 1, NOT_UTF8)


def _delimiter(text: str) -> str:
    """Comma, or semicolon when the header has semicolons and no comma (spreadsheets in locales
    with a decimal comma save CSV that way)."""
    header = text.split("\n", 1)[0]
    return ";" if ";" in header and "," not in header else ","


def _header_errors(kind: str, header: list[str], line: int) -> list[LineError]:
    known, errors = COLUMNS[kind], []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            errors.append(LineError(line, DUPLICATE_COLUMN, {"column": shown(column, 40)}))
        seen.add(column)
    unknown = [shown(column, 40) for column in header if column not in known]
    if unknown:
        params = {"columns": ", ".join(unknown), "known": ", ".join(known)}
        errors.append(LineError(line, UNKNOWN_COLUMNS, params))
    missing = [column for column in REQUIRED[kind] if column not in seen]
    if missing:
        errors.append(LineError(line, MISSING_COLUMNS, {"columns": ", ".join(missing)}))
    return errors


def parse_csv(data: bytes, kind: str) -> ParsedFile:
    """The rows of an uploaded CSV (UTF-8, with or without BOM), or why it cannot be read. Blank
    lines are skipped; every other record must have as many cells as the header."""
    if kind not in KINDS:
        raise ValueError(kind)
    if len(data) > MAX_FILE_BYTES:
        return ParsedFile(kind, errors=(LineError(0, TOO_LARGE, {"megabytes": MAX_FILE_BYTES // 2**20}),))
    text = _decode(data)
    if isinstance(text, LineError):
        return ParsedFile(kind, errors=(text,))
    if not text.strip():
        return ParsedFile(kind, errors=(LineError(0, EMPTY_FILE),))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    header: list[str] | None = None
    rows: list[Row] = []
    errors: list[LineError] = []
    start, records = 1, 0
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            cells = [plain_cell(cell) for cell in record]
            if not any(cells):
                continue
            if header is None:
                header = [cell.lower() for cell in cells]
                errors.extend(_header_errors(kind, header, line))
                if errors:
                    break
                continue
            records += 1
            if records > MAX_ROWS:
                errors.append(LineError(line, TOO_MANY_ROWS, {"limit": MAX_ROWS}))
                break
            if len(cells) != len(header):
                errors.append(LineError(line, WRONG_COUNT, {"found": len(cells), "expected": len(header)}))
                continue
            rows.append(Row(line, dict(zip(header, cells, strict=True))))
    except csv.Error:
        errors.append(LineError(start, BAD_CSV))
    if header is not None and not rows and not errors:
        errors.append(LineError(0, NO_ROWS))
    return ParsedFile(kind, tuple(header or ()), tuple(rows), tuple(errors))
