"""Files for translators and agencies (pure: bytes in, bytes out): XLIFF 2.0, PO and CSV, built
from and read into one list of units (app.staff.translation_units). Readers never raise: what
cannot be read is reported with its line. Whether the units make sense for the catalogue is
app.staff.translation_import's to check."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.i18n.markers import N_
from app.staff.translation_po_csv import CSV, PO, build_csv, build_po, read_csv, read_po
from app.staff.translation_units import ExchangeFile, Problem, Unit
from app.staff.translation_xliff import XLIFF, build_xliff, read_xliff

FORMATS = (XLIFF, PO, CSV)
EXTENSIONS = {XLIFF: "xlf", PO: "po", CSV: "csv"}
MEDIA_TYPES = {XLIFF: "application/xliff+xml", PO: "text/x-gettext-translation", CSV: "text/csv"}
UNKNOWN_FORMAT = N_("This is not an XLIFF, PO or CSV file.")

BUILDERS = {XLIFF: build_xliff, PO: build_po, CSV: build_csv}
READERS = {XLIFF: read_xliff, PO: read_po, CSV: read_csv}


def build(format: str, units: Iterable[Unit], source_language: str, target_language: str) -> bytes:
    return BUILDERS[format](units, source_language, target_language)


def guess_format(filename: str, data: bytes) -> str | None:
    """The format a file is in: by its extension, else by its first bytes."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    by_suffix = {"xlf": XLIFF, "xliff": XLIFF, "xml": XLIFF, "po": PO, "pot": PO, "csv": CSV}
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return XLIFF
    if head.startswith((b"msgid", b"msgctxt", b"#")):
        return PO
    if head.lower().startswith(b"id"):
        return CSV
    return None


def read(format: str | None, data: bytes) -> ExchangeFile:
    if format not in READERS:
        return ExchangeFile(format or "", problems=(Problem(UNKNOWN_FORMAT),))
    return READERS[format](data)
