"""Server-rendered SVG bar charts (pure): readable without JavaScript, named for screen readers by
their <title> and <desc> (the page shows the same numbers in a table next to each chart), and
mirrored on right-to-left pages. Values and dates are formatted by Babel in the reader's locale.

Geometry is Decimal arithmetic, like the money it draws: no float anywhere on this path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_skeleton
from babel.numbers import format_compact_currency
from markupsafe import Markup

from app.i18n.formatting import babel_locale, format_date, format_money
from app.staff.dashboard import DayRevenue, MarketRevenue

WIDTH = Decimal(720)
COLUMN_HEIGHT = Decimal(240)
ROW_HEIGHT = Decimal(28)
AXIS = Decimal(72)  # room for the value axis (column chart) or the labels (bar chart)
VALUE_ROOM = Decimal(140)  # room after the longest bar for its value
TOP, BOTTOM, SIDE = Decimal(12), Decimal(36), Decimal(8)
TICKS = 4
MAX_DAY_LABELS = 8
BAR_FILL = "#2f6f9f"
GRID = "#c8c8c8"
INK = "currentColor"


@dataclass(frozen=True)
class Bar:
    label: str  # shown by the bar (already formatted)
    value: Decimal  # what the bar's length stands for; a negative value draws as zero
    text: str  # the formatted value (the bar's tooltip and, in bar charts, its data label)
    name: str = ""  # the label in full for the tooltip (a long date), when `label` is short

    @property
    def tooltip(self) -> str:
        return f"{self.name or self.label}: {self.text}"


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 4, 6 or 8 times a power of ten at least `value`: an axis maximum whose
    quarters (the gridlines) are round numbers too; 1 for nothing to show."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** value.adjusted()  # plain digits, never `2E+3`
    for step in (Decimal(1), Decimal(2), Decimal(4), Decimal(6), Decimal(8)):
        if step * power >= value:
            return step * power
    return 10 * power


def _n(value: Decimal) -> str:
    """A coordinate with one decimal at most (SVG wants plain dot-decimal numbers)."""
    text = format(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")
    return text[:-2] if text.endswith(".0") else text


def _x(x: Decimal, width: Decimal, rtl: bool) -> Decimal:
    """Mirror a left-to-right x coordinate (of a shape `width` wide) for a right-to-left page."""
    return WIDTH - x - width if rtl else x


def _tag(template: str, **values: object) -> Markup:
    """One SVG element: `template` is this module's literal markup, every value is escaped."""
    return Markup(template).format(**values)  # noqa: S704 (a constant template; format() escapes)


def _open(chart_id: str, height: Decimal, title: str, description: str, rtl: bool) -> list[Markup]:
    # `direction` is set either way: inline SVG inherits the page's, which would flip text anchors.
    return [
        _tag(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            'aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {height}" width="100%" '
            'preserveAspectRatio="xMidYMid meet" direction="{direction}" font-size="12" '
            'font-family="sans-serif">',
            id=chart_id,
            width=_n(WIDTH),
            height=_n(height),
            direction="rtl" if rtl else "ltr",
        ),
        _tag('<title id="{id}-title">{text}</title>', id=chart_id, text=title),
        _tag('<desc id="{id}-desc">{text}</desc>', id=chart_id, text=description),
    ]


def _close(parts: list[Markup]) -> Markup:
    return Markup("\n").join([*parts, Markup("</svg>")])


def column_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    tick_text: Callable[[Decimal], str],
    rtl: bool = False,
) -> Markup:
    """Vertical bars in reading order (a time series starts where reading starts: at the right
    on a right-to-left page), a value axis with `TICKS` gridlines labelled by `tick_text`, and at
    most `MAX_DAY_LABELS` labels under the bars."""
    top = nice_ceiling(max((bar.value for bar in bars), default=Decimal(0)))
    plot_width = WIDTH - AXIS - SIDE
    plot_height = COLUMN_HEIGHT - TOP - BOTTOM
    base = TOP + plot_height
    left = _x(AXIS, plot_width, rtl)
    parts = _open(chart_id, COLUMN_HEIGHT, title, description, rtl)
    for tick in range(TICKS + 1):
        y = base - plot_height * tick / TICKS
        parts.append(
            _tag(
                '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{stroke}" stroke-width="1"/>',
                x1=_n(left),
                x2=_n(left + plot_width),
                y=_n(y),
                stroke=GRID,
            )
        )
        parts.append(
            _tag(
                '<text x="{x}" y="{y}" text-anchor="end" fill="{ink}">{text}</text>',
                x=_n(_x(AXIS - 6, Decimal(0), rtl)),
                y=_n(y + 4),
                ink=INK,
                text=tick_text(top * tick / TICKS),
            )
        )
    slot = plot_width / max(len(bars), 1)
    bar_width = max(slot * Decimal("0.8"), Decimal(1))
    every = -(-len(bars) // MAX_DAY_LABELS) if bars else 1
    for index, bar in enumerate(bars):
        height = plot_height * max(bar.value, Decimal(0)) / top
        x = AXIS + slot * index + (slot - bar_width) / 2
        parts.append(
            _tag(
                '<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{fill}">'
                "<title>{tooltip}</title></rect>",
                x=_n(_x(x, bar_width, rtl)),
                y=_n(base - height),
                width=_n(bar_width),
                height=_n(height),
                fill=BAR_FILL,
                tooltip=bar.tooltip,
            )
        )
        if index % every == 0:
            parts.append(
                _tag(
                    '<text x="{x}" y="{y}" text-anchor="middle" fill="{ink}">{text}</text>',
                    x=_n(_x(x + bar_width / 2, Decimal(0), rtl)),
                    y=_n(base + 18),
                    ink=INK,
                    text=bar.label,
                )
            )
    return _close(parts)


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, description: str, rtl: bool = False
) -> Markup:
    """Horizontal bars, one row each: its label at the start, its value after the bar's end
    (bars grow from the right on a right-to-left page)."""
    top = max((bar.value for bar in bars), default=Decimal(0))
    top = top if top > 0 else Decimal(1)
    plot_width = WIDTH - AXIS - SIDE - VALUE_ROOM
    parts = _open(chart_id, TOP + ROW_HEIGHT * max(len(bars), 1) + SIDE, title, description, rtl)
    for index, bar in enumerate(bars):
        y = TOP + ROW_HEIGHT * index
        length = plot_width * max(bar.value, Decimal(0)) / top
        middle = _n(y + ROW_HEIGHT / 2 + 4)
        parts.append(
            _tag(
                '<text x="{x}" y="{y}" text-anchor="end" fill="{ink}">{text}</text>',
                x=_n(_x(AXIS - 8, Decimal(0), rtl)),
                y=middle,
                ink=INK,
                text=bar.label,
            )
        )
        parts.append(
            _tag(
                '<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{fill}">'
                "<title>{tooltip}</title></rect>",
                x=_n(_x(AXIS, length, rtl)),
                y=_n(y + 4),
                width=_n(length),
                height=_n(ROW_HEIGHT - 8),
                fill=BAR_FILL,
                tooltip=bar.tooltip,
            )
        )
        parts.append(
            _tag(
                '<text x="{x}" y="{y}" text-anchor="start" fill="{ink}">{text}</text>',
                x=_n(_x(AXIS + length + 6, Decimal(0), rtl)),
                y=middle,
                ink=INK,
                text=bar.text,
            )
        )
    return _close(parts)


# --- the dashboard's two charts ------------------------------------------------------------------


def money_ticks(currency: str, locale: str) -> Callable[[Decimal], str]:
    """Axis labels in the locale's short form (`€1.5K`, `1.500 €`, `€15万`)."""

    def tick(value: Decimal) -> str:
        return format_compact_currency(value, currency, locale=babel_locale(locale), fraction_digits=1)

    return tick


def day_label(row: DayRevenue, locale: str) -> str:
    """A short day (`Mar 1`, `1. März`, `3月1日`)."""
    return format_skeleton("MMMd", row.day, locale=babel_locale(locale))


def day_bars(rows: Sequence[DayRevenue], locale: str) -> list[Bar]:
    return [
        Bar(
            day_label(row, locale),
            row.revenue.net.amount,
            format_money(row.revenue.net, locale),
            format_date(row.day, locale, "long"),
        )
        for row in rows
    ]


def market_bars(rows: Sequence[MarketRevenue], locale: str, no_market: str) -> list[Bar]:
    return [
        Bar(row.market or no_market, row.revenue.net.amount, format_money(row.revenue.net, locale))
        for row in rows
    ]
