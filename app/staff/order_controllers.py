"""The back office's order screens: /admin/orders (filters, search, pages) and one order with its
price breakdown, FX, payments, refunds and history, and the actions each role may take."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from app.checkout.address import format_address_lines
from app.core.money import charge_unit, is_chargeable, parse_typed_amount
from app.i18n.formatting import country_name
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.orders.rules import STATUS_LABELS, IllegalTransition, Status, allowed_transitions
from app.orders.services import ConcurrentUpdate, OrderNotFound, OrderView, load_order
from app.payments.providers import provider_registry
from app.staff.auth import actor_of, admin_locale, admin_url, parse_date, render_admin, requires
from app.staff.customs_controllers import customs_panel
from app.staff.orders import (
    REFUND_KEY_PREFIX,
    OrderActionRefused,
    OrderFilter,
    filter_choices,
    mark_paid,
    move_order,
    new_refund_form_key,
    order_page,
    payment_attempts,
    record_order_reveal,
    refund,
)
from app.staff.reveal import ContactAccess, contact_access
from app.staff.rules import Permission, StaffIdentity, can, mask_email
from app.staff.services import StaffMember
from app.web.forms import read_form

# What a finished action says on the page it redirects to (?done=...).
DONE = {
    "paid": N_("The payment was recorded: the order is paid."),
    "shipped": N_("The order is marked as shipped."),
    "delivered": N_("The order is marked as delivered."),
    "cancelled": N_("The order is cancelled and its items are back in stock."),
    "refunded": N_("The refund was made."),
    "refund_pending": N_(
        "The refund is waiting for the payment provider. Submit the same form again later to finish it."
    ),
}
CHANGED_MEANWHILE = N_("The order changed meanwhile. Look at it again before you act.")
NO_SUCH_ORDER = N_("There is no order with this number.")
BAD_AMOUNT = N_("Enter an amount greater than zero, like 12.50.")
BAD_STEP = N_("%(currency)s amounts are refunded in steps of %(step)s.")
NEED_TRACKING = N_("Enter the carrier and the tracking number.")
FORM_EXPIRED = N_("This form is not valid any more. Look at the order again and refund from there.")


def order_filter(request: Request[Any, Any, Any], identity: StaffIdentity) -> OrderFilter:
    params = request.query_params
    status = params.get("status", "")
    return OrderFilter(
        market=params.get("market", "")[:16],
        status=status if status in set(Status) else "",
        country=params.get("country", "")[:2].upper(),
        provider=params.get("provider", "")[:32],
        since=parse_date(params.get("since")),
        until=parse_date(params.get("until")),
        q=params.get("q", "").strip()[:100],
        exact_email=not can(identity, Permission.SEE_CONTACT_DETAILS),
    )


def page_number(request: Request[Any, Any, Any]) -> int:
    text = request.query_params.get("page", "1")
    return int(text) if text.isdigit() and 0 < len(text) < 7 else 1


@get("/orders", name="admin-orders", guards=[requires(Permission.VIEW_ORDERS)])
async def orders_list(request: Request[Any, Any, Any], staff: NamedDependency[StaffMember]) -> Response[Any]:
    where = order_filter(request, staff.identity)
    page = page_number(request)
    rows, more = await order_page(where, page)
    locale = admin_locale(request, staff).code
    full = can(staff.identity, Permission.SEE_CONTACT_DETAILS)
    choices = await filter_choices()
    return render_admin(
        request,
        "admin/orders.html",
        {
            "rows": rows,
            "emails": {row.number: row.email if full else mask_email(row.email) for row in rows},
            "page": page,
            "more": more,
            "where": where,
            "query": where.query(),
            "choices": choices,
            "countries": {code: country_name(code, locale) for code in choices["country"]},
            "providers": provider_labels(),
            "statuses": list(Status),
            "status_labels": STATUS_LABELS,
        },
        member=staff,
    )


def provider_labels() -> dict[str, str]:
    return {code: provider.label for code, provider in provider_registry(True).items()}


async def order_screen(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    number: str,
    *,
    status: int = 200,
    revealed: bool = False,
    error: str | None = None,
    error_params: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
) -> Response[Any]:
    try:
        order = await load_order(number)
    except OrderNotFound:
        return render_admin(request, "admin/order_missing.html", {}, member=staff, status=404)
    identity = staff.identity
    locale = admin_locale(request, staff).code
    access = contact_access(identity, revealed)  # the same masking and reveal as the customer page
    phone = order.shipping_address.get("phone", "")
    allowed = allowed_transitions(order.status, order.fulfilment)
    done = DONE.get(request.query_params.get("done", ""))
    return render_admin(
        request,
        "admin/order.html",
        {
            "order": order,
            "status_label": STATUS_LABELS[order.status],
            "status_labels": STATUS_LABELS,
            "email": access.email(order.email),
            "phone": access.phone(phone),
            "revealed": access.full,
            "address_lines": address_lines(order, access, identity, locale),
            "payments": await payment_attempts(order.id),
            "provider_label": provider_labels().get(order.payment_provider, order.payment_provider),
            "refundable": order.total - order.refunded,
            "refund_key": (values or {}).get("key") or new_refund_form_key(),
            "customs": await customs_panel(request, staff, order),
            "values": values or {},
            "notice": done if status == 200 else None,
            "error": error,
            "error_params": error_params or {},
            "can": {
                "reveal": access.can_reveal,
                "mark_paid": can(identity, Permission.MARK_PAID)
                and order.status is Status.PENDING_PAYMENT
                and order.payment_provider == "manual",
                "ship": can(identity, Permission.FULFIL_ORDERS) and Status.SHIPPED in allowed,
                "deliver": can(identity, Permission.FULFIL_ORDERS) and Status.DELIVERED in allowed,
                "cancel": can(identity, Permission.CANCEL_ORDERS) and Status.CANCELLED in allowed,
                "refund": can(identity, Permission.REFUND_ORDERS)
                and order.status not in (Status.PENDING_PAYMENT, Status.CANCELLED)
                and order.refunded < order.total,
            },
        },
        member=staff,
        status=status,
    )


def address_lines(order: OrderView, access: ContactAccess, identity: StaffIdentity, locale: str) -> list[str]:
    """The shipping address: whole for who packs the parcel (or may see contact details, or just
    revealed them), else masked like the customer page's."""
    address = order.shipping_address
    if not (access.full or can(identity, Permission.FULFIL_ORDERS)):
        address = access.address(address)
    return [*format_address_lines(address), country_name(order.shipping_country, locale)]


def order_url(number: str, done: str = "") -> str:
    return admin_url("orders", number, done=done)


@get("/orders/{number:str}", name="admin-order", guards=[requires(Permission.VIEW_ORDERS)])
async def order_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    return await order_screen(request, staff, number)


@post(
    "/orders/{number:str}/reveal",
    name="admin-order-reveal",
    guards=[requires(Permission.REVEAL_PERSONAL_DATA)],
)
async def order_reveal(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    try:
        await record_order_reveal(actor_of(request, staff), number)
    except OrderNotFound:
        return await order_screen(request, staff, number)  # the 404 page
    # Shown on this response only: reloading the order masks the data again.
    return await order_screen(request, staff, number, revealed=True)


async def act(
    request: Request[Any, Any, Any],
    staff: StaffMember,
    number: str,
    done: str,
    action: Any,
    values: dict[str, str] | None = None,
) -> Response[Any]:
    """Run one action; what the order's state refuses is a 409 page saying why, never a 500."""
    translate = get_translations(admin_locale(request, staff).code).gettext
    try:
        await action
    except OrderNotFound:
        return await order_screen(request, staff, number)
    except IllegalTransition as illegal:
        params = {key: translate(value) for key, value in illegal.params.items()}
        return await order_screen(
            request, staff, number, status=409, error=illegal.message, error_params=params, values=values
        )
    except ConcurrentUpdate:
        return await order_screen(request, staff, number, status=409, error=CHANGED_MEANWHILE, values=values)
    except OrderActionRefused as refused:
        return await order_screen(
            request,
            staff,
            number,
            status=409,
            error=refused.message,
            error_params=refused.params,
            values=values,
        )
    return Redirect(order_url(number, done), status_code=303)


@post("/orders/{number:str}/mark-paid", name="admin-order-mark-paid", guards=[requires(Permission.MARK_PAID)])
async def order_mark_paid(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request)
    reference = form.get("reference", "").strip()[:100]
    return await act(request, staff, number, "paid", mark_paid(actor_of(request, staff), number, reference))


@post("/orders/{number:str}/ship", name="admin-order-ship", guards=[requires(Permission.FULFIL_ORDERS)])
async def order_ship(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request)
    carrier, tracking = form.get("carrier", "").strip()[:60], form.get("tracking", "").strip()[:100]
    values = {"carrier": carrier, "tracking": tracking}
    if not carrier or not tracking:
        return await order_screen(request, staff, number, status=400, error=NEED_TRACKING, values=values)
    # The note the CLI's `orders ship --note` writes, in a fixed form the history shows.
    note = f"carrier: {carrier}; tracking: {tracking}"
    action = move_order(actor_of(request, staff), number, Status.SHIPPED, "order.ship", note)
    return await act(request, staff, number, "shipped", action, values)


@post("/orders/{number:str}/deliver", name="admin-order-deliver", guards=[requires(Permission.FULFIL_ORDERS)])
async def order_deliver(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    action = move_order(actor_of(request, staff), number, Status.DELIVERED, "order.deliver")
    return await act(request, staff, number, "delivered", action)


@post("/orders/{number:str}/cancel", name="admin-order-cancel", guards=[requires(Permission.CANCEL_ORDERS)])
async def order_cancel(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request)
    note = form.get("note", "").strip()[:500]
    action = move_order(actor_of(request, staff), number, Status.CANCELLED, "order.cancel", note)
    return await act(request, staff, number, "cancelled", action)


@post("/orders/{number:str}/refund", name="admin-order-refund", guards=[requires(Permission.REFUND_ORDERS)])
async def order_refund(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffMember], number: FromPath[str]
) -> Response[Any]:
    form = await read_form(request)
    key = form.get("key", "").strip()[:100]
    note = form.get("note", "").strip()[:500]
    text = form.get("amount", "").strip()[:30]
    values = {"amount": text, "note": note, "key": key}
    amount = parse_typed_amount(text) or Decimal(0)
    if not key.startswith(REFUND_KEY_PREFIX) or len(key) < 20:
        # Only forms this screen generated carry a key; without one a double submit could pay twice.
        values["key"] = ""
        return await order_screen(request, staff, number, status=400, error=FORM_EXPIRED, values=values)
    if amount <= 0:
        return await order_screen(request, staff, number, status=400, error=BAD_AMOUNT, values=values)
    try:
        order = await load_order(number)
    except OrderNotFound:
        return await order_screen(request, staff, number)
    if not is_chargeable(amount, order.currency):
        params = {"currency": order.currency, "step": str(charge_unit(order.currency))}
        return await order_screen(
            request, staff, number, status=400, error=BAD_STEP, error_params=params, values=values
        )
    outcome: dict[str, str] = {}

    async def run() -> None:
        result = await refund(actor_of(request, staff), number, amount, key, note)
        outcome["done"] = "refund_pending" if result.outcome.value == "pending" else "refunded"

    response = await act(request, staff, number, "refunded", run(), values)
    if outcome.get("done") == "refund_pending":
        return Redirect(order_url(number, "refund_pending"), status_code=303)
    return response


ORDER_HANDLERS = [
    orders_list,
    order_detail,
    order_reveal,
    order_mark_paid,
    order_ship,
    order_deliver,
    order_cancel,
    order_refund,
]
