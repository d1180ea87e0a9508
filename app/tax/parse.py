"""Builds TaxTables from the parsed data/tax/*.toml files and refuses bad data (pure; ValueError)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any, TypeVar

from app.tax.model import (
    CONFIDENCES,
    Dated,
    Destination,
    DutyRow,
    Param,
    Preference,
    TaxClassRow,
    TaxTables,
    VatRate,
)

FILES = ("sources", "destinations", "vat_rates", "tax_classes", "regimes", "duties")
REGIMES = ("EU", "GB", "NO", "CH", "AU", "NZ", "SG", "CA", "US", "JP", "KR", "CN")
VALUATIONS = ("CIF", "FOB")

T = TypeVar("T")


def _where(table: str, index: int) -> str:
    return f"{table}[{index}]"


def _require(row: Mapping[str, Any], where: str, *names: str) -> None:
    missing = [name for name in names if name not in row or row[name] in (None, "")]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")


def _decimal(value: object, where: str, name: str) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"{where}: {name} must be a decimal string, not a float")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: {name} {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{where}: {name} {value!r} must be a non-negative number")
    return number


def _date(value: object, where: str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: {name} {value!r} is not an ISO date") from None


def _dated(row: Mapping[str, Any], where: str, sources: Mapping[str, str]) -> Dated:
    _require(row, where, "effective_from", "source", "confidence")
    start = _date(row["effective_from"], where, "effective_from")
    end = _date(row["effective_to"], where, "effective_to") if row.get("effective_to") else None
    if end is not None and end <= start:
        raise ValueError(f"{where}: effective_to {end} is not after effective_from {start}")
    confidence = str(row["confidence"])
    if confidence not in CONFIDENCES:
        raise ValueError(f"{where}: confidence {confidence!r} is not one of {', '.join(CONFIDENCES)}")
    source = str(row["source"])
    unknown = [key for key in source.split(",") if key.strip() not in sources]
    if unknown:
        raise ValueError(f"{where}: unknown source key(s) {', '.join(unknown)} (see sources.toml)")
    return Dated(start, end, source, confidence, str(row.get("note", "")))


def check_no_overlap(
    rows: Iterable[T], key: Callable[[T], Hashable], dated: Callable[[T], Dated], table: str
) -> None:
    """Rows with the same key must have disjoint [from, to) ranges; an open end runs forever."""
    groups: dict[Hashable, list[T]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    for group_key, group in groups.items():
        ordered = sorted(group, key=lambda r: dated(r).effective_from)
        for earlier, later in pairwise(ordered):
            end = dated(earlier).effective_to
            if end is None or end > dated(later).effective_from:
                raise ValueError(
                    f"{table}: overlapping effective ranges for {group_key}: "
                    f"{dated(earlier).effective_from}..{end or 'open'} and "
                    f"{dated(later).effective_from}.."
                )


def _rows(data: Mapping[str, Any], file: str, table: str) -> Sequence[Mapping[str, Any]]:
    rows = data.get(table)
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{file}: expected a non-empty array `{table}`")
    return rows


def _country(value: object, where: str) -> str:
    text = str(value)
    if len(text) != 2 or not text.isalpha() or not text.isupper():
        raise ValueError(f"{where}: {text!r} is not an ISO 3166 alpha-2 code")
    return text


def parse_tables(files: Mapping[str, Mapping[str, Any]]) -> TaxTables:
    """`files` maps each name in FILES to its parsed TOML document."""
    missing = [name for name in FILES if name not in files]
    if missing:
        raise ValueError(f"missing tax data file(s): {', '.join(missing)}")
    sources = {str(k): str(v) for k, v in dict(files["sources"].get("sources", {})).items()}
    if not sources:
        raise ValueError("sources.toml: no [sources]")

    dest_file = files["destinations"]
    eu_members = frozenset(_country(c, "destinations.eu_members") for c in dest_file.get("eu_members", ()))
    if len(eu_members) != 27:
        raise ValueError(f"destinations.toml: eu_members has {len(eu_members)} countries, expected 27")
    destinations = []
    for i, row in enumerate(_rows(dest_file, "destinations.toml", "destination")):
        where = _where("destination", i)
        _require(row, where, "country", "currency", "regime", "valuation")
        if row["regime"] not in REGIMES or row["valuation"] not in VALUATIONS:
            raise ValueError(f"{where}: unknown regime {row['regime']!r} or valuation {row['valuation']!r}")
        destinations.append(
            Destination(
                _country(row["country"], where),
                str(row["currency"]),
                str(row["regime"]),
                str(row["valuation"]),
                _dated(row, where, sources),
            )
        )
    check_no_overlap(destinations, lambda d: d.country, lambda d: d.dated, "destinations.toml")

    vat_rates = []
    for i, row in enumerate(_rows(files["vat_rates"], "vat_rates.toml", "rate")):
        where = _where("rate", i)
        _require(row, where, "country", "key", "rate")
        vat_rates.append(
            VatRate(
                _country(row["country"], where),
                str(row.get("region", "")),
                str(row["key"]),
                _decimal(row["rate"], where, "rate"),
                _dated(row, where, sources),
            )
        )
    check_no_overlap(vat_rates, lambda r: (r.country, r.region, r.key), lambda r: r.dated, "vat_rates.toml")

    tax_classes = []
    for i, row in enumerate(_rows(files["tax_classes"], "tax_classes.toml", "class")):
        where = _where("class", i)
        _require(row, where, "country", "tax_class", "rate_key")
        tax_classes.append(
            TaxClassRow(
                _country(row["country"], where),
                str(row["tax_class"]),
                str(row["rate_key"]),
                _dated(row, where, sources),
            )
        )
    check_no_overlap(tax_classes, lambda r: (r.country, r.tax_class), lambda r: r.dated, "tax_classes.toml")
    for mapped in tax_classes:  # a class must point at a rate that exists at some time
        if not any(r.country == mapped.country and r.key == mapped.rate_key for r in vat_rates):
            raise ValueError(
                f"tax_classes.toml: {mapped.country}/{mapped.tax_class} -> unknown rate {mapped.rate_key}"
            )

    params = []
    for i, row in enumerate(_rows(files["regimes"], "regimes.toml", "param")):
        where = _where("param", i)
        _require(row, where, "id", "value", "unit")
        params.append(
            Param(
                str(row["id"]),
                _decimal(row["value"], where, "value"),
                str(row.get("currency", "")),
                str(row["unit"]),
                _dated(row, where, sources),
            )
        )
    check_no_overlap(params, lambda p: p.id, lambda p: p.dated, "regimes.toml")

    duties = []
    for i, row in enumerate(_rows(files["duties"], "duties.toml", "duty")):
        where = _where("duty", i)
        _require(row, where, "destination", "rate")
        if "hs" not in row:
            raise ValueError(f"{where}: missing field(s) hs")
        hs = str(row["hs"])  # "" is the destination's catch-all
        if not (hs == "" or hs.isdigit() or (hs.count("-") == 1 and all(p.isdigit() for p in hs.split("-")))):
            raise ValueError(f"{where}: hs {hs!r} must be digits or a chapter range like 25-97")
        duties.append(
            DutyRow(
                str(row["destination"]), hs, _decimal(row["rate"], where, "rate"), _dated(row, where, sources)
            )
        )
    check_no_overlap(duties, lambda d: (d.destination, d.hs), lambda d: d.dated, "duties.toml")

    preferences = []
    for i, row in enumerate(files["duties"].get("preference", ())):
        where = _where("preference", i)
        _require(row, where, "id", "destination", "origins", "rate")
        preferences.append(
            Preference(
                str(row["id"]),
                str(row["destination"]),
                frozenset(_country(c, where) for c in row["origins"]),
                _decimal(row["rate"], where, "rate"),
                _dated(row, where, sources),
            )
        )
    check_no_overlap(preferences, lambda p: (p.id, p.destination), lambda p: p.dated, "duties.toml")

    return TaxTables(
        sources=sources,
        destinations=tuple(destinations),
        eu_members=eu_members,
        vat_rates=tuple(vat_rates),
        tax_classes=tuple(tax_classes),
        params=tuple(params),
        duties=tuple(duties),
        preferences=tuple(preferences),
    )
