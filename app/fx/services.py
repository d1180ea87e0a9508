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

from app.core.background import refresh_in_background
from app.core.settings import Settings
from app.fx.data import SNAPSHOT_FILE, dollar_pegs, supported_currencies
from app.fx.providers import EcbProvider, ForexPythonProvider, FxProvider, ProviderError, SnapshotProvider
from app.fx.rules import (
    Rate,
    RateStatus,
    RateTable,
    check_manual_rate,
    describe_pricing,
    is_manual,
    make_table,
    manual_source,
    parse_rate,
    pegged_rates,
    rate_kind,
    status_rows,
    uncovered_currencies,
    validate_rates,
)
from app.fx.tables import FxEvent, FxRate

FX_BASE = "EUR"  # the providers' base; any shop currency converts through it
MANUAL_EVENT = "manual"  # fx_event.provider of merchant-set rates (an audit trail, not a refresh)
log = logging.getLogger("storefront.fx")


def provider_by_name(name: str, *, ecb_url: str, forex_url: str, timeout: float) -> FxProvider:
    if name == "ecb":
        return EcbProvider(ecb_url, timeout)
    if name == "forex-python":
        return ForexPythonProvider(forex_url, timeout)
    if name == "snapshot":
        return SnapshotProvider(SNAPSHOT_FILE)
    raise ValueError(f"unknown FX provider {name!r}")


def configured_providers(settings: Settings, names: Sequence[str] = ()) -> list[FxProvider]:
    """The providers to ask, in order: `names` if given, else FX_PROVIDERS."""
    return [
        provider_by_name(
            name,
            ecb_url=settings.fx_ecb_url,
            forex_url=settings.fx_forex_python_url,
            timeout=settings.fx_timeout_seconds,
        )
        for name in (names or settings.fx_providers)
    ]


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
    # Currencies no configured provider publishes and no peg derives, with how each is priced
    # now: ("KWD", "manual rate (CBK) 3 d old") or ("KWD", "bundled snapshot only (…)").
    uncovered: list[tuple[str, str]] = field(default_factory=list)
    # Currencies with a merchant-set rate, which refreshes leave alone until `unset_manual_rate`.
    manual: list[str] = field(default_factory=list)


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

    A merchant-set (manual) rate is never overwritten: it stays until the merchant sets another
    or unsets it (`unset_manual_rate`), even where a provider publishes the currency. The report
    lists the currencies no provider publishes and no peg derives, with how each is priced now.
    """
    report = RefreshReport()
    current = {rate.currency: rate for rate in await stored_rates()}
    pegs = dollar_pegs()
    manual = {code for code, rate in current.items() if is_manual(rate)}
    wanted = set(supported_currencies()) - {FX_BASE} - set(pegs) - manual
    coverage: dict[str, set[str]] = {p.name: set(getattr(p, "publishes", ())) for p in providers}
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
        if not isinstance(provider, SnapshotProvider):  # the bundled file is no live source
            coverage[provider.name] |= checked.accepted.keys()  # what it sent counts as covered too
        outcome = "partial" if checked.rejected else "ok"
        detail = f"{len(checked.accepted)} rates as of {fetched.as_of}"
        if checked.rejected:
            detail += "; refused " + "; ".join(f"{c}: {why}" for c, why in sorted(checked.rejected.items()))
            log.warning("FX provider %s: %s", provider.name, detail)
        await record_event(provider.name, outcome, detail)
        report.results.append((provider.name, outcome, detail))
    if "USD" in refreshed:
        for rate in _pegs(refreshed["USD"], datetime.now(UTC)):
            if rate.currency not in manual:
                refreshed[rate.currency] = rate
    await save_rates(list(refreshed.values()))
    report.updated = sorted(refreshed)
    report.manual = sorted(manual)
    now_rates = {**current, **refreshed}
    snapshot_source = _snapshot_source()
    for code in uncovered_currencies(coverage, pegs, supported_currencies(), FX_BASE):
        priced_by = now_rates.get(code)
        kind = rate_kind(priced_by, pegs, snapshot_source) if priced_by else None
        report.uncovered.append((code, describe_pricing(priced_by, kind)))
    return report


def _snapshot_source() -> str:
    try:
        return SnapshotProvider(SNAPSHOT_FILE).fetch(FX_BASE).source
    except ProviderError:
        return ""


@dataclass(frozen=True)
class RateChange:
    previous: Rate | None
    current: Rate | None  # None: no rate left (the currency is not offered until a provider sends one)


async def set_manual_rate(
    currency: str,
    rate: Decimal,
    source: str,
    as_of: date | None = None,
    *,
    max_jump: Decimal | None = None,
) -> RateChange:
    """Store a merchant-set rate (units of `currency` per euro), e.g. KWD 0.3551 from the Central
    Bank of Kuwait, recorded with source "manual: CBK" and `as_of` (default: today, UTC).

    It stays in force until the merchant sets another or calls `unset_manual_rate`: refreshes
    never replace it, even for a currency a provider publishes. It ages like every other rate,
    so the stale limit (FX_MAX_AGE_HOURS) applies from its as-of date. With `max_jump`, a rate
    more than that fraction away from the current one is refused (a typo guard).
    """
    now = datetime.now(UTC)
    day = as_of or now.date()
    code, value = check_manual_rate(
        currency, rate, supported=supported_currencies(), base=FX_BASE, as_of=day, today=now.date()
    )
    previous = next((r for r in await stored_rates() if r.currency == code), None)
    if max_jump is not None and previous is not None and abs(value / previous.per_base - 1) > max_jump:
        raise ValueError(f"{code} would jump from {previous.per_base} to {value} (more than {max_jump:%})")
    new = Rate(code, value, manual_source(source), day, now)
    await save_rates([new])
    await record_event(MANUAL_EVENT, "ok", f"{code} = {value} ({new.source}, as of {new.as_of.isoformat()})")
    return RateChange(previous, new)


async def unset_manual_rate(currency: str) -> RateChange:
    """Drop a merchant-set rate: the currency follows its dollar peg again, else goes back to the
    bundled snapshot until the next refresh (if a provider publishes it); with neither, it has
    no rate and is not offered."""
    code = currency.strip().upper()
    current = {rate.currency: rate for rate in await stored_rates()}
    previous = current.get(code)
    if previous is None or not is_manual(previous):
        raise ValueError(f"{code or '?'} has no manual rate")
    now = datetime.now(UTC)
    replacement = None
    if code in dollar_pegs():
        replacement = next((r for r in _pegs(current.get("USD"), now) if r.currency == code), None)
    if replacement is None:
        replacement = snapshot_table().rates.get(code)
    if replacement is None:
        await FxRate.delete().where(FxRate.currency == code).run()
    else:
        await save_rates([replacement])
    await record_event(MANUAL_EVENT, "ok", f"{code}: manual rate {previous.per_base} removed")
    return RateChange(previous, replacement)


async def rate_status(
    max_age_hours: float, *, providers: Sequence[FxProvider] = (), now: datetime | None = None
) -> list[RateStatus]:
    """Every supported currency's rate for `fx status`: rate, source, kind (provider, peg, manual,
    snapshot, missing), as-of date, age in hours and whether it is stale under `max_age_hours`.
    With `providers` (the configured ones), `live_source` says whether any of them publishes it."""
    rates = {rate.currency: rate for rate in await stored_rates()}
    if not rates:  # what pages price from before the first seed or refresh
        rates = dict(snapshot_table().rates)
    coverage: dict[str, frozenset[str]] | None = (
        {p.name: getattr(p, "publishes", frozenset()) for p in providers} if providers else None
    )
    return status_rows(
        rates,
        supported=supported_currencies(),
        base=FX_BASE,
        pegged=dollar_pegs(),
        snapshot_source=_snapshot_source(),
        max_age_hours=max_age_hours,
        now=now or datetime.now(UTC),
        coverage=coverage,
    )


async def last_refresh_attempt() -> datetime | None:
    """When a provider was last asked (merchant-set rates are logged too, but are no refresh)."""
    row = await (
        FxEvent.select(FxEvent.created_at)
        .where(FxEvent.provider != MANUAL_EVENT)
        .order_by(FxEvent.id, ascending=False)
        .first()
        .run()
    )
    return row["created_at"] if row else None


@dataclass(frozen=True)
class FxEventView:
    """One logged refresh attempt (or merchant-set rate change)."""

    provider: str
    outcome: str
    detail: str
    created_at: datetime


async def recent_events(limit: int = 5) -> list[FxEventView]:
    """The latest entries of the FX log, newest first."""
    rows = await FxEvent.select().order_by(FxEvent.id, ascending=False).limit(limit).run()
    return [FxEventView(r["provider"], r["outcome"], r["detail"], r["created_at"]) for r in rows]


class FxCache:
    """The current rate table per process, re-read from the database at most every `ttl` seconds.

    Rendering never waits on a provider and never fails because of FX: if the database cannot
    be read, the last table (or the bundled snapshot) stays in use. Only the first read (or the
    one after `reset()`) is waited for; later ones run in the background while requests price
    with the table they have (under load, the one request that re-read inline waited 0.9-1.1 s).
    """

    def __init__(self, ttl_seconds: float = 60) -> None:
        self.ttl_seconds = ttl_seconds
        self._table: RateTable | None = None
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    async def get(self) -> RateTable:
        if self._table is None:
            await self._reload()
        elif time.monotonic() - self._loaded_at >= self.ttl_seconds:
            self._background = refresh_in_background(self._background, self._reload, "FX rate reload")
        assert self._table is not None
        return self._table

    async def _reload(self) -> None:
        async with self._lock:
            if self._table is not None and time.monotonic() - self._loaded_at < self.ttl_seconds:
                return  # another request just read it
            try:
                rates = await stored_rates()
                self._table = make_table(FX_BASE, rates) if rates else snapshot_table()
            except Exception:  # the database is down: keep pricing with what we have
                log.exception("could not read FX rates; keeping the previous table")
                self._table = self._table or snapshot_table()
            self._loaded_at = time.monotonic()

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
