"""Customs data of one order for fulfilment: /admin/orders/{number}/customs.csv and .json (a read:
not audited). An order whose data is incomplete answers 409 with the problems; the order page lists
them too (app/staff/order_controllers.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from app.customs.assemble import Outcome, order_outcome
from app.customs.csv_out import write_csv
from app.customs.json_out import dumps
from app.i18n.translations import get_translations
from app.markets.regions import crosses_customs_border
from app.staff.auth import admin_locale, render_admin, requires
from app.staff.rules import Permission, can
from app.staff.services import StaffMember
from app.web.state import request_shop


async def customs_outcome(request: Request[Any, Any, Any], number: str) -> Outcome | None:
    return await order_outcome(number, request_shop(request).settings)


async def customs_panel(request: Request[Any, Any, Any], staff: StaffMember, order: Any) -> Outcome | None:
    """What the order page shows fulfilment: the downloads, or the problems (None: no panel)."""
    settings = request_shop(request).settings
    if not can(staff.identity, Permission.FULFIL_ORDERS):
        return None
    if not crosses_customs_border(settings.shop_country, order.shipping_country):
        return None
    return await order_outcome(order.number, settings)


async def _download(
    request: Request[Any, Any, Any], staff: StaffMember, number: str, kind: str
) -> Response[Any]:
    outcome = await customs_outcome(request, number)
    if outcome is None:
        return render_admin(request, "admin/order_missing.html", {}, member=staff, status=404)
    if outcome.shipment is None:
        translate = get_translations(admin_locale(request, staff).code).gettext
        text = "\n".join(problem.text(translate) for problem in outcome.problems) + "\n"
        return Response(text, media_type="text/plain; charset=utf-8", status_code=409)
    name = quote(f"customs-{number}.{kind}", safe="")
    headers = {"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"}
    if kind == "csv":
        body = "".join(write_csv([outcome.shipment]))
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    return Response(dumps(outcome.shipment), media_type="application/json", headers=headers)


@get(
    "/orders/{number:str}/customs.csv",
    name="admin-order-customs-csv",
    guards=[requires(Permission.FULFIL_ORDERS)],
)
async def order_customs_csv(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    return await _download(request, staff, number, "csv")


@get(
    "/orders/{number:str}/customs.json",
    name="admin-order-customs-json",
    guards=[requires(Permission.FULFIL_ORDERS)],
)
async def order_customs_json(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    return await _download(request, staff, number, "json")


CUSTOMS_HANDLERS = [order_customs_csv, order_customs_json]
