"""`storefront quote FILE|-`: the landed cost of a shipment described in JSON, as JSON."""

from __future__ import annotations

import json
from typing import IO

import click

from app.cli.common import run


@click.command("quote")
@click.argument("source", metavar="FILE|-", type=click.File("r", encoding="utf-8"))
def quote(source: IO[str]) -> None:
    """Landed cost (taxes, duties, fees) of the shipment in FILE ('-': stdin), as JSON on stdout.

    Same JSON as POST /api/v1/quotes. Invalid input: a message on stderr, exit 2.
    """
    from app.core.settings import get_settings
    from app.fx.services import snapshot_table
    from app.tax.model import QuoteError
    from app.tax.services import current_rates, error_field, quote_json

    try:
        data = json.load(source)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        click.echo(f"Error: not valid JSON: {error}", err=True)
        raise SystemExit(2) from None
    try:
        rates = run(current_rates())
    except Exception as error:  # no database, or not migrated: say so, use the bundled snapshot
        click.echo(
            f"Warning: no rates from the database ({type(error).__name__}); using the snapshot", err=True
        )
        rates = snapshot_table()
    try:
        answer = quote_json(data, rates, get_settings().tax_registrations)
    except QuoteError as error:
        field = error_field(error)
        click.echo(f"Error ({error.code}{f', {field}' if field else ''}): {error}", err=True)
        raise SystemExit(2) from None
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
