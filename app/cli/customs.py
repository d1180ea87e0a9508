"""`storefront customs export`: the customs data of a batch of orders for carriers and forwarders,
as CSV or JSON, streamed to a file or stdout. Orders with missing or invalid data are listed on
stderr with each problem and left out; the exit status is then 1 (the good ones are still written)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import run

FORMATS = ("csv", "json")
SOME_LEFT_OUT = 1
progress_console = Console(stderr=True)  # the export itself may be stdout


@click.group()
def customs() -> None:
    """Customs declarations data (CN 22 / CN 23 / commercial invoice) for carriers."""


@customs.command("export")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First order date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last order date (included).")
@click.option(
    "--carrier", "methods", multiple=True, help="Shipping method code (standard, express); repeatable."
)
@click.option("--destination", "destinations", multiple=True, help="Country code (US, GB, ...); repeatable.")
@click.option("--format", "format_name", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
def export(
    since: Any,
    until: Any,
    methods: tuple[str, ...],
    destinations: tuple[str, ...],
    format_name: str,
    output: Path | None,
) -> None:
    """Export paid and shipped orders' customs data; exit 1 when some orders were left out."""
    from app.customs.assemble import Batch

    batch = Batch(
        since=since.date(),
        until=until.date(),
        methods=tuple(m.strip() for m in methods if m.strip()),
        destinations=tuple(d.strip().upper() for d in destinations if d.strip()),
    )
    to_stdout = output is None or str(output) == "-"
    if to_stdout:
        left_out, written = run(_export(batch, format_name, sys.stdout))
        sys.stdout.flush()
    else:
        assert output is not None
        with output.open("w", encoding="utf-8", newline="") as file:
            left_out, written = run(_export(batch, format_name, file))
    where = "stdout" if to_stdout else str(output)
    progress_console.print(f"Exported {written} shipments ({format_name}) to {where}; {left_out} left out.")
    if left_out:
        sys.exit(SOME_LEFT_OUT)


async def _export(batch: Any, format_name: str, out: IO[str]) -> tuple[int, int]:
    """Write the batch as it is read, one shipment at a time; returns (left out, written)."""
    from app.core.settings import get_settings
    from app.customs import csv_out, json_out
    from app.customs.assemble import batch_outcomes, count_batch

    settings = get_settings()
    left_out = written = 0
    total = await count_batch(batch, settings)
    columns = (TextColumn("Customs export"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    out.write(csv_out.header() if format_name == "csv" else json_out.OPEN)
    with Progress(*columns, console=progress_console) as progress:
        task = progress.add_task("orders", total=total)
        async for outcome in batch_outcomes(batch, settings):
            progress.advance(task)
            if outcome.shipment is None:
                left_out += 1
                for problem in outcome.problems:
                    progress.console.print(
                        f"{outcome.number}: {problem.text()}", markup=False, highlight=False
                    )
                continue
            if format_name == "csv":
                out.write(csv_out.shipment_rows(outcome.shipment))
            else:
                out.write(json_out.item(outcome.shipment, first=written == 0))
            written += 1
    if format_name == "json":
        out.write(json_out.close(empty=written == 0))
    return left_out, written
