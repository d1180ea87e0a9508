"""`storefront orders`: look at and move orders (until the back office arrives)."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import click
from rich.table import Table

from app.cli.common import console, operator_actor, run
from app.orders.rules import Status

T = TypeVar("T")


@click.group()
def orders() -> None:
    """Look at and move orders (until the back office arrives)."""


def order_call(number: str, call: Coroutine[Any, Any, T]) -> T:
    """Run a service call on order `number`; what the service refuses becomes a one-line error."""
    from app.orders.rules import IllegalTransition
    from app.orders.services import ConcurrentUpdate, OrderNotFound
    from app.payments.services import PaymentError

    try:
        return run(call)
    except OrderNotFound:
        raise click.ClickException(f"no order {number}") from None
    except (IllegalTransition, ConcurrentUpdate, PaymentError) as error:
        raise click.ClickException(str(error)) from None


def decimal_argument(value: str, name: str = "AMOUNT") -> Decimal:
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        parsed = Decimal("NaN")
    if not parsed.is_finite():
        raise click.ClickException(f"{name} must be a decimal number")
    return parsed


@orders.command("list")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only orders in this status.")
@click.option("--limit", default=20, show_default=True)
def orders_list(status: str | None, limit: int) -> None:
    """The most recent orders."""
    from app.i18n.formatting import format_money
    from app.orders.services import recent_orders

    table = Table("number", "status", "total", "country", "placed")
    for order in run(recent_orders(Status(status) if status else None, limit)):
        table.add_row(
            order.number,
            order.status.value,
            format_money(order.total, "en"),
            order.shipping_country,
            order.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@orders.command("show")
@click.argument("number")
def orders_show(number: str) -> None:
    """An order with its lines and history."""
    from app.i18n.formatting import format_money
    from app.orders.services import load_order

    order = order_call(number, load_order(number))
    console.print(
        f"[bold]{order.number}[/bold] {order.status.value}  total {format_money(order.total, 'en')}"
    )
    for line in order.lines:
        total = format_money(line.total, "en")
        console.print(f"  {line.quantity} x {line.sku}  {line.product_name} {line.variant_label}  {total}")
    for charge in order.charges:  # taxes, duties and fees as quoted at checkout
        rate = f" {charge.rate} %" if charge.rate is not None else ""
        how = "included" if charge.included else charge.collected
        refunded = f", refunded {format_money(charge.refunded, 'en')}" if charge.refunded.amount else ""
        console.print(
            f"  {charge.kind} {charge.rule}{rate}  {format_money(charge.amount, 'en')} ({how}{refunded})"
        )
    for event in order.events:
        change = f"{event.from_status or '-'} -> {event.to_status}"
        console.print(f"  {event.created_at:%Y-%m-%d %H:%M:%S}  {change}  by {event.actor}  {event.note}")
    for refund in order.refunds:
        amount = format_money(refund.amount, "en")
        why = f"  {refund.error}" if refund.error else ""
        share = (
            f" (tax {format_money(refund.tax, 'en')}, duty {format_money(refund.duty, 'en')})"
            if refund.tax is not None
            and refund.duty is not None
            and (refund.tax.amount or refund.duty.amount)
            else ""
        )
        console.print(
            f"  refund {refund.idempotency_key}  {amount}{share}  {refund.status}  by {refund.actor}{why}"
        )


def move(number: str, target: Status, note: str = "") -> None:
    """Move an order by hand; the state machine refuses illegal moves."""
    from app.orders.services import transition_order

    order_call(number, transition_order(number, target, actor=operator_actor(), note=note))
    console.print(f"{number}: now {target.value}")


@orders.command("mark-paid")
@click.argument("number")
@click.option("--reference", default="", help="Bank transfer reference, recorded with the payment.")
def orders_mark_paid(number: str, reference: str) -> None:
    """Record a bank transfer: the same command twice changes nothing."""
    from app.payments.services import mark_transfer_paid

    applied = order_call(number, mark_transfer_paid(number, reference, actor=operator_actor()))
    console.print(f"{number}: {applied.value}")


@orders.command("ship")
@click.argument("number")
@click.option("--note", default="", help="e.g. the tracking number")
def orders_ship(number: str, note: str) -> None:
    """Mark an order shipped."""
    move(number, Status.SHIPPED, note)


@orders.command("deliver")
@click.argument("number")
def orders_deliver(number: str) -> None:
    """Mark an order delivered."""
    move(number, Status.DELIVERED)


@orders.command("cancel")
@click.argument("number")
@click.option("--note", default="")
def orders_cancel(number: str, note: str) -> None:
    """Cancel an order awaiting payment (its stock goes back on sale)."""
    move(number, Status.CANCELLED, note)


@orders.command("refund")
@click.argument("number")
@click.argument("amount")
@click.option(
    "--key",
    default=None,
    help="Idempotency key: the same key again never refunds twice (default: a new one, printed).",
)
@click.option("--note", default="", help="Why, recorded with the refund.")
def orders_refund(number: str, amount: str, key: str | None, note: str) -> None:
    """Refund AMOUNT (in the order's currency, e.g. 12.50) through the order's payment provider.

    The refund is recorded (pending) before the provider is asked; rerun with the same --key after
    an error or a pending answer to finish it without paying out twice.
    """
    from app.payments.providers import Outcome
    from app.payments.services import new_refund_key, refund_order

    key = key or new_refund_key()
    console.print(f"{number}: refund key {key} (rerun with --key {key} to retry this same refund)")
    result = order_call(
        number,
        refund_order(
            number, decimal_argument(amount), actor=operator_actor(), idempotency_key=key, note=note
        ),
    )
    if result.replayed:
        console.print(f"{number}: this refund was already {result.outcome.value} under key {key}")
    if result.outcome is Outcome.PENDING:
        console.print(f"{number}: refund {key} pending at the provider; rerun with --key {key}")
        return
    console.print(
        f"{number}: refunded {result.refunded_minor} minor units in total, now {result.status.value}"
    )


@orders.command("expire-unpaid")
@click.option("--days", default=None, type=int, help="Age in days (default: UNPAID_ORDER_DAYS).")
def orders_expire(days: int | None) -> None:
    """Cancel orders still awaiting payment after some days, releasing their stock."""
    from app.core.settings import get_settings
    from app.orders.services import expire_unpaid

    age = timedelta(days=days if days is not None else get_settings().unpaid_order_days)
    cancelled = run(expire_unpaid(datetime.now(UTC) - age, actor="cli:expire-unpaid"))
    console.print(f"{cancelled} unpaid order(s) cancelled")
