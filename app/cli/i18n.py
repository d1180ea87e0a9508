"""`storefront i18n`: translation catalogues."""

from __future__ import annotations

import click

from app.cli.common import console


@click.group()
def i18n() -> None:
    """Translation catalogues."""


@i18n.command("compile")
def i18n_compile() -> None:
    """Compile every .po catalogue that changed."""
    from app.i18n.translations import compile_all

    compiled = compile_all()
    console.print(f"Compiled: {', '.join(compiled) or 'nothing to do'}")
