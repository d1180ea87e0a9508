"""The source fingerprint of a translation (pure: no I/O): the base-locale texts a product's,
category's or option label's translation is made from, and their hash. A translation records the
hash of the source it was made from, and is stale whenever that differs from today's; the
importer records it beside the texts it imports, the back office's translation workflow compares
it (app.staff.translation_rules)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SOURCE_FIELDS = ("name", "description", "seo_title", "seo_description")


@dataclass(frozen=True)
class SourceText:
    """The base-locale texts a translation is made from (the slug is not: it follows the name)."""

    name: str = ""
    description: str = ""
    seo_title: str = ""
    seo_description: str = ""

    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "description": self.description,
            "seo_title": self.seo_title,
            "seo_description": self.seo_description,
        }

    def digest(self) -> str:
        """A fingerprint of the texts: a translation made from other texts is stale. Canonical JSON
        so the same texts always give the same hash, whichever code wrote them."""
        canonical = json.dumps(self.fields(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_json(self) -> str:
        return json.dumps(self.fields(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> SourceText | None:
        """The texts a row recorded, or None when it recorded none (or something unreadable)."""
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        return cls(**{key: str(data.get(key, "")) for key in SOURCE_FIELDS})


def source_columns(names: Mapping[str, str], descriptions: Mapping[str, str], base: str) -> dict[str, Any]:
    """The fingerprint columns of translations imported together with their base-locale source."""
    source = SourceText(names.get(base, ""), descriptions.get(base, ""))
    return {"source_hash": source.digest(), "source_text": source.to_json()}


# An option axis ("size") and each of its values ("m") have a label per locale (OptionLabel rows,
# value "" for the axis), each fingerprinted on its own.


def option_source(axis: str, value: str, base_labels: Mapping[tuple[str, str], str]) -> SourceText:
    """What a label is translated from: the base-locale label, else the name the shop shows in its
    place (as Catalog.option_label does). A SourceText with only a name, so fingerprints, the stored
    copy and the diff work as for products."""
    return SourceText(name=base_labels.get((axis, value)) or value or axis)


def option_source_columns(axis: str, value: str, base_label: str) -> dict[str, Any]:
    """The fingerprint columns of a label imported together with its base-locale label."""
    source = option_source(axis, value, {(axis, value): base_label})
    return {"source_hash": source.digest(), "source_text": source.to_json()}
