"""Setting a shop up and running it: `init`, `migrate`, `serve`."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import console, run


def _migrate() -> list[str]:
    from app.core.migrations import MigrationFailed, migrate_database

    try:
        return run(migrate_database())
    except MigrationFailed as error:
        raise click.ClickException(str(error)) from None


@click.command()
def migrate() -> None:
    """Apply database migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    applied = _migrate()
    console.print(
        f"[green]{len(applied)} migration(s) applied[/green]" if applied else "Database is up to date."
    )


@click.command()
@click.option("--demo/--no-demo", default=True, help="Load the demo catalogue.")
def init(demo: bool) -> None:
    """Migrate, compile translations and load the demo catalogue (safe to run again)."""
    from app.catalog.importer import import_demo_catalogue
    from app.core.settings import PROJECT_ROOT, get_settings
    from app.fx.services import seed_from_snapshot
    from app.i18n.translations import compile_all

    settings = get_settings()
    applied = _migrate()
    console.print(f"Migrations: {len(applied)} applied.")
    compiled = compile_all()
    console.print(f"Translations: {len(compiled)} catalogue(s) compiled.")
    seeded = run(seed_from_snapshot())
    console.print(
        f"FX: {seeded} rate(s) seeded from the bundled snapshot (refresh with `storefront fx refresh`)."
    )
    if not demo:
        return
    with Progress(
        TextColumn("Demo catalogue"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("products", total=None)
        result = run(
            import_demo_catalogue(
                PROJECT_ROOT / "data" / "demo",
                currency=settings.shop_currency,
                media_dir=settings.media_dir,
                progress=lambda n: progress.advance(task, n),
                on_total=lambda total: progress.update(task, total=total),
            )
        )
    console.print(
        f"Demo catalogue: {result.products} products ({result.variants} variants) and "
        f"{result.categories} categories added, {result.skipped} already present."
    )
    from app.cli.search import reindex_with_bar

    # Built here rather than left to the outbox, so the shop's first search already finds everything.
    console.print(f"Search index: {reindex_with_bar()} products indexed.")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the shop over HTTP."""
    import uvicorn

    console.print(f"Serving on http://{host}:{port}/ with {workers} worker(s)")
    uvicorn.run(
        "app.server.asgi:app",
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )
