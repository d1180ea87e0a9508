"""The tax data files: they load, every row is sourced and dated, and bad data is refused at load."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.tax.data import TAX_DATA_DIR, read_tables, tax_tables
from app.tax.parse import FILES, parse_tables

EU27 = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
OTHERS = "GB NO CH AU NZ CA JP SG KR CN US".split()


def raw_files() -> dict[str, dict[str, Any]]:
    files = {}
    for name in FILES:
        with (TAX_DATA_DIR / f"{name}.toml").open("rb") as file:
            files[name] = tomllib.load(file)
    return files


def test_the_files_load_and_cover_every_destination() -> None:
    tables = read_tables()
    on = date(2026, 7, 15)
    assert tables.eu_members == frozenset(EU27)
    for country in EU27 + OTHERS:
        assert tables.destination(country, on) is not None, country
    for country in EU27 + [c for c in OTHERS if c not in ("US", "CA")]:
        assert tables.vat_rate(country, "standard", on) is not None, country


def test_every_row_names_known_sources_and_a_confidence() -> None:
    tables = tax_tables()
    rows = [r.dated for r in tables.vat_rates] + [r.dated for r in tables.params]
    rows += [r.dated for r in tables.duties] + [r.dated for r in tables.tax_classes]
    for dated in rows:
        assert all(key in tables.sources for key in dated.source.split(","))
        assert dated.confidence in ("High", "Medium", "Low", "UNVERIFIED")


@pytest.mark.parametrize(
    ("country", "key", "before", "after", "change"),
    [
        # reference §0 / §1a: the changes older engines get wrong
        ("EE", "standard", "22", "24", date(2025, 7, 1)),
        ("RO", "standard", "19", "21", date(2025, 8, 1)),
        ("RO", "reduced", "9", "11", date(2025, 8, 1)),
        ("SK", "standard", "20", "23", date(2025, 1, 1)),
        ("FI", "reduced", "14", "13.5", date(2026, 1, 1)),
        ("LT", "reduced", "9", "12", date(2026, 1, 1)),
        ("CH", "standard", "7.7", "8.1", date(2024, 1, 1)),
    ],
)
def test_rate_history_switches_on_the_effective_date(
    country: str, key: str, before: str, after: str, change: date
) -> None:
    tables = tax_tables()
    day_before = date.fromordinal(change.toordinal() - 1)
    assert tables.vat_rate(country, key, day_before).rate == Decimal(before)  # type: ignore[union-attr]
    assert tables.vat_rate(country, key, change).rate == Decimal(after)  # type: ignore[union-attr]


def test_nova_scotia_hst_cut() -> None:
    # reference §1c: NS HST 15 -> 14 % from 1 Apr 2025
    tables = tax_tables()
    assert tables.vat_rate("CA", "HST", date(2025, 3, 31), "NS").rate == Decimal(15)  # type: ignore[union-attr]
    assert tables.vat_rate("CA", "HST", date(2025, 4, 1), "NS").rate == Decimal(14)  # type: ignore[union-attr]


def test_eu_flat_duty_is_in_force_from_1_july_2026_to_1_july_2028() -> None:
    tables = tax_tables()
    assert tables.param("EU_FLAT_DUTY", date(2026, 6, 30)) is None
    assert tables.param("EU_FLAT_DUTY", date(2026, 7, 1)).value == Decimal(3)  # type: ignore[union-attr]
    assert tables.param("EU_FLAT_DUTY", date(2028, 7, 1)) is None
    assert tables.param("EU_DUTY_RELIEF", date(2026, 6, 30)) is not None


def test_longest_hs_prefix_and_chapter_ranges() -> None:
    tables = tax_tables()
    on = date(2026, 7, 15)
    assert tables.duty_row("EU", "61091000", on).hs == "6109"  # type: ignore[union-attr]
    assert tables.duty_row("CH", "6109", on).rate == 0  # type: ignore[union-attr]  # chapter range 25-97
    assert tables.duty_row("CH", "0406", on) is None  # cheese: weight-based, not in the table
    assert tables.duty_row("JP", "9503", on).hs == ""  # type: ignore[union-attr]  # catch-all


def _broken(change: Any) -> dict[str, dict[str, Any]]:
    files = copy.deepcopy(raw_files())
    change(files)
    return files


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f["vat_rates"]["rate"][0].pop("rate"), "missing field"),
        (lambda f: f["vat_rates"]["rate"][0].pop("source"), "missing field"),
        (lambda f: f["regimes"]["param"][0].pop("effective_from"), "missing field"),
        (lambda f: f["vat_rates"]["rate"][0].update(source="S999"), "unknown source"),
        (lambda f: f["vat_rates"]["rate"][0].update(confidence="Sure"), "confidence"),
        (lambda f: f["vat_rates"]["rate"][0].update(rate=19.0), "float"),
        (lambda f: f["vat_rates"]["rate"][0].update(rate="-1"), "non-negative"),
        (lambda f: f["vat_rates"]["rate"][0].update(effective_from="2021-13-01"), "ISO date"),
        (lambda f: f["vat_rates"]["rate"].append(dict(f["vat_rates"]["rate"][0])), "overlapping"),
        (
            lambda f: f["vat_rates"]["rate"].append(
                {**f["vat_rates"]["rate"][0], "effective_from": "2020-01-01", "effective_to": "2030-01-01"}
            ),
            "overlapping",
        ),
        (lambda f: f["regimes"]["param"].append(dict(f["regimes"]["param"][0])), "overlapping"),
        (lambda f: f["duties"]["duty"][0].update(hs="61a9"), "hs"),
        (lambda f: f["tax_classes"]["class"][0].update(rate_key="nonsense"), "unknown rate"),
        (lambda f: f["destinations"]["eu_members"].pop(), "27"),
        (lambda f: f.pop("duties"), "missing tax data file"),
        (lambda f: f["regimes"]["param"][0].update(effective_to="2001-01-01"), "not after"),
    ],
)
def test_bad_data_is_refused_at_load(change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_tables(_broken(change))


def test_a_later_row_may_start_where_the_earlier_ends() -> None:
    files = raw_files()
    rows = [r for r in files["vat_rates"]["rate"] if r["country"] == "EE" and r["key"] == "standard"]
    assert [r.get("effective_to") for r in rows] == ["2024-01-01", "2025-07-01", None]
    parse_tables(files)  # touching ranges are not an overlap


def test_read_tables_reports_the_file_of_a_syntax_error(tmp_path: Path) -> None:
    for name in FILES:
        (tmp_path / f"{name}.toml").write_bytes((TAX_DATA_DIR / f"{name}.toml").read_bytes())
    (tmp_path / "duties.toml").write_text("duty = [ { broken", encoding="utf-8")
    with pytest.raises(ValueError, match=r"duties\.toml"):
        read_tables(tmp_path)
