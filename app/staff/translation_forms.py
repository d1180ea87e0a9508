"""Reading the translation editor's forms (pure: no I/O): a product's or category's texts and an
option axis's labels, validated field by field with every typed value kept, the fingerprints that
catch a save made from an older view, and the length hints shown beside the fields."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.catalog.rules import slugify
from app.core.richtext import html_to_text, sanitise_html
from app.i18n.markers import N_
from app.staff.translation_rules import Status

# --- the editor's form --------------------------------------------------------------------------

NAME_LIMITS = {"product": 300, "category": 200, "page": 200}  # the name columns' lengths
SLUG_LIMIT = 120  # slugify's own limit
DESCRIPTION_LIMIT = 8000  # below the form reader's 10,000-character cut, so a cut never saves
SEO_TITLE_LIMIT = 200
SEO_DESCRIPTION_LIMIT = 400
# What search engines show before cutting (the editor's hints, not limits).
SEO_TITLE_HINT = 60
SEO_DESCRIPTION_HINT = 160

NEED_NAME = N_("Enter the name in this language.")
TOO_LONG = N_("At most %(limit)s characters, please.")
BAD_STATUS = N_("Save as a draft or as reviewed.")
HEX = re.compile(r"^[0-9a-f]{64}$")


def plain(text: str) -> str:
    """One-line text: control characters (a NUL breaks PostgreSQL) and surrounding spaces go."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc").strip()


def multiline(text: str) -> str:
    """Text that keeps its line breaks and tabs, without other control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


@dataclass
class TranslationForm:
    """What was typed (kept to re-render) and what it means once valid."""

    values: dict[str, str]
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    name: str = ""
    slug: str = ""
    description: str = ""
    seo_title: str = ""
    seo_description: str = ""
    status: Status = Status.DRAFT
    source_version: str = ""  # the source hash the form showed
    target_version: str = ""  # the fingerprint of the translation the form showed
    markup_removed: bool = False  # sanitising changed the description

    def texts(self) -> dict[str, str]:
        return {
            "name": self.name,
            "slug": self.slug,
            "description": self.description,
            "seo_title": self.seo_title,
            "seo_description": self.seo_description,
        }


def read_translation_form(form: Mapping[str, str], kind: str) -> TranslationForm:
    """Validate a submitted translation: every field is checked and every typed value kept."""
    values = {
        key: form.get(key, "")
        for key in ("name", "slug", "description", "seo_title", "seo_description", "status")
    }
    result = TranslationForm(values=values)
    limits = {
        "name": NAME_LIMITS[kind],
        "slug": SLUG_LIMIT,
        "description": DESCRIPTION_LIMIT,
        "seo_title": SEO_TITLE_LIMIT,
        "seo_description": SEO_DESCRIPTION_LIMIT,
    }
    texts = {key: plain(values[key]) for key in ("name", "slug", "seo_title", "seo_description")}
    texts["description"] = multiline(values["description"])
    for key, limit in limits.items():
        if len(texts[key]) > limit:
            result.errors[key] = (TOO_LONG, {"limit": limit})
    if not texts["name"]:
        result.errors["name"] = (NEED_NAME, {})
    result.name, result.seo_title, result.seo_description = (
        texts["name"],
        texts["seo_title"],
        texts["seo_description"],
    )
    result.slug = slugify(texts["slug"] or texts["name"])
    result.description = sanitise_html(texts["description"])
    result.markup_removed = _differs(texts["description"], result.description)
    try:
        result.status = Status(values["status"])
    except ValueError:
        result.errors["status"] = (BAD_STATUS, {})
    if result.status is Status.IMPORTED:  # only imports say that; a person drafts or reviews
        result.errors["status"] = (BAD_STATUS, {})
    source, target = form.get("source_version", ""), form.get("target_version", "")
    result.source_version = source if HEX.match(source) else ""
    result.target_version = target if HEX.match(target) else ""
    return result


def _differs(typed: str, cleaned: str) -> bool:
    """Whether sanitising removed something, not merely escaped a character (`&` -> `&amp;`)."""
    return html_to_text(typed) != html_to_text(cleaned) or _tags(typed) != _tags(cleaned)


def _tags(text: str) -> list[str]:
    """Opening tags and link targets, in order: what sanitising may drop."""
    return re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)|\b(href)\s*=", text)


def target_fingerprint(texts: Mapping[str, str], status: str, source_hash: str) -> str:
    """The version of a stored translation, so a save made from an older view is caught."""
    canonical = json.dumps([dict(texts), status, source_hash], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- length hints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LengthHint:
    count: int
    hint: int | None = None  # what search engines show, where it matters

    @property
    def over(self) -> bool:
        return self.hint is not None and self.count > self.hint


def length_hints(texts: Mapping[str, str]) -> dict[str, LengthHint]:
    """Characters per field (the description counted without its markup), with the SEO hints."""
    hints = {"seo_title": SEO_TITLE_HINT, "seo_description": SEO_DESCRIPTION_HINT}
    return {
        key: LengthHint(len(html_to_text(value) if key == "description" else value), hints.get(key))
        for key, value in texts.items()
    }


# --- option labels ------------------------------------------------------------------------------
# One editor per axis: a field for the axis's own label and one per value, each saved as its own
# OptionLabel row; where a locale has none, the shop shows the fallback locale's label, else the name.

OPTION_LABEL_LIMIT = 100  # OptionLabel.label is a Varchar(100)


def option_field(value: str) -> str:
    """The form field of one label: "axis" for the axis's own label, "value-m" for value m (values
    are lowercase slugs, so the names never clash)."""
    return f"value-{value}" if value else "axis"


def option_fingerprint(labels: Mapping[str, tuple[str, str, str]]) -> str:
    """The version of an axis's labels, value -> (label, status, source hash): a save made from an
    older view of any of them is caught. Also used for the sources, value -> (label, "", "")."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class OptionLabelForm:
    """The labels typed for one axis in one locale: value ("" = the axis) -> label ("" = none,
    the shop falls back), with the status they are saved with."""

    values: dict[str, str]  # field name -> what was typed (kept to re-render)
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    status: Status = Status.DRAFT
    source_version: str = ""
    target_version: str = ""


def read_option_form(form: Mapping[str, str], values: Sequence[str]) -> OptionLabelForm:
    """Validate an axis's labels: one field for the axis and one per value it has (other fields
    are ignored); each is one line of plain text, at most OPTION_LABEL_LIMIT characters."""
    names = {option_field(value): value for value in ("", *values)}
    result = OptionLabelForm(values={name: form.get(name, "") for name in names})
    for name, value in names.items():
        label = plain(result.values[name])
        if len(label) > OPTION_LABEL_LIMIT:
            result.errors[name] = (TOO_LONG, {"limit": OPTION_LABEL_LIMIT})
        result.labels[value] = label
    try:
        result.status = Status(form.get("status", ""))
    except ValueError:
        result.errors["status"] = (BAD_STATUS, {})
    if result.status is Status.IMPORTED:
        result.errors["status"] = (BAD_STATUS, {})
    source, target = form.get("source_version", ""), form.get("target_version", "")
    result.source_version = source if HEX.match(source) else ""
    result.target_version = target if HEX.match(target) else ""
    return result
