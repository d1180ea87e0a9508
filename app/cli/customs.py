"""`storefront customs export`: the customs data of a batch of orders for carriers and forwarders,
as CSV or JSON, streamed to a file or stdout, or as one printable PDF (commercial invoices and
CN 22/CN 23) written to a file. Orders with missing or invalid data are listed on stderr with each
problem and left out; the exit status is then 1 (the good ones are still written)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import run
from app.customs.model import REASONS
from app.i18n.locales import LOCALES

FORMATS = ("csv", "json", "pdf")
SOME_LEFT_OUT = 1
# A PDF is built whole in memory (fpdf2), unlike the streamed CSV and JSON: batches are capped.
PDF_MAX_SHIPMENTS = 500
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
    "--reason",
    type=click.Choice(REASONS),
    default="sale_of_goods",
    show_default=True,
    help="Reason for export on every declaration of the batch.",
)
@click.option(
    "--language",
    type=click.Choice(sorted(LOCALES)),
    default="en",
    show_default=True,
    help="Labels of the PDF (English is shown beside them).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
def export(
    since: Any,
    until: Any,
    methods: tuple[str, ...],
    destinations: tuple[str, ...],
    format_name: str,
    reason: str,
    language: str,
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
    if format_name == "pdf":
        if output is None or to_stdout:
            raise click.UsageError("--format pdf writes a file: add -o FILE.pdf")
        left_out, written = run(_export_pdf(batch, reason, language, output))
    elif to_stdout:
        left_out, written = run(_export(batch, format_name, reason, sys.stdout))
        sys.stdout.flush()
    else:
        assert output is not None
        with output.open("w", encoding="utf-8", newline="") as file:
            left_out, written = run(_export(batch, format_name, reason, file))
    where = "stdout" if to_stdout else str(output)
    progress_console.print(f"Exported {written} shipments ({format_name}) to {where}; {left_out} left out.")
    if left_out:
        sys.exit(SOME_LEFT_OUT)


async def _export(batch: Any, format_name: str, reason: str, out: IO[str]) -> tuple[int, int]:
    """Write the batch as it is read (app/customs/stream.py); returns (left out, written)."""
    from app.core.settings import get_settings
    from app.customs.assemble import Outcome, count_batch
    from app.customs.stream import Shape, Tally, export_text

    settings = get_settings()
    tally = Tally()
    total = await count_batch(batch, settings)
    columns = (TextColumn("Customs export"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=progress_console) as progress:
        task = progress.add_task("orders", total=total)

        def seen(outcome: Outcome) -> None:
            progress.advance(task)
            for problem in outcome.problems:
                progress.console.print(f"{outcome.number}: {problem.text()}", markup=False, highlight=False)

        shape: Shape = "csv" if format_name == "csv" else "json"
        async for piece in export_text(batch, settings, shape, reason=reason, tally=tally, on_outcome=seen):
            out.write(piece)
    return tally.left_out, tally.exported


async def _export_pdf(batch: Any, reason: str, language: str, output: Path) -> tuple[int, int]:
    """Every declarable order of the batch in one PDF (at most PDF_MAX_SHIPMENTS)."""
    from app.core.settings import get_settings
    from app.customs.assemble import batch_outcomes, count_batch
    from app.customs.pdf_out import pdf_document

    settings = get_settings()
    total = await count_batch(batch, settings)
    shipments: list[Any] = []
    left_out = 0
    columns = (TextColumn("Customs PDF"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=progress_console) as progress:
        task = progress.add_task("orders", total=total)
        async for outcome in batch_outcomes(batch, settings, reason=reason):
            progress.advance(task)
            if outcome.shipment is None:
                left_out += 1
                for problem in outcome.problems:
                    progress.console.print(
                        f"{outcome.number}: {problem.text()}", markup=False, highlight=False
                    )
                continue
            if len(shipments) == PDF_MAX_SHIPMENTS:
                raise click.ClickException(
                    f"More than {PDF_MAX_SHIPMENTS} shipments: narrow the dates, carriers or destinations."
                )
            shipments.append(outcome.shipment)
    if shipments:  # no empty file posing as a PDF
        output.write_bytes(pdf_document(shipments, language))
    return left_out, len(shipments)
