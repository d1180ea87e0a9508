"""`storefront worker`: deliver outbox follow-ups (confirmation emails) in a process of its own."""

from __future__ import annotations

import asyncio

import click

from app.cli.common import console, run


@click.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--every", default=5.0, show_default=True, help="Seconds between delivery passes.")
def worker(once: bool, every: float) -> None:
    """Deliver follow-ups written with each order (retries with backoff; pending ones are listed),
    and hourly cancel orders unpaid after UNPAID_ORDER_DAYS and forget expired admin sessions.

    Web workers do this themselves every OUTBOX_POLL_SECONDS; in production set that to 0 and run
    this instead, so serving and sending scale apart.
    """
    from app.core.settings import get_settings
    from app.notifications.outbox import deliver_pending
    from app.outbox.services import pending_count
    from app.server.chores import CHORES_SECONDS, run_chores
    from app.staff.auth import admin_stores

    settings = get_settings()

    async def loop() -> None:
        chores_due = 0.0
        while True:
            sent = await deliver_pending()
            if sent:
                console.print(f"delivered {sent}")
            if asyncio.get_running_loop().time() >= chores_due:
                chores_due = asyncio.get_running_loop().time() + CHORES_SECONDS
                cancelled = await run_chores(settings, admin_stores(settings))
                if cancelled:
                    console.print(f"cancelled {cancelled} unpaid order(s)")
            if once:
                console.print(f"{await pending_count()} follow-up(s) still pending")
                return
            await asyncio.sleep(every)

    run(loop())
