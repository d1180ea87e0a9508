"""`storefront worker`: deliver outbox follow-ups (confirmation emails) in a process of its own."""

from __future__ import annotations

import asyncio

import click

from app.cli.common import console, run


@click.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--every", default=5.0, show_default=True, help="Seconds between delivery passes.")
def worker(once: bool, every: float) -> None:
    """Deliver follow-ups written with each order (retries with backoff; pending ones are listed).

    Web workers do this themselves every OUTBOX_POLL_SECONDS; in production set that to 0 and run
    this instead, so serving and sending scale apart.
    """
    from app.notifications.outbox import deliver_pending
    from app.outbox.services import pending_count

    async def loop() -> None:
        while True:
            sent = await deliver_pending()
            if sent:
                console.print(f"delivered {sent}")
            if once:
                console.print(f"{await pending_count()} follow-up(s) still pending")
                return
            await asyncio.sleep(every)

    run(loop())
