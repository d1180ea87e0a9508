"""`storefront`: the one command-line entry point for operators."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
from collections.abc import Awaitable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
T = TypeVar("T")


def run(coroutine: Awaitable[T]) -> T:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


async def migrate_database() -> list[str]:
    """Apply every pending migration; returns the ids applied."""
    from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
    from piccolo.engine import engine_finder
    from piccolo.engine.sqlite import SQLiteEngine

    from app.core.settings import get_settings

    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_finder()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers carry on while a checkout writes; the setting is stored in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    from piccolo.apps.migrations.tables import Migration

    await Migration.create_table(if_not_exists=True).run()
    before = set(await Migration.get_migrations_which_ran(app_name="storefront"))
    manager = ForwardsMigrationManager(app_name="storefront")
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo prints progress with emoji
        result = await manager.run()
    if not result.success:
        raise click.ClickException(f"migration failed: {result.message}")
    after = set(await Migration.get_migrations_which_ran(app_name="storefront"))
    return sorted(after - before)


@click.group()
def main() -> None:
    """Run and operate the storefront."""


@main.command()
def migrate() -> None:
    """Apply database migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    applied = run(migrate_database())
    console.print(
        f"[green]{len(applied)} migration(s) applied[/green]" if applied else "Database is up to date."
    )


@main.command()
@click.option("--demo/--no-demo", default=True, help="Load the demo catalogue.")
def init(demo: bool) -> None:
    """Migrate, compile translations and load the demo catalogue (safe to run again)."""
    from app.core.settings import PROJECT_ROOT, get_settings
    from app.i18n.translations import compile_all

    settings = get_settings()
    applied = run(migrate_database())
    console.print(f"Migrations: {len(applied)} applied.")
    compiled = compile_all()
    console.print(f"Translations: {len(compiled)} catalogue(s) compiled.")
    from app.fx.services import seed_from_snapshot

    seeded = run(seed_from_snapshot())
    console.print(
        f"FX: {seeded} rate(s) seeded from the bundled snapshot (refresh with `storefront fx refresh`)."
    )
    if not demo:
        return
    from app.catalog.importer import import_demo_catalogue

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


@main.command()
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


@main.group()
def i18n() -> None:
    """Translation catalogues."""


@i18n.command("compile")
def i18n_compile() -> None:
    """Compile every .po catalogue that changed."""
    from app.i18n.translations import compile_all

    compiled = compile_all()
    console.print(f"Compiled: {', '.join(compiled) or 'nothing to do'}")


@main.group()
def fx() -> None:
    """Exchange rates: refresh from providers, show their age."""


def configured_providers() -> list[Any]:
    from app.core.settings import get_settings
    from app.fx.services import provider_by_name

    settings = get_settings()
    return [
        provider_by_name(
            name,
            ecb_url=settings.fx_ecb_url,
            forex_url=settings.fx_forex_python_url,
            timeout=settings.fx_timeout_seconds,
        )
        for name in settings.fx_providers
    ]


@fx.command("refresh")
@click.option(
    "--provider", "names", multiple=True, help="Only these providers (ecb, forex-python, snapshot)."
)
def fx_refresh(names: tuple[str, ...]) -> None:
    """Fetch rates; insane or missing ones keep the last good rate. Exit 1 if nothing was updated."""
    from app.core.settings import get_settings
    from app.fx.services import provider_by_name, refresh_rates

    settings = get_settings()
    providers = configured_providers()
    if names:
        providers = [
            provider_by_name(
                n,
                ecb_url=settings.fx_ecb_url,
                forex_url=settings.fx_forex_python_url,
                timeout=settings.fx_timeout_seconds,
            )
            for n in names
        ]
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
    console.print(f"{len(report.updated)} rate(s) updated.")
    if not report.updated:
        sys.exit(1)


@fx.command("status")
def fx_status() -> None:
    """Every rate with its source and age, and the last refresh attempts."""
    from app.fx.rules import age_days
    from app.fx.services import FX_BASE, stored_rates
    from app.fx.tables import FxEvent

    table = Table("currency", f"per {FX_BASE}", "as of", "age", "source")
    for rate in sorted(run(stored_rates()), key=lambda r: r.currency):
        days = age_days(rate.as_of)
        age = f"{days:.1f} d"
        table.add_row(
            rate.currency,
            str(rate.per_base),
            rate.as_of.isoformat(),
            f"[red]{age}[/red]" if days > 4 else age,
            rate.source[:60],
        )
    console.print(table)
    events = run(FxEvent.select().order_by(FxEvent.id, ascending=False).limit(5).run())
    for event in events:
        when = f"{event['created_at']:%Y-%m-%d %H:%M}"
        console.print(f"{when} {event['provider']}: {event['outcome']} {event['detail'][:100]}")


@main.group()
def prices() -> None:
    """Price lists: fixed prices per variant and market, which win over conversion."""


@prices.command("set")
@click.argument("sku")
@click.argument("market")
@click.argument("amount")
def prices_set(sku: str, market: str, amount: str) -> None:
    """Sell SKU in MARKET at AMOUNT (in the market's currency, e.g. 2490 for JPY or 24.90 for CHF)."""
    from app.catalog.services import bump_revision
    from app.catalog.tables import Variant
    from app.core.money import money, to_minor
    from app.markets.data import market_set
    from app.markets.tables import PriceOverride

    found = market_set().markets.get(market)
    if found is None:
        raise click.ClickException(f"no market {market!r}; markets: {', '.join(market_set().markets)}")
    try:
        minor = to_minor(money(Decimal(amount), found.currency))
    except InvalidOperation:
        raise click.ClickException("AMOUNT must be a decimal number") from None
    if minor <= 0:
        raise click.ClickException("AMOUNT must be positive")

    async def go() -> None:
        variant = await Variant.select(Variant.id).where(Variant.sku == sku).first().run()
        if variant is None:
            raise click.ClickException(f"no SKU {sku}")
        await (
            PriceOverride.delete()
            .where((PriceOverride.variant == variant["id"]) & (PriceOverride.market == market))
            .run()
        )
        await PriceOverride.insert(
            PriceOverride(variant=variant["id"], market=market, price_minor=minor, currency=found.currency)
        ).run()
        await bump_revision()

    run(go())
    console.print(f"{sku} in {market}: {amount} {found.currency}")


@prices.command("unset")
@click.argument("sku")
@click.argument("market")
def prices_unset(sku: str, market: str) -> None:
    """Go back to converted prices for SKU in MARKET."""
    from app.catalog.services import bump_revision
    from app.catalog.tables import Variant
    from app.markets.tables import PriceOverride

    async def go() -> int:
        variant = await Variant.select(Variant.id).where(Variant.sku == sku).first().run()
        if variant is None:
            raise click.ClickException(f"no SKU {sku}")
        deleted = (
            await PriceOverride.delete()
            .where((PriceOverride.variant == variant["id"]) & (PriceOverride.market == market))
            .returning(PriceOverride.id)
            .run()
        )
        await bump_revision()
        return len(deleted)

    console.print(f"{run(go())} fixed price(s) removed")


@prices.command("list")
def prices_list() -> None:
    """Every fixed price."""
    from app.core.money import from_minor
    from app.i18n.formatting import format_money
    from app.markets.tables import PriceOverride

    rows = run(
        PriceOverride.select(
            PriceOverride.variant.sku, PriceOverride.market, PriceOverride.price_minor, PriceOverride.currency
        ).run()
    )
    table = Table("sku", "market", "price")
    for row in rows:
        table.add_row(
            row["variant.sku"],
            row["market"],
            format_money(from_minor(row["price_minor"], row["currency"]), "en"),
        )
    console.print(table)


@main.group()
def orders() -> None:
    """Look at and move orders (until the back office arrives)."""


def _status_table(rows: list[dict[str, Any]]) -> Table:
    from app.core.money import from_minor
    from app.i18n.formatting import format_money

    table = Table("number", "status", "total", "country", "placed")
    for row in rows:
        table.add_row(
            row["number"],
            row["status"],
            format_money(from_minor(row["total_minor"], row["currency"]), "en"),
            row["shipping_country"],
            row["created_at"].strftime("%Y-%m-%d %H:%M"),
        )
    return table


@orders.command("list")
@click.option("--status", default=None, help="Only orders in this status.")
@click.option("--limit", default=20, show_default=True)
def orders_list(status: str | None, limit: int) -> None:
    """The most recent orders."""
    from app.orders.tables import Order

    query = Order.select().order_by(Order.id, ascending=False).limit(limit)
    if status:
        query = query.where(Order.status == status)
    console.print(_status_table(run(query.run())))


@orders.command("show")
@click.argument("number")
def orders_show(number: str) -> None:
    """An order with its lines and history."""
    from app.i18n.formatting import format_money
    from app.orders.services import OrderNotFound, load_order

    try:
        order = run(load_order(number))
    except OrderNotFound:
        raise click.ClickException(f"no order {number}") from None
    console.print(
        f"[bold]{order.number}[/bold] {order.status.value}  total {format_money(order.total, 'en')}"
    )
    for line in order.lines:
        total = format_money(line.total, "en")
        console.print(f"  {line.quantity} x {line.sku}  {line.product_name} {line.variant_label}  {total}")
    for event in order.events:
        change = f"{event.from_status or '-'} -> {event.to_status}"
        console.print(f"  {event.created_at:%Y-%m-%d %H:%M:%S}  {change}  by {event.actor}  {event.note}")


def _transition(number: str, target: str, note: str) -> None:
    from app.orders.rules import IllegalTransition, Status
    from app.orders.services import ConcurrentUpdate, OrderNotFound, order_id_for, transition

    async def go() -> None:
        await transition(
            await order_id_for(number),
            Status(target),
            actor=f"cli:{os.environ.get('USER', 'operator')}",
            note=note,
        )

    try:
        run(go())
    except OrderNotFound:
        raise click.ClickException(f"no order {number}") from None
    except (IllegalTransition, ConcurrentUpdate) as error:
        raise click.ClickException(str(error)) from None
    console.print(f"{number}: now {target}")


@orders.command("mark-paid")
@click.argument("number")
@click.option("--reference", default="", help="Bank transfer reference, recorded with the payment.")
def orders_mark_paid(number: str, reference: str) -> None:
    """Record a bank transfer: the same command twice changes nothing."""
    from app.orders.tables import Order
    from app.payments.providers import Outcome
    from app.payments.services import apply_payment_event
    from app.payments.tables import Payment

    async def go() -> str:
        order = await Order.select().where(Order.number == number).first().run()
        if order is None:
            raise click.ClickException(f"no order {number}")
        payment = (
            await Payment.select()
            .where((Payment.order == order["id"]) & (Payment.provider == "manual"))
            .order_by(Payment.id, ascending=False)
            .first()
            .run()
        )
        if payment is None:
            raise click.ClickException(f"{number} has no bank transfer payment")
        result = await apply_payment_event(
            payment["reference"],
            f"manual:{number}:paid",
            Outcome.SUCCEEDED,
            payment["amount_minor"],
            payment["currency"],
            actor=f"cli:{os.environ.get('USER', 'operator')}",
        )
        return result.value

    console.print(f"{number}: {run(go())}")


@orders.command("ship")
@click.argument("number")
@click.option("--note", default="", help="e.g. the tracking number")
def orders_ship(number: str, note: str) -> None:
    """Mark an order shipped."""
    _transition(number, "shipped", note)


@orders.command("deliver")
@click.argument("number")
def orders_deliver(number: str) -> None:
    """Mark an order delivered."""
    _transition(number, "delivered", "")


@orders.command("cancel")
@click.argument("number")
@click.option("--note", default="")
def orders_cancel(number: str, note: str) -> None:
    """Cancel an order awaiting payment (its stock goes back on sale)."""
    _transition(number, "cancelled", note)


@orders.command("refund")
@click.argument("number")
@click.argument("amount")
def orders_refund(number: str, amount: str) -> None:
    """Refund AMOUNT (in the order's currency, e.g. 12.50) through the order's payment provider."""
    from app.core.money import money, to_minor
    from app.core.settings import get_settings
    from app.orders.tables import Order
    from app.payments.providers import provider_registry
    from app.payments.services import PaymentError, refund

    async def go() -> str:
        order = (
            await Order.select(Order.currency, Order.payment_provider)
            .where(Order.number == number)
            .first()
            .run()
        )
        if order is None:
            raise click.ClickException(f"no order {number}")
        try:
            minor = to_minor(money(Decimal(amount), order["currency"]))
        except InvalidOperation:
            raise click.ClickException("AMOUNT must be a decimal number") from None
        provider = provider_registry(True)[order["payment_provider"]]
        result = await refund(number, minor, provider, actor=f"cli:{os.environ.get('USER', 'operator')}")
        return f"refunded {result.refunded_minor} minor units in total, now {result.status.value}"

    _ = get_settings()
    try:
        console.print(f"{number}: {run(go())}")
    except PaymentError as error:
        raise click.ClickException(str(error)) from None


@orders.command("expire-unpaid")
@click.option("--days", default=None, type=int, help="Age in days (default: UNPAID_ORDER_DAYS).")
def orders_expire(days: int | None) -> None:
    """Cancel orders still awaiting payment after some days, releasing their stock."""
    from datetime import UTC, datetime, timedelta

    from app.core.settings import get_settings
    from app.orders.rules import IllegalTransition, Status
    from app.orders.services import ConcurrentUpdate, transition
    from app.orders.tables import Order

    cutoff = datetime.now(UTC) - timedelta(
        days=days if days is not None else get_settings().unpaid_order_days
    )

    async def go() -> int:
        rows = (
            await Order.select(Order.id)
            .where((Order.status == Status.PENDING_PAYMENT.value) & (Order.created_at < cutoff))
            .run()
        )
        cancelled = 0
        for row in rows:
            try:
                await transition(
                    row["id"], Status.CANCELLED, actor="cli:expire-unpaid", note="not paid in time"
                )
                cancelled += 1
            except (IllegalTransition, ConcurrentUpdate):
                continue  # paid meanwhile
        return cancelled

    console.print(f"{run(go())} unpaid order(s) cancelled")


if __name__ == "__main__":
    sys.exit(main())
