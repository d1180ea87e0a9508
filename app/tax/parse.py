"""Builds TaxTables from the parsed data/tax/*.toml files and refuses bad data (pure; ValueError)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any, Protocol, TypeVar

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


class _DatedRow(Protocol):
    @property
    def dated(self) -> Dated: ...


R = TypeVar("R", bound=_DatedRow)


def _parse_table(
    document: Mapping[str, Any],
    file: str,
    table: str,
    required: Sequence[str],
    build: Callable[[Mapping[str, Any], str], R],
    key: Callable[[R], Hashable],
    *,
    optional: bool = False,
) -> list[R]:
    """The rows of `table` in one file: each checked for its required fields and built (errors name
    the row), then no two with the same key may overlap in time. Only an optional table may be empty."""
    rows = document.get(table, ())
    if not optional and (not isinstance(rows, list) or not rows):
        raise ValueError(f"{file}: expected a non-empty array `{table}`")
    built = []
    for i, row in enumerate(rows):
        where = f"{table}[{i}]"
        _require(row, where, *required)
        built.append(build(row, where))
    check_no_overlap(built, key, lambda r: r.dated, file)
    return built


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

    def destination(row: Mapping[str, Any], where: str) -> Destination:
        if row["regime"] not in REGIMES or row["valuation"] not in VALUATIONS:
            raise ValueError(f"{where}: unknown regime {row['regime']!r} or valuation {row['valuation']!r}")
        return Destination(
            _country(row["country"], where),
            str(row["currency"]),
            str(row["regime"]),
            str(row["valuation"]),
            _dated(row, where, sources),
        )

    destinations = _parse_table(
        dest_file,
        "destinations.toml",
        "destination",
        ("country", "currency", "regime", "valuation"),
        destination,
        key=lambda d: d.country,
    )

    vat_rates = _parse_table(
        files["vat_rates"],
        "vat_rates.toml",
        "rate",
        ("country", "key", "rate"),
        lambda row, where: VatRate(
            _country(row["country"], where),
            str(row.get("region", "")),
            str(row["key"]),
            _decimal(row["rate"], where, "rate"),
            _dated(row, where, sources),
        ),
        key=lambda r: (r.country, r.region, r.key),
    )

    tax_classes = _parse_table(
        files["tax_classes"],
        "tax_classes.toml",
        "class",
        ("country", "tax_class", "rate_key"),
        lambda row, where: TaxClassRow(
            _country(row["country"], where),
            str(row["tax_class"]),
            str(row["rate_key"]),
            _dated(row, where, sources),
        ),
        key=lambda r: (r.country, r.tax_class),
    )
    for mapped in tax_classes:  # a class must point at a rate that exists at some time
        if not any(r.country == mapped.country and r.key == mapped.rate_key for r in vat_rates):
            raise ValueError(
                f"tax_classes.toml: {mapped.country}/{mapped.tax_class} -> unknown rate {mapped.rate_key}"
            )

    params = _parse_table(
        files["regimes"],
        "regimes.toml",
        "param",
        ("id", "value", "unit"),
        lambda row, where: Param(
            str(row["id"]),
            _decimal(row["value"], where, "value"),
            str(row.get("currency", "")),
            str(row["unit"]),
            _dated(row, where, sources),
        ),
        key=lambda p: p.id,
    )

    def duty(row: Mapping[str, Any], where: str) -> DutyRow:
        if "hs" not in row:
            raise ValueError(f"{where}: missing field(s) hs")
        hs = str(row["hs"])  # "" is the destination's catch-all
        if not (hs == "" or hs.isdigit() or (hs.count("-") == 1 and all(p.isdigit() for p in hs.split("-")))):
            raise ValueError(f"{where}: hs {hs!r} must be digits or a chapter range like 25-97")
        return DutyRow(
            str(row["destination"]), hs, _decimal(row["rate"], where, "rate"), _dated(row, where, sources)
        )

    duties = _parse_table(
        files["duties"], "duties.toml", "duty", ("destination", "rate"), duty, lambda d: (d.destination, d.hs)
    )

    preferences = _parse_table(
        files["duties"],
        "duties.toml",
        "preference",
        ("id", "destination", "origins", "rate"),
        lambda row, where: Preference(
            str(row["id"]),
            str(row["destination"]),
            frozenset(_country(c, where) for c in row["origins"]),
            _decimal(row["rate"], where, "rate"),
            _dated(row, where, sources),
        ),
        key=lambda p: (p.id, p.destination),
        optional=True,
    )

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
