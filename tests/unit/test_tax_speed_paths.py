"""The engine's fast paths give what the plain code gives: the one-pass input check agrees with
`rules._check`, the list split with `common.shares`, `charges.with_changes` with `dataclasses.replace`,
and `Outcome.warn` still keeps one warning per (code, message, params)."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from app.tax.charges import with_changes
from app.tax.common import Outcome, shares, split_shares
from app.tax.model import ChargeLine, QuoteError, QuoteLine, QuoteWarning, Shipment
from app.tax.rules import _check, _valid
from tests.unit.test_tax_builders import line, shipment


def _check_code(ship: Shipment) -> str | None:
    try:
        _check(ship)
    except QuoteError as error:
        return error.code
    except (TypeError, InvalidOperation, AttributeError) as error:
        return type(error).__name__
    return None


def _odd_line(rng: random.Random) -> QuoteLine:
    good = line("12.50")
    field: str
    value: Any
    field, value = rng.choice(
        [
            ("unit_value", Decimal("-1")),
            ("unit_value", Decimal("NaN")),
            ("unit_value", 12.5),
            ("quantity", 0),
            ("quantity", True),
            ("quantity", 2.0),
            ("tax_class", "luxury"),
            ("duty_rate", Decimal("-0.5")),
            ("duty_rate", "4.7"),
            ("duty_rate", Decimal("Infinity")),
            ("origin", "CHN"),
            ("origin", ""),
        ]
    )
    changes: dict[str, Any] = {field: value}
    return replace(good, **changes)


def test_valid_agrees_with_check() -> None:
    """`_valid` True means `_check` passes; False sends the shipment to `_check` (which may still pass
    it: e.g. an infinite duty rate, which `_check` never refused)."""
    rng = random.Random(7)
    accepted = 0
    for _ in range(3000):
        lines = [line("12.50", hs=rng.choice(["610910", "490199", None])) for _ in range(rng.randint(0, 3))]
        if lines and rng.random() < 0.5:
            lines[rng.randrange(len(lines))] = _odd_line(rng)
        changes: dict[str, Any] = {}
        if rng.random() < 0.2:
            changes["shipment_kind"] = rng.choice(["B2C_sale", "gift_C2C", "B2B", "CBEC"])
        if rng.random() < 0.2:
            changes["channel"] = rng.choice([None, "post", "courier", "pigeon"])
        if rng.random() < 0.2:
            changes["incoterm"] = rng.choice([None, "DDP", "DAP", "EXW"])
        if rng.random() < 0.2:
            changes["seller_registrations"] = frozenset(
                rng.sample(["IOSS", "OSS", "US_SALES_TAX:NY", "US_SALES_TAX:NYC", "BOGUS"], 2)
            )
        if rng.random() < 0.1:
            changes["shipping_charged"] = rng.choice([Decimal("-1"), Decimal("sNaN"), 9.9, Decimal("4")])
        ship = replace(shipment("DE", lines), **changes)
        try:
            fast = _valid(ship)
        except Exception:  # the caller then runs _check
            fast = False
        expected = _check_code(ship)
        assert not fast or expected is None, (ship, expected)
        accepted += fast
        if expected is None and not any(
            isinstance(x.duty_rate, Decimal) and not x.duty_rate.is_finite() for x in ship.lines
        ):
            assert fast, ship  # every plain valid shipment takes the fast path
    assert accepted > 500


def test_split_shares_is_shares_as_a_list() -> None:
    """Equal reprs (exponents included), also for amounts past the Decimal path's 10**12 minor units,
    positive exponents, negative and all-zero amounts (which `split_shares` hands to `shares`)."""
    rng = random.Random(11)
    for _ in range(20000):
        currency = rng.choice(["EUR", "JPY", "KWD", "HUF", "NOK"])
        exponent = rng.choice([0, -1, -2, -3, 2])
        digits = 15 if rng.random() < 0.05 else 7

        def amount(lowest: int, digits: int, exponent: int) -> Decimal:
            return Decimal(rng.randint(lowest if rng.random() < 0.03 else 0, 10**digits)).scaleb(exponent)

        values = [amount(-3, rng.randint(0, digits), exponent) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.03:  # a negative zero (a "-0" unit value passes the input checks)
            values[rng.randrange(len(values))] = Decimal("-0").scaleb(exponent)
        total = amount(-2, rng.randint(0, digits - 1), rng.choice([0, -2, -3, 1]))
        try:
            expected: object = shares(total, dict(enumerate(values)), currency)
            expected = [expected[i] for i in range(len(values))]  # type: ignore[index]
        except Exception as error:  # both must fail alike
            expected = repr(error)
        try:
            got: object = split_shares(total, values, currency)
        except Exception as error:
            got = repr(error)
        assert repr(got) == repr(expected), (total, values, currency)
    assert split_shares(Decimal("1"), [], "EUR") == []


def test_with_changes_is_replace() -> None:
    charge = ChargeLine(
        "tax",
        "VAT",
        Decimal("20"),
        Decimal("10.00"),
        Decimal("2.00"),
        "R",
        "S1",
        "E",
        {"rate": "20%"},
        "delivery",
    )
    for changes in (
        {"collected": "checkout"},
        {"estimate": True},
        {"base": Decimal("8.00"), "included": True},
    ):
        fast = with_changes(charge, **changes)
        assert fast == replace(charge, **changes)
        assert repr(fast) == repr(replace(charge, **changes))
        assert charge.collected == "delivery" and not charge.included  # the original is untouched


def test_warn_keeps_one_of_each_warning() -> None:
    outcome = Outcome("R", "E")
    outcome.warn("a", "A %(x)s", x=1)
    outcome.warn("a", "A %(x)s", x="1")  # the same once shown: not repeated
    outcome.warn("a", "A %(x)s", x=2)
    outcome.warn("b", "B")
    outcome.warn("b", "B")
    assert outcome.warnings == [
        QuoteWarning("a", "A %(x)s", {"x": "1"}),
        QuoteWarning("a", "A %(x)s", {"x": "2"}),
        QuoteWarning("b", "B", {}),
    ]


@pytest.mark.parametrize(
    "hs_codes", [("610910", "490199", "950300"), ("610910", "610910", None), (None, "", "1")]
)
def test_quotes_do_not_depend_on_cart_order(hs_codes: tuple[str | None, ...]) -> None:
    from tests.unit.test_tax_builders import quote

    lines = [line("20.00", hs=hs, description=f"item {i}", duty_rate="2") for i, hs in enumerate(hs_codes)]
    first = quote(shipment("US", lines, currency="USD"))
    again = quote(shipment("US", list(reversed(lines)), currency="USD"))
    assert first == again


def test_charge_helpers_refuse_params_they_set_themselves() -> None:
    """The cheaper clash checks still refuse a message param named like what the helper sets."""
    from app.tax.charges import rated_charge, resolve_vat_rate, sale_vat
    from app.tax.data import tax_tables
    from app.tax.rules import _context
    from tests.unit.test_tax_builders import TODAY, FixedRates

    ctx = _context(shipment("DE"), tax_tables(), FixedRates(), TODAY)
    dated = ctx.destination.dated
    with pytest.raises(TypeError, match=r"\['description'\]"):
        sale_vat(ctx, Outcome("R", "E"), ctx.lines, rule="R", dated=dated, explanation="E", description="x")
    rate, _ = resolve_vat_rate(ctx.tables, "DE", "standard", TODAY)
    with pytest.raises(TypeError, match=r"\['amount'\]"):
        rated_charge(
            ctx, "tax", "N", rate, base=Decimal("1"), explanation="E", collected="checkout", amount="1"
        )
