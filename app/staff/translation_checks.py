"""The checks of one translated text from a file (pure): placeholders as in the source, markup
(none in plain-text fields; in descriptions only what the sanitiser keeps: anything it would
remove is an error, never silently dropped), one-line fields, lengths. Returns the text to
store: descriptions sanitised with nh3 (never trusted as sent), slugs made URL-safe."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

from app.catalog.rules import slugify
from app.core.richtext import html_to_text, sanitise_html
from app.i18n.markers import N_
from app.staff.translation_forms import (
    DESCRIPTION_LIMIT,
    NAME_LIMITS,
    OPTION_LABEL_LIMIT,
    SEO_DESCRIPTION_LIMIT,
    SEO_TITLE_LIMIT,
    SLUG_LIMIT,
    TOO_LONG,
    multiline,
)
from app.staff.translation_units import Problem

ONE_LINE_FIELDS = frozenset({"name", "slug", "seo_title", "seo_description", "label"})  # label: an option's

PLACEHOLDERS = N_(
    "The placeholders differ from the source's: missing %(missing)s; not in the source %(extra)s."
)
MARKUP_NOT_ALLOWED = N_("Markup not allowed here: %(tags)s.")
MARKUP_BROKEN = N_("The markup is not well-formed: sanitising it would change the text.")
ONE_LINE = N_("This text is one line: line breaks and control characters are not allowed.")

# printf-style (%s, %d, %(name)s) and format-style ({name}, {0}, {}) placeholders; %% is a percent sign.
PLACEHOLDER = re.compile(r"%%|%(?:\([^()\s]+\))?[sdif]|\{[A-Za-z0-9_]*\}")
# Anything a browser could take for a tag ("<" right before a letter, "/", "!" or "?"), in a
# field that is plain text.
ANY_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9:-]*)|<!|<\?")
OPENING_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
TAG_LIKE = re.compile(r"<[A-Za-z/!?](?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
ATTRIBUTE = re.compile(r"([^\s=/\"'>]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def placeholders(text: str) -> Counter[str]:
    return Counter(found for found in PLACEHOLDER.findall(text) if found != "%%")


def _signatures(markup: str) -> Counter[str]:
    """Opening tags with their attribute names (`<a href>`), and comments: what sanitising may
    drop. `rel` is left out: the sanitiser sets it on links itself."""
    found: Counter[str] = Counter()
    for name, rest in OPENING_TAG.findall(markup):
        attributes = sorted({attr.lower() for attr in ATTRIBUTE.findall(rest)} - {"rel"})
        found["<" + " ".join([name.lower(), *attributes]) + ">"] += 1
    found["<!-- -->"] += markup.count("<!--")
    return +found


def markup_problem(field_name: str, text: str) -> Problem | None:
    """Markup in a plain-text field, or markup in a description that sanitising would remove."""
    if field_name != "description":
        tags = sorted(
            {f"<{m.group(1).lower()}>" if m.group(1) else m.group(0) for m in ANY_TAG.finditer(text)}
        )
        return Problem(MARKUP_NOT_ALLOWED, {"tags": ", ".join(tags)}) if tags else None
    cleaned = sanitise_html(text)
    removed = _signatures(text) - _signatures(cleaned)
    if removed:
        return Problem(MARKUP_NOT_ALLOWED, {"tags": ", ".join(sorted(removed))})
    # Text the sanitiser's parser swallowed (a tag never closed with ">", say) is lost text.
    if html.unescape(TAG_LIKE.sub("", text)).strip() != html_to_text(cleaned):
        return Problem(MARKUP_BROKEN)
    return None


def _limit(kind: str, field_name: str) -> int:
    if field_name == "label":
        return OPTION_LABEL_LIMIT  # an option's label: the option editor's limit
    return {
        "name": NAME_LIMITS[kind],
        "slug": SLUG_LIMIT,
        "description": DESCRIPTION_LIMIT,
        "seo_title": SEO_TITLE_LIMIT,
        "seo_description": SEO_DESCRIPTION_LIMIT,
    }[field_name]


def check_text(kind: str, field_name: str, source: str, target: str) -> tuple[str, list[Problem]]:
    """The text to store for one translated unit, and what is wrong with it."""
    problems: list[Problem] = []
    if field_name in ONE_LINE_FIELDS:
        if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in target):
            problems.append(Problem(ONE_LINE))
        text = target.strip()
    else:
        text = multiline(target)
    markup = markup_problem(field_name, text)
    if markup is not None:
        problems.append(markup)
    if field_name != "slug":
        wanted, found = placeholders(source), placeholders(text)
        if wanted != found:
            missing = ", ".join(sorted((wanted - found).elements())) or "–"
            extra = ", ".join(sorted((found - wanted).elements())) or "–"
            problems.append(Problem(PLACEHOLDERS, {"missing": missing, "extra": extra}))
    if field_name == "description" and markup is None:
        text = sanitise_html(text)
    if field_name == "slug":
        text = slugify(text)
    limit = _limit(kind, field_name)
    if len(text) > limit:
        problems.append(Problem(TOO_LONG, {"limit": limit}))
    return text, problems
