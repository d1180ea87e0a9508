"""Builds a shipping `RateTable` from the TOML structure of data/shipping/rates.toml, validating it.

Every problem is a ValueError that names where it is (zone and method, market, restriction), so a
typo in the data file fails loudly at start-up instead of pricing a parcel wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from moneyed import Money

from app.core.money import money
from app.shipping.rules import (
    METHOD_NAMES,
    RESTRICTION_REASONS,
    RESTRICTION_TAGS,
    Bracket,
    MethodRates,
    RateTable,
    RestrictionRule,
    Zone,
)

COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
METHOD_KEYS = {"days", "brackets", "per_additional_kg", "max_kg", "volumetric_divisor"}
RESTRICTION_KEYS = {"tag", "reason", "zones", "countries", "methods"}


def _decimal(value: object, what: str) -> Decimal:
    """A decimal from a TOML string or integer (never a TOML float: "0.1" stays exact)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f'{what} must be a decimal string such as "4.90", got {value!r}')
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} is not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def _amount(value: object, currency: str, what: str, *, positive: bool = False) -> Money:
    amount = _decimal(value, what)
    if amount < 0 or (positive and amount == 0):
        raise ValueError(f"{what} must be {'positive' if positive else 'zero or more'}, got {value!r}")
    return money(amount, currency)


def _divisor(value: object, what: str) -> int | None:
    if value == "none":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f'{what} must be a positive integer (cm3 per kg) or "none", got {value!r}')
    return value


def _strings(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{what} must be a list of strings, got {value!r}")
    return value


def parse_method(
    code: str, data: Mapping[str, Any], currency: str, default_divisor: int | None
) -> MethodRates:
    """One zone's method table (the caller adds the zone and method to any error)."""
    unknown = set(data) - METHOD_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    days = data.get("days")
    if (
        not isinstance(days, list)
        or len(days) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
        or not 0 <= days[0] <= days[1]
    ):
        raise ValueError(f"days must be [min, max] business days with 0 <= min <= max, got {days!r}")
    rows = data.get("brackets")
    if not isinstance(rows, list) or not rows:
        raise ValueError("brackets must be a non-empty list of { up_to_kg, price }")
    brackets: list[Bracket] = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or set(row) != {"up_to_kg", "price"}:
            raise ValueError(f"bracket {i} must have exactly up_to_kg and price, got {row!r}")
        bound = _decimal(row["up_to_kg"], f"bracket {i} up_to_kg")
        price = _amount(row["price"], currency, f"bracket {i} price")
        if bound <= 0:
            raise ValueError(f"bracket {i} up_to_kg must be positive, got {row['up_to_kg']!r}")
        if brackets and bound <= brackets[-1].up_to_kg:
            raise ValueError(f"bracket {i} up_to_kg {bound} must be above {brackets[-1].up_to_kg}")
        if brackets and price < brackets[-1].price:
            raise ValueError(f"bracket {i} price {price.amount} is below the lighter bracket's")
        brackets.append(Bracket(bound, price))
    last = brackets[-1].up_to_kg
    extra = data.get("per_additional_kg")
    per_kg = None if extra is None else _amount(extra, currency, "per_additional_kg")
    max_kg = None if data.get("max_kg") is None else _decimal(data["max_kg"], "max_kg")
    if per_kg is None and max_kg is None:
        raise ValueError("give per_additional_kg or max_kg: what happens above the last bracket is undefined")
    if per_kg is None and max_kg != last:
        raise ValueError(f"max_kg {max_kg} must equal the last bracket ({last}) without per_additional_kg")
    if per_kg is not None and max_kg is not None and max_kg <= last:
        raise ValueError(f"max_kg {max_kg} must be above the last bracket ({last}) with per_additional_kg")
    divisor = default_divisor
    if "volumetric_divisor" in data:
        divisor = _divisor(data["volumetric_divisor"], "volumetric_divisor")
    return MethodRates(code, tuple(brackets), per_kg, max_kg, divisor, days[0], days[1])


def parse_zone(code: str, data: Mapping[str, Any], currency: str, divisors: Mapping[str, int | None]) -> Zone:
    if not isinstance(data, Mapping):
        raise ValueError(f"shipping rates: zone {code!r} must be a table")
    unknown = set(data) - {"countries", *METHOD_NAMES}
    if unknown:
        raise ValueError(
            f"shipping rates: zone {code!r}: unknown keys {sorted(unknown)} (methods: {list(METHOD_NAMES)})"
        )
    countries = _strings(data.get("countries"), f"shipping rates: zone {code!r}: countries")
    bad = [c for c in countries if not COUNTRY.match(c)]
    if bad or not countries:
        raise ValueError(
            f"shipping rates: zone {code!r}: countries must be ISO alpha-2 codes, got {bad or countries}"
        )
    methods = []
    for method in METHOD_NAMES:
        if method not in data:
            continue
        try:
            methods.append(parse_method(method, data[method], currency, divisors.get(method)))
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"shipping rates: zone {code!r}, method {method!r}: {exc}") from exc
    if not methods:
        raise ValueError(f"shipping rates: zone {code!r} offers no method")
    return Zone(code, frozenset(countries), tuple(methods))


def parse_restriction(i: int, data: Mapping[str, Any], zones: Mapping[str, Zone]) -> RestrictionRule:
    where = f"shipping rates: restriction {i}"
    if not isinstance(data, Mapping) or set(data) - RESTRICTION_KEYS:
        raise ValueError(f"{where}: keys must be among {sorted(RESTRICTION_KEYS)}, got {data!r}")
    tag = data.get("tag")
    if tag not in RESTRICTION_TAGS:
        raise ValueError(f"{where}: tag {tag!r} is not one of {sorted(RESTRICTION_TAGS)}")
    where = f"{where} ({tag})"
    reason = data.get("reason")
    if reason not in RESTRICTION_REASONS:
        raise ValueError(f"{where}: reason {reason!r} is not one of {sorted(RESTRICTION_REASONS)}")
    zone_codes = _strings(data.get("zones", []), f"{where}: zones")
    countries = _strings(data.get("countries", []), f"{where}: countries")
    methods = _strings(data.get("methods", []), f"{where}: methods")
    served = {c for zone in zones.values() for c in zone.countries}
    if not zone_codes and not countries:
        raise ValueError(f"{where}: give zones or countries")
    if unknown := sorted(set(zone_codes) - set(zones)):
        raise ValueError(f"{where}: unknown zones {unknown}")
    if unknown := sorted(set(countries) - served):
        raise ValueError(f"{where}: countries {unknown} are in no zone")
    if unknown := sorted(set(methods) - set(METHOD_NAMES)):
        raise ValueError(f"{where}: unknown methods {unknown}")
    return RestrictionRule(tag, str(reason), frozenset(zone_codes), frozenset(countries), frozenset(methods))


def parse_rate_table(data: Mapping[str, Any]) -> RateTable:
    """Build a rate table from its TOML structure; a ValueError names the faulty zone/method/entry."""
    currency = data.get("currency")
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        raise ValueError(f"shipping rates: currency must be an ISO 4217 code, got {currency!r}")
    origin = data.get("origin")
    if not isinstance(origin, str) or not COUNTRY.match(origin):
        raise ValueError(f"shipping rates: origin must be an ISO alpha-2 code, got {origin!r}")
    divisors: dict[str, int | None] = {}
    for method, settings in data.get("methods", {}).items():
        if (
            method not in METHOD_NAMES
            or not isinstance(settings, Mapping)
            or set(settings) - {"volumetric_divisor"}
        ):
            raise ValueError(f"shipping rates: [methods.{method}] may only set volumetric_divisor")
        divisors[method] = _divisor(
            settings.get("volumetric_divisor", "none"),
            f"shipping rates: method {method!r}: volumetric_divisor",
        )
    zone_data = data.get("zones")
    if not isinstance(zone_data, Mapping) or not zone_data:
        raise ValueError("shipping rates: no zones")
    zones = {code: parse_zone(code, zone, currency, divisors) for code, zone in zone_data.items()}
    seen: dict[str, str] = {}
    for zone in zones.values():
        for country in sorted(zone.countries):
            if country in seen:
                raise ValueError(f"shipping rates: {country} is in zones {seen[country]!r} and {zone.code!r}")
            seen[country] = zone.code
    thresholds = []
    for market, entry in data.get("free_standard_over", {}).items():
        where = f"shipping rates: free_standard_over.{market}"
        if not isinstance(entry, Mapping) or set(entry) != {"amount", "currency"}:
            raise ValueError(f"{where} must be {{ amount, currency }}, got {entry!r}")
        code = entry["currency"]
        if not isinstance(code, str) or not CURRENCY.match(code):
            raise ValueError(f"{where}: currency must be an ISO 4217 code, got {code!r}")
        thresholds.append((market, _amount(entry["amount"], code, f"{where}: amount", positive=True)))
    rules = tuple(
        parse_restriction(i, rule, zones) for i, rule in enumerate(data.get("restrictions", []), start=1)
    )
    return RateTable(
        origin=origin,
        currency=currency,
        zones=tuple(zones.values()),
        free_standard_over=tuple(thresholds),
        restrictions=rules,
    )
