"""`storefront`: the one command-line entry point for operators.

Thin commands over the services: each parses its arguments, calls a service and prints. One
module per group (`setup`: init, migrate, serve; `worker`; `orders`, `fx`, `prices`, `i18n`, `quote`,
`search`, `staff`); a new command goes into its group's module, a new group into its own module registered
below.
"""

from __future__ import annotations

import click

from app.cli.common import console, run
from app.cli.customs import customs
from app.cli.fx import fx
from app.cli.i18n import i18n
from app.cli.orders import orders
from app.cli.prices import prices
from app.cli.quote import quote
from app.cli.search import search
from app.cli.setup import init, migrate, serve
from app.cli.staff import staff
from app.cli.translations import translations
from app.cli.worker import worker

__all__ = ["console", "main", "run"]


@click.group()
def main() -> None:
    """Run and operate the storefront."""


for command in (
    init,
    migrate,
    serve,
    worker,
    orders,
    fx,
    prices,
    i18n,
    quote,
    search,
    staff,
    translations,
    customs,
):
    main.add_command(command)
