"""The back-office dashboard through real HTTP: who may open it, the exact figures it shows (revenue
by day and market net of refunds, in settlement amounts, without pending or cancelled orders;
orders, average order value, conversion, top products, low stock, FX ages), its charts, the date
range and its refusals, and the CSV export of each table."""

from __future__ import annotations

import csv
import dataclasses
import io
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.cart.tables import Cart
from app.catalog.services import load_catalog
from app.checkout.services import place_order
from app.core.settings import get_settings
from app.orders.rules import Status
from app.orders.services import transition_order
from app.orders.tables import Order, OrderLine
from app.payments.providers import TestProvider
from app.payments.services import refund_order
from app.staff.rules import Role
from app.staff.services import set_ui_locale
from tests.builders import (
    build_catalog,
    cart_with,
    checkout_request,
    pricer_in,
    product,
    store_rates,
    test_card,
)
from tests.functional.admin import SETUP, forget_admin_store, login, make_staff
from tests.html import links, tags, text

PAGE = "/admin/dashboard"
TABLES = ("days", "markets", "products", "low-stock", "fx")
RANGE = {"from": "2026-03-01", "to": "2026-03-03"}


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def as_role(client, role: Role, ui_locale: str = "en") -> None:
    member = await make_staff(role, locales=frozenset({"de"}))
    if ui_locale != "en":
        await set_ui_locale(SETUP, member.id, ui_locale)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303


def at(day: str, clock: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+00:00")


async def order(
    *,
    market: str,
    status: Status,
    settlement_minor: int,
    created: datetime,
    paid: datetime | None = None,
    refunded_minor: int = 0,
    currency: str = "EUR",
    settlement_currency: str = "EUR",
    lines: list[tuple[str, str, int, int]] = (),  # type: ignore[assignment]
) -> int:
    """An order row as checkout records it (amounts in minor units); lines: code, name, qty, minor."""
    number = f"T{secrets.token_hex(4).upper()}"
    [row] = await Order.insert(
        Order(
            number=number,
            email="buyer@example.com",
            locale="en",
            currency=currency,
            status=status.value,
            subtotal_minor=settlement_minor,
            shipping_minor=0,
            total_minor=settlement_minor,
            refunded_minor=refunded_minor,
            shipping_method="standard",
            shipping_method_name="Standard",
            shipping_country="DE",
            payment_provider="test",
            market=market,
            settlement_currency=settlement_currency,
            settlement_subtotal_minor=settlement_minor,
            settlement_total_minor=settlement_minor,
            refunded_settlement_minor=refunded_minor,
            created_at=created,
            updated_at=created,
            paid_at=paid,
        )
    ).run()
    for code, name, quantity, minor in lines:
        await OrderLine.insert(
            OrderLine(
                order=row["id"],
                sku=code,
                product_code=code,
                product_name=name,
                unit_price_minor=minor // quantity,
                quantity=quantity,
                line_total_minor=minor,
                settlement_total_minor=minor,
                hs_code="691200",
                origin_country="PT",
                weight_grams=300,
            )
        ).run()
    return row["id"]


async def carts(count: int, created: datetime) -> None:
    for _ in range(count):
        await Cart.insert(Cart(token=secrets.token_hex(16), created_at=created, updated_at=created)).run()


async def march_orders() -> None:
    """Three UTC days of March 2026, with every kind of order the rules must tell apart."""
    await build_catalog(
        [
            product("MG-001", "Mug", category="mugs", price="10.00", de="Becher"),
            product("TS-001", "Plain Tee", price="15.00", de="Schlichtes T-Shirt"),
        ]
    )
    # A bank transfer placed before the range, paid on 1 March, delivered: counts in full, on 1 March.
    await order(
        market="eu",
        status=Status.DELIVERED,
        settlement_minor=10000,
        created=at("2026-02-27", "09:00"),
        paid=at("2026-03-01", "10:00"),
        lines=[("MG-001", "Mug (as ordered)", 2, 8000)],
    )
    # Placed on 1 March in USD, paid late on 2 March (UTC), half refunded: 55.50 - 27.75.
    await order(
        market="us",
        status=Status.PARTIALLY_REFUNDED,
        currency="USD",
        settlement_minor=5550,
        refunded_minor=2775,
        created=at("2026-03-01", "22:00"),
        paid=at("2026-03-02", "23:30"),
        lines=[("TS-001", "Plain Tee", 1, 4000)],
    )
    # Fully refunded on 3 March: an order with nothing left.
    await order(
        market="eu",
        status=Status.REFUNDED,
        settlement_minor=3000,
        refunded_minor=3000,
        created=at("2026-03-03"),
        paid=at("2026-03-03"),
    )
    # Never revenue: cancelled and awaiting payment (though placed in the range).
    await order(
        market="eu",
        status=Status.CANCELLED,
        settlement_minor=4000,
        created=at("2026-03-02"),
        lines=[("MG-001", "Mug", 5, 20000)],
    )
    await order(market="gb", status=Status.PENDING_PAYMENT, settlement_minor=2000, created=at("2026-03-03"))
    # Outside the range: paid one minute before it starts (placed outside it too).
    await order(
        market="eu",
        status=Status.PAID,
        settlement_minor=7000,
        created=at("2026-02-28", "23:00"),
        paid=at("2026-02-28", "23:59"),
    )
    # Settled in another currency (the shop changed currency): counted apart, never converted.
    await order(
        market="eu",
        status=Status.PAID,
        settlement_minor=9900,
        settlement_currency="USD",
        created=at("2026-03-02"),
        paid=at("2026-03-02"),
    )
    await carts(12, at("2026-03-02"))
    await carts(3, at("2026-02-27"))


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILMENT, Role.TRANSLATOR])
async def test_roles_without_the_dashboard_get_403_and_no_menu_entry(client, role: Role) -> None:
    await as_role(client, role)
    home = await client.get("/admin/")
    assert PAGE not in links(home.text)
    assert (await client.get(PAGE)).status_code == 403
    for table in TABLES:
        response = await client.get(f"{PAGE}/{table}.csv")
        assert response.status_code == 403, table
        assert "text/csv" not in response.headers["content-type"]


async def test_without_a_session_the_dashboard_sends_the_browser_to_the_login_page(client) -> None:
    for path in (PAGE, f"{PAGE}/days.csv"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")


@pytest.mark.parametrize("role", [Role.OWNER, Role.CATALOGUE_MANAGER])
async def test_owner_and_catalogue_manager_open_it_from_the_menu(client, role: Role) -> None:
    await as_role(client, role)
    home = await client.get("/admin/")
    assert PAGE in links(home.text)
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "Dashboard" in text(page.text)


# --- the figures ------------------------------------------------------------------------------


async def test_revenue_by_day_and_market_is_exact_net_of_refunds_without_pending_or_cancelled(client) -> None:
    await march_orders()
    await as_role(client, Role.OWNER)
    page = await client.get(PAGE, params=RANGE)
    assert page.status_code == 200, page.text[:500]
    summary = text(page.text.split('id="dashboard-summary"')[1].split("</dl>")[0])
    # 100.00 + 55.50 + 30.00 paid; 27.75 + 30.00 refunded; 3 paid orders; 5 placed of 12 carts.
    for expected in (
        "Net revenue €127.75",
        "Paid orders 3",
        "Average order value €42.58",  # 127.75 / 3 = 42.583..., half up
        "Gross revenue €185.50",
        "Refunds €57.75",
        "Orders placed 5",
        "Carts created 12",
        "41.7%",
    ):
        assert expected in summary, (expected, summary)
    assert "1 paid order was settled in another currency" in text(page.text)

    days = read_csv(await client.get(f"{PAGE}/days.csv", params=RANGE))
    assert days == [
        ["day", "orders", "gross", "refunds", "net", "currency"],
        ["2026-03-01", "1", "100.00", "0.00", "100.00", "EUR"],
        ["2026-03-02", "1", "55.50", "27.75", "27.75", "EUR"],
        ["2026-03-03", "1", "30.00", "30.00", "0.00", "EUR"],
    ]
    markets = read_csv(await client.get(f"{PAGE}/markets.csv", params=RANGE))
    assert markets == [
        ["market", "orders", "gross", "refunds", "net", "currency"],
        ["eu", "2", "130.00", "30.00", "100.00", "EUR"],
        ["us", "1", "55.50", "27.75", "27.75", "EUR"],
    ]
    products = read_csv(await client.get(f"{PAGE}/products.csv", params=RANGE))
    assert products == [
        ["product_code", "name", "units", "revenue", "currency"],
        ["MG-001", "Mug", "2", "80.00", "EUR"],  # the catalogue's name; the cancelled 5 mugs not sold
        ["TS-001", "Plain Tee", "1", "40.00", "EUR"],
    ]
    # The same figures in the page's tables, next to the charts.
    day_table = text(page.text.split('id="table-days"')[1].split("</table>")[0])
    assert "March 2, 2026 1 €55.50 €27.75 €27.75" in day_table
    market_table = text(page.text.split('id="table-markets"')[1].split("</table>")[0])
    assert "eu 2 €130.00 €30.00 €100.00" in market_table and "us 1 €55.50 €27.75 €27.75" in market_table


async def test_days_without_orders_are_zero_rows_and_the_default_range_is_the_last_30_days(client) -> None:
    await as_role(client, Role.OWNER)
    page = await client.get(PAGE)
    today = datetime.now(UTC).date()
    start = today - timedelta(days=29)
    [since] = tags(page.text, "input", name="from")
    [until] = tags(page.text, "input", name="to")
    assert since["type"] == until["type"] == "date"
    assert (since["value"], until["value"]) == (start.isoformat(), today.isoformat())
    assert f"/admin/dashboard/days.csv?from={start.isoformat()}&amp;to={today.isoformat()}" in page.text
    rows = read_csv(await client.get(f"{PAGE}/days.csv"))
    assert len(rows) == 31
    assert rows[1] == [start.isoformat(), "0", "0.00", "0.00", "0.00", "EUR"]
    assert rows[-1][0] == today.isoformat()
    summary = text(page.text.split('id="dashboard-summary"')[1].split("</dl>")[0])
    assert (
        "Average order value None" in summary and "Conversion (orders placed ÷ carts created) None" in summary
    )


async def test_orders_through_the_real_checkout_count_at_their_recorded_settlement_amounts(client) -> None:
    await build_catalog([product("MG-001", "Mug", category="mugs", price="10.00")], stock=20)
    await store_rates({"USD": "1.10", "GBP": "0.85", "JPY": "160"})
    catalog, settings = await load_catalog(), get_settings()
    german = checkout_request(TestProvider(), test_card())
    british = dataclasses.replace(
        checkout_request(TestProvider(), test_card(), pricer=pricer_in("GB")),
        country="GB",
        address={
            "country_code": "GB",
            "name": "Ada Lovelace",
            "street_address": "10 Downing Street",
            "postal_code": "SW1A 2AA",
            "city": "LONDON",
        },
    )
    first = await place_order(await cart_with("MG-001", 2), german, catalog, settings)
    second = await place_order(await cart_with("MG-001"), british, catalog, settings)
    unpaid = await place_order(await cart_with("MG-001"), checkout_request(), catalog, settings)
    await transition_order(unpaid.number, Status.CANCELLED, actor="test")
    half = (await Order.select().where(Order.number == second.number).first().run())["total_minor"] // 2
    await refund_order(second.number, Decimal(half).scaleb(-2), "test", idempotency_key="dash-half")

    rows = {row["number"]: row for row in await Order.select().run()}
    eu, gb = rows[first.number], rows[second.number]
    assert (eu["market"], gb["market"], gb["currency"]) == ("eu", "gb", "GBP")
    assert gb["status"] == Status.PARTIALLY_REFUNDED.value and 0 < gb["refunded_settlement_minor"]

    await as_role(client, Role.OWNER)
    markets = read_csv(await client.get(f"{PAGE}/markets.csv"))

    def amount(minor: int) -> str:
        return str(Decimal(minor).scaleb(-2))

    assert sorted(markets[1:]) == sorted(
        [
            [
                "eu",
                "1",
                amount(eu["settlement_total_minor"]),
                "0.00",
                amount(eu["settlement_total_minor"]),
                "EUR",
            ],
            [
                "gb",
                "1",
                amount(gb["settlement_total_minor"]),
                amount(gb["refunded_settlement_minor"]),
                amount(gb["settlement_total_minor"] - gb["refunded_settlement_minor"]),
                "EUR",
            ],
        ]
    )
    today = read_csv(await client.get(f"{PAGE}/days.csv"))[-1]
    net = eu["settlement_total_minor"] + gb["settlement_total_minor"] - gb["refunded_settlement_minor"]
    assert today[1] == "2" and today[4] == amount(net)
    page = await client.get(PAGE)
    summary = text(page.text.split('id="dashboard-summary"')[1].split("</dl>")[0])
    assert "Orders placed 3" in summary and "Carts created 3" in summary and "100%" in summary
    products = read_csv(await client.get(f"{PAGE}/products.csv"))
    assert products[1][:3] == ["MG-001", "Mug", "3"]  # the cancelled order's mug is not a sale


# --- charts -------------------------------------------------------------------------------------


async def test_charts_are_svg_images_with_a_text_alternative_and_mirror_on_arabic_pages(client) -> None:
    await march_orders()
    await as_role(client, Role.OWNER)
    page = await client.get(PAGE, params=RANGE)
    svgs = tags(page.text, "svg")
    assert [svg["role"] for svg in svgs] == ["img", "img"]
    assert svgs[0]["aria-labelledby"] == "chart-days-title chart-days-desc"
    assert svgs[0]["direction"] == "ltr"
    assert "<script" not in page.text
    assert "Net revenue in EUR on each day from March 1, 2026 to March 3, 2026: €127.75 in total" in page.text
    assert "the highest €100.00 on March 1, 2026" in page.text
    assert "highest first: eu €100.00 and us €27.75" in page.text  # the market chart's description
    assert len(tags(page.text, "rect")) == 3 + 2

    forget_admin_store()
    client.cookies.clear()
    await as_role(client, Role.CATALOGUE_MANAGER, ui_locale="ar")
    arabic = await client.get(PAGE, params=RANGE)
    assert arabic.status_code == 200
    assert tags(arabic.text, "html")[0]["dir"] == "rtl"
    assert [svg["direction"] for svg in tags(arabic.text, "svg")] == ["rtl", "rtl"]
    # The first day's bar is the rightmost one.
    xs = [Decimal(rect["x"]) for rect in tags(arabic.text, "rect")[:3]]
    assert xs == sorted(xs, reverse=True)


# --- the date range ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-03-05", "to": "2026-03-01"}, "The start date is after the end date."),
        ({"from": "2026-13-45", "to": "2026-03-01"}, "Enter dates as year-month-day, like 2026-03-31."),
        ({"from": "yesterday"}, "Enter dates as year-month-day, like 2026-03-31."),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "Enter dates as year-month-day, like 2026-03-31."),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "Choose a range of at most 366 days."),
    ],
)
async def test_a_bad_range_is_refused_with_a_message_and_no_figures(client, params, message) -> None:
    await march_orders()
    await as_role(client, Role.OWNER)
    page = await client.get(PAGE, params=params)
    assert page.status_code == 400
    assert message in text(page.text)
    assert tags(page.text, "input", name="from")[0]["value"] == params["from"]  # kept as typed
    assert tags(page.text, "input", name="from")[0]["aria-invalid"] == "true"
    assert "dashboard-summary" not in page.text and not tags(page.text, "svg")
    for table in TABLES:
        refused = await client.get(f"{PAGE}/{table}.csv", params=params)
        assert refused.status_code == 400 and refused.text == message, table


async def test_a_whole_leap_year_is_allowed(client) -> None:
    await as_role(client, Role.OWNER)
    year = {"from": "2028-01-01", "to": "2028-12-31"}
    rows = read_csv(await client.get(f"{PAGE}/days.csv", params=year))
    assert len(rows) == 1 + 366
    page = await client.get(PAGE, params=year)
    assert page.status_code == 200
    assert len(tags(page.text, "rect")) == 366
    # A year's 366 table rows are folded away; a month's are open.
    assert "open" not in tags(page.text, "details")[0]
    month = await client.get(PAGE, params={"from": "2028-01-01", "to": "2028-01-31"})
    assert "open" in tags(month.text, "details")[0]


# --- low stock, FX, CSV safety ----------------------------------------------------------------


async def test_low_stock_and_fx_ages(client) -> None:
    await build_catalog(
        [product("MG-001", "Mug", category="mugs"), product("TS-001", "Plain Tee")],
        stock={"MG-001": 2, "TS-001": 40},
    )
    await store_rates({"USD": "1.10"})
    await store_rates({"JPY": "160"}, as_of=date.today() - timedelta(days=10))
    await as_role(client, Role.CATALOGUE_MANAGER)
    page = await client.get(PAGE)
    low = text(page.text.split('id="table-low-stock"')[1].split("</table>")[0])
    assert "Mug MG-001 2 5" in low and "TS-001" not in low
    assert "/admin/products/MG-001" in links(page.text)
    rows = read_csv(await client.get(f"{PAGE}/low-stock.csv"))
    assert rows == [
        ["product_code", "product_name", "sku", "stock", "threshold"],
        ["MG-001", "Mug", "MG-001", "2", "5"],
    ]

    fx = {row[0]: row for row in read_csv(await client.get(f"{PAGE}/fx.csv"))[1:]}
    assert fx["USD"][1] == "1.10" and fx["USD"][7] == "no" and fx["USD"][5]
    assert fx["JPY"][1] == "160" and fx["JPY"][7] == "yes" and Decimal(fx["JPY"][6]) > 24 * 9
    fx_table = text(page.text.split('id="table-fx"')[1].split("</table>")[0])
    assert "Too old: not sold in" in fx_table and "Current" in fx_table


async def test_csv_cells_cannot_become_spreadsheet_formulas(client) -> None:
    await order(
        market="@SUM(A1:A9)",  # the column holds 16 characters
        status=Status.PAID,
        settlement_minor=1000,
        created=at("2026-03-01"),
        paid=at("2026-03-01"),
        lines=[("X-1", '=HYPERLINK("http://evil.test")', 1, 1000)],
    )
    await as_role(client, Role.OWNER)
    products = read_csv(await client.get(f"{PAGE}/products.csv", params=RANGE))
    assert products[1][1] == '\'=HYPERLINK("http://evil.test")'
    markets = read_csv(await client.get(f"{PAGE}/markets.csv", params=RANGE))
    assert markets[1][0] == "'@SUM(A1:A9)"
    page = await client.get(PAGE, params=RANGE)
    assert "<script" not in page.text and "=HYPERLINK(&#34;http://evil.test&#34;)" in page.text
