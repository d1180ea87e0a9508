"""Pure FX logic: rate tables, cross rates, validation of fetched rates, rounding rules."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from app.core.money import minor_unit, precision, quantize


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
    digest = hashlib.sha256()
    for code in sorted(rates):
        digest.update(f"{code}={rates[code].per_base};".encode())
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
    """Round a converted price by the market's rule, then to the currency's minor unit.

    Idempotent: a rounded price rounds to itself. A positive price never rounds to zero.
    An ending finer than the currency allows (".99" in yen) falls back to the minor unit.
    """
    if amount < 0:
        raise ValueError("prices are not negative")
    if rule.kind == "up_to_ending" and rule.value_places <= precision(currency):
        candidate = amount.to_integral_value(rounding=ROUND_FLOOR) + rule.value
        if candidate < amount:
            candidate += 1
        return quantize(candidate, currency)
    if rule.kind == "nearest":
        step = rule.value
        rounded = quantize((amount / step).to_integral_value(rounding=ROUND_HALF_UP) * step, currency)
    else:
        rounded = quantize(amount, currency)
    if rounded or not amount:
        return rounded
    # A positive price rounded to nothing: charge the smallest amount the rule can express.
    smallest = minor_unit(currency)
    return max(quantize(rule.value, currency), smallest) if rule.kind == "nearest" else smallest


def apply_markup(amount: Decimal, percent: Decimal) -> Decimal:
    return amount * (1 + percent / 100)
