"""Customs data of one order for fulfilment: /admin/orders/{number}/customs.csv, .json and .pdf (a
read: not audited), each with ?reason=sale_of_goods (default), gift or return. An order whose data
is incomplete answers 409 with the problems; the order page lists them too
(app/staff/order_controllers.py). The PDF's labels are in the staff member's admin language."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from app.customs.assemble import Outcome, order_outcome
from app.customs.csv_out import write_csv
from app.customs.json_out import dumps
from app.customs.model import REASONS
from app.customs.pdf_out import pdf_document
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.markets.regions import crosses_customs_border
from app.staff.auth import admin_locale, render_admin, requires
from app.staff.rules import Permission, can
from app.staff.services import StaffMember
from app.web.state import request_shop

DEFAULT_REASON = "sale_of_goods"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


async def customs_outcome(
    request: Request[Any, Any, Any], number: str, reason: str = DEFAULT_REASON
) -> Outcome | None:
    return await order_outcome(number, request_shop(request).settings, reason)


async def customs_panel(request: Request[Any, Any, Any], staff: StaffMember, order: Any) -> Outcome | None:
    """What the order page shows fulfilment: the downloads, or the problems (None: no panel)."""
    settings = request_shop(request).settings
    if not can(staff.identity, Permission.FULFIL_ORDERS):
        return None
    if not crosses_customs_border(settings.shop_country, order.shipping_country):
        return None
    return await order_outcome(order.number, settings)


UNKNOWN_REASON = N_("Unknown reason for export: choose sale of goods, gift or return.")


def _plain(text: str, status: int) -> Response[Any]:
    return Response(text, media_type="text/plain; charset=utf-8", status_code=status)


async def _download(
    request: Request[Any, Any, Any], staff: StaffMember, number: str, kind: str
) -> Response[Any]:
    language = admin_locale(request, staff).code
    translate = get_translations(language).gettext
    reason = request.query_params.get("reason") or DEFAULT_REASON
    if reason not in REASONS:  # never echoed: what was sent stays out of the answer
        return _plain(translate(UNKNOWN_REASON) + "\n", 400)
    outcome = await customs_outcome(request, number, reason)
    if outcome is None:
        return render_admin(request, "admin/order_missing.html", {}, member=staff, status=404)
    if outcome.shipment is None:
        return _plain("\n".join(problem.text(translate) for problem in outcome.problems) + "\n", 409)
    name = quote(f"customs-{number}.{kind}", safe="")
    headers = {"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"}
    body: str | bytes
    if kind == "csv":
        body = "".join(write_csv([outcome.shipment]))
    elif kind == "json":
        body = dumps(outcome.shipment)
    else:  # font subsetting takes a good part of a second: off the event loop
        body = await asyncio.to_thread(pdf_document, [outcome.shipment], language)
    return Response(body, media_type=MEDIA_TYPES[kind], headers=headers)


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


@get(
    "/orders/{number:str}/customs.pdf",
    name="admin-order-customs-pdf",
    guards=[requires(Permission.FULFIL_ORDERS)],
)
async def order_customs_pdf(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    return await _download(request, staff, number, "pdf")


CUSTOMS_HANDLERS = [order_customs_csv, order_customs_json, order_customs_pdf]
