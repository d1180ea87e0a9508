"""The engine's speed-ups change no answer: indexed, memoised table look-ups give what a linear scan
gives, objects built field by field equal the dataclass-built ones, the cheaper canonical sort gives
the full key's order, and the inline share split is app.core.money.allocate's."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from app.core.money import allocate, minor_unit, quantize
from app.tax.common import Context, shares
from app.tax.data import tax_tables
from app.tax.model import ChargeLine, TaxTables
from app.tax.rules import _canonical, _canonical_order, _context
from tests.unit.test_tax_builders import TODAY, FixedRates, line, quote, shipment

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
            assert tables.params_on(on).get(param.id) == expected_param
        assert all(tables.param(i, on) is p for i, p in tables.params_on(on).items())
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


def rebuilt(instance: Any) -> Any:
    """The same object built by its dataclass __init__ (fields with init=False derived by it)."""
    cls = type(instance)
    return cls(**{f.name: getattr(instance, f.name) for f in fields(cls) if f.init})


def test_assembled_answers_equal_dataclass_built_ones() -> None:
    """The hot paths' objects, built field by field into their __dict__, have every field and equal
    what the dataclass __init__ builds: the quote, its charge lines and warnings, the context and
    its priced lines."""
    warned = 0
    for ship in (
        shipment("DE", registrations=["IOSS"]),
        shipment("FR", [line("300.00"), line("20.00", hs=None, duty_rate="2")]),
        shipment("US", currency="USD", registrations=["US_SALES_TAX:NY"], region="NY"),
        shipment("GB", registrations=["UK_VAT"], currency="GBP"),
        shipment("NO", [line("10.00", hs="4901", tax_class="books")], incoterm="DAP"),
    ):
        result = quote(ship)
        assert rebuilt(result) == result and vars(rebuilt(result)) == vars(result)
        assert result.charges
        warned += len(result.warnings)
        for charge in result.charges:
            assert set(vars(charge)) == {f.name for f in fields(ChargeLine)}
            assert ChargeLine(**vars(charge)) == charge
        for warning in result.warnings:
            assert vars(rebuilt(warning)) == vars(warning)
        ctx = _context(ship, tax_tables(), FixedRates(), TODAY)
        assert set(vars(ctx)) == {f.name for f in fields(Context)}
        assert vars(rebuilt(ctx)) == vars(ctx)
        for priced in ctx.lines:
            assert vars(rebuilt(priced)) == vars(priced)  # `hs` too, derived by __post_init__
    assert warned


def test_canonical_order_is_the_full_key_order() -> None:
    """Sorting by the HS code alone when the codes are all given and differ is the `_canonical`
    order; repeated or missing codes take the full key."""
    rng = random.Random(5)
    codes = ["610910", "490199", "950300", "61", "", None]
    for _ in range(2000):
        lines = tuple(
            line(
                rng.choice(["5.00", "12.50"]),
                hs=rng.choice(codes),
                origin=rng.choice(["CN", "JP"]),
                description=rng.choice(["a", "b"]),
                quantity=rng.choice([1, 2]),
            )
            for _ in range(rng.randint(0, 4))
        )
        assert _canonical_order(lines) == sorted(lines, key=_canonical)


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
