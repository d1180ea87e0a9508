"""HTML checkout: one form whose address fields and summary follow the destination and method.

The summary is the checkout quote (checkout/calculations.py). Changing the country or the
shipping method re-renders it through the same form (a server round-trip, so it works without
JavaScript; site.js only submits on change), and "Place order" charges only a quote whose
version the page showed.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from babel.languages import get_official_languages
from litestar import Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from app.accounts.sessions import current_customer
from app.checkout.address import MAX_FIELD_LENGTH, FieldError, address_form
from app.checkout.calculations import DEFAULT_METHOD, CheckoutQuote, calculate_checkout
from app.checkout.fetch import fetch_checkout
from app.checkout.rules import first_errors, validate_checkout
from app.checkout.services import (
    NOT_SHIPPED_HERE,
    PRICES_CHANGED,
    CheckoutError,
    CheckoutRequest,
    PlacedOrder,
    existing_order,
    place_order,
)
from app.i18n.formatting import country_name
from app.i18n.markers import N_
from app.notifications.outbox import deliver_pending
from app.orders.rules import Status
from app.payments.providers import Outcome, provider_registry
from app.shipping.data import rate_table
from app.web import urls
from app.web.carts import current_cart_id
from app.web.forms import read_form
from app.web.pages import PageMeta, PageRequest, base_url, render_page

# Where a shopper reading this language most likely lives, to preselect the destination.
LIKELY_COUNTRY = {"en": "US", "de": "DE", "fr": "FR", "es": "ES", "ja": "JP", "zh-hans": "CN", "ar": "AE"}
CHECKOUT_KEY = re.compile(r"^[0-9a-f]{32}$")
SHIPPING_CHANGED = N_("Your shipping choice changed the total. Check it, then place your order.")


def destination(raw: str | None, locale: str, home_country: str) -> str:
    code = (raw or "").strip().upper()
    return code if code in rate_table().countries else LIKELY_COUNTRY.get(locale, home_country)


def sorted_countries(locale: str) -> list[tuple[str, str]]:
    return sorted(
        ((c, country_name(c, locale)) for c in rate_table().countries), key=lambda item: item[1].casefold()
    )


def quote_field(quote: CheckoutQuote) -> str:
    """What the page showed: `country:method:version:region` of the whole quote."""
    return f"{quote.country}:{quote.method.code if quote.method else ''}:{quote.version}:{quote.region}"


def parse_quote_field(raw: str | None) -> tuple[str, str, str, str]:
    country, _, rest = (raw or "")[:200].partition(":")
    method, _, rest = rest.partition(":")
    version, _, region = rest.partition(":")
    return country, method, version, region


async def load_quote(page: PageRequest, country: str, method: str, region: str = "") -> CheckoutQuote:
    data = await fetch_checkout(
        await current_cart_id(page.request),
        catalog=page.catalog,
        pricer=page.pricer,
        country=country,
        region=region,
        shipping_method=method,
        settings=page.shop.settings,
    )
    return calculate_checkout(data)


async def render_checkout(
    page: PageRequest,
    quote: CheckoutQuote,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    problem: CheckoutError | None = None,
    status_code: int = 200,
) -> Response[bytes]:
    _ = page.gettext()
    settings = page.shop.settings
    country = quote.country
    context = {
        "quote": quote,
        "cart": quote.cart,
        "pricer": quote.pricer,
        "country": country,
        "countries": sorted_countries(page.locale.code),
        "address_fields": address_form(country),
        # Region names in the local script when the shopper reads the country's language.
        "local_names": page.locale.language in get_official_languages(country, de_facto=True),
        "values": values,
        "errors": first_errors(errors or []),
        "problem": problem,
        "providers": provider_registry(settings.test_payments_enabled),
        "quote_field": quote_field(quote),
        "checkout_key": values.get("checkout_key") or secrets.token_hex(16),
    }
    meta = PageMeta(
        title=f"{_('Checkout')} | {settings.shop_name}", alternate=urls.checkout_url, noindex=True
    )
    return await render_page(page, "checkout.html", context, meta, status_code=status_code)


@get("/{locale:str}/checkout", name="checkout", include_in_schema=False)
async def checkout_page(
    page: NamedDependency[PageRequest], country: FromQuery[str | None] = None
) -> Response[Any]:
    settings = page.shop.settings
    chosen = destination(country or page.pricer.presentment.country, page.locale.code, settings.shop_country)
    quote = await load_quote(page, chosen, DEFAULT_METHOD)
    if quote.is_empty:
        return Redirect(urls.cart_url(page.locale.code), status_code=303)
    values = {"country": chosen, "shipping_method": DEFAULT_METHOD, "payment_method": "manual"}
    return await render_checkout(page, quote, values)


@post("/{locale:str}/checkout", name="checkout-submit", include_in_schema=False)
async def checkout_submit(page: NamedDependency[PageRequest]) -> Response[Any]:
    request, settings, locale = page.request, page.shop.settings, page.locale.code
    form = await read_form(request)
    cart_id = await current_cart_id(request)
    nonce = form.get("checkout_key", "")
    checkout_key = f"{cart_id}:{nonce}" if cart_id is not None and CHECKOUT_KEY.match(nonce) else None
    if (number := await existing_order(checkout_key)) is not None:  # a resubmitted form
        placed = PlacedOrder(number, Status.PENDING_PAYMENT, Outcome.PENDING)
        return Redirect(placed_order_url(locale, placed, settings.secret_key), status_code=303)
    country = destination(form.get("country"), locale, settings.shop_country)
    method = form.get("shipping_method", "")[:32]
    region = form.get("country_area", "")[:MAX_FIELD_LENGTH]
    quote = await load_quote(page, country, method, region)
    if cart_id is None or quote.is_empty:
        return Redirect(urls.cart_url(locale), status_code=303)
    values = {k: v for k, v in form.items() if k not in {"card_number", "_csrf_token", "quote"}}
    values["country"] = country
    if quote.method is not None:
        values["shipping_method"] = quote.method.code

    if form.get("action") in {"change_country", "update_total"}:  # recompute the summary, nothing else
        return await render_checkout(page, quote, values)
    checked, errors = validate_checkout(form, country, provider_registry(settings.test_payments_enabled))
    if quote.method is None:
        errors.append(FieldError("shipping_method", NOT_SHIPPED_HERE, {}))
    if errors:
        return await render_checkout(page, quote, values, errors, status_code=422)
    shown_country, shown_method, shown_version, shown_region = parse_quote_field(form.get("quote"))
    if shown_version != quote.version:
        # The destination, method or province changed after the summary was worked out (a state
        # or prefecture that changes nothing leaves the version alone), or prices moved.
        shown = (shown_country, shown_method, shown_region)
        moved = shown != (country, quote.method.code if quote.method else "", region)
        changed = (
            CheckoutError(SHIPPING_CHANGED, code="quote_changed")
            if moved
            else CheckoutError(PRICES_CHANGED, code="prices_changed")
        )
        return await render_checkout(page, quote, values, problem=changed, status_code=409)
    assert checked.provider is not None
    customer = await current_customer(request)  # only a verified account gets the order linked
    checkout_request = CheckoutRequest(
        email=checked.email,
        phone=checked.phone,
        country=country,
        address=checked.address,
        shipping_method=method,
        provider=checked.provider,
        payment_details=checked.payment_details,
        locale=locale,
        pricer=page.pricer,
        checkout_key=checkout_key,
        expected_version=shown_version,
        confirmation_link=urls.order_link(base_url(request), locale, settings.secret_key),
        customer_id=customer.id if customer is not None and customer.verified else None,
    )
    try:
        placed = await place_order(cart_id, checkout_request, page.catalog, settings)
    except CheckoutError as problem:
        after = await load_quote(page, country, method, region)  # what is left after the refusal
        if after.is_empty:
            return Redirect(urls.cart_url(locale), status_code=303)
        return await render_checkout(page, after, values, problem=problem, status_code=409)
    return Redirect(
        placed_order_url(locale, placed, settings.secret_key),
        status_code=303,
        # The email is in the outbox since the order committed: deliver it now, not at the next poll.
        background=BackgroundTask(deliver_pending),
    )


def placed_order_url(locale: str, placed: PlacedOrder, secret: str) -> str:
    return urls.private_order_url(locale, placed.number, secret, pay=placed.payment_outcome is Outcome.FAILED)


CONTROLLERS = [checkout_page, checkout_submit]
