"""FX providers against a local server speaking their formats; refresh keeps only sane rates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from app.fx.data import SNAPSHOT_FILE
from app.fx.providers import EcbProvider, ForexPythonProvider, ProviderError, SnapshotProvider
from app.fx.services import FxCache, refresh_rates, seed_from_snapshot, stored_rates
from app.fx.tables import FxEvent
from tests.fx_server import FxServer, Reply, ecb_xml, fx_server, ratesapi_json

ECB_RATES = {"USD": "1.1000", "JPY": "160.00", "GBP": "0.8500", "CHF": "0.9500", "SEK": "11.10"}


@pytest.fixture
def server() -> Iterator[FxServer]:
    with fx_server() as running:
        running.routes["/ecb.xml"] = Reply(body=ecb_xml("2026-11-20", ECB_RATES))
        running.routes["/ratesapi/latest"] = Reply(
            body=ratesapi_json("2026-11-20", {"KWD": 0.3401, "USD": 1.1}), content_type="application/json"
        )
        yield running


def test_ecb_adapter_reads_the_daily_file(server: FxServer) -> None:
    fetched = EcbProvider(f"{server.url}/ecb.xml", timeout=5).fetch("EUR")
    assert fetched.as_of == date(2026, 11, 20)
    assert fetched.rates["JPY"] == "160.00" and len(fetched.rates) == 5


def test_forex_python_adapter_speaks_ratesapi(server: FxServer) -> None:
    fetched = ForexPythonProvider(f"{server.url}/ratesapi/", timeout=5).fetch("EUR")
    assert fetched.rates["KWD"] == Decimal("0.3401")  # decoded as Decimal, never float
    assert server.hits[-1].startswith("/ratesapi/latest?base=EUR")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(500, "oops", "text/plain"), "unreachable"),
        (Reply(body="<html><body>maintenance</body></html>"), "no dated Cube"),
        (Reply(body="<gesmes:Envelope"), "not XML"),
        (Reply(body=ecb_xml("yesterday", ECB_RATES)), "bad date"),
        (Reply(body=ecb_xml("2026-11-20", {})), "no rates"),
    ],
)
def test_ecb_adapter_failures(server: FxServer, reply: Reply, message: str) -> None:
    server.routes["/broken.xml"] = reply
    with pytest.raises(ProviderError, match=message):
        EcbProvider(f"{server.url}/broken.xml", timeout=5).fetch("EUR")


@pytest.mark.parametrize(
    "reply",
    [
        Reply(503, "down", "text/plain"),
        Reply(body="<html>not json</html>", content_type="text/html"),
        Reply(body='{"base": "EUR", "date": "2026-11-20", "rates": "none"}', content_type="application/json"),
        Reply(body='{"base": "EUR", "date": "2026-11-20", "rates": {}}', content_type="application/json"),
    ],
)
def test_forex_python_adapter_failures(server: FxServer, reply: Reply) -> None:
    server.routes["/bad/latest"] = reply
    with pytest.raises(ProviderError):
        ForexPythonProvider(f"{server.url}/bad/", timeout=5).fetch("EUR")


def test_snapshot_carries_its_date_and_source() -> None:
    fetched = SnapshotProvider(SNAPSHOT_FILE).fetch("EUR")
    assert fetched.as_of.year >= 2026 and "snapshot" in fetched.source
    assert len(fetched.rates) >= 25


async def test_refresh_combines_providers_derives_pegs_and_logs(server: FxServer) -> None:
    await seed_from_snapshot()
    report = await refresh_rates(
        [EcbProvider(f"{server.url}/ecb.xml", 5), ForexPythonProvider(f"{server.url}/ratesapi/", 5)],
        max_jump=Decimal("0.2"),
        timeout=5,
    )
    rates = {r.currency: r for r in await stored_rates()}
    assert rates["JPY"].per_base == Decimal("160.00") and rates["JPY"].source.startswith("ECB")
    assert rates["KWD"].per_base == Decimal("0.3401") and rates["KWD"].source.startswith("forex-python")
    assert rates["AED"].per_base == Decimal("3.6725") * Decimal("1.1000")
    assert rates["AED"].as_of == date(2026, 11, 20)
    # ECB does not publish the others: they keep the snapshot's rate and date.
    assert rates["THB"].source.startswith("bundled snapshot")
    assert [(name, outcome) for name, outcome, _ in report.results] == [("ecb", "ok"), ("forex-python", "ok")]
    assert await FxEvent.count().run() == 2


async def test_failed_or_garbage_providers_keep_the_last_good_rates(server: FxServer) -> None:
    await seed_from_snapshot()
    await refresh_rates([EcbProvider(f"{server.url}/ecb.xml", 5)], max_jump=Decimal("0.2"), timeout=5)
    good = {r.currency: r.per_base for r in await stored_rates()}

    server.routes["/garbage.xml"] = Reply(
        body=ecb_xml("2026-11-21", {"USD": "0", "JPY": "1600.0", "GBP": "-1", "CHF": "abc", "SEK": "11.2"})
    )
    report = await refresh_rates(
        [EcbProvider(f"{server.url}/garbage.xml", 5)], max_jump=Decimal("0.2"), timeout=5
    )
    after = {r.currency: r for r in await stored_rates()}
    assert after["SEK"].per_base == Decimal("11.2")  # the one sane rate moved
    for currency in ["USD", "JPY", "GBP", "CHF"]:
        assert after[currency].per_base == good[currency], currency
    assert report.results[0][1] == "partial" and "JPY: jumped" in report.results[0][2]

    server.routes["/down.xml"] = Reply(500, "down", "text/plain")
    server.routes["/slow.xml"] = Reply(body=ecb_xml("2026-11-21", ECB_RATES), delay=3)
    report = await refresh_rates(
        [EcbProvider(f"{server.url}/down.xml", 5), EcbProvider(f"{server.url}/slow.xml", 5)],
        max_jump=Decimal("0.2"),
        timeout=1,
    )
    assert [outcome for _, outcome, _ in report.results] == ["failed", "failed"]
    assert report.updated == []
    assert {r.currency: r.per_base for r in await stored_rates()} == {c: r.per_base for c, r in after.items()}
    outcomes = [row["outcome"] for row in await FxEvent.select(FxEvent.outcome).order_by(FxEvent.id).run()]
    assert outcomes == ["ok", "partial", "failed", "failed"]


async def test_rendering_never_waits_on_a_provider_or_fails_without_rates() -> None:
    cache = FxCache(ttl_seconds=60)
    table = await cache.get()  # empty database: the bundled snapshot
    assert table.has("JPY") and table.has("AED") and table.has("EUR")
    await seed_from_snapshot()
    assert (await FxCache(ttl_seconds=60).get()).version == table.version


async def test_scheduled_refresh_runs_in_the_background(server: FxServer) -> None:
    import asyncio
    from datetime import timedelta

    from app.fx.services import refresh_periodically

    task = asyncio.create_task(
        refresh_periodically(
            [EcbProvider(f"{server.url}/ecb.xml", 5)],
            timedelta(minutes=60),
            max_jump=Decimal("0.2"),
            timeout=5,
        )
    )
    try:
        for _ in range(200):  # the loop logs the attempt, then stores the rates (pegs last)
            if "AED" in {r.currency for r in await stored_rates()}:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert await FxEvent.count().run() == 1
    assert {r.currency for r in await stored_rates()} >= {"JPY", "USD", "AED"}
