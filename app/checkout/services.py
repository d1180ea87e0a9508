"""Placing an order: reserve stock atomically, freeze what was sold, start the payment."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from moneyed import Money

from app.cart.tables import CartLine
from app.catalog.rules import Catalog
from app.catalog.tables import Variant
from app.checkout.calculations import CheckoutQuote, calculate_checkout
from app.checkout.fetch import fetch_checkout
from app.checkout.rules import new_order_number
from app.core.money import from_minor, money, to_minor
from app.core.settings import Settings, get_settings
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.markets.rules import Pricer
from app.orders.rules import Status
from app.orders.services import record_event
from app.orders.tables import Order, OrderCharge, OrderLine
from app.outbox.rules import ORDER_CONFIRMATION, PAYMENT_CAPTURE
from app.outbox.services import enqueue
from app.payments.providers import Outcome, PaymentProvider, ProviderResult, provider_registry
from app.payments.services import Applied, apply_payment_event, create_payment
from app.payments.tables import Payment
from app.search.services import request_sync

NOT_SHIPPED_HERE = N_("Choose a shipping method available for your country.")
log = logging.getLogger("storefront.checkout")
PRICES_CHANGED = N_("Prices were updated while you were checking out. Please check the new total.")


class CheckoutError(Exception):
    """Checkout cannot go ahead; `message` is a gettext msgid, `skus` the lines concerned."""

    def __init__(self, message: str, skus: tuple[str, ...] = (), code: str = "checkout") -> None:
        super().__init__(message)
        self.message, self.skus, self.code = message, skus, code


@dataclass(frozen=True)
class CheckoutRequest:
    email: str
    phone: str
    country: str
    address: Mapping[str, str]
    shipping_method: str
    provider: PaymentProvider
    payment_details: Mapping[str, str]
    locale: str
    pricer: Pricer  # the shopper's currency and the rates to charge at
    checkout_key: str | None = None
    # What the shopper was shown, if known: the quote's version (HTML page, API) and/or its total.
    expected_version: str | None = None
    expected_total: Money | None = None
    # The order's private link for the confirmation email, from its number (the web layer knows
    # URLs); None: no email.
    confirmation_link: Callable[[str], str] | None = None
    # The verified shopper account logged in at checkout (None: a guest order).
    customer_id: int | None = None


def check_quote(quote: CheckoutQuote, request: CheckoutRequest, line_count: int) -> None:
    """Refuse to charge anything but the quote the shopper saw."""
    if quote.is_empty:
        raise CheckoutError(N_("Your cart is empty."), code="empty_cart")
    if quote.missing_lines or len(quote.cart.lines) != line_count:
        raise CheckoutError(
            N_("Some items in your cart are no longer sold. Review your cart."), code="cart_changed"
        )
    if quote.restrictions:
        raise CheckoutError(quote.restrictions[0].message, code="restricted")
    if quote.taxes.error is not None:
        raise CheckoutError(quote.taxes.error.message, code=quote.taxes.error.code)
    if quote.method is None:
        raise CheckoutError(NOT_SHIPPED_HERE, code="shipping")
    if (request.expected_version is not None and request.expected_version != quote.version) or (
        request.expected_total is not None and request.expected_total != quote.total
    ):
        raise CheckoutError(PRICES_CHANGED, code="prices_changed")


@dataclass(frozen=True)
class PlacedOrder:
    number: str
    status: Status
    payment_outcome: Outcome
    payment_message: str = ""
    existing: bool = False


async def _reserve(quantities: list[tuple[int, int]], sku_of: Mapping[int, str]) -> None:
    """Take stock for every line or none: a conditional decrement per variant, in id order."""
    short: list[str] = []
    sold_out: list[int] = []
    for variant_id, quantity in sorted(quantities):
        taken = (
            await Variant.update({Variant.stock: Variant.stock - quantity})
            .where((Variant.id == variant_id) & (Variant.stock >= quantity))
            .returning(Variant.product, Variant.stock)
            .run()
        )
        if not taken:
            short.append(sku_of.get(variant_id, str(variant_id)))
        elif taken[0]["stock"] == 0:
            sold_out.append(taken[0]["product"])
    if short:
        raise CheckoutError(
            N_("Sorry, some items sold out while you were shopping."), tuple(short), code="sold_out"
        )
    await request_sync(sold_out)  # the "in stock" filter must stop finding them


async def existing_order(checkout_key: str | None) -> str | None:
    if not checkout_key:
        return None
    row = await Order.select(Order.number).where(Order.checkout_key == checkout_key).first().run()
    return row["number"] if row else None


async def place_order(
    cart_id: int, request: CheckoutRequest, catalog: Catalog, settings: Settings
) -> PlacedOrder:
    """Turn the cart into an order: all of it or nothing, never more than is in stock.

    The order is charged the total of the checkout quote the shopper was shown (the same
    calculation, re-run inside the transaction and compared by version), and records what the
    shop receives in its own currency, at which rate, from where and as of when.
    """
    if (number := await existing_order(request.checkout_key)) is not None:
        return PlacedOrder(number, Status.PENDING_PAYMENT, Outcome.PENDING, existing=True)
    try:
        number, reference = await _write_order(cart_id, request, catalog, settings)
    except Exception:
        # The same key placed concurrently (a double submit, a client retrying after its own
        # timeout): this attempt ran into that order (unique checkout_key, an emptied cart, the
        # stock it took) and was rolled back whole. The order already placed is the answer.
        if (number := await existing_order(request.checkout_key)) is None:
            raise
        return PlacedOrder(number, Status.PENDING_PAYMENT, Outcome.PENDING, existing=True)
    return await collect_payment(number, reference, request.provider, request.payment_details)


async def _write_order(
    cart_id: int, request: CheckoutRequest, catalog: Catalog, settings: Settings
) -> tuple[str, str]:
    """Stock, order, lines, first event, pending payment, emptied cart: one transaction."""
    async with write_transaction():
        data = await fetch_checkout(
            cart_id,
            catalog=catalog,
            pricer=request.pricer,
            country=request.country,
            region=request.address.get("country_area", ""),
            shipping_method=request.shipping_method,
            settings=settings,
            with_stock=False,
        )
        quote = calculate_checkout(data)
        check_quote(quote, request, len(data.quantities))
        assert quote.method is not None
        lines = quote.cart.lines
        await _reserve(list(data.quantities), {line.variant.id: line.sku for line in lines})
        number = new_order_number()
        address = {**request.address, **({"phone": request.phone} if request.phone else {})}
        source, as_of = quote.pricer.rates.describe(settings.shop_currency, quote.currency)
        rows = await Order.insert(
            Order(
                number=number,
                email=request.email,
                locale=request.locale,
                currency=quote.currency,
                status=Status.PENDING_PAYMENT.value,
                subtotal_minor=to_minor(quote.subtotal),
                shipping_minor=to_minor(quote.shipping),
                taxes_minor=to_minor(quote.taxes.adjustment),
                incoterm=quote.taxes.incoterm,
                total_minor=to_minor(quote.total),
                market=quote.pricer.presentment.market.code,
                settlement_currency=settings.shop_currency,
                settlement_subtotal_minor=to_minor(quote.settlement_subtotal),
                settlement_shipping_minor=to_minor(quote.settlement_shipping),
                settlement_taxes_minor=to_minor(quote.settlement_taxes),
                settlement_total_minor=to_minor(quote.settlement_total),
                fx_rate=str(quote.rate),
                fx_applied_rate=str(quote.fx.shown_rate) if quote.fx else "",
                fx_markup_percent=str(quote.fx.markup_percent) if quote.fx else "",
                fx_source=source[:300],
                fx_as_of=as_of.isoformat() if as_of else "",
                fx_fetched_at=quote.fx.fetched_at if quote.fx else None,
                shipping_method=quote.method.code,
                shipping_method_name=quote.method.name,
                shipping_country=request.country,
                shipping_address=json.dumps(address, ensure_ascii=False),
                payment_provider=request.provider.code,
                checkout_key=request.checkout_key,
                customer=request.customer_id,
            )
        ).run()
        order_id = rows[0]["id"]
        await OrderLine.insert(
            *(
                OrderLine(
                    order=order_id,
                    variant=line.variant.id,
                    sku=line.sku,
                    product_code=line.product.code,
                    product_name=line.product.text(request.locale).name,
                    variant_label=catalog.variant_label(line.variant, request.locale),
                    unit_price_minor=to_minor(line.unit_price),
                    quantity=line.quantity,
                    line_total_minor=to_minor(line.total),
                    settlement_total_minor=settlement_minor,
                    hs_code=line.product.hs_code,
                    tariff_code=line.product.tariff_codes.get(request.country, ""),
                    origin_country=line.product.origin_country,
                    customs_description=line.product.customs_description,
                    weight_grams=line.product.weight_grams,
                )
                for line, settlement_minor in zip(lines, quote.line_settlements, strict=True)
            )
        ).run()
        if charges := order_charges(order_id, quote):
            await OrderCharge.insert(*charges).run()
        await record_event(order_id, None, Status.PENDING_PAYMENT.value, actor="shopper")
        reference = await start_payment(
            order_id, request.provider, request.payment_details, to_minor(quote.total), quote.currency
        )
        if request.confirmation_link is not None:  # sent by the outbox once this commits, even after a crash
            link = request.confirmation_link(number)
            await enqueue(ORDER_CONFIRMATION, {"number": number, "link": link})
        await CartLine.delete().where(CartLine.cart == cart_id).run()
    return number, reference


async def start_payment(
    order_id: int, provider: PaymentProvider, details: Mapping[str, str], amount_minor: int, currency: str
) -> str:
    """A pending payment and, for an online provider, its capture follow-up (inside the order's
    transaction): if the shop dies before the provider's answer is applied, the outbox asks again.
    Queued before the confirmation email, so a resumed order's email already says it is paid."""
    reference = await create_payment(order_id, provider.code, amount_minor, currency)
    if provider.online:
        await enqueue(PAYMENT_CAPTURE, {"reference": reference, "method": details.get("method", "")})
    return reference


def order_charges(order_id: int, quote: CheckoutQuote) -> list[OrderCharge]:
    """The quote's tax, duty and fee lines (and any tax taken off the prices) as order rows."""
    settlement = quote.settlement_total.currency.code
    return [
        OrderCharge(
            order=order_id,
            position=position,
            kind=charge.kind,
            name=charge.name,
            rate="" if charge.rate is None else str(charge.rate),
            base_minor=to_minor(charge.base),
            amount_minor=to_minor(charge.amount),
            # Each line's shop-currency equivalent at the order's rate (for reports).
            settlement_minor=to_minor(money(charge.amount.amount / quote.rate, settlement)),
            collected=charge.collected,
            included=charge.included,
            estimate=charge.estimate,
            rule=charge.rule[:120],
            source=charge.source[:300],
            explanation=charge.explanation[:300],
            params=json.dumps(dict(charge.params), ensure_ascii=False),
            data_version=quote.taxes.data_version,
        )
        for position, charge in enumerate(quote.taxes.lines)
    ]


async def charge(reference: str, provider: PaymentProvider, details: Mapping[str, str]) -> ProviderResult:
    """Ask the provider for the payment's amount and apply its verdict (outside any transaction).

    The one place money is asked for: right after the order (collect_payment) and again by the
    outbox after a crash (resume_payment). The provider is idempotent by reference and the verdict
    is applied once per event id, so asking twice never charges or counts twice.
    """
    payment = (
        await Payment.select(Payment.amount_minor, Payment.currency)
        .where(Payment.reference == reference)
        .first()
        .run()
    )
    assert payment is not None
    amount, currency = payment["amount_minor"], payment["currency"]
    # Off the event loop: a real provider's answer is a network round trip.
    result = await asyncio.to_thread(provider.charge, reference, from_minor(amount, currency), details)
    if result.outcome is not Outcome.PENDING:
        await apply_payment_event(
            reference, result.event_id, result.outcome, amount, currency, actor=f"payment:{provider.code}"
        )
    return result


async def collect_payment(
    number: str, reference: str, provider: PaymentProvider, details: Mapping[str, str]
) -> PlacedOrder:
    """Charge a just-placed order and say where it stands."""
    result = await charge(reference, provider, details)
    status_row = await Order.select(Order.status).where(Order.number == number).first().run()
    assert status_row is not None
    return PlacedOrder(number, Status(status_row["status"]), result.outcome, result.message)


async def resume_payment(payload: Mapping[str, Any]) -> None:
    """The PAYMENT_CAPTURE outbox handler: charge a payment still waiting for its provider's answer.

    Nothing to do once the answer is in (the usual case: the checkout request applied it). A
    provider that is unavailable or disabled raises, so the outbox retries with backoff and the
    row stays visibly failed after its last attempt; the order page meanwhile says "awaiting payment".
    """
    reference = str(payload["reference"])
    payment = (
        await Payment.select(Payment.status, Payment.provider)
        .where(Payment.reference == reference)
        .first()
        .run()
    )
    if payment is None or payment["status"] != Outcome.PENDING.value:
        return
    provider = provider_registry(get_settings().test_payments_enabled).get(payment["provider"])
    if provider is None:
        raise LookupError(f"payment provider {payment['provider']} is not enabled")
    result = await charge(reference, provider, {"method": str(payload.get("method", ""))})
    log.info("payment %s resumed: %s", reference, result.outcome.value)


async def retry_payment(number: str, provider: PaymentProvider, details: Mapping[str, str]) -> PlacedOrder:
    """Another payment attempt for an order still awaiting payment (after a decline, say)."""
    order = await Order.select().where(Order.number == number).first().run()
    if order is None or order["status"] != Status.PENDING_PAYMENT.value:
        raise CheckoutError(N_("This order is not awaiting payment."), code="not_payable")
    async with write_transaction():
        reference = await start_payment(
            order["id"], provider, details, order["total_minor"], order["currency"]
        )
        await Order.update({Order.payment_provider: provider.code}).where(Order.id == order["id"]).run()
    return await collect_payment(number, reference, provider, details)


__all__ = [
    "Applied",
    "CheckoutError",
    "CheckoutRequest",
    "PlacedOrder",
    "collect_payment",
    "place_order",
    "resume_payment",
    "retry_payment",
]
