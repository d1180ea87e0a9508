"""The engine's speed-ups change no answer: indexed, memoised table look-ups give what a linear scan
gives, objects built by `assemble` equal the dataclass-built ones, and the inline share split is
app.core.money.allocate's."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal

from app.core.money import allocate, minor_unit, quantize
from app.tax.common import shares
from app.tax.data import tax_tables
from app.tax.model import ChargeLine, LandedCostQuote, TaxTables
from tests.unit.test_tax_builders import line, quote, shipment

DATES = [
    date(2020, 1, 1),
    date(2025, 8, 29),
    date(2026, 1, 1),
    date(2026, 7, 1),
    date(2026, 11, 25),
    date(2029, 1, 1),
]


def scan_vat(tables: TaxTables, country: str, key: str, on: date, region: str) -> object:
    rows = tables.vat_rates
    return next(
        (
            r
            for r in rows
            if r.country == country and r.region == region and r.key == key and r.dated.in_force(on)
        ),
        None,
    )


def test_indexed_lookups_match_a_linear_scan() -> None:
    tables = tax_tables()
    for on in DATES:
        for rate in tables.vat_rates:
            assert tables.vat_rate(rate.country, rate.key, on, rate.region) == scan_vat(
                tables, rate.country, rate.key, on, rate.region
            )
            assert tables.region_rates(rate.country, rate.region, on) == tuple(
                sorted(
                    (
                        r
                        for r in tables.vat_rates
                        if r.country == rate.country and r.region == rate.region and r.dated.in_force(on)
                    ),
                    key=lambda r: r.key,
                )
            )
        for row in tables.tax_classes:
            expected = next(
                (
                    r
                    for r in tables.tax_classes
                    if r.country == row.country and r.tax_class == row.tax_class and r.dated.in_force(on)
                ),
                None,
            )
            assert tables.class_row(row.country, row.tax_class, on) == expected
        for param in tables.params:
            expected_param = next(
                (p for p in tables.params if p.id == param.id and p.dated.in_force(on)), None
            )
            assert tables.param(param.id, on) == expected_param
        for destination in tables.destinations:
            expected_destination = next(
                (d for d in tables.destinations if d.country == destination.country and d.dated.in_force(on)),
                None,
            )
            assert tables.destination(destination.country, on) == expected_destination
        for duty in tables.duties:
            for hs in ("610910", "4901", "950300", "0901", "8517", "99"):
                best, best_len = None, -1
                for row in tables.duties:
                    if row.destination == duty.destination and row.dated.in_force(on):
                        length = row.matches(hs)
                        if length > best_len:
                            best, best_len = row, length
                assert tables.duty_row(duty.destination, hs, on) == best
        for preference in tables.preferences:
            for origin in ("GB", "DE", "CN", "JP"):
                expected_preference = next(
                    (
                        p
                        for p in tables.preferences
                        if p.destination == preference.destination
                        and origin in p.origins
                        and p.dated.in_force(on)
                    ),
                    None,
                )
                assert tables.preference(preference.destination, origin, on) == expected_preference
    assert tables.vat_rate("XX", "standard", DATES[0]) is None
    assert tables.destination("XX", DATES[0]) is None


def test_replaced_tables_do_not_share_answers() -> None:
    tables = tax_tables()
    on = date(2026, 11, 25)
    assert tables.vat_rate("DE", "standard", on) is not None
    emptied = replace(tables, vat_rates=())
    assert emptied.vat_rate("DE", "standard", on) is None
    assert emptied == replace(tables, vat_rates=())  # the memo takes no part in equality


def test_assembled_answers_equal_dataclass_built_ones() -> None:
    for ship in (
        shipment("DE", registrations=["IOSS"]),
        shipment("FR", [line("300.00")]),
        shipment("US", currency="USD"),
        shipment("GB", registrations=["UK_VAT"], currency="GBP"),
    ):
        result = quote(ship)
        rebuilt = LandedCostQuote(**{f.name: getattr(result, f.name) for f in fields(LandedCostQuote)})
        assert rebuilt == result and vars(rebuilt) == vars(result)
        assert result.charges
        for charge in result.charges:
            assert set(vars(charge)) == {f.name for f in fields(ChargeLine)}
            assert ChargeLine(**vars(charge)) == charge


def reference_shares(total: Decimal, weights: dict[int, Decimal], currency: str) -> dict[int, Decimal]:
    unit = minor_unit(currency)
    keys = sorted(weights)
    minor = [int((weights[k] / unit).to_integral_value()) for k in keys]
    if sum(minor) == 0:
        minor = [1] * len(keys)
    parts = allocate(int((quantize(total, currency) / unit).to_integral_value()), minor)
    return {k: Decimal(p) * unit for k, p in zip(keys, parts, strict=True)}


def test_shares_split_as_allocate_does() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        currency = rng.choice(["EUR", "JPY", "NOK", "BHD"])
        weights = {
            k: Decimal(rng.choice([0, rng.randint(0, 10**6)])) / 100
            for k in rng.sample(range(8), rng.randint(1, 5))
        }
        total = Decimal(rng.choice([0, rng.randint(0, 10**5)])) / rng.choice([1, 100, 1000])
        expected = reference_shares(total, weights, currency)
        got = shares(total, weights, currency)
        assert got == expected
        assert [str(v) for v in got.values()] == [str(v) for v in expected.values()]  # exponents too
