"""XLIFF 2.0 files (pure: bytes in, bytes out), with lxml: each export and each upload is
validated against our schema of the XLIFF 2.0 core subset we write
(data/i18n/xliff_core_2.0_subset.xsd). One unit per text, one segment per unit; markup allowed in
descriptions travels as escaped text; the source hash is a note. Parsing refuses DTDs and never
expands entities or fetches anything."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from app.i18n.markers import N_
from app.staff.translation_units import (
    EMPTY,
    HASH_NOTE,
    ExchangeFile,
    Problem,
    Unit,
    finish,
    shown,
    target_text,
    too_large,
)

XLIFF = "xliff"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "data" / "i18n" / "xliff_core_2.0_subset.xsd"
XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
CONTEXT_NOTE, PREVIOUS_NOTE = "context", "previous-translation"

NOT_XML = N_("The XML is not well-formed: %(detail)s")
NO_DOCTYPE = N_("The file has a DOCTYPE (entity declarations); XLIFF files have none. Nothing was read.")
NOT_XLIFF = N_("This is not an XLIFF 2.0 file (the root element is %(found)s).")
XLIFF_ENCODING = N_("The file says it is %(found)s; it must be UTF-8.")
SCHEMA_ERROR = N_("Not valid XLIFF 2.0: %(detail)s")

# XML 1.0 cannot carry these characters at all; a source holding one is exported without it (the
# import compares fingerprints from the database, never the file's source text).
NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@cache
def xliff_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), _safe_parser()))


def _safe_parser() -> etree.XMLParser:
    """No DTD loading, no entity expansion, no network, no huge documents: XXE and billion laughs
    get nowhere (and a document with a DOCTYPE is refused after parsing anyway)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )


def _q(name: str) -> str:
    return f"{{{XLIFF_NS}}}{name}"


def build_xliff(units: Iterable[Unit], source_language: str, target_language: str) -> bytes:
    """An XLIFF 2.0 document, one unit per text, validated against the bundled schema (a bug
    here fails the export rather than handing translators a file their tools refuse)."""
    root = etree.Element(
        _q("xliff"),
        nsmap={None: XLIFF_NS},
        attrib={"version": "2.0", "srcLang": source_language, "trgLang": target_language},
    )
    # One segment per unit, whitespace kept: CAT tools must not split or reflow the texts.
    file = etree.SubElement(
        root,
        _q("file"),
        attrib={"id": "catalogue", "canResegment": "no", f"{{{XML_NS}}}space": "preserve"},
    )
    for unit in units:
        element = etree.SubElement(file, _q("unit"), attrib={"id": unit.id})
        notes = etree.SubElement(element, _q("notes"))
        for category, text in (
            (CONTEXT_NOTE, unit.context),
            (PREVIOUS_NOTE, unit.previous),
            (HASH_NOTE, unit.source_hash),
        ):
            if text:
                note = etree.SubElement(notes, _q("note"), attrib={"category": category})
                note.text = NOT_XML_CHAR.sub("", text)
        segment = etree.SubElement(element, _q("segment"), attrib={"state": unit.state or "initial"})
        etree.SubElement(segment, _q("source")).text = NOT_XML_CHAR.sub("", unit.source)
        if unit.target is not None:
            etree.SubElement(segment, _q("target")).text = NOT_XML_CHAR.sub("", unit.target)
    xliff_schema().assertValid(root)
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True))


def read_xliff(data: bytes) -> ExchangeFile:
    """The units of an XLIFF 2.0 file, or what is wrong with it (with line numbers)."""
    empty = ExchangeFile(XLIFF)
    problem = too_large(data)
    if problem is None and not data.strip():
        problem = Problem(EMPTY)
    if problem is not None:
        return replace(empty, problems=(problem,))
    try:
        tree = etree.ElementTree(etree.fromstring(data, _safe_parser()))
    except etree.XMLSyntaxError as bad:
        line = bad.lineno or 0
        return replace(empty, problems=(Problem(NOT_XML, {"detail": shown(bad.msg or str(bad))}, line),))
    root = tree.getroot()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return replace(empty, problems=(Problem(NO_DOCTYPE, line=1),))
    encoding = (tree.docinfo.encoding or "UTF-8").upper()
    if encoding not in ("UTF-8", "UTF8"):
        return replace(empty, problems=(Problem(XLIFF_ENCODING, {"found": shown(encoding, 40)}, 1),))
    if root.tag != _q("xliff"):
        found = shown(str(root.tag), 80)
        return replace(empty, problems=(Problem(NOT_XLIFF, {"found": found}, root.sourceline or 1),))
    schema = xliff_schema()
    if not schema.validate(tree):
        problems = tuple(
            Problem(SCHEMA_ERROR, {"detail": shown(error.message)}, error.line) for error in schema.error_log
        )
        return replace(empty, problems=problems[:50])
    units = tuple(_xliff_unit(element) for element in root.iter(_q("unit")))
    return finish(ExchangeFile(XLIFF, root.get("srcLang", ""), root.get("trgLang", ""), units))


def _xliff_unit(element: Any) -> Unit:
    """One unit: its segments' (and ignorables') texts joined, as a tool may have split it."""
    notes = {note.get("category", ""): note.text or "" for note in element.iter(_q("note"))}
    sources: list[str] = []
    targets: list[str | None] = []
    languages: set[str] = set()
    for part in element:
        if part.tag not in (_q("segment"), _q("ignorable")):
            continue
        source, target = part.find(_q("source")), part.find(_q("target"))
        sources.append(source.text or "")
        if target is None and part.tag == _q("ignorable"):
            targets.append(source.text or "")  # ignorable text needs no translation
        else:
            targets.append(None if target is None else target.text or "")
        if target is not None and target.get(f"{{{XML_NS}}}lang"):
            languages.add(target.get(f"{{{XML_NS}}}lang"))
    translated: str | None = None
    if all(text is not None for text in targets):
        translated = "".join(text for text in targets if text is not None)
    return Unit(
        id=element.get("id", ""),
        source="".join(sources),
        target=target_text(translated),
        source_hash=notes.get(HASH_NOTE, "").strip(),
        line=element.sourceline or 0,
        language=",".join(sorted(languages)),
    )
