"""The SVG charts (pure): well-formed images with a title and description, bars in proportion,
escaped text, mirrored for right-to-left pages, labels formatted by Babel in the reader's locale."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from app.staff.charts import (
    COLUMN_HEIGHT,
    TICKS,
    Bar,
    bar_chart,
    column_chart,
    day_bars,
    market_bars,
    money_ticks,
    nice_ceiling,
)
from app.staff.dashboard import DayRevenue, MarketRevenue, Revenue

SVG = "{http://www.w3.org/2000/svg}"


def svg(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (our own output, parsed to check it is well-formed)


def days_chart(bars: list[Bar], rtl: bool = False) -> ET.Element:
    return svg(
        column_chart(
            bars,
            chart_id="days",
            title="Revenue by day",
            description="Net revenue on each day.",
            tick_text=lambda value: f"€{value}",
            rtl=rtl,
        )
    )


def rects(root: ET.Element) -> list[dict[str, Decimal]]:
    return [
        {key: Decimal(rect.attrib[key]) for key in ("x", "y", "width", "height")}
        for rect in root.iter(f"{SVG}rect")
    ]


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def revenue(net: str, currency: str = "EUR", orders: int = 1) -> Revenue:
    amount = Money(net, currency)
    return Revenue(orders, amount, Money(0, currency), amount)


@pytest.mark.parametrize(
    ("value", "top"),
    [
        ("0", "1"),
        ("-3", "1"),
        ("0.3", "0.4"),
        ("1", "1"),
        ("1.01", "2"),
        ("3", "4"),
        ("4.5", "6"),
        ("7", "8"),
        ("8.01", "10"),
        ("99", "100"),
        ("100", "100"),
        ("1234.50", "2000"),
        ("61000", "80000"),
    ],
)
def test_the_axis_top_is_a_round_number_with_round_quarters(value, top) -> None:
    assert nice_ceiling(Decimal(value)) == Decimal(top)
    assert "E" not in str(nice_ceiling(Decimal(value)))


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**15), places=2))
def test_the_axis_top_is_never_below_the_value_nor_ten_times_above(value: Decimal) -> None:
    top = nice_ceiling(value)
    assert value <= top < value * 10


def test_a_column_chart_is_an_image_named_by_its_title_and_description() -> None:
    root = days_chart(
        [Bar("Mar 1", Decimal("100"), "€100.00", "March 1, 2026"), Bar("Mar 2", Decimal(0), "€0.00")]
    )
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "days-title days-desc"
    assert root.find(f"{SVG}title").attrib["id"] == "days-title"  # type: ignore[union-attr]
    assert root.find(f"{SVG}title").text == "Revenue by day"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Net revenue on each day."  # type: ignore[union-attr]
    tooltips = [rect.find(f"{SVG}title").text for rect in root.iter(f"{SVG}rect")]  # type: ignore[union-attr]
    assert tooltips == ["March 1, 2026: €100.00", "Mar 2: €0.00"]
    assert root.attrib["direction"] == "ltr"
    assert ["€0", "€25", "€50", "€75", "€100"] == texts(root)[: TICKS + 1]


def test_bars_are_in_proportion_and_share_one_baseline() -> None:
    root = days_chart([Bar("a", Decimal(100), "100"), Bar("b", Decimal(50), "50"), Bar("c", Decimal(0), "0")])
    a, b, c = rects(root)
    assert a["height"] == 2 * b["height"] and c["height"] == 0
    assert a["y"] + a["height"] == b["y"] + b["height"] == c["y"] + c["height"] < COLUMN_HEIGHT
    assert a["x"] < b["x"] < c["x"]


def test_a_negative_value_draws_as_no_bar() -> None:
    [bar] = rects(days_chart([Bar("a", Decimal(-5), "-5")]))
    assert bar["height"] == 0


def test_right_to_left_mirrors_the_bars_and_says_so() -> None:
    bars = [Bar(f"d{n}", Decimal(n), str(n)) for n in range(1, 5)]
    ltr, rtl = days_chart(bars), days_chart(bars, rtl=True)
    assert rtl.attrib["direction"] == "rtl"
    left, right = rects(ltr), rects(rtl)
    assert [r["x"] for r in right] == sorted((r["x"] for r in right), reverse=True)
    width = Decimal(ltr.attrib["viewBox"].split()[2])
    for a, b in zip(left, right, strict=True):
        assert a["x"] + b["x"] + b["width"] == width and a["height"] == b["height"]


def test_a_long_range_labels_at_most_eight_days_but_draws_every_bar() -> None:
    root = days_chart([Bar(f"day {n}", Decimal(n), str(n)) for n in range(366)])
    assert len(rects(root)) == 366
    day_labels = [t for t in texts(root) if t.startswith("day ")]
    assert 1 < len(day_labels) <= 8 and day_labels[0] == "day 0"


def test_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & "quotes"'
    markup = str(
        column_chart(
            [Bar(hostile, Decimal(1), hostile)],
            chart_id='x" onload="alert(1)',
            title=hostile,
            description=hostile,
            tick_text=str,
        )
    )
    assert "<script>" not in markup and 'onload="' not in markup
    root = svg(markup)  # still well-formed
    assert root.find(f"{SVG}title").text == hostile  # type: ignore[union-attr]


def test_a_bar_chart_labels_each_row_and_writes_its_value_after_the_bar() -> None:
    bars = [Bar("eu", Decimal("100.00"), "€100.00"), Bar("us", Decimal("27.75"), "€27.75")]
    root = svg(bar_chart(bars, chart_id="markets", title="By market", description="eu €100.00, us €27.75"))
    assert root.attrib["role"] == "img" and root.attrib["aria-labelledby"] == "markets-title markets-desc"
    assert texts(root) == ["eu", "€100.00", "us", "€27.75"]
    eu, us = rects(root)
    # 500 units wide for 100.00, so 27.75 draws 138.75, written to a tenth.
    assert eu["x"] == us["x"] and eu["width"] == 500 and us["width"] == Decimal("138.8")
    mirrored = rects(svg(bar_chart(bars, chart_id="m", title="t", description="d", rtl=True)))
    width = Decimal(root.attrib["viewBox"].split()[2])
    assert mirrored[0]["x"] + mirrored[0]["width"] == width - eu["x"]


def test_an_empty_chart_is_still_a_valid_image() -> None:
    for markup in (
        column_chart([], chart_id="e", title="t", description="d", tick_text=str),
        bar_chart([], chart_id="e", title="t", description="d"),
    ):
        root = svg(markup)
        assert root.attrib["role"] == "img" and not rects(root)


def test_no_float_in_any_coordinate() -> None:
    root = days_chart([Bar("a", Decimal("0.1"), "x"), Bar("b", Decimal("0.3"), "y")])
    for element in root.iter():
        for key in ("x", "y", "x1", "x2", "y1", "y2", "width", "height"):
            if key in element.attrib and element.attrib[key] != "100%":
                value = element.attrib[key]
                assert "e" not in value.lower() and Decimal(value) == Decimal(value).quantize(Decimal("0.1"))


# --- Babel formatting ---------------------------------------------------------------------------


def test_day_bars_are_labelled_in_the_readers_locale() -> None:
    rows = [DayRevenue(date(2026, 3, 1), revenue("1234.50"))]
    [english] = day_bars(rows, "en")
    assert (english.label, english.text, english.name) == ("Mar 1", "€1,234.50", "March 1, 2026")
    [german] = day_bars(rows, "de")
    assert (german.label, german.text, german.name) == ("1. März", "1.234,50\xa0€", "1. März 2026")
    assert german.value == Decimal("1234.50")
    [japanese] = day_bars(rows, "ja")
    assert japanese.label == "3月1日"


def test_market_bars_name_orders_without_a_market() -> None:
    rows = [MarketRevenue("eu", revenue("10.00")), MarketRevenue("", revenue("5.00"))]
    assert [(bar.label, bar.text) for bar in market_bars(rows, "fr", "Sans marché")] == [
        ("eu", "10,00\xa0€"),
        ("Sans marché", "5,00\xa0€"),
    ]


@pytest.mark.parametrize(
    ("locale", "currency", "value", "text"),
    [
        ("en", "EUR", "1500", "€1.5K"),
        ("en", "EUR", "0", "€0"),
        ("ja", "JPY", "100000", "￥10万"),
        ("de", "EUR", "500", "500\xa0€"),
    ],
)
def test_axis_ticks_are_short_and_localised(locale, currency, value, text) -> None:
    assert money_ticks(currency, locale)(Decimal(value)) == text
