"""The back-office dashboard: GET /admin/dashboard (figures, charts and tables for a range of days)
and GET /admin/dashboard/<table>.csv (each of its tables as CSV, for the same range)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_timedelta
from babel.lists import format_list
from litestar import Request, Response, get
from litestar.di import NamedDependency
from markupsafe import Markup
from moneyed import Money

from app.fx.services import FX_BASE
from app.i18n.formatting import babel_locale, format_date, format_money
from app.i18n.locales import ShopLocale
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.staff.auth import admin_locale, parse_date, render_admin, requires
from app.staff.charts import bar_chart, column_chart, day_bars, market_bars, money_ticks
from app.staff.csv_export import csv_document
from app.staff.dashboard import (
    BAD_DATE,
    MAX_RANGE_DAYS,
    DateRange,
    DayRevenue,
    FxAge,
    MarketRevenue,
    RangeRefused,
    TopProduct,
    hours,
    load_fx_ages,
    load_paid_orders,
    load_placed_and_carts,
    load_top_products,
    resolve_range,
    revenue_by_day,
    revenue_by_market,
    summarise,
)
from app.staff.rules import Permission, can
from app.staff.services import StaffMember
from app.staff.stock import LowStockRow, low_stock_variants
from app.web.state import request_shop

LOW_STOCK_ON_PAGE = 50
LOW_STOCK_CSV_PAGE = 500
LOW_STOCK_CSV_MAX = 100_000
NO_MARKET = N_("No market")
DAYS_TITLE = N_("Revenue by day")
DAYS_DESC = N_(
    "Net revenue in %(currency)s on each day from %(start)s to %(end)s: %(total)s in total, "
    "the highest %(best)s on %(best_day)s. The table below the chart has every day's figures."
)
MARKETS_TITLE = N_("Revenue by market")
MARKETS_DESC = N_(
    "Net revenue in %(currency)s by market from %(start)s to %(end)s, highest first: %(list)s. "
    "The table below has each market's figures."
)
NO_REVENUE_DESC = N_("No revenue from %(start)s to %(end)s.")


def today() -> date:
    return datetime.now(UTC).date()


def raw_range(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {key: request.query_params.get(key, "").strip()[:32] for key in ("from", "to")}


def requested_range(raw: dict[str, str]) -> DateRange:
    """The range in ?from=&to= (ISO dates, as <input type=date> sends them); empty means default."""
    start, end = parse_date(raw["from"]), parse_date(raw["to"])
    if (raw["from"] and start is None) or (raw["to"] and end is None):
        raise RangeRefused(BAD_DATE)
    return resolve_range(start, end, today())


# --- the page ---------------------------------------------------------------------------------


def fetched_ago(rows: Sequence[FxAge], locale: str, now: datetime) -> dict[str, str]:
    """How long ago each stored rate was fetched, in words (`3 hours ago`, `vor 2 Tagen`)."""
    return {
        row.currency: format_timedelta(row.fetched_at - now, locale=babel_locale(locale), add_direction=True)
        for row in rows
        if row.fetched_at is not None
    }


def chart_texts(
    locale: str,
    days: DateRange,
    total: Money,
    by_day: Sequence[DayRevenue],
    by_market: Sequence[MarketRevenue],
) -> dict[str, str]:
    """The charts' <title> and <desc>: what a screen reader says instead of the picture."""
    gettext = get_translations(locale).gettext
    span = {
        "start": format_date(days.start, locale),
        "end": format_date(days.end, locale),
        "currency": total.currency.code,
    }
    nothing = gettext(NO_REVENUE_DESC) % span
    best = max(by_day, key=lambda row: row.revenue.net.amount)
    days_desc = nothing
    if best.revenue.net.amount > 0:
        days_desc = gettext(DAYS_DESC) % {
            **span,
            "total": format_money(total, locale),
            "best": format_money(best.revenue.net, locale),
            "best_day": format_date(best.day, locale),
        }
    markets = format_list(
        [f"{row.market or gettext(NO_MARKET)} {format_money(row.revenue.net, locale)}" for row in by_market],
        locale=babel_locale(locale),
    )
    return {
        "days_title": gettext(DAYS_TITLE),
        "days_desc": days_desc,
        "markets_title": gettext(MARKETS_TITLE),
        "markets_desc": gettext(MARKETS_DESC) % {**span, "list": markets} if by_market else nothing,
    }


def charts(
    locale: ShopLocale,
    days: DateRange,
    total: Money,
    by_day: Sequence[DayRevenue],
    by_market: Sequence[MarketRevenue],
) -> dict[str, Markup | None]:
    texts = chart_texts(locale.code, days, total, by_day, by_market)
    no_market = get_translations(locale.code).gettext(NO_MARKET)
    return {
        "days_chart": column_chart(
            day_bars(by_day, locale.code),
            chart_id="chart-days",
            title=texts["days_title"],
            description=texts["days_desc"],
            tick_text=money_ticks(total.currency.code, locale.code),
            rtl=locale.rtl,
        ),
        "markets_chart": bar_chart(
            market_bars(by_market, locale.code, no_market),
            chart_id="chart-markets",
            title=texts["markets_title"],
            description=texts["markets_desc"],
            rtl=locale.rtl,
        )
        if by_market
        else None,
    }


@get("/dashboard", name="admin-dashboard", guards=[requires(Permission.VIEW_DASHBOARD)])
async def dashboard(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    locale = admin_locale(request, staff)
    raw = raw_range(request)
    context: dict[str, Any] = {"values": raw, "max_days": MAX_RANGE_DAYS, "figures": None}
    try:
        days = requested_range(raw)
    except RangeRefused as refused:
        context.update(error=refused.message, error_params=refused.params)
        return render_admin(request, "admin/dashboard.html", context, member=staff, status=400)
    settings = request_shop(request).settings
    currency = settings.shop_currency
    now = datetime.now(UTC)
    fx = await load_fx_ages(settings.fx_max_age_hours, now)
    paid = await load_paid_orders(days)
    placed, carts = await load_placed_and_carts(days)
    figures = summarise(paid, currency, placed, carts)
    by_day = revenue_by_day(paid, days, currency)
    by_market = revenue_by_market(paid, currency)
    context.update(
        charts(locale, days, figures.revenue.net, by_day, by_market),
        values=days.query(),
        query=days.query(),
        days=days,
        currency=currency,
        figures=figures,
        by_day=by_day,
        by_market=by_market,
        top_products=await load_top_products(days, currency, locale.code),
        low_stock=await low_stock_variants(locale.code, limit=LOW_STOCK_ON_PAGE),
        low_stock_page=LOW_STOCK_ON_PAGE,
        fx=fx,
        fx_base=FX_BASE,
        fetched_ago=fetched_ago(fx, locale.code, now),
        fx_max_age_hours=hours(settings.fx_max_age_hours),
        can_edit_products=can(staff.identity, Permission.MANAGE_CATALOG),
        no_market=NO_MARKET,
    )
    return render_admin(request, "admin/dashboard.html", context, member=staff)


# --- CSV --------------------------------------------------------------------------------------


def _amount(money: Any) -> str:
    """A plain decimal (`12.50`, `1200`): what a spreadsheet reads as a number in any locale."""
    return str(money.amount)


def day_rows(rows: Sequence[DayRevenue], currency: str) -> list[list[Any]]:
    return [["day", "orders", "gross", "refunds", "net", "currency"]] + [
        [
            row.day.isoformat(),
            row.revenue.orders,
            _amount(row.revenue.gross),
            _amount(row.revenue.refunds),
            _amount(row.revenue.net),
            currency,
        ]
        for row in rows
    ]


def market_rows(rows: Sequence[MarketRevenue], currency: str) -> list[list[Any]]:
    return [["market", "orders", "gross", "refunds", "net", "currency"]] + [
        [
            row.market,
            row.revenue.orders,
            _amount(row.revenue.gross),
            _amount(row.revenue.refunds),
            _amount(row.revenue.net),
            currency,
        ]
        for row in rows
    ]


def product_rows(rows: Sequence[TopProduct], currency: str) -> list[list[Any]]:
    return [["product_code", "name", "units", "revenue", "currency"]] + [
        [row.code, row.name, row.units, _amount(row.revenue), currency] for row in rows
    ]


def low_stock_rows(rows: Sequence[LowStockRow]) -> list[list[Any]]:
    return [["product_code", "product_name", "sku", "stock", "threshold"]] + [
        [row.product_code, row.product_name, row.sku, row.stock, row.threshold] for row in rows
    ]


def fx_rows(rows: Sequence[FxAge]) -> list[list[Any]]:
    return [["currency", "rate", "source", "kind", "as_of", "fetched_at", "age_hours", "stale"]] + [
        [
            row.currency,
            "" if row.rate is None else str(row.rate),
            row.source,
            row.kind,
            row.as_of.isoformat() if row.as_of else "",
            row.fetched_at.isoformat() if row.fetched_at else "",
            "" if row.age_hours is None else str(row.age_hours),
            "yes" if row.stale else "no",
        ]
        for row in rows
    ]


async def all_low_stock(locale: str) -> list[LowStockRow]:
    """Every low-stock variant, page by page (bounded)."""
    rows: list[LowStockRow] = []
    while len(rows) < LOW_STOCK_CSV_MAX:
        page = await low_stock_variants(locale, limit=LOW_STOCK_CSV_PAGE, offset=len(rows))
        rows.extend(page)
        if len(page) < LOW_STOCK_CSV_PAGE:
            break
    return rows


async def table_rows(
    name: str, days: DateRange, currency: str, locale: str, max_age_hours: float
) -> list[list[Any]]:
    if name == "days":
        return day_rows(revenue_by_day(await load_paid_orders(days), days, currency), currency)
    if name == "markets":
        return market_rows(revenue_by_market(await load_paid_orders(days), currency), currency)
    if name == "products":
        return product_rows(await load_top_products(days, currency, locale), currency)
    if name == "low-stock":
        return low_stock_rows(await all_low_stock(locale))
    return fx_rows(await load_fx_ages(max_age_hours))


CSV_TABLES = ("days", "markets", "products", "low-stock", "fx")


def csv_response(rows: Sequence[Sequence[Any]], filename: str) -> Response[Any]:
    # With a BOM: spreadsheet programs read UTF-8 (product names in Japanese, Arabic) only with it.
    return Response(
        csv_document(rows[0], rows[1:], bom=True),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@get(
    [f"/dashboard/{name}.csv" for name in CSV_TABLES],
    name="admin-dashboard-csv",
    guards=[requires(Permission.VIEW_DASHBOARD)],
)
async def dashboard_csv(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]
) -> Response[Any]:
    name = request.url.path.rsplit("/", 1)[-1].removesuffix(".csv")
    locale = admin_locale(request, staff).code
    try:
        days = requested_range(raw_range(request))
    except RangeRefused as refused:
        message = get_translations(locale).gettext(refused.message) % refused.params
        return Response(message, status_code=400, media_type="text/plain; charset=utf-8")
    settings = request_shop(request).settings
    rows = await table_rows(name, days, settings.shop_currency, locale, settings.fx_max_age_hours)
    return csv_response(rows, f"dashboard-{name}-{days.start.isoformat()}-{days.end.isoformat()}.csv")


DASHBOARD_HANDLERS: list[Callable[..., Any]] = [dashboard, dashboard_csv]
