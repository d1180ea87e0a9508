"""Pure FX logic: rate tables, cross rates, validation of fetched rates, rounding rules."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from app.core.money import charge_precision, charge_unit, quantize_charge


@dataclass(frozen=True)
class Rate:
    """Units of `currency` per one unit of the table's base, with where and when it came from."""

    currency: str
    per_base: Decimal
    source: str
    as_of: date
    fetched_at: datetime


@dataclass(frozen=True)
class RateTable:
    base: str
    rates: Mapping[str, Rate]
    version: str = field(default="")

    def has(self, currency: str) -> bool:
        return currency == self.base or currency in self.rates

    def per_base(self, currency: str) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        return self.rates[currency].per_base

    def cross(self, source: str, target: str) -> Decimal:
        """Units of `target` per one unit of `source`, via the base currency."""
        return self.per_base(target) / self.per_base(source)

    def as_of(self, currency: str) -> date | None:
        return None if currency == self.base else self.rates[currency].as_of

    def describe(self, source: str, target: str) -> tuple[str, date | None]:
        """The sources and the older as-of date behind a cross rate."""
        sources = sorted({self.rates[c].source for c in (source, target) if c != self.base})
        dates = [self.rates[c].as_of for c in (source, target) if c != self.base]
        return " + ".join(sources) or "identity", min(dates) if dates else None


def table_version(rates: Mapping[str, Rate]) -> str:
    """Names the table: rate values and their dates (a rate that ages into staleness is another table)."""
    digest = hashlib.sha256()
    for code in sorted(rates):
        digest.update(f"{code}={rates[code].per_base}@{rates[code].as_of};".encode())
    return digest.hexdigest()[:16]


def make_table(base: str, rates: Iterable[Rate]) -> RateTable:
    by_currency = {rate.currency: rate for rate in rates if rate.currency != base}
    return RateTable(base=base, rates=by_currency, version=table_version(by_currency))


def age_days(as_of: date | None, now: datetime | None = None) -> float:
    """How old a rate is, measured from the end of its as-of day (UTC)."""
    if as_of is None:
        return 0.0
    now = now or datetime.now(UTC)
    end_of_day = datetime(as_of.year, as_of.month, as_of.day, 23, 59, 59, tzinfo=UTC)
    return max(0.0, (now - end_of_day).total_seconds() / 86400)


def is_fresh(
    table: RateTable, currencies: Iterable[str], max_age_hours: float, now: datetime | None = None
) -> bool:
    """True when every currency's rate is younger than the limit (0 means no limit)."""
    if max_age_hours <= 0:
        return True
    return all(age_days(table.as_of(c), now) * 24 <= max_age_hours for c in currencies if table.has(c))


def fresh_currencies(
    table: RateTable,
    currencies: Iterable[str],
    max_age_hours: float,
    now: datetime | None = None,
    *,
    settlement: str | None = None,
) -> frozenset[str]:
    """The currencies (among `currencies`) a shopper may be charged in: the table has a rate for
    them and it is no older than the limit (0 means no limit).

    With `settlement` (the shop's currency), a conversion also needs that currency's rate: a
    stale settlement rate refuses every other currency, while the settlement currency itself
    (no conversion) is always fresh. Per currency, so the web layer keeps offering the fresh
    currencies while it refuses a stale one.
    """
    now = now or datetime.now(UTC)
    also = [settlement] if settlement else []
    return frozenset(
        code
        for code in currencies
        if code == settlement or (table.has(code) and is_fresh(table, [code, *also], max_age_hours, now))
    )


def is_stale(as_of: date | None, max_age_hours: float, now: datetime | None = None) -> bool:
    """A rate dated `as_of` is too old to sell at under the limit (0 means no limit)."""
    return max_age_hours > 0 and age_days(as_of, now) * 24 > max_age_hours


# ---- where each rate comes from ----------------------------------------------------------------

MANUAL_PREFIX = "manual: "  # a merchant-set rate: source "manual: CBK" (no schema change needed)
RateKind = str  # "provider" | "peg" | "manual" | "snapshot"


def manual_source(source: str) -> str:
    """The stored source of a merchant-set rate: "manual: CBK"."""
    source = " ".join(source.split())
    if not source:
        raise ValueError("say where a manual rate comes from (e.g. the central bank)")
    return MANUAL_PREFIX + source


def is_manual(rate: Rate) -> bool:
    return rate.source.startswith(MANUAL_PREFIX)


def rate_kind(rate: Rate, pegged: Iterable[str], snapshot_source: str) -> RateKind:
    """Where a stored rate came from: a merchant (manual), a dollar peg, the bundled snapshot,
    or a live provider. Manual wins: a merchant may set any currency's rate."""
    if is_manual(rate):
        return "manual"
    if rate.currency in set(pegged):
        return "peg"
    if rate.source == snapshot_source:
        return "snapshot"
    return "provider"


def uncovered_currencies(
    coverage: Mapping[str, Iterable[str]], pegged: Iterable[str], supported: Iterable[str], base: str
) -> tuple[str, ...]:
    """Supported currencies no live provider publishes and no dollar peg derives: without a
    merchant-set rate they only ever come from the bundled snapshot.

    `coverage`: provider name -> the currencies it publishes (ECB's fixed list, ...).
    """
    covered = {code for published in coverage.values() for code in published} | set(pegged) | {base}
    return tuple(sorted(set(supported) - covered))


def describe_pricing(rate: Rate | None, kind: RateKind | None, now: datetime | None = None) -> str:
    """How a currency is priced now, for `fx refresh` and `fx status`: "manual rate (CBK) 3 d old",
    "bundled snapshot only (2026-11-20, 5 d old)"."""
    if rate is None:
        return "no rate: not offered"
    days = int(age_days(rate.as_of, now))
    if kind == "manual":
        return f"manual rate ({rate.source.removeprefix(MANUAL_PREFIX)}) {days} d old"
    if kind == "snapshot":
        return f"bundled snapshot only ({rate.as_of.isoformat()}, {days} d old)"
    return f"{rate.source} ({rate.as_of.isoformat()}, {days} d old)"


# ---- validating what a provider sent ---------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    accepted: dict[str, Decimal]
    rejected: dict[str, str]  # currency -> reason
    missing: tuple[str, ...]


def parse_rate(raw: object) -> Decimal | None:
    """A positive, finite decimal rate, or None. Floats from JSON are read through their text."""
    try:
        value = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value > 0 else None


def validate_rates(
    fetched: Mapping[str, object],
    previous: Mapping[str, Decimal],
    wanted: Iterable[str],
    max_jump: Decimal,
) -> Validation:
    """Keep the sane rates: positive, finite, and within `max_jump` (0.2 = 20 %) of the last good one."""
    accepted: dict[str, Decimal] = {}
    rejected: dict[str, str] = {}
    wanted = set(wanted)
    for currency, raw in fetched.items():
        if currency not in wanted:
            continue
        value = parse_rate(raw)
        if value is None:
            rejected[currency] = f"not a positive number: {str(raw)[:40]!r}"
            continue
        last = previous.get(currency)
        if last is not None and abs(value / last - 1) > max_jump:
            rejected[currency] = f"jumped from {last} to {value}"
            continue
        accepted[currency] = value
    missing = tuple(sorted(c for c in wanted if c not in fetched))
    return Validation(accepted, rejected, missing)


def pegged_rates(usd_per_base: Decimal, pegs: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Euro rates of dollar-pegged currencies: units per USD times USD per base."""
    return {currency: per_usd * usd_per_base for currency, per_usd in pegs.items()}


# ---- rounding rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rounding:
    """How a market rounds converted prices: `minor`, `up_to_ending:0.99`, `nearest:10`..."""

    kind: str
    value: Decimal = Decimal(0)
    # Decimal places of `value` (2 for ".99"), worked out once: prices are rounded in hot loops.
    value_places: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        exponent = self.value.as_tuple().exponent
        object.__setattr__(self, "value_places", -exponent if isinstance(exponent, int) else 0)

    @classmethod
    def parse(cls, spec: str) -> Rounding:
        kind, _, value = spec.partition(":")
        if kind == "minor" and not value:
            return cls("minor")
        if kind in {"up_to_ending", "nearest"} and value:
            amount = Decimal(value)
            if amount <= 0 or (kind == "up_to_ending" and amount >= 1):
                raise ValueError(f"bad rounding value in {spec!r}")
            return cls(kind, amount)
        raise ValueError(f"unknown rounding rule {spec!r}")

    def __str__(self) -> str:
        return self.kind if self.kind == "minor" else f"{self.kind}:{self.value}"


def round_price(amount: Decimal, currency: str, rule: Rounding) -> Decimal:
    """Round a converted price by the market's rule, in the unit a shopper is charged in.

    Everything lands on the currency's charge unit (`charge_precision`: CLDR cash digits, so
    HUF/CZK/SEK/NOK prices are whole units) and keeps the ISO exponent for storage.

    `up_to_ending` follows Shopify Markets: round to the charge unit first, then up to the next
    whole number, then apply the ending (.99: whole - 0.01; .95: whole - 0.05). So 23.42 -> 23.99,
    23.9986 -> 24.00 -> 23.99, 24.00 -> 23.99, 24.01 -> 24.99; a price can move down by less than
    one ending step (.95: up to 0.04 cheaper) and up by less than a unit.

    Idempotent: a rounded price rounds to itself. Zero stays zero; a positive price never rounds
    to zero. An ending finer than the currency's charge unit (".99" in yen or forints) falls back
    to the charge unit, as does a `nearest` step finer than it.
    """
    if amount < 0:
        raise ValueError("prices are not negative")
    unit = charge_unit(currency)
    if not amount:
        return quantize_charge(amount, currency)
    if rule.kind == "up_to_ending" and rule.value_places <= charge_precision(currency):
        charged = quantize_charge(amount, currency)
        if not charged:  # below half a unit: the smallest price with this ending
            return quantize_charge(rule.value, currency)
        whole = charged.to_integral_value(rounding=ROUND_CEILING)
        return quantize_charge(whole - 1 + rule.value, currency)
    if rule.kind == "nearest" and rule.value > unit:
        step = rule.value
        rounded = quantize_charge((amount / step).to_integral_value(rounding=ROUND_HALF_UP) * step, currency)
    else:
        rounded = quantize_charge(amount, currency)
    if rounded:
        return rounded
    # A positive price rounded to nothing: charge the smallest amount the rule can express.
    smallest = quantize_charge(unit, currency)
    return max(quantize_charge(rule.value, currency), smallest) if rule.kind == "nearest" else smallest


def apply_markup(amount: Decimal, percent: Decimal) -> Decimal:
    return amount * (1 + percent / 100)


DISCLOSED_MIN_DIGITS = 6


def round_significant(value: Decimal, digits: int) -> Decimal:
    """`value` rounded half-up to `digits` significant digits (163.2 to 6 -> 163.200)."""
    rounded = value.quantize(Decimal(1).scaleb(value.adjusted() - digits + 1), rounding=ROUND_HALF_UP)
    if rounded.adjusted() > value.adjusted():  # carried into a new digit (0.09999996 -> 0.1000000)
        rounded = rounded.quantize(Decimal(1).scaleb(rounded.adjusted() - digits + 1))
    return rounded


def disclosed_rate(
    rate: Decimal, amounts: Iterable[Decimal], currency: str, rule: Rounding | None = None
) -> Decimal:
    """The rate to show a shopper: `rate` (the applied one, markup included) rounded to the fewest
    significant digits, at least 6, with which every given base amount converts to what is
    charged, so the converted amounts can be reproduced from the displayed rate.

    "Converts to the same" means: `amount × shown` rounds half-up to the same charge unit of
    `currency` as `amount × rate` (and, with `rule`, to the same price under the market's rule).
    """
    if not rate.is_finite() or rate <= 0:
        raise ValueError("a rate is positive and finite")
    amounts = tuple(amounts)

    def charged(amount: Decimal, factor: Decimal) -> tuple[Decimal, Decimal | None]:
        converted = amount * factor
        return (
            quantize_charge(converted, currency),
            round_price(converted, currency, rule) if rule is not None else None,
        )

    wanted = [charged(amount, rate) for amount in amounts]
    for digits in range(DISCLOSED_MIN_DIGITS, len(rate.as_tuple().digits)):
        shown = round_significant(rate, digits)
        if all(charged(amount, shown) == goal for amount, goal in zip(amounts, wanted, strict=True)):
            return shown
    return (
        rate
        if len(rate.as_tuple().digits) >= DISCLOSED_MIN_DIGITS
        else round_significant(rate, DISCLOSED_MIN_DIGITS)
    )


# ---- merchant-set rates and the status of every rate --------------------------------------------


def check_manual_rate(
    currency: str, raw: object, *, supported: Iterable[str], base: str, as_of: date, today: date
) -> tuple[str, Decimal]:
    """A merchant-set rate, validated: a supported currency other than the base, a positive finite
    decimal (never a float), dated no later than today. Returns (currency code, rate)."""
    code = currency.strip().upper()
    if code == base:
        raise ValueError(f"{base} is the base currency: its rate is always 1")
    if code not in set(supported):
        raise ValueError(f"{code or '?'} is not a supported currency")
    if isinstance(raw, float | bool):
        raise ValueError("give the rate as a decimal string, never a float")
    value = parse_rate(raw)
    if value is None:
        raise ValueError(f"not a positive, finite rate: {str(raw)[:40]!r}")
    if len(str(value)) > 40:
        raise ValueError("too many digits in the rate")
    if as_of > today:
        raise ValueError(f"the as-of date {as_of.isoformat()} is in the future")
    return code, value


@dataclass(frozen=True)
class RateStatus:
    """One row of `fx status`."""

    currency: str
    rate: Decimal | None  # units per base unit; None: no rate (the currency is not offered)
    source: str
    kind: str  # provider | peg | manual | snapshot | missing
    as_of: date | None
    age_hours: float | None
    stale: bool  # older than the limit: not sold in (checkout charges the base currency)
    live_source: bool | None  # a configured provider publishes it or a peg derives it (None: not asked)


def status_rows(
    rates: Mapping[str, Rate],
    *,
    supported: Iterable[str],
    base: str,
    pegged: Iterable[str],
    snapshot_source: str,
    max_age_hours: float,
    now: datetime,
    coverage: Mapping[str, Iterable[str]] | None = None,
) -> list[RateStatus]:
    """Every supported currency but the base, with its rate, where it came from and whether it is
    too old to sell at. Manual rates age like any other rate (from their as-of date)."""
    pegged = frozenset(pegged)
    uncovered = set(uncovered_currencies(coverage, pegged, supported, base)) if coverage is not None else None
    rows = []
    for code in sorted(set(supported) - {base}):
        live = None if uncovered is None else code not in uncovered
        rate = rates.get(code)
        if rate is None:
            rows.append(RateStatus(code, None, "", "missing", None, None, True, live))
            continue
        rows.append(
            RateStatus(
                currency=code,
                rate=rate.per_base,
                source=rate.source,
                kind=rate_kind(rate, pegged, snapshot_source),
                as_of=rate.as_of,
                age_hours=round(age_days(rate.as_of, now) * 24, 1),
                stale=is_stale(rate.as_of, max_age_hours, now),
                live_source=live,
            )
        )
    return rows
