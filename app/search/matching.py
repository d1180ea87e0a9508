"""What a query asks of each locale's text, and which words of a text it matched. Pure.

The embedded engine turns a `QueryPlan` into tantivy queries; highlights use the same plan, so a
word is marked exactly when the engine's rules (stem, typo budget, prefix, compound part, CJK
grams) say it matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.search.analysis import (
    CJK_LOCALES,
    COMPOUND_PART_MIN,
    Span,
    has_cjk,
    native_to,
    normalize,
    normalize_token,
    query_grams,
    query_words,
    source_words,
    spans,
    typo_budget,
    within_typos,
    word_span,
)

MAX_QUERY_WORDS = 10  # a longer query keeps its first ten words: bounded work per search
SNIPPET_CHARS = 160
SNIPPET_SCAN = 600  # a description's first characters searched for a snippet (bounded work per hit)


@dataclass(frozen=True)
class TermPlan:
    """One term a query word becomes in one locale's analysis."""

    term: str  # stemmed (or dictionary form): compared with the index's terms
    word: str  # folded surface form: exact-word bonus, prefix and typo matching
    typos: int  # edits tolerated (0 outside the locale's own script)
    prefix: bool  # the last word of an as-you-type query: any word starting with it matches
    native: bool  # the word is in the locale's script: all fields, compounds, typos


@dataclass(frozen=True)
class WordPlan:
    surface: str
    norm: str
    optional: bool  # stop word: scores, never required
    locales: dict[str, tuple[TermPlan, ...]]  # every term must match, in one locale at least
    grams: tuple[str, ...]  # CJK grams that must appear in order (empty for other scripts)
    joined: tuple[str, ...]  # this word glued to a neighbour ("t shirt" -> "tshirt")


@dataclass(frozen=True)
class QueryPlan:
    locale: str
    words: tuple[WordPlan, ...]

    @property
    def empty(self) -> bool:
        return not self.words

    @property
    def required(self) -> tuple[WordPlan, ...]:
        return tuple(w for w in self.words if not w.optional)


def plan_query(text: str, locale: str, locales: Sequence[str], *, prefix: bool) -> QueryPlan:
    """Analyse a (truncated) query once per locale. Prefix matching applies to the last word only,
    and only while it is being typed (no trailing space)."""
    words = query_words(text, MAX_QUERY_WORDS)
    typing = prefix and bool(text) and not text[-1].isspace()
    plans = []
    for index, word in enumerate(words):
        last = typing and index == len(words) - 1
        per_locale = {}
        # Typos are forgiven in the page's locale when the word is in its script (else in every
        # locale of the word's script): a fuzzy term costs ten times an exact one, and a shopper
        # misspells in the language they are reading (measured: p95 -60% at 10,000 products).
        fuzzy_in = (
            [locale]
            if native_to(word.norm, locale)
            else [loc for loc in locales if native_to(word.norm, loc)]
        )
        for loc in locales:
            native = native_to(word.norm, loc)
            terms = tuple(
                TermPlan(s.term, s.word, typo_budget(s.word) if loc in fuzzy_in else 0, last, native)
                for s in spans(word.surface, loc, query=True)
            )
            if terms:
                per_locale[loc] = terms
        pairs = []
        if index > 0:
            pairs.append(words[index - 1].norm + word.norm)
        if index + 1 < len(words):
            pairs.append(word.norm + words[index + 1].norm)
        joined = tuple(pair for pair in pairs if not has_cjk(pair))
        grams = tuple(query_grams(word.surface)) if has_cjk(word.norm) else ()
        plans.append(WordPlan(word.surface, word.norm, word.optional, per_locale, grams, joined))
    return QueryPlan(locale, tuple(plans))


def term_matches(span: Span, term: TermPlan, locale: str, *, typos: bool = True) -> bool:
    if span.term == term.term or span.word == term.word:
        return True
    if term.prefix and span.word.startswith(term.word):
        return True
    if typos and term.typos and within_typos(span.word, term.word, term.typos):
        return True
    # A German compound matched through one of its parts (the index holds heads and modifiers).
    return (
        locale == "de"
        and term.native
        and len(term.term) >= COMPOUND_PART_MIN
        and len(span.term) > len(term.term)
        and (span.term.startswith(term.term) or span.term.endswith(term.term))
    )


class Matcher:
    """Whether a word of a text matched the query in one locale (memoised: a page of hits repeats
    its words, and typo checks are the costly part). `typos=False` marks exact, stem, prefix and
    compound matches only: what snippets of long descriptions can afford."""

    def __init__(self, plan: QueryPlan, locale: str, *, typos: bool = True) -> None:
        self.locale = locale
        self.typos = typos
        self.terms = [term for word in plan.words for term in word.locales.get(locale, ())]
        self.exact = {t.term for t in self.terms} | {t.word for t in self.terms}
        self.joined = {joined for word in plan.words for joined in word.joined}
        self.cjk = [word.norm for word in plan.words if word.grams]
        self._memo: dict[tuple[str, str], bool] = {}
        self._written: dict[str, bool] = {}

    def __call__(self, span: Span) -> bool:
        key = (span.word, span.term)
        if key not in self._memo:
            self._memo[key] = self._matches(span)
        return self._memo[key]

    def _matches(self, span: Span) -> bool:
        if span.term in self.exact or span.word in self.exact or span.word in self.joined:
            return True
        if any(term_matches(span, term, self.locale, typos=self.typos) for term in self.terms):
            return True
        return len(span.word) > 1 and any(span.word in cjk or cjk in span.word for cjk in self.cjk)

    def written(self, raw: str) -> bool:
        """A word as written in a word-based locale's text (memoised before folding and stemming)."""
        hit = self._written.get(raw)
        if hit is None:
            span = word_span(raw, self.locale)
            hit = self._written[raw] = span is not None and self(span)
        return hit

    def needles(self) -> set[str]:
        """What to look for as substrings of folded CJK text: the query's CJK words and terms."""
        found = set(self.cjk)
        for term in self.terms:
            found.update(w for w in (term.word, term.term) if len(w) >= (2 if has_cjk(w) else 3))
        return found


def _non_overlapping(found: Iterable[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def segments(text: str, marked: Sequence[tuple[int, int]]) -> tuple[tuple[str, bool], ...]:
    """Cut text into (segment, matched) pairs; neighbouring segments of one kind are merged."""
    out: list[tuple[str, bool]] = []

    def add(part: str, matched: bool) -> None:
        if not part:
            return
        if out and out[-1][1] == matched:
            out[-1] = (out[-1][0] + part, matched)
        else:
            out.append((part, matched))

    position = 0
    for start, end in marked:
        add(text[position:start], False)
        add(text[start:end], True)
        position = end
    add(text[position:], False)
    return tuple(out)


def matched_ranges(text: str, matcher: Matcher, *, until: int | None = None) -> list[tuple[int, int]]:
    """Where the text matched; `until`: stop this many characters after the first match."""
    if matcher.locale in CJK_LOCALES:
        found = _non_overlapping(spans(text, matcher.locale, query=True))
        return [(s.start, s.end) for s in found if matcher(s)]
    ranges: list[tuple[int, int]] = []
    for match in source_words(text):
        if until is not None and ranges and match.start() > ranges[0][0] + until:
            break
        if matcher.written(match.group()):
            ranges.append(match.span())
    return ranges


def _folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the offset of the one it came from."""
    folded = normalize(text)
    if len(folded) == len(text):  # the usual case: folding kept every character in place
        return folded, list(range(len(text) + 1))
    parts, offsets = [], []
    for index, char in enumerate(text):  # e.g. ℃ -> °c: fold character by character
        part = normalize_token(char)
        parts.append(part)
        offsets.extend([index] * len(part))
    offsets.append(len(text))
    return "".join(parts), offsets


def substring_ranges(text: str, matcher: Matcher) -> list[tuple[int, int]]:
    """Matches in CJK text found as substrings of its folded form, without segmenting it (the
    index matches CJK descriptions by characters too)."""
    folded, offsets = _folded_with_offsets(text)
    found = []
    for needle in matcher.needles():
        start = folded.find(needle)
        while start != -1:
            end = start + len(needle)
            found.append((offsets[start], offsets[end - 1] + 1))
            start = folded.find(needle, end)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, matcher: Matcher) -> tuple[tuple[str, bool], ...]:
    return segments(text, matched_ranges(text, matcher))


def snippet(text: str, matcher: Matcher, width: int = SNIPPET_CHARS) -> tuple[tuple[str, bool], ...] | None:
    """The part of a long text around its first match (None: nothing matched), cut at spaces
    where the script has them, with an ellipsis where text was left out."""
    scanned = text[:SNIPPET_SCAN]
    if matcher.locale in CJK_LOCALES:
        ranges = substring_ranges(scanned, matcher)
    else:
        ranges = matched_ranges(scanned, matcher, until=width)
    if not ranges:
        return None
    start = max(0, ranges[0][0] - width // 4)
    if start > 0 and " " in text[start : ranges[0][0]]:
        start = text.index(" ", start) + 1
    end = min(len(text), start + width)
    if end < len(text) and " " in text[ranges[0][1] : end]:
        end = text.rindex(" ", ranges[0][1], end)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in ranges if s < end and e > start]
    cut = list(segments(text[start:end], inside))
    if start > 0:
        cut = [("…" + cut[0][0], False), *cut[1:]] if not cut[0][1] else [("…", False), *cut]
    if end < len(text):
        cut = [*cut[:-1], (cut[-1][0] + "…", False)] if not cut[-1][1] else [*cut, ("…", False)]
    return tuple(cut)
