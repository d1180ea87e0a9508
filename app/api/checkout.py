"""API: shipping methods, address formats, checkout, order lookup, payment webhooks."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from app.api.bodies import StrictBody
from app.api.cart import cart_id_or_404, cart_line_out
from app.api.common import ApiProblem, View, api_locale, api_pricer, money_out, problems, provide_view
from app.api.schemas import (
    AddressFieldOut,
    ApiCountry,
    ApiLocale,
    ChargeOut,
    CheckoutIn,
    FxOut,
    LookupIn,
    OrderLineOut,
    OrderOut,
    QuoteOut,
    QuoteSettlementOut,
    SettlementOut,
    ShippingMethodOut,
    WebhookIn,
    WebhookOut,
)
from app.checkout.address import address_form
from app.checkout.calculations import CheckoutQuote, ShippingOption, calculate_checkout
from app.checkout.fetch import fetch_checkout
from app.checkout.landed import CheckoutCharge
from app.checkout.rules import clean_email, normalise_order_number, validate_checkout
from app.checkout.services import CheckoutError, CheckoutRequest, place_order
from app.core.money import from_minor
from app.core.settings import Settings
from app.i18n.explain import explain
from app.i18n.markers import N_
from app.i18n.translations import get_translations
from app.notifications.outbox import deliver_pending
from app.orders.rules import STATUS_LABELS, access_key
from app.orders.services import OrderChargeView, OrderView, find_order_for_shopper, load_order
from app.payments.providers import Outcome, PaymentProvider, provider_registry, webhook_signature
from app.payments.services import PaymentError, apply_payment_event
from app.shipping.data import rate_table
from app.web import urls
from app.web.limits import check_lookup, client_address
from app.web.pages import base_url
from app.web.state import ShopState


def destination_or_422(country: ApiCountry | None) -> str:
    """A country the shop ships to (the schema allows every country it knows, some only for prices)."""
    if country is None or country not in rate_table().countries:
        raise ApiProblem(
            422,
            N_("We do not ship to this country."),
            "unsupported_country",
            [{"field": "country", "message": "unsupported"}],
        )
    return country


def providers(settings: Settings) -> dict[str, PaymentProvider]:
    return provider_registry(settings.test_payments_enabled)


def option_out(option: ShippingOption, locale: str) -> ShippingMethodOut:
    method = option.method
    translate = get_translations(locale).gettext
    return ShippingMethodOut(
        method.code, translate(method.name), money_out(option.price, locale), method.min_days, method.max_days
    )


@get(
    "/shipping-methods",
    summary="Shipping methods and prices for a destination (and optionally a cart)",
    responses=problems(404, 422),
)
async def shipping_methods(
    view: NamedDependency[View],
    country: FromQuery[ApiCountry | None] = None,
    cart: FromQuery[str | None] = None,
) -> list[ShippingMethodOut]:
    code = destination_or_422(country)
    cart_id = await cart_id_or_404(cart) if cart else None
    quote = await quote_for(view, cart_id, code, "")
    return [option_out(option, view.locale) for option in quote.options]


async def quote_for(
    view: View, cart_id: int | None, country: str, method: str, region: str = ""
) -> CheckoutQuote:
    data = await fetch_checkout(
        cart_id,
        catalog=view.catalog,
        pricer=view.pricer,
        country=country,
        region=region,
        shipping_method=method,
        settings=view.shop.settings,
    )
    return calculate_checkout(data)


def charge_out(charge: CheckoutCharge | OrderChargeView, locale: str) -> ChargeOut:
    return ChargeOut(
        kind=charge.kind,
        name=get_translations(locale).gettext(charge.name),
        rate=None if charge.rate is None else str(charge.rate),
        amount=money_out(charge.amount, locale),
        collected=charge.collected,
        included=charge.included,
        estimate=charge.estimate,
        rule=charge.rule,
        source=charge.source,
        explanation=explain(charge.explanation, charge.params, locale),
    )


def tax_note(quote: CheckoutQuote, locale: str) -> str:
    taxes = quote.taxes
    if quote.restrictions:
        return get_translations(locale).gettext(quote.restrictions[0].message)
    if taxes.error is not None:
        return explain(taxes.error.message, taxes.error.params, locale)
    return explain(taxes.explanation, taxes.explanation_params, locale) if taxes.explanation else ""


def quote_out(quote: CheckoutQuote, view: View) -> QuoteOut:
    loc = view.locale
    fx = quote.fx
    taxes = quote.taxes
    return QuoteOut(
        country=quote.country,
        currency=quote.currency,
        lines=[cart_line_out(line, view) for line in quote.cart.lines],
        subtotal=money_out(quote.subtotal, loc),
        shipping_methods=[option_out(option, loc) for option in quote.options],
        shipping_method=quote.method.code if quote.method else None,
        shipping=money_out(quote.shipping, loc),
        charges=[charge_out(c, loc) for c in taxes.lines],
        total=money_out(quote.total, loc),
        incoterm=taxes.incoterm,
        due_on_delivery=money_out(taxes.due_on_delivery, loc),
        tax_note=tax_note(quote, loc),
        tax_warnings=[explain(w.message, w.params, loc) for w in taxes.warnings],
        can_order=quote.method is not None and not quote.restrictions and taxes.error is None,
        settlement=QuoteSettlementOut(
            subtotal=money_out(quote.settlement_subtotal, loc),
            shipping=money_out(quote.settlement_shipping, loc),
            taxes=money_out(quote.settlement_taxes, loc),
            total=money_out(quote.settlement_total, loc),
            rate=str(quote.rate),
        ),
        fx=FxOut(
            base=fx.base,
            currency=fx.currency,
            applied_rate=str(fx.applied_rate),
            markup_percent=str(fx.markup_percent),
            source=fx.source,
            as_of=fx.as_of.isoformat() if fx.as_of else "",
        )
        if fx
        else None,
        stale_currency=quote.stale_currency,
        version=quote.version,
    )


@get(
    "/carts/{token:str}/quote",
    summary="The checkout quote for a destination and shipping method: goods, shipping, total, conversion",
    responses=problems(404, 422),
)
async def cart_quote(
    token: FromPath[str],
    view: NamedDependency[View],
    country: FromQuery[ApiCountry | None] = None,
    shipping_method: FromQuery[str | None] = None,
    region: FromQuery[str | None] = None,
) -> QuoteOut:
    cart_id = await cart_id_or_404(token)
    quote = await quote_for(
        view, cart_id, destination_or_422(country), (shipping_method or "")[:32], (region or "")[:64]
    )
    return quote_out(quote, view)


@get(
    "/address-format/{country:str}",
    summary="The address fields a destination needs, in its order",
    responses=problems(422),
)
async def address_format(
    country: FromPath[ApiCountry], locale: FromQuery[ApiLocale | None] = None
) -> list[AddressFieldOut]:
    translate = get_translations(api_locale(locale)).gettext
    return [
        AddressFieldOut(f.name, translate(f.label), f.required, [list(c) for c in f.choices], f.example)
        for f in address_form(destination_or_422(country))
    ]


def order_out(order: OrderView, locale: str, secret: str) -> OrderOut:
    translate = get_translations(locale).gettext
    return OrderOut(
        number=order.number,
        status=order.status.value,
        status_label=translate(STATUS_LABELS[order.status]),
        currency=order.currency,
        subtotal=money_out(order.subtotal, locale),
        shipping=money_out(order.shipping, locale),
        charges=[charge_out(c, locale) for c in order.charges],
        total=money_out(order.total, locale),
        refunded=money_out(order.refunded, locale),
        incoterm=order.incoterm,
        due_on_delivery=money_out(order.due_on_delivery, locale),
        shipping_method=order.shipping_method,
        shipping_country=order.shipping_country,
        lines=[
            OrderLineOut(
                line.sku,
                line.product_name,
                line.variant_label,
                line.quantity,
                money_out(line.unit_price, locale),
                money_out(line.total, locale),
            )
            for line in order.lines
        ],
        access_key=access_key(secret, order.number),
        created_at=order.created_at.isoformat(),
        market=order.market,
        settlement=SettlementOut(
            total=money_out(order.settlement_total or order.total, locale),
            refunded=money_out(order.refunded_settlement or order.refunded, locale),
            fx_rate=str(order.fx_rate),
            fx_source=order.fx_source,
            fx_as_of=order.fx_as_of.isoformat() if order.fx_as_of else "",
        ),
    )


@post(
    "/carts/{token:str}/checkout",
    summary="Place an order from a cart (send an Idempotency-Key header to retry safely)",
    responses=problems(404, 409, 422),
)
async def checkout(
    request: Request[Any, Any, Any],
    shop: NamedDependency[ShopState],
    token: FromPath[str],
    data: JSONBody[CheckoutIn],
    idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=64)] = None,
) -> Response[OrderOut]:
    settings = shop.settings
    loc = api_locale(data.locale)
    cart_id = await cart_id_or_404(token)
    country = destination_or_422(data.country)
    catalog = await shop.catalog_cache.get()
    pricer = api_pricer(shop, catalog, await shop.fx_cache.get(), country, data.currency)
    expected = None
    if data.expected_total is not None:  # its currency is one the schema allows
        expected = from_minor(data.expected_total.minor, data.expected_total.currency)
    form = {
        **data.address,
        "email": data.email,
        "phone": data.phone,
        "payment_method": data.payment.method,
        "card_number": data.payment.card_number,
    }
    checked, errors = validate_checkout(form, country, providers(settings))
    if errors or checked.provider is None:
        translate = get_translations(loc).gettext
        details = [
            {
                "field": e.field,
                "message": translate(e.message) % dict(e.params) if e.params else translate(e.message),
            }
            for e in errors
        ]
        raise ApiProblem(422, N_("Some details need your attention"), "invalid_checkout", details)
    checkout_request = CheckoutRequest(
        email=checked.email,
        phone=checked.phone,
        country=country,
        address=checked.address,
        shipping_method=data.shipping_method,
        provider=checked.provider,
        payment_details=checked.payment_details,
        locale=loc,
        pricer=pricer,
        checkout_key=f"api:{cart_id}:{idempotency_key}" if idempotency_key else None,
        expected_version=data.expected_quote,
        expected_total=expected,
        confirmation_link=urls.order_link(base_url(request), loc, settings.secret_key),
    )
    try:
        placed = await place_order(cart_id, checkout_request, catalog, settings)
    except CheckoutError as error:
        status = 409 if error.code in {"sold_out", "prices_changed"} else 422
        raise ApiProblem(
            status, error.message, error.code, [{"field": "sku", "message": sku} for sku in error.skus]
        ) from error
    order = order_out(await load_order(placed.number), loc, settings.secret_key)
    # The email is in the outbox since the order committed: deliver it now, not at the next poll.
    return Response(order, status_code=201, background=BackgroundTask(deliver_pending))


@post(
    "/orders/lookup",
    summary="Find an order by its number and the email it was placed with",
    status_code=200,
    responses=problems(404, 422, 429),
)
async def lookup(
    request: Request[Any, Any, Any],
    shop: NamedDependency[ShopState],
    data: JSONBody[LookupIn],
    locale: FromQuery[ApiLocale | None] = None,
) -> OrderOut:
    loc = api_locale(locale)
    email, error = clean_email(data.email)
    number = normalise_order_number(data.number)
    await check_lookup(shop.limits, client_address(request), number)
    found = None if error or not number else await find_order_for_shopper(number, email)
    if found is None:
        raise ApiProblem(
            404, N_("We could not find an order with this number and email address."), "order_not_found"
        )
    return order_out(await load_order(found), loc, shop.settings.secret_key)


@post(
    "/payments/test/webhook",
    summary="Test provider callback (HMAC-SHA256 of the body in X-Signature)",
    status_code=200,
    responses=problems(401, 404, 409, 422),
)
async def test_webhook(
    request: Request,
    shop: NamedDependency[ShopState],
    signature: Annotated[str, HeaderParameter(name="X-Signature")],
) -> WebhookOut:
    settings = shop.settings
    if "test" not in providers(settings):
        raise ApiProblem(404, N_("This payment provider is not enabled."), "provider_disabled")
    body = await request.body()
    if not hmac.compare_digest(webhook_signature(settings.secret_key, body), signature or ""):
        raise ApiProblem(401, N_("The signature does not match."), "bad_signature")
    try:
        data = msgspec.json.decode(body, type=WebhookIn)
        outcome = Outcome(data.outcome)
    except (msgspec.DecodeError, ValueError) as error:
        raise ApiProblem(400, N_("This request could not be understood"), "bad_payload") from error
    try:
        result = await apply_payment_event(
            data.reference,
            data.event_id,
            outcome,
            data.amount_minor,
            data.currency,
            actor="payment:test:webhook",
        )
    except PaymentError as error:
        raise ApiProblem(
            422, N_("This payment event cannot be applied."), "payment_event_rejected"
        ) from error
    return WebhookOut(result=result.value)


router = Router(
    path="/api/v1",
    route_handlers=[shipping_methods, cart_quote, address_format, checkout, lookup, test_webhook],
    tags=["checkout"],
    dependencies={"view": Provide(provide_view)},
    dto=StrictBody,
    return_dto=None,
)
