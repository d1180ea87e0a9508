"""What goes into a translation file and what one would change (pure: no I/O): the units an
export of one locale holds (the texts of products and categories, the labels of option axes and
values), and the checks of an import, unit by unit: ids, the source each unit was made from, the
target language, placeholders, markup, lengths and slugs. An import with any error changes
nothing; its report names each unit and its line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from app.catalog.rules import slugify, unique_slug
from app.catalog.sources import SourceText
from app.core.richtext import ALLOWED_TAGS
from app.i18n.locales import LOCALES
from app.i18n.markers import N_
from app.staff.translation_checks import check_text, placeholders
from app.staff.translation_forms import (
    DESCRIPTION_LIMIT,
    NAME_LIMITS,
    OPTION_LABEL_LIMIT,
    SEO_DESCRIPTION_LIMIT,
    SEO_TITLE_LIMIT,
)
from app.staff.translation_po_csv import CSV
from app.staff.translation_rules import OPTION, State, Status, state_of
from app.staff.translation_units import ExchangeFile, Problem, Unit, shown

EXPORTED = ("name", "description", "seo_title", "seo_description")
IMPORTABLE = (*EXPORTED, "slug")  # a slug unit in a file renames the page (the old one answers 301)
TEXTS = ("name", "slug", "description", "seo_title", "seo_description")
ONLY = ("all", "missing", "stale")
LABEL = "label"  # an option label's unit: "option:size::label" (the axis's), "option:size:m:label"

UNKNOWN_ID = N_("Unknown id: no product, category, option label or page text here has this id.")
DUPLICATE_ID = N_("This id is in the file twice (first on line %(first)s).")
NO_HASH = N_(
    "The unit lacks the fingerprint of the source it was made from (source hash). Export the file again."
)
SOURCE_CHANGED = N_(
    "The source text changed since this file was exported. Export it again and translate the new text."
)
NO_LANGUAGE = N_("The file does not say which language it is in.")
WRONG_LANGUAGE = N_("This is in %(found)s; this import is for %(expected)s.")
NEEDS_NAME = N_("This has no translation yet: the file must give its name too.")
SLUG_TAKEN = N_("Another page in this language already has the address %(slug)s.")


def language_tag(locale: str) -> str:
    """A shop locale as BCP 47 (XLIFF's srcLang/trgLang, the CSV's language column): `zh-Hans`."""
    return LOCALES[locale].hreflang


def locale_of(tag: str) -> str | None:
    """The shop locale a file's language tag names (`zh-Hans`, `zh_Hans`, `ja-JP` -> ja), or None."""
    normal = tag.strip().replace("_", "-").lower()
    if normal in LOCALES:
        return normal
    language = normal.split("-")[0]
    return language if language in LOCALES and language != "zh" else None


# --- the catalogue as an import sees it ------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """A product or category: its base-locale source and what the locale holds."""

    kind: str
    code: str
    owner_id: int
    source: SourceText
    source_slug: str
    target: Mapping[str, str] | None  # the stored texts (TEXTS), None: no row in the locale
    status: str = ""
    target_hash: str = ""  # the source hash the stored translation was made from

    @cached_property
    def source_hash(self) -> str:
        return self.source.digest()

    @property
    def state(self) -> State:
        name = self.target.get("name") if self.target is not None else None
        return state_of(name, self.status, self.target_hash, self.source_hash)

    def source_of(self, field_name: str) -> str:
        return self.source_slug if field_name == "slug" else self.source.fields()[field_name]


@dataclass(frozen=True)
class OptionOwner:
    """The label of an option axis (value "") or of one of its values: its source (the base-locale
    label, else the name) and what the locale holds. Each label is an entry of its own."""

    axis: str
    value: str
    source: SourceText  # only a name (app.catalog.sources.option_source)
    label: str  # the stored label, "" when the locale has none
    status: str = ""
    target_hash: str = ""
    products: tuple[int, ...] = ()  # the products using the axis (their search documents name it)

    @cached_property
    def source_hash(self) -> str:
        return self.source.digest()

    @property
    def state(self) -> State:
        return state_of(self.label or None, self.status, self.target_hash, self.source_hash)

    @property
    def code(self) -> str:
        """The middle of its unit id, "size:" or "size:m": axes and values are lowercase slugs, so
        the first colon always ends the axis."""
        return f"{self.axis}:{self.value}"

    @property
    def unit_id(self) -> str:
        return f"{OPTION}:{self.code}:{LABEL}"


def option_key(code: str) -> tuple[str, str]:
    """(axis, value) from the middle of an option unit's id (see OptionOwner.code)."""
    axis, _, value = code.partition(":")
    return axis, value


@dataclass(frozen=True)
class LocaleState:
    locale: str
    base: str
    owners: Mapping[tuple[str, str], Owner]  # (kind, code), in export order
    slugs: Mapping[str, Mapping[str, int]]  # kind -> slug -> owner id, in this locale
    options: Mapping[tuple[str, str], OptionOwner] = field(default_factory=dict)  # (axis, value)


# --- export ---------------------------------------------------------------------------------------


def _context(owner: Owner, field_name: str) -> str:
    """What the translator's tool shows next to the text (English: files go to agencies)."""
    limits = {
        "name": NAME_LIMITS.get(owner.kind, 200),
        "description": DESCRIPTION_LIMIT,
        "seo_title": SEO_TITLE_LIMIT,
        "seo_description": SEO_DESCRIPTION_LIMIT,
    }
    what = f"{owner.kind.title()} {owner.code} ({shown(owner.source.name, 60)}): {field_name}"
    if field_name == "description":
        what = f"{what}, HTML; allowed tags: {', '.join(sorted(ALLOWED_TAGS))}."
    else:
        what = f"{what}, one line, at most {limits[field_name]} characters."
    kept = sorted(placeholders(owner.source.fields()[field_name]))
    return f"{what} Keep the placeholders {' '.join(kept)}." if kept else what


def _option_context(option: OptionOwner) -> str:
    what = f"Option {option.axis}, value {option.value}" if option.value else f"Option {option.axis}"
    what = f"{what}: label, one line, at most {OPTION_LABEL_LIMIT} characters."
    kept = sorted(placeholders(option.source.name))
    return f"{what} Keep the placeholders {' '.join(kept)}." if kept else what


def _selected(current: State, only: str) -> bool:
    return not (
        (only == "missing" and current is not State.MISSING)
        or (only == "stale" and current is not State.STALE)
    )


def _exported_state(status: str) -> str:
    return "reviewed" if status == Status.REVIEWED else "translated"


def export_units(state: LocaleState, only: str) -> list[Unit]:
    """The units of an export: every entry ("all"), the missing or the stale ones. A stale
    translation goes out as the previous text, not as the target: left untouched, it stays
    stale rather than coming back as if it had been checked against the new source."""
    if only not in ONLY:
        raise ValueError(only)
    units: list[Unit] = []
    for owner in state.owners.values():
        current = owner.state
        if not _selected(current, only):
            continue
        stored = owner.target or {}
        for field_name in EXPORTED:
            source = owner.source.fields()[field_name]
            if not source.strip():
                continue
            text = stored.get(field_name, "") if current is not State.MISSING else ""
            fresh = bool(text) and current is not State.STALE
            units.append(
                Unit(
                    id=f"{owner.kind}:{owner.code}:{field_name}",
                    source=source,
                    target=text if fresh else None,
                    source_hash=owner.source_hash,
                    context=_context(owner, field_name),
                    previous=text if text and not fresh else "",
                    state=_exported_state(owner.status) if fresh else "",
                )
            )
    for option in state.options.values():
        current = option.state
        if not _selected(current, only):
            continue
        text = option.label if current is not State.MISSING else ""
        fresh = bool(text) and current is not State.STALE
        units.append(
            Unit(
                id=option.unit_id,
                source=option.source.name,
                target=text if fresh else None,
                source_hash=option.source_hash,
                context=_option_context(option),
                previous=text if text and not fresh else "",
                state=_exported_state(option.status) if fresh else "",
            )
        )
    return units


# --- the plan of an import --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One translation an import writes: the texts before (None: a new row) and after. An option
    label's: kind "option", code "size:m" (OptionOwner.code), owner id 0, and the label as the
    text "name" (what it is translated from is a SourceText with only a name, too)."""

    kind: str
    code: str
    owner_id: int
    before: Mapping[str, str] | None
    after: Mapping[str, str]  # every text of TEXTS (an option label's: its label)
    fields: tuple[str, ...]  # the texts that change (none: only made current again)
    line: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"


@dataclass
class ImportPlan:
    locale: str
    format: str = ""
    units: int = 0  # in the file
    translated: int = 0  # units with a target
    errors: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0  # entries whose translation already is what the file says

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def skipped(self) -> int:
        return self.units - self.translated

    def fingerprint(self) -> str:
        """What the import would write, so a confirmation applies what the dry run showed."""
        items = [[change.key, dict(change.before or {}), dict(change.after)] for change in self.changes]
        canonical = json.dumps([self.locale, items], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _split_id(unit_id: str) -> tuple[str, str, str]:
    kind, _, rest = unit_id.partition(":")
    code, _, field_name = rest.rpartition(":")
    return kind, code, field_name


def _language_problem(tag: str, state: LocaleState, line: int, unit: str = "") -> Problem | None:
    if locale_of(tag) == state.locale:
        return None
    params = {"found": shown(tag, 40) or "–", "expected": language_tag(state.locale)}
    return Problem(WRONG_LANGUAGE, params, line, unit)


def plan_import(
    parsed: ExchangeFile, state: LocaleState, progress: Callable[[int, int], None] | None = None
) -> ImportPlan:
    """Check every unit of a file against the catalogue as it is; the plan lists every error
    (and, when there is none, every translation the import writes). `progress(done, total)` is
    told after each unit (the CLI's progress bar)."""
    plan = ImportPlan(state.locale, parsed.format, units=len(parsed.units))
    plan.errors.extend(parsed.problems)
    if parsed.problems:
        return plan
    if parsed.format != CSV:
        if not parsed.target_language:
            plan.errors.append(Problem(NO_LANGUAGE))
        else:
            problem = _language_problem(parsed.target_language, state, 0)
            if problem is not None:
                plan.errors.append(problem)
    first_line: dict[str, int] = {}
    updates: dict[tuple[str, str], dict[str, str]] = {}
    lines: dict[tuple[str, str], int] = {}
    labels: dict[tuple[str, str], tuple[str, int]] = {}  # (axis, value) -> (label, line)
    for done, unit in enumerate(parsed.units, 1):
        if progress is not None:
            progress(done, len(parsed.units))
        if unit.id in first_line:
            plan.errors.append(Problem(DUPLICATE_ID, {"first": first_line[unit.id]}, unit.line, unit.id))
            continue
        first_line[unit.id] = unit.line
        if unit.target is None:
            continue
        plan.translated += 1
        kind, code, field_name = _split_id(unit.id)
        option = state.options.get(option_key(code)) if kind == OPTION and field_name == LABEL else None
        owner = state.owners.get((kind, code)) if kind != OPTION else None
        if option is None and (
            owner is None or field_name not in IMPORTABLE or not owner.source_of(field_name).strip()
        ):
            plan.errors.append(Problem(UNKNOWN_ID, {}, unit.line, unit.id))
            continue
        problems: list[Problem] = []
        tags = [tag for tag in unit.language.split(",") if tag]
        if parsed.format == CSV and not tags:
            tags = [""]  # a CSV row must name its language
        for tag in tags:
            problem = _language_problem(tag, state, unit.line, unit.id)
            if problem is not None:
                problems.append(problem)
        source_hash = option.source_hash if option is not None else owner.source_hash if owner else ""
        if not unit.source_hash:
            problems.append(Problem(NO_HASH))
        elif unit.source_hash != source_hash:
            problems.append(Problem(SOURCE_CHANGED))
        source = option.source.name if option is not None else owner.source_of(field_name) if owner else ""
        text, text_problems = check_text(kind, field_name, source, unit.target)
        problems.extend(text_problems)
        plan.errors.extend(Problem(p.message, p.params, unit.line, unit.id) for p in problems)
        if option is not None:
            labels[(option.axis, option.value)] = (text, unit.line)
            continue
        updates.setdefault((kind, code), {})[field_name] = text
        lines.setdefault((kind, code), unit.line)
    _plan_changes(plan, state, updates, lines)
    _plan_option_changes(plan, state, labels)
    plan.errors.sort(key=lambda problem: (problem.line, problem.unit))
    return plan


def _plan_changes(
    plan: ImportPlan,
    state: LocaleState,
    updates: Mapping[tuple[str, str], Mapping[str, str]],
    lines: Mapping[tuple[str, str], int],
) -> None:
    """Merge each entry's units into its stored translation; slugs stay unique in the locale (a
    slug unit claims its slug first; a new translation gets one made from its name)."""
    taken = {kind: dict(slugs) for kind, slugs in state.slugs.items()}
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for key, texts in updates.items():
        owner = state.owners[key]
        stored = dict(owner.target) if owner.target is not None else dict.fromkeys(TEXTS, "")
        after = {**stored, **texts}
        if not after["name"]:
            plan.errors.append(Problem(NEEDS_NAME, {}, lines[key], f"{owner.kind}:{owner.code}:name"))
        merged[key] = after
        if "slug" in texts:
            holder = taken.setdefault(owner.kind, {}).get(after["slug"])
            if holder is not None and holder != owner.owner_id:
                unit = f"{owner.kind}:{owner.code}:slug"
                plan.errors.append(Problem(SLUG_TAKEN, {"slug": after["slug"]}, lines[key], unit))
            taken[owner.kind][after["slug"]] = owner.owner_id
    for key, after in merged.items():
        owner = state.owners[key]
        if not after["slug"] and after["name"]:
            others = {slug for slug, holder in taken.get(owner.kind, {}).items() if holder != owner.owner_id}
            after["slug"] = unique_slug(slugify(after["name"]), others)
            taken.setdefault(owner.kind, {})[after["slug"]] = owner.owner_id
        before = dict(owner.target) if owner.target is not None else None
        changed = tuple(name for name in TEXTS if before is None or before.get(name, "") != after[name])
        if before is not None and not changed and owner.target_hash == owner.source_hash:
            plan.unchanged += 1
            continue
        plan.changes.append(
            Change(owner.kind, owner.code, owner.owner_id, before, after, changed, lines[key])
        )
    if plan.errors:
        plan.changes.clear()


def _plan_option_changes(
    plan: ImportPlan, state: LocaleState, labels: Mapping[tuple[str, str], tuple[str, int]]
) -> None:
    """Each option label is its own entry: written when its text changes, or to make it current
    again (the translator confirmed it for a changed source)."""
    for key, (label, line) in labels.items():
        option = state.options[key]
        before = {"name": option.label} if option.label else None
        changed = ("name",) if option.label != label else ()
        if before is not None and not changed and option.target_hash == option.source_hash:
            plan.unchanged += 1
            continue
        plan.changes.append(Change(OPTION, option.code, 0, before, {"name": label}, changed, line))
    if plan.errors:
        plan.changes.clear()


def audit_summary(plan: ImportPlan, filename: str) -> dict[str, Any]:
    return {
        "file": filename,
        "format": plan.format,
        "locale": plan.locale,
        "units": plan.units,
        "translated": plan.translated,
        "created": sum(1 for change in plan.changes if change.before is None),
        "updated": sum(1 for change in plan.changes if change.before is not None),
        "unchanged": plan.unchanged,
    }
