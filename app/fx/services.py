"""FX I/O: refreshing rates from providers (off the event loop), storing them, caching them in memory."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.fx.data import SNAPSHOT_FILE, dollar_pegs, supported_currencies
from app.fx.providers import EcbProvider, ForexPythonProvider, FxProvider, ProviderError, SnapshotProvider
from app.fx.rules import Rate, RateTable, make_table, parse_rate, pegged_rates, validate_rates
from app.fx.tables import FxEvent, FxRate

FX_BASE = "EUR"  # the providers' base; any shop currency converts through it
log = logging.getLogger("storefront.fx")


def provider_by_name(name: str, *, ecb_url: str, forex_url: str, timeout: float) -> FxProvider:
    if name == "ecb":
        return EcbProvider(ecb_url, timeout)
    if name == "forex-python":
        return ForexPythonProvider(forex_url, timeout)
    if name == "snapshot":
        return SnapshotProvider(SNAPSHOT_FILE)
    raise ValueError(f"unknown FX provider {name!r}")


def _row_to_rate(row: dict) -> Rate | None:
    value = parse_rate(row["rate"])
    if value is None:
        return None
    return Rate(row["currency"], value, row["source"], date.fromisoformat(row["as_of"]), row["fetched_at"])


async def stored_rates() -> list[Rate]:
    rows = await FxRate.select().where(FxRate.base == FX_BASE).run()
    return [rate for rate in map(_row_to_rate, rows) if rate is not None]


async def save_rates(rates: Sequence[Rate]) -> None:
    """Upsert each currency's rate (stored as exact decimal text, never a float)."""
    for rate in rates:
        values: dict[Any, Any] = {
            "rate": str(rate.per_base),
            "source": rate.source[:300],
            "as_of": rate.as_of.isoformat(),
            "fetched_at": rate.fetched_at,
            "base": FX_BASE,
        }
        updated = (
            await FxRate.update(values).where(FxRate.currency == rate.currency).returning(FxRate.id).run()
        )
        if not updated:
            await FxRate.insert(FxRate(currency=rate.currency, **values)).run()


async def record_event(provider: str, outcome: str, detail: str) -> None:
    await FxEvent.insert(FxEvent(provider=provider, outcome=outcome, detail=detail[:4000])).run()


def snapshot_table() -> RateTable:
    """The bundled rates as a table, without the database: the last resort for rendering."""
    fetched = SnapshotProvider(SNAPSHOT_FILE).fetch(FX_BASE)
    now = datetime.now(UTC)
    rates = {c: v for c, v in ((c, parse_rate(raw)) for c, raw in fetched.rates.items()) if v is not None}
    built = [Rate(c, v, fetched.source, fetched.as_of, now) for c, v in rates.items()]
    built += _pegs(built_usd(built), now)
    return make_table(FX_BASE, built)


def built_usd(rates: Sequence[Rate]) -> Rate | None:
    return next((rate for rate in rates if rate.currency == "USD"), None)


def _pegs(usd: Rate | None, now: datetime) -> list[Rate]:
    if usd is None:
        return []
    pegs = dollar_pegs()
    values = pegged_rates(usd.per_base, {code: per_usd for code, (per_usd, _) in pegs.items()})
    return [
        Rate(code, values[code], f"{pegs[code][1]} × USD ({usd.source})", usd.as_of, now) for code in values
    ]


async def seed_from_snapshot() -> int:
    """Store the bundled rates for currencies that have none yet (first start, or a new currency)."""
    have = {rate.currency for rate in await stored_rates()}
    missing = [rate for code, rate in snapshot_table().rates.items() if code not in have]
    await save_rates(missing)
    return len(missing)


@dataclass
class RefreshReport:
    results: list[tuple[str, str, str]] = field(default_factory=list)  # provider, outcome, detail
    updated: list[str] = field(default_factory=list)


async def refresh_rates(
    providers: Sequence[FxProvider],
    *,
    max_jump: Decimal,
    timeout: float,
    progress: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Ask each provider in turn for the currencies still missing; keep only sane rates.

    A provider that fails or sends garbage changes nothing: the last good rates stay in force,
    and the attempt is logged in fx_event. Pegged currencies follow the US dollar.
    """
    report = RefreshReport()
    current = {rate.currency: rate for rate in await stored_rates()}
    pegs = dollar_pegs()
    wanted = set(supported_currencies()) - {FX_BASE} - set(pegs)
    refreshed: dict[str, Rate] = {}
    for provider in providers:
        remaining = wanted - refreshed.keys()
        if not remaining:
            break
        if progress:
            progress(provider.name)
        try:
            fetched = await asyncio.wait_for(asyncio.to_thread(provider.fetch, FX_BASE), timeout)
            if fetched.base != FX_BASE:
                raise ProviderError(f"rates are in {fetched.base}, not {FX_BASE}")
        except (ProviderError, TimeoutError) as error:
            detail = str(error) or "timed out"
            log.warning("FX provider %s failed: %s", provider.name, detail)
            await record_event(provider.name, "failed", detail)
            report.results.append((provider.name, "failed", detail))
            continue
        checked = validate_rates(
            fetched.rates, {c: r.per_base for c, r in current.items()}, remaining, max_jump
        )
        now = datetime.now(UTC)
        for currency, value in checked.accepted.items():
            refreshed[currency] = Rate(currency, value, fetched.source, fetched.as_of, now)
        outcome = "partial" if checked.rejected else "ok"
        detail = f"{len(checked.accepted)} rates as of {fetched.as_of}"
        if checked.rejected:
            detail += "; refused " + "; ".join(f"{c}: {why}" for c, why in sorted(checked.rejected.items()))
            log.warning("FX provider %s: %s", provider.name, detail)
        await record_event(provider.name, outcome, detail)
        report.results.append((provider.name, outcome, detail))
    if "USD" in refreshed:
        for rate in _pegs(refreshed["USD"], datetime.now(UTC)):
            refreshed[rate.currency] = rate
    await save_rates(list(refreshed.values()))
    report.updated = sorted(refreshed)
    return report


async def last_refresh_attempt() -> datetime | None:
    row = await FxEvent.select(FxEvent.created_at).order_by(FxEvent.id, ascending=False).first().run()
    return row["created_at"] if row else None


class FxCache:
    """The current rate table per process, re-read from the database at most every `ttl` seconds.

    Rendering never waits on a provider and never fails because of FX: if the database cannot
    be read, the last table (or the bundled snapshot) stays in use.
    """

    def __init__(self, ttl_seconds: float = 60) -> None:
        self.ttl_seconds = ttl_seconds
        self._table: RateTable | None = None
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def get(self) -> RateTable:
        table = self._table
        if table is not None and (
            time.monotonic() - self._loaded_at < self.ttl_seconds or self._lock.locked()
        ):
            return table
        async with self._lock:
            if self._table is None or time.monotonic() - self._loaded_at >= self.ttl_seconds:
                try:
                    rates = await stored_rates()
                    self._table = make_table(FX_BASE, rates) if rates else snapshot_table()
                except Exception:  # the database is down: keep pricing with what we have
                    log.exception("could not read FX rates; keeping the previous table")
                    self._table = self._table or snapshot_table()
                self._loaded_at = time.monotonic()
        assert self._table is not None
        return self._table

    def peek(self) -> RateTable | None:
        """The table already in memory, without I/O (for error pages)."""
        return self._table

    def reset(self) -> None:
        self._table = None
        self._loaded_at = float("-inf")


async def refresh_periodically(
    providers: Sequence[FxProvider], interval: timedelta, *, max_jump: Decimal, timeout: float
) -> None:
    """Background task: refresh when the last attempt (by any worker) is older than `interval`."""
    while True:
        try:
            last = await last_refresh_attempt()
            if last is None or datetime.now(UTC) - last >= interval:
                await refresh_rates(providers, max_jump=max_jump, timeout=timeout)
        except Exception:  # never let the loop die; the next round tries again
            log.exception("scheduled FX refresh failed")
        await asyncio.sleep(min(interval.total_seconds(), 300))
