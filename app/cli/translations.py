"""`storefront translations`: the catalogue's translation files for translators and agencies
(export, import) and the coverage per locale, for automation. An import with any error changes
nothing and exits with status 2 after listing every error."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli.common import console, operator_actor, run

FORMATS = ("xliff", "po", "csv")  # app.staff.translation_exchange.FORMATS (not imported: --help stays fast)
ONLY = ("all", "missing", "stale")
ERRORS_EXIT = 2
# Bars and notes go to stderr: an export written to stdout stays a clean file.
progress_console = Console(stderr=True)


def bar(label: str) -> Progress:
    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=progress_console
    )


def shop_locale(value: str) -> str:
    """A target locale given as `ja`, `zh-Hans` or `zh_Hans`; the base locale is the source."""
    from app.staff.translation_import import locale_of
    from app.staff.translations import base_locale

    locale = locale_of(value)
    if locale is None:
        raise click.BadParameter(f"{value!r} is not a shop locale")
    if locale == base_locale():
        raise click.BadParameter(f"{locale} is the source language; translations are made from it")
    return locale


@click.group()
def translations() -> None:
    """Catalogue translations: files for translators (XLIFF 2.0, PO, CSV) and coverage."""


@translations.command("export")
@click.option("--locale", "locale_name", required=True, help="Target locale, e.g. ja, zh-Hans.")
@click.option("--format", "format_name", type=click.Choice(FORMATS), default="xliff", show_default=True)
@click.option("--only", type=click.Choice(ONLY), default="all", show_default=True, help="Which entries.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
def export(locale_name: str, format_name: str, only: str, output: Path | None) -> None:
    """Write one locale's texts as a file for translators."""
    from app.staff.translation_transfer import export_file

    locale = shop_locale(locale_name)
    with bar(f"Export {locale}") as progress:
        task = progress.add_task("units", total=None)
        exported = run(
            export_file(
                locale,
                format_name,
                only,
                lambda done, total: progress.update(task, completed=done, total=total),
            )
        )
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(exported.data)
        sys.stdout.flush()
    else:
        output.write_bytes(exported.data)
    where = "stdout" if output is None or str(output) == "-" else str(output)
    progress_console.print(f"Exported {exported.units} units ({locale}, {only}, {format_name}) to {where}.")


def describe(problem: Any) -> str:
    """A problem's message in English (the msgid, with its parameters)."""
    return str(problem.message % dict(problem.params)) if problem.params else str(problem.message)


def print_errors(plan: Any) -> None:
    table = Table("line", "unit", "problem", title=f"{len(plan.errors)} errors: nothing was imported")
    for problem in plan.errors:
        table.add_row(str(problem.line or "file"), problem.unit or "-", describe(problem))
    console.print(table)


def file_locale(parsed: Any) -> str | None:
    """The locale a file says it is for: its header, else the language column of every CSV row."""
    languages = {parsed.target_language} if parsed.target_language else {u.language for u in parsed.units}
    languages.discard("")
    return languages.pop() if len(languages) == 1 else None


@translations.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--locale", "locale_name", help="Target locale (default: the one the file names).")
@click.option("--format", "format_name", type=click.Choice(FORMATS), help="Default: from the file.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@click.option("--actor", default="", help="Who the audit log names (default: cli:$USER).")
def import_(file: Path, locale_name: str | None, format_name: str | None, dry_run: bool, actor: str) -> None:
    """Check a translated file and import it: all of it or, on any error, nothing (exit 2)."""
    from app.staff.services import Actor
    from app.staff.translation_exchange import guess_format, read
    from app.staff.translation_transfer import check_file, import_file

    data = file.read_bytes()
    parsed = read(format_name or guess_format(file.name, data), data)
    named = locale_name or file_locale(parsed)
    if named is None and not parsed.problems:
        raise click.UsageError("the file does not name its language: give --locale")
    locale = shop_locale(named) if named else ""
    with bar(f"{'Check' if dry_run else 'Import'} {file.name}") as progress:
        task = progress.add_task("units", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if dry_run:
            plan, outcome = run(check_file(parsed, locale, advance)), "dry_run"
        else:
            who = Actor(None, (actor or operator_actor())[:254], "cli")
            plan, outcome = run(import_file(who, parsed, locale, file.name, progress=advance))
    if plan.errors:
        print_errors(plan)
        raise SystemExit(ERRORS_EXIT)
    if outcome == "changed":
        console.print(
            "[red]A translation changed during the import: nothing was imported; run it again.[/red]"
        )
        raise SystemExit(ERRORS_EXIT)
    created = sum(1 for change in plan.changes if change.before is None)
    summary = (
        f"{plan.units} units, {plan.translated} translated, {plan.skipped} skipped (untranslated): "
        f"{created} new and {len(plan.changes) - created} updated translations, {plan.unchanged} unchanged"
    )
    if outcome == "dry_run":
        console.print(f"Dry run, nothing changed. {summary}.")
    elif outcome == "unchanged":
        console.print(f"Nothing to import. {summary}.")
    else:
        console.print(f"Imported into {locale}. {summary}.")


@translations.command("coverage")
@click.option("--locale", "locale_names", multiple=True, help="Only these locales (repeatable).")
def coverage_command(locale_names: tuple[str, ...]) -> None:
    """Missing, stale, draft, imported and reviewed translations per locale and type."""
    from app.i18n.locales import LOCALES
    from app.staff.translation_queue import coverage
    from app.staff.translation_rules import KINDS, State
    from app.staff.translations import base_locale

    base = base_locale()
    locales = [shop_locale(name) for name in locale_names] or [code for code in LOCALES if code != base]
    states = list(State)
    table = Table("locale", "type", "total", *(state.value for state in states), "reviewed %")
    with bar("Coverage") as progress:
        task = progress.add_task("locales", total=len(locales))
        for locale in locales:
            counts = run(coverage([locale]))[locale]
            for kind in KINDS:
                cover = counts[kind]
                percent = cover.percent
                cells = [f"{cover.counts.get(state, 0)} ({percent[state]}%)" for state in states]
                table.add_row(locale, kind, str(cover.total), *cells, f"{percent[State.REVIEWED]}%")
            progress.advance(task)
    console.print(table)


__all__ = ["translations"]
