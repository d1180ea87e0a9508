"""HTML order pages: confirmation (private link), retrying a payment, looking an order up."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from app.checkout.address import FieldError, format_address_lines
from app.checkout.rules import clean_email, normalise_order_number
from app.checkout.services import CheckoutError, retry_payment
from app.i18n.formatting import country_name
from app.i18n.markers import N_
from app.orders.rules import STATUS_LABELS, Status, access_key, access_key_valid
from app.orders.services import OrderNotFound, OrderView, find_order_for_shopper, load_order
from app.payments.providers import Outcome, PaymentDetailsError, provider_registry
from app.payments.tables import Payment
from app.web import urls
from app.web.forms import read_form
from app.web.limits import check_lookup, client_address
from app.web.pages import PageMeta, PageRequest, render_page


async def order_for_link(page: PageRequest, number: str, key: str | None) -> OrderView:
    """The order behind a private link; 404 for a wrong key, so numbers cannot be probed."""
    if not access_key_valid(page.shop.settings.secret_key, number, key):
        raise NotFoundException()
    try:
        return await load_order(number)
    except OrderNotFound as missing:
        raise NotFoundException() from missing


def address_lines(order: OrderView, locale: str) -> list[str]:
    """Postal lines in the destination's format, with the country named in the page language."""
    return [*format_address_lines(order.shipping_address), country_name(order.shipping_country, locale)]


async def last_payment_status(order_id: int) -> str | None:
    row = (
        await Payment.select(Payment.status)
        .where(Payment.order == order_id)
        .order_by(Payment.id, ascending=False)
        .first()
        .run()
    )
    return row["status"] if row else None


async def render_order(
    page: PageRequest,
    order: OrderView,
    template: str,
    errors: dict[str, FieldError] | None = None,
    status_code: int = 200,
) -> Response[bytes]:
    settings = page.shop.settings
    _ = page.gettext()
    key = access_key(settings.secret_key, order.number)
    context = {
        "order": order,
        "key": key,
        "status_label": STATUS_LABELS[order.status],
        "address_lines": address_lines(order, page.locale.code),
        "payment_status": await last_payment_status(order.id),
        "awaiting_payment": order.status is Status.PENDING_PAYMENT,
        "providers": provider_registry(settings.test_payments_enabled),
        "errors": errors or {},
        "bank": {"iban": settings.bank_iban, "bic": settings.bank_bic},
    }
    meta = PageMeta(
        title=f"{_('Order %(number)s') % {'number': order.number}} | {settings.shop_name}",
        alternate=lambda code: urls.order_url(code, order.number, key),
        noindex=True,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
    return await render_page(page, template, context, meta, status_code=status_code)


@get("/{locale:str}/orders/{number:str}", name="order", include_in_schema=False)
async def order_page(
    page: NamedDependency[PageRequest], number: FromPath[str], key: FromQuery[str | None] = None
) -> Response[bytes]:
    order = await order_for_link(page, number, key)
    return await render_order(page, order, "order.html")


@get("/{locale:str}/orders/{number:str}/pay", name="order-pay", include_in_schema=False)
async def pay_page(
    page: NamedDependency[PageRequest], number: FromPath[str], key: FromQuery[str | None] = None
) -> Response[Any]:
    order = await order_for_link(page, number, key)
    if order.status is not Status.PENDING_PAYMENT:
        return Redirect(urls.order_url(page.locale.code, number, key or ""), status_code=303)
    return await render_order(page, order, "pay.html")


@post("/{locale:str}/orders/{number:str}/pay", name="order-pay-submit", include_in_schema=False)
async def pay_submit(
    page: NamedDependency[PageRequest], number: FromPath[str], key: FromQuery[str | None] = None
) -> Response[Any]:
    settings = page.shop.settings
    order = await order_for_link(page, number, key)
    form = await read_form(page.request)
    provider = provider_registry(settings.test_payments_enabled).get(form.get("payment_method", ""))
    try:
        if provider is None:
            raise PaymentDetailsError("payment_method", N_("Choose a payment method."))
        details = provider.validate(form)
        placed = await retry_payment(order.number, provider, details)
    except PaymentDetailsError as error:
        return await render_order(
            page, order, "pay.html", {error.field: FieldError(error.field, error.message, {})}, 422
        )
    except CheckoutError:
        return Redirect(urls.order_url(page.locale.code, number, key or ""), status_code=303)
    declined = placed.payment_outcome is Outcome.FAILED
    return Redirect(
        urls.private_order_url(page.locale.code, placed.number, settings.secret_key, pay=declined),
        status_code=303,
    )


async def render_lookup(
    page: PageRequest, values: dict[str, str], error: FieldError | None, status_code: int
) -> Response[bytes]:
    _ = page.gettext()
    meta = PageMeta(
        title=f"{_('Find your order')} | {page.shop.settings.shop_name}",
        description=_(
            "Enter the order number from your confirmation and the email address you ordered with."
        ),
        alternate=urls.lookup_url,
    )
    context = {"values": values, "error": error}
    return await render_page(page, "lookup.html", context, meta, status_code=status_code)


@get("/{locale:str}/orders/lookup", name="order-lookup", include_in_schema=False)
async def lookup_page(page: NamedDependency[PageRequest]) -> Response[bytes]:
    return await render_lookup(page, {}, None, 200)


@post("/{locale:str}/orders/lookup", name="order-lookup-submit", include_in_schema=False)
async def lookup_submit(page: NamedDependency[PageRequest]) -> Response[Any]:
    form = await read_form(page.request)
    values = {"number": form.get("number", ""), "email": form.get("email", "")}
    email, email_error = clean_email(values["email"])
    number = normalise_order_number(values["number"])
    await check_lookup(page.shop.limits, client_address(page.request), number)
    found = None if email_error or not number else await find_order_for_shopper(number, email)
    if found is None:
        # One message whether the number or the email is wrong, so neither can be probed.
        error = email_error or FieldError(
            "number", N_("We could not find an order with this number and email address."), {}
        )
        return await render_lookup(page, values, error, 422)
    return Redirect(
        urls.private_order_url(page.locale.code, found, page.shop.settings.secret_key), status_code=303
    )


CONTROLLERS = [order_page, pay_page, pay_submit, lookup_page, lookup_submit]
