"""`storefront search`: rebuild the product search index and say how it stands."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli.common import console, run


@click.group()
def search() -> None:
    """The product search index (Meilisearch when MEILISEARCH_URL is set, else embedded)."""


def reindex_with_bar() -> int:
    """Rebuild the whole index, drawing a progress bar; returns the products indexed."""
    from app.search.services import reindex

    with Progress(
        TextColumn("Search index"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("products", total=None)
        return run(reindex(lambda done, total: bar.update(task, completed=done, total=total)))


@search.command()
def reindex() -> None:
    """Rebuild the index from the published catalogue (search keeps answering meanwhile)."""
    console.print(f"Indexed {reindex_with_bar()} products.")


@search.command()
def status() -> None:
    """The backend, documents per locale and the index-update lag."""
    from app.search.model import SearchUnavailable
    from app.search.services import configured_backend, sync_lag

    backend = configured_backend()
    try:
        state = backend.status()
    except SearchUnavailable as error:
        console.print(f"[red]{backend.name}: unavailable[/red] ({error})")
        raise SystemExit(1) from error
    table = Table("locale", "documents")
    for locale, count in state.documents.items():
        table.add_row(locale, str(count))
    console.print(
        f"Backend: {state.backend} ({'healthy' if state.healthy else 'NOT healthy'}) {state.detail}"
    )
    console.print(table)
    pending, age = run(sync_lag())
    console.print(f"Updates waiting: {pending} (oldest {age:.0f} s)" if pending else "Updates waiting: none")
    if not state.healthy:
        raise SystemExit(1)


__all__ = ["reindex_with_bar", "search"]
