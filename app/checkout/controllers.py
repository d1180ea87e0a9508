"""HTML checkout: one form whose address fields follow the destination country."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import Any

from babel.languages import get_official_languages
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from moneyed import Money

from app.cart.controllers import load_priced_cart
from app.cart.rules import PricedCart
from app.checkout.address import FieldError, address_form, validate_address
from app.checkout.rules import clean_email, clean_phone, first_errors, quote_order
from app.checkout.services import (
    PRICES_CHANGED,
    CheckoutError,
    CheckoutRequest,
    PlacedOrder,
    existing_order,
    place_order,
)
from app.core.money import from_minor, to_minor
from app.fx.data import supported_currencies
from app.fx.rules import is_fresh
from app.i18n.formatting import country_name
from app.i18n.locales import ShopLocale
from app.i18n.markers import N_
from app.markets.rules import Pricer
from app.notifications.orders import send_order_confirmation
from app.orders.rules import Status, access_key
from app.payments.providers import Outcome, PaymentDetailsError, PaymentProvider, provider_registry
from app.shipping.data import rate_table
from app.shipping.rules import find_method, methods_for
from app.web import urls
from app.web.carts import current_cart_id
from app.web.forms import read_form
from app.web.market import pricer_for
from app.web.pages import PageMeta, base_url, gettext_for, render_page, shop_locale_or_404
from app.web.state import catalog_cache, settings

# Where a shopper reading this language most likely lives, to preselect the destination.
LIKELY_COUNTRY = {"en": "US", "de": "DE", "fr": "FR", "es": "ES", "ja": "JP", "zh-hans": "CN", "ar": "AE"}
CHECKOUT_KEY = re.compile(r"^[0-9a-f]{32}$")


def providers() -> dict[str, PaymentProvider]:
    return provider_registry(settings.test_payments_enabled)


def destination(raw: str | None, locale: str) -> str:
    code = (raw or "").strip().upper()
    return code if code in rate_table().countries else LIKELY_COUNTRY.get(locale, settings.shop_country)


def sorted_countries(locale: str) -> list[tuple[str, str]]:
    return sorted(
        ((c, country_name(c, locale)) for c in rate_table().countries), key=lambda item: item[1].casefold()
    )


async def checkout_pricer(request: Request[Any, Any, Any], shop_locale: ShopLocale) -> tuple[Pricer, bool]:
    return sellable(await pricer_for(request, shop_locale))


def sellable(pricer: Pricer) -> tuple[Pricer, bool]:
    """The pricer to charge with, or the base-currency one when its rates are too old to sell at."""
    currencies = [pricer.currency, settings.shop_currency]
    if pricer.currency == settings.shop_currency or is_fresh(
        pricer.rates, currencies, settings.fx_max_age_hours
    ):
        return pricer, False
    base = replace(pricer.presentment, currency=settings.shop_currency, currency_chosen=False)
    return Pricer(base, pricer.rates, pricer.overrides), True


def quote_field(cart: PricedCart, pricer: Pricer) -> str:
    """What the checkout page showed: goods subtotal and the rates behind it (`JPY:12340:3f2a…`)."""
    return f"{cart.subtotal.currency.code}:{to_minor(cart.subtotal)}:{pricer.rates.version}"


def parse_quote(raw: str | None) -> tuple[Money, str] | None:
    """The subtotal and rates version the checkout page showed, to catch a change before charging."""
    currency, _, rest = (raw or "").partition(":")
    minor, _, version = rest.partition(":")
    if currency not in supported_currencies() or not (minor.isascii() and minor.isdigit()) or len(minor) > 15:
        return None
    return from_minor(int(minor), currency), version


async def render_checkout(
    request: Request[Any, Any, Any],
    locale: str,
    cart: PricedCart,
    pricer: Pricer,
    stale_rates: bool,
    country: str,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    problem: CheckoutError | None = None,
    status_code: int = 200,
) -> Response[bytes]:
    shop_locale = shop_locale_or_404(locale)
    _ = gettext_for(shop_locale.code)
    methods = methods_for(rate_table(), country, cart.base_subtotal)
    method = find_method(rate_table(), country, values.get("shipping_method", ""), cart.base_subtotal)
    quote = None
    if method:
        rate = pricer.rates.cross(settings.shop_currency, pricer.currency)
        quote = quote_order(cart, pricer.convert(method.price, rounding=False), settings.shop_currency, rate)
    context = {
        "cart": cart,
        "pricer": pricer,
        "stale_rates": stale_rates,
        "country": country,
        "countries": sorted_countries(shop_locale.code),
        "address_fields": address_form(country),
        # Region names in the local script when the shopper reads the country's language.
        "local_names": shop_locale.language in get_official_languages(country, de_facto=True),
        "values": values,
        "errors": first_errors(errors or []),
        "problem": problem,
        "methods": [(m, pricer.convert(m.price, rounding=False)) for m in methods],
        "providers": providers(),
        "quote": quote,
        "rates_date": pricer.rates.describe(settings.shop_currency, pricer.currency)[1],
        "quote_field": quote_field(cart, pricer),
        "checkout_key": values.get("checkout_key") or secrets.token_hex(16),
    }
    meta = PageMeta(
        title=f"{_('Checkout')} | {settings.shop_name}", alternate=urls.checkout_url, noindex=True
    )
    return await render_page(request, shop_locale, "checkout.html", context, meta, status_code=status_code)


@get("/{locale:str}/checkout", name="checkout", include_in_schema=False)
async def checkout_page(
    request: Request[Any, Any, Any], locale: FromPath[str], country: FromQuery[str | None] = None
) -> Response[Any]:
    shop_locale = shop_locale_or_404(locale)
    pricer, stale = await checkout_pricer(request, shop_locale)
    cart = await load_priced_cart(await current_cart_id(request), pricer)
    if cart.is_empty:
        return Redirect(urls.cart_url(shop_locale.code), status_code=303)
    chosen = destination(country or pricer.presentment.country, shop_locale.code)
    values = {"country": chosen, "shipping_method": "standard", "payment_method": "manual"}
    return await render_checkout(request, shop_locale.code, cart, pricer, stale, chosen, values)


def validate_checkout(form: dict[str, str], country: str) -> tuple[dict[str, Any], list[FieldError]]:
    """Every field of the checkout form checked; returns cleaned values and all errors."""
    errors: list[FieldError] = []
    email, error = clean_email(form.get("email"))
    errors += [error] if error else []
    phone, error = clean_phone(form.get("phone"))
    errors += [error] if error else []
    address, address_errors = validate_address(country, form)
    errors += address_errors
    provider = providers().get(form.get("payment_method", ""))
    details: dict[str, str] = {}
    if provider is None:
        errors.append(FieldError("payment_method", N_("Choose a payment method."), {}))
    else:
        try:
            details = provider.validate(form)
        except PaymentDetailsError as details_error:
            errors.append(FieldError(details_error.field, details_error.message, {}))
    cleaned = {"email": email, "phone": phone, "address": address, "provider": provider, "details": details}
    return cleaned, errors


@post("/{locale:str}/checkout", name="checkout-submit", include_in_schema=False)
async def checkout_submit(request: Request[Any, Any, Any], locale: FromPath[str]) -> Response[Any]:
    shop_locale = shop_locale_or_404(locale)
    form = await read_form(request)
    cart_id = await current_cart_id(request)
    nonce = form.get("checkout_key", "")
    checkout_key = f"{cart_id}:{nonce}" if cart_id is not None and CHECKOUT_KEY.match(nonce) else None
    if (number := await existing_order(checkout_key)) is not None:  # a resubmitted form
        return Redirect(
            placed_order_url(shop_locale.code, PlacedOrder(number, Status.PENDING_PAYMENT, Outcome.PENDING)),
            status_code=303,
        )
    pricer, stale = await checkout_pricer(request, shop_locale)
    cart = await load_priced_cart(cart_id, pricer)
    if cart_id is None or cart.is_empty:
        return Redirect(urls.cart_url(shop_locale.code), status_code=303)
    country = destination(form.get("country"), shop_locale.code)
    values = {k: v for k, v in form.items() if k not in {"card_number", "_csrf_token", "quote"}}
    values["country"] = country

    async def again(
        errors: list[FieldError] | None = None,
        problem: CheckoutError | None = None,
        status: int = 200,
        shown_cart: PricedCart = cart,
    ) -> Response[bytes]:
        """The form again, with what the shopper typed and why it did not go through."""
        return await render_checkout(
            request, shop_locale.code, shown_cart, pricer, stale, country, values, errors, problem, status
        )

    if form.get("action") == "change_country":
        return await again()
    cleaned, errors = validate_checkout(form, country)
    if find_method(rate_table(), country, form.get("shipping_method", ""), cart.base_subtotal) is None:
        errors.append(
            FieldError("shipping_method", N_("Choose a shipping method available for your country."), {})
        )
    if errors:
        return await again(errors, status=422)
    shown = parse_quote(form.get("quote"))
    if shown is not None and shown[1] != pricer.rates.version:
        return await again(problem=CheckoutError(PRICES_CHANGED, code="prices_changed"), status=409)
    checkout_request = CheckoutRequest(
        email=cleaned["email"],
        phone=cleaned["phone"],
        country=country,
        address=cleaned["address"],
        shipping_method=form.get("shipping_method", ""),
        provider=cleaned["provider"],
        payment_details=cleaned["details"],
        locale=shop_locale.code,
        pricer=pricer,
        checkout_key=checkout_key,
        expected_subtotal=shown[0] if shown else None,
    )
    try:
        placed = await place_order(
            cart_id, checkout_request, await catalog_cache.get(), settings.shop_currency
        )
    except CheckoutError as problem:
        after = await load_priced_cart(cart_id, pricer)  # what is left after the refusal
        if after.is_empty:
            return Redirect(urls.cart_url(shop_locale.code), status_code=303)
        return await again(problem=problem, status=409, shown_cart=after)
    link = base_url(request) + urls.order_url(
        shop_locale.code, placed.number, access_key(settings.secret_key, placed.number)
    )
    return Redirect(
        placed_order_url(shop_locale.code, placed),
        status_code=303,
        background=None if placed.existing else BackgroundTask(send_order_confirmation, placed.number, link),
    )


def placed_order_url(locale: str, placed: PlacedOrder) -> str:
    key = access_key(settings.secret_key, placed.number)
    if placed.payment_outcome is Outcome.FAILED:
        return urls.order_pay_url(locale, placed.number, key)
    return urls.order_url(locale, placed.number, key)


CONTROLLERS = [checkout_page, checkout_submit]
