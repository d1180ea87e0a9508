"""Search vocabulary per locale (data/search/synonyms.toml): stop words and synonym groups.

Meilisearch gets the groups as index settings; the embedded engine expands them at indexing time
(a product whose texts hold one member is also indexed under the others), so both backends find
a sweater for "jumper". Either way a changed file takes effect with the next full rebuild.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.search.analysis import has_cjk, normalize, source_words

VOCABULARY_FILE = Path(__file__).resolve().parents[2] / "data" / "search" / "synonyms.toml"


@dataclass(frozen=True)
class Vocabulary:
    """One locale's stop words and synonym groups (data/search/synonyms.toml)."""

    stop_words: tuple[str, ...] = ()
    synonym_groups: tuple[tuple[str, ...], ...] = ()

    def synonyms(self) -> dict[str, list[str]]:
        """Meilisearch's one-way mapping, built so each member of a group finds the others."""
        mapping: dict[str, list[str]] = {}
        for group in self.synonym_groups:
            for word in group:
                known = mapping.setdefault(word, [])
                known.extend(other for other in group if other != word and other not in known)
        return mapping


def load_vocabulary(path: Path = VOCABULARY_FILE) -> dict[str, Vocabulary]:
    """Every locale's vocabulary; ValueError names the locale whose entry is malformed."""
    with path.open("rb") as file:
        raw = tomllib.load(file)
    return {locale: _vocabulary(locale, entry) for locale, entry in raw.items()}


def _vocabulary(locale: str, entry: Any) -> Vocabulary:
    entry = entry if isinstance(entry, dict) else {}
    stop_words, groups = entry.get("stop_words", []), entry.get("synonyms", [])
    if not _strings(stop_words) or not isinstance(groups, list) or not all(map(_strings, groups)):
        raise ValueError(f"{locale}: stop_words must be a list of strings, synonyms a list of lists")
    return Vocabulary(tuple(stop_words), tuple(tuple(group) for group in groups))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _phrase(text: str) -> str:
    """Folded words separated by single spaces, padded: phrase containment is a substring test."""
    return " " + " ".join(normalize(m.group()) for m in source_words(text)) + " "


def synonym_expansions(texts: Iterable[str], vocabulary: Vocabulary) -> tuple[str, ...]:
    """The other members of every synonym group one of `texts` mentions (whole words; CJK,
    written without spaces, by substring), to index alongside them."""
    joined = "\n".join(texts)
    words, folded = _phrase(joined), normalize(joined)
    found: dict[str, None] = {}
    for group in vocabulary.synonym_groups:
        members = [normalize(member) for member in group]
        hit = [m for m in members if (m in folded if has_cjk(m) else _phrase(m) in words)]
        if hit:
            found.update(dict.fromkeys(m for m in members if m not in hit))
    return tuple(found)
