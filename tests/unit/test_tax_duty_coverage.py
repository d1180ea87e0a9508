"""Every HS code of the demo catalogue has a default duty row at every destination that levies duty.

The tariff key is the destination's regime ("EU" for the 27 members, the country otherwise), as in
app/tax/eu.py, europe.py, americas.py and asia_pacific.py. Switzerland taxes agricultural chapters
(01-24) by gross weight: the engine refuses those lines without a line duty rate, so they are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from app.core.settings import PROJECT_ROOT
from app.tax.data import read_tables
from app.tax.model import QuoteError, TaxTables
from tests.unit.test_tax_builders import line, quote, shipment

ON = date(2026, 12, 1)
PRODUCTS = PROJECT_ROOT / "data" / "demo" / "products"


def _hs_codes(node: Any) -> Iterator[str]:
    """Every "hs_code" in a product file (products and any nested variants), digits only."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "hs_code" and value:
                yield "".join(ch for ch in str(value) if ch.isdigit())
            else:
                yield from _hs_codes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _hs_codes(item)


def demo_hs_codes() -> list[str]:
    codes: set[str] = set()
    for path in sorted(PRODUCTS.glob("*.json")):
        codes.update(_hs_codes(json.loads(path.read_text("utf-8"))))
    return sorted(code for code in codes if code)


def tariff_keys(tables: TaxTables) -> dict[str, str]:
    """Tariff key -> one destination country using it, for every destination in force on ON."""
    keys: dict[str, str] = {}
    for row in tables.destinations:
        if row.dated.in_force(ON):
            keys.setdefault(row.regime, row.country)
    return keys


TABLES = read_tables()
CODES = demo_hs_codes()
KEYS = tariff_keys(TABLES)


def test_the_demo_catalogue_and_the_destinations_are_found() -> None:
    assert len(CODES) >= 60
    assert {"EU", "GB", "NO", "CH", "US", "CA", "AU", "NZ", "JP", "KR", "CN", "SG"} <= set(KEYS)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_demo_hs_code_has_a_duty_row(key: str) -> None:
    missing = [code for code in CODES if TABLES.duty_row(key, code, ON) is None]
    assert missing == [], f"{key}: no duty row for {missing}"


def test_estimated_rows_are_flagged_unverified() -> None:
    # rows from general knowledge (X-GEN) are estimates, never High/Medium
    for row in TABLES.duties:
        if "X-GEN" in row.dated.source.split(","):
            assert row.dated.confidence == "UNVERIFIED", row
            assert row.dated.is_estimate, row


def test_the_us_table_has_no_catch_all() -> None:
    # an HS code outside the table stays an error at the US border (toys, 9503)
    assert TABLES.duty_row("US", "950300", ON) is None


# One line per demo HS code, priced above every low-value threshold (EUR 1,200: over EUR 150, GBP 135,
# A$/NZ$ 1,000, S$ 400, US$ 150 and JPY 10,000; under the US formal-entry US$ 2,500; over China's
# RMB 5,000 CBEC limit, so a single item takes the full-duty path). Each quote must succeed and carry
# a duty line: the engine chose the tariff key and found a row.
VALUE = "1200.00"
REGIONS = {"CA": "ON"}  # Canada needs a province


@pytest.mark.parametrize("country", sorted(KEYS.values()))
def test_quotes_for_demo_goods_charge_duty_from_the_table(country: str) -> None:
    key = next(k for k, c in KEYS.items() if c == country)
    kind = "CBEC" if key == "CN" else "B2C_sale"
    failed: list[str] = []
    for code in CODES:
        ship = shipment(
            country,
            [line(VALUE, hs=code, origin="CN")],
            on=ON.isoformat(),
            kind=kind,
            region=REGIONS.get(country),
        )
        try:
            result = quote(ship)
        except QuoteError as error:
            failed.append(f"{code}: {error.code}")
            continue
        if not any(charge.rule.startswith(f"DUTY:{key}:") for charge in result.duties):
            failed.append(f"{code}: no duty line")
    assert failed == [], f"{country}: {failed}"
