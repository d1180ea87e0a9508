"""FX providers against a local server speaking their formats; refresh keeps only sane rates."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.fx.data import SNAPSHOT_FILE
from app.fx.providers import EcbProvider, ForexPythonProvider, ProviderError, SnapshotProvider
from app.fx.services import (
    FxCache,
    last_refresh_attempt,
    rate_status,
    refresh_rates,
    seed_from_snapshot,
    set_manual_rate,
    stored_rates,
    unset_manual_rate,
)
from app.fx.tables import FxEvent
from tests.fx_server import FxServer, Reply, ecb_xml, fx_server, ratesapi_json

ECB_RATES = {"USD": "1.1000", "JPY": "160.00", "GBP": "0.8500", "CHF": "0.9500", "SEK": "11.10"}


@pytest.fixture
def server() -> Iterator[FxServer]:
    with fx_server() as running:
        running.routes["/ecb.xml"] = Reply(body=ecb_xml("2026-11-20", ECB_RATES))
        running.routes["/ratesapi/latest"] = Reply(
            # theratesapi republishes the ECB's currencies: no KWD
            body=ratesapi_json("2026-11-20", {"THB": 37.8, "USD": 1.1}),
            content_type="application/json",
        )
        yield running


def test_ecb_adapter_reads_the_daily_file(server: FxServer) -> None:
    fetched = EcbProvider(f"{server.url}/ecb.xml", timeout=5).fetch("EUR")
    assert fetched.as_of == date(2026, 11, 20)
    assert fetched.rates["JPY"] == "160.00" and len(fetched.rates) == 5


def test_forex_python_adapter_speaks_ratesapi(server: FxServer) -> None:
    fetched = ForexPythonProvider(f"{server.url}/ratesapi/", timeout=5).fetch("EUR")
    assert fetched.rates["THB"] == Decimal("37.8")  # decoded as Decimal, never float
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
    assert rates["THB"].per_base == Decimal("37.8") and rates["THB"].source.startswith("forex-python")
    assert rates["AED"].per_base == Decimal("3.6725") * Decimal("1.1000")
    assert rates["AED"].as_of == date(2026, 11, 20)
    # Neither sent the others today: they keep the snapshot's rate and date.
    assert rates["MXN"].source.startswith("bundled snapshot")
    assert [(name, outcome) for name, outcome, _ in report.results] == [("ecb", "ok"), ("forex-python", "ok")]
    assert await FxEvent.count().run() == 2
    # No provider publishes KWD and no peg derives it: the refresh says so, and how it is priced.
    assert [code for code, _ in report.uncovered] == ["KWD"]
    assert report.uncovered[0][1].startswith("bundled snapshot only (")
    assert rates["KWD"].per_base == Decimal("0.3550")


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
        # Let the round finish its last statements and reach its sleep before it is cancelled: a
        # query cut off mid-flight breaks the connection (asyncpg: "unexpected connection_lost()").
        await asyncio.sleep(0.5)
    finally:
        task.cancel()
        # Wait for the cancellation to land: a task cut off mid-query and left running breaks
        # the connection under the next test (asyncpg: "unexpected connection_lost()").
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert await FxEvent.count().run() == 1
    assert {r.currency for r in await stored_rates()} >= {"JPY", "USD", "AED"}


# ---- merchant-set rates for currencies no provider publishes -----------------------------------


def providers_at(server: FxServer) -> list:
    return [EcbProvider(f"{server.url}/ecb.xml", 5), ForexPythonProvider(f"{server.url}/ratesapi/", 5)]


async def test_a_manual_rate_is_validated_stored_and_never_overwritten_by_a_refresh(server: FxServer) -> None:
    await seed_from_snapshot()
    today = datetime.now(UTC).date()
    change = await set_manual_rate("kwd", Decimal("0.3551"), "CBK")
    assert change.previous is not None and change.previous.source.startswith("bundled snapshot")
    rates = {r.currency: r for r in await stored_rates()}
    assert rates["KWD"].per_base == Decimal("0.3551")
    assert rates["KWD"].source == "manual: CBK" and rates["KWD"].as_of == today

    for currency, rate, source, as_of in [
        ("EUR", Decimal("1"), "x", None),  # the base
        ("XXX", Decimal("1"), "x", None),  # not supported
        ("KWD", Decimal("0"), "CBK", None),
        ("KWD", Decimal("-0.3"), "CBK", None),
        ("KWD", Decimal("NaN"), "CBK", None),
        ("KWD", Decimal("Infinity"), "CBK", None),
        ("KWD", 0.3551, "CBK", None),  # a float
        ("KWD", Decimal("0.3551"), "  ", None),  # no source
        ("KWD", Decimal("0.3551"), "CBK", today + timedelta(days=1)),  # from the future
    ]:
        with pytest.raises(ValueError):
            await set_manual_rate(currency, rate, source, as_of)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="jump"):  # the typo guard, when asked for
        await set_manual_rate("KWD", Decimal("3.551"), "CBK", max_jump=Decimal("0.2"))
    assert {r.currency: r.per_base for r in await stored_rates()}["KWD"] == Decimal("0.3551")

    # A provider that does send KWD (and a peg a merchant fixed by hand) change nothing.
    await set_manual_rate("AED", Decimal("4.10"), "CBUAE desk", date(2026, 11, 23))
    server.routes["/ratesapi/latest"] = Reply(
        body=ratesapi_json("2026-11-20", {"KWD": 0.3401, "THB": 37.8}), content_type="application/json"
    )
    report = await refresh_rates(providers_at(server), max_jump=Decimal("0.2"), timeout=5)
    rates = {r.currency: r for r in await stored_rates()}
    assert (rates["KWD"].per_base, rates["KWD"].source) == (Decimal("0.3551"), "manual: CBK")
    assert (rates["AED"].per_base, rates["AED"].as_of) == (Decimal("4.10"), date(2026, 11, 23))
    assert rates["SAR"].per_base == Decimal("3.75") * Decimal("1.1000")  # the other pegs still follow USD
    assert "KWD" not in report.updated and "AED" not in report.updated
    assert report.manual == ["AED", "KWD"]
    assert report.uncovered == [("KWD", "manual rate (CBK) 0 d old")]
    # Setting a rate is logged, but is no refresh attempt (the schedule keys on provider attempts).
    events = await FxEvent.select(FxEvent.provider).order_by(FxEvent.id).run()
    assert [e["provider"] for e in events] == ["manual", "manual", "ecb", "forex-python"]


async def test_unsetting_a_manual_rate_returns_the_currency_to_its_peg_or_the_snapshot(
    server: FxServer,
) -> None:
    await seed_from_snapshot()
    await refresh_rates(providers_at(server), max_jump=Decimal("0.2"), timeout=5)
    await set_manual_rate("KWD", Decimal("0.3551"), "CBK")
    await set_manual_rate("AED", Decimal("4.10"), "CBUAE")
    change = await unset_manual_rate("KWD")
    assert change.previous is not None and change.previous.per_base == Decimal("0.3551")
    rates = {r.currency: r for r in await stored_rates()}
    assert rates["KWD"].per_base == Decimal("0.3550") and rates["KWD"].source.startswith("bundled snapshot")
    await unset_manual_rate("AED")
    rates = {r.currency: r for r in await stored_rates()}
    assert rates["AED"].per_base == Decimal("3.6725") * Decimal("1.1000")  # today's USD, not the snapshot's
    assert rates["AED"].as_of == date(2026, 11, 20)
    with pytest.raises(ValueError, match="no manual rate"):
        await unset_manual_rate("KWD")
    with pytest.raises(ValueError, match="no manual rate"):
        await unset_manual_rate("JPY")  # a provider rate is not the merchant's to unset
    report = await refresh_rates(providers_at(server), max_jump=Decimal("0.2"), timeout=5)
    assert report.manual == [] and report.uncovered[0][1].startswith("bundled snapshot only")


async def test_rate_status_lists_every_rate_with_its_kind_age_and_staleness(server: FxServer) -> None:
    await seed_from_snapshot()
    await refresh_rates(providers_at(server), max_jump=Decimal("0.2"), timeout=5)
    await set_manual_rate("KWD", Decimal("0.3551"), "CBK", date(2026, 11, 20))
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    rows = {row.currency: row for row in await rate_status(120, providers=providers_at(server), now=now)}
    assert "EUR" not in rows and len(rows) == 35  # every supported currency but the base
    assert {code: rows[code].kind for code in ["JPY", "THB", "AED", "KWD", "MXN"]} == {
        "JPY": "provider",
        "THB": "provider",
        "AED": "peg",
        "KWD": "manual",
        "MXN": "snapshot",
    }
    kwd = rows["KWD"]
    assert (kwd.rate, kwd.source, kwd.as_of) == (Decimal("0.3551"), "manual: CBK", date(2026, 11, 20))
    assert kwd.age_hours == 108.0 and not kwd.stale  # 4.5 days after the end of its as-of day
    assert kwd.live_source is False and rows["JPY"].live_source and rows["AED"].live_source
    # The same rule for every kind: a day later the 20 November rates are all too old.
    later = {row.currency: row for row in await rate_status(120, now=now + timedelta(days=1))}
    assert later["KWD"].stale and later["JPY"].stale and later["MXN"].stale
    assert later["KWD"].live_source is None  # not asked
    assert not any(row.stale for row in await rate_status(0, now=now + timedelta(days=365)))  # 0: no limit


async def test_rate_status_before_any_rate_is_stored_shows_the_snapshot() -> None:
    rows = await rate_status(120)
    assert {row.kind for row in rows} == {"snapshot", "peg"}
    assert await last_refresh_attempt() is None
