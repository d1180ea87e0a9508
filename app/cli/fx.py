"""`storefront fx`: exchange rates (refresh from the providers, show their age)."""

from __future__ import annotations

import sys
from decimal import Decimal

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from app.cli.common import console, run


@click.group()
def fx() -> None:
    """Exchange rates: refresh from providers, show their age."""


@fx.command("refresh")
@click.option(
    "--provider", "names", multiple=True, help="Only these providers (ecb, forex-python, snapshot)."
)
def fx_refresh(names: tuple[str, ...]) -> None:
    """Fetch rates; insane or missing ones keep the last good rate. Exit 1 if nothing was updated."""
    from app.core.settings import get_settings
    from app.fx.services import configured_providers, refresh_rates

    settings = get_settings()
    try:
        providers = configured_providers(settings, names)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--provider") from None
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("FX providers", total=len(providers))

        def step(name: str) -> None:
            progress.update(task, description=f"FX: asking {name}")
            progress.advance(task)

        report = run(
            refresh_rates(
                providers,
                max_jump=Decimal(settings.fx_max_jump),
                timeout=settings.fx_timeout_seconds,
                progress=step,
            )
        )
    for name, outcome, detail in report.results:
        colour = {"ok": "green", "partial": "yellow"}.get(outcome, "red")
        console.print(f"[{colour}]{name}: {outcome}[/{colour}] {detail}")
    for code, how in report.uncovered:
        hint = (
            "" if how.startswith("manual") else f"; set one: storefront fx set {code} <rate> --source <who>"
        )
        console.print(f"[yellow]{code}: not covered by any provider[/yellow] — {how}{hint}")
    for code in report.manual:
        console.print(f"{code}: manual rate kept (storefront fx unset {code} to follow providers)")
    console.print(f"{len(report.updated)} rate(s) updated.")
    if not report.updated:
        sys.exit(1)


@fx.command("status")
def fx_status() -> None:
    """Every currency's rate: kind, source, age, whether it is too old to sell at, whether any
    configured provider publishes it; then the last refresh attempts."""
    from app.core.settings import get_settings
    from app.fx.services import FX_BASE, configured_providers, rate_status, recent_events

    settings = get_settings()
    rows = run(rate_status(settings.fx_max_age_hours, providers=configured_providers(settings)))
    table = Table("currency", f"per {FX_BASE}", "kind", "source", "as of", "age", "stale", "live source")
    for row in rows:
        age = f"{row.age_hours / 24:.1f} d" if row.age_hours is not None else "–"
        table.add_row(
            row.currency,
            str(row.rate) if row.rate is not None else "–",
            row.kind,
            row.source[:50],
            row.as_of.isoformat() if row.as_of else "–",
            f"[red]{age}[/red]" if row.stale else age,
            "[red]yes[/red]" if row.stale else "no",
            {True: "yes", False: "[yellow]no[/yellow]", None: "?"}[row.live_source],
        )
    console.print(table)
    console.print(f"Rates older than {settings.fx_max_age_hours:g} h are not sold at (FX_MAX_AGE_HOURS).")
    for event in run(recent_events(5)):
        console.print(
            f"{event.created_at:%Y-%m-%d %H:%M} {event.provider}: {event.outcome} {event.detail[:100]}"
        )


@fx.command("set")
@click.argument("currency")
@click.argument("rate")
@click.option("--source", required=True, help="Who publishes the rate, e.g. CBK (Central Bank of Kuwait).")
@click.option("--as-of", "as_of", default=None, help="The rate's date, YYYY-MM-DD (default: today).")
@click.option("--force", is_flag=True, help="Accept a jump beyond FX_MAX_JUMP from the current rate.")
def fx_set(currency: str, rate: str, source: str, as_of: str | None, force: bool) -> None:
    """Set CURRENCY's rate by hand (units per EUR), for currencies no provider publishes.

    It stays until set again or `fx unset`, refreshes never replace it, and it ages like any
    other rate: set it again before FX_MAX_AGE_HOURS pass, or the currency is not sold in.
    """
    from datetime import date

    from app.core.settings import get_settings
    from app.fx.services import set_manual_rate

    settings = get_settings()
    try:
        value = Decimal(rate)
        day = date.fromisoformat(as_of) if as_of else None
        change = run(
            set_manual_rate(
                currency, value, source, day, max_jump=None if force else Decimal(settings.fx_max_jump)
            )
        )
    except (ValueError, ArithmeticError) as error:
        console.print(f"[red]{error or 'RATE must be a decimal number'}[/red]")
        sys.exit(2)
    before = f"{change.previous.per_base} ({change.previous.source[:40]})" if change.previous else "none"
    assert change.current is not None
    console.print(
        f"{change.current.currency}: {before} -> {change.current.per_base} ({change.current.source})"
    )


@fx.command("unset")
@click.argument("currency")
def fx_unset(currency: str) -> None:
    """Drop CURRENCY's hand-set rate: it follows its peg, the snapshot or the providers again."""
    from app.fx.services import unset_manual_rate

    try:
        change = run(unset_manual_rate(currency))
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        sys.exit(2)
    code = currency.strip().upper()
    if change.current is None:
        console.print(f"{code}: no rate, not offered")
    else:
        console.print(f"{code}: now {change.current.per_base} ({change.current.source})")
