"""msgspec structs for API requests and responses, and the value sets the API accepts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from app.catalog.tables import Variant
from app.fx.data import supported_currencies
from app.i18n.locales import LOCALES
from app.markets.data import market_set
from app.shipping.data import rate_table


def shop_countries() -> tuple[str, ...]:
    """The countries the shop knows (the country selector's): shipping destinations and market members."""
    markets = market_set().markets.values()
    return tuple(sorted(set(rate_table().countries) | {code for m in markets for code in m.countries}))


def one_of(values: Iterable[str]) -> Any:
    """A Literal of these values: an `enum` in the OpenAPI schema, enforced by the same type when the
    request is decoded, so the schema and the server cannot disagree."""
    return Literal[tuple(values)]


# Built from the data the server validates against (the shipped locales, currencies.toml, the
# shipping and market files), never copied by hand. Type checkers see plain strings.
if TYPE_CHECKING:
    ApiLocale = str
    ApiCurrency = str
    ApiCountry = str
else:
    ApiLocale = one_of(LOCALES)
    ApiCurrency = one_of(supported_currencies())
    ApiCountry = one_of(shop_countries())

SKU_MAX_LENGTH = Variant.sku.length  # what the catalogue can store
SKU_DESCRIPTION = "A variant's SKU (see `variants` of GET /products/{code})"
Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=SKU_MAX_LENGTH, description=SKU_DESCRIPTION)]


class MoneyOut(msgspec.Struct):
    amount: str
    currency: str
    minor: int
    formatted: str


class CategoryOut(msgspec.Struct):
    code: str
    name: str
    slug: str
    description: str
    url: str
    children: list[CategoryOut] = []


class OptionOut(msgspec.Struct):
    axis: str
    axis_label: str
    value: str
    label: str


class VariantOut(msgspec.Struct):
    sku: str
    options: list[OptionOut]
    price: MoneyOut
    in_stock: bool
    stock: int | None = None


class ProductSummaryOut(msgspec.Struct):
    code: str
    name: str
    slug: str
    url: str
    price_from: MoneyOut
    in_stock: bool
    image: str | None


class ProductOut(msgspec.Struct):
    code: str
    name: str
    slug: str
    description: str
    url: str
    category: str
    images: list[str]
    variants: list[VariantOut]
    hs_code: str
    origin_country: str
    weight_grams: int


class ProductPageOut(msgspec.Struct):
    items: list[ProductSummaryOut]
    page: int
    total_pages: int
    total_items: int
    sort: str


class CartLineOut(msgspec.Struct):
    sku: str
    product_code: str
    name: str
    variant: str
    quantity: int
    available: int
    unit_price: MoneyOut
    total: MoneyOut


class CartOut(msgspec.Struct):
    token: str
    lines: list[CartLineOut]
    item_count: int
    subtotal: MoneyOut


class CartLineIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: Sku
    quantity: int = 1


class QuantityIn(msgspec.Struct, forbid_unknown_fields=True):
    quantity: int


class ShippingMethodOut(msgspec.Struct):
    code: str
    name: str
    price: MoneyOut
    min_days: int
    max_days: int


class AddressFieldOut(msgspec.Struct):
    name: str
    label: str
    required: bool
    choices: list[list[str]]
    example: str


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    method: str
    card_number: str = ""


class TotalIn(msgspec.Struct, forbid_unknown_fields=True):
    minor: int
    currency: ApiCurrency


class CheckoutIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    country: ApiCountry
    address: dict[str, str]
    shipping_method: str
    payment: PaymentIn
    phone: str = ""
    locale: ApiLocale = "en"
    currency: ApiCurrency | None = None  # default: the destination market's currency
    expected_total: TotalIn | None = None  # refuse (409) if the total is no longer this
    # `version` of the quote the client showed (GET .../quote): refuse (409) if anything in it moved
    expected_quote: str | None = None


class FxOut(msgspec.Struct):
    """The conversion behind a quote: the rate applied to prices (conversion fee included)."""

    base: str
    currency: str
    applied_rate: str  # currency units per base unit, fee included, with every digit
    markup_percent: str
    source: str
    as_of: str


class ChargeOut(msgspec.Struct):
    """A tax, duty or fee line, with the rule and source behind it.

    `included`: already in the goods and shipping (tax-inclusive prices), so not added again;
    `collected`: "checkout" (in the total) or "delivery" (an estimate the carrier collects);
    kind "removed": tax the shown prices held that is taken off because the goods are imported."""

    kind: str
    name: str
    rate: str | None  # percent
    amount: MoneyOut
    collected: str
    included: bool
    estimate: bool
    rule: str
    source: str
    explanation: str


class QuoteSettlementOut(msgspec.Struct):
    subtotal: MoneyOut
    shipping: MoneyOut
    taxes: MoneyOut  # what the taxes changed in the total
    total: MoneyOut
    rate: str  # presentment units per settlement unit, mid-market (without the fee)


class QuoteOut(msgspec.Struct):
    """The checkout quote: what placing the order with these choices would charge."""

    country: str
    currency: str
    lines: list[CartLineOut]
    subtotal: MoneyOut
    shipping_methods: list[ShippingMethodOut]
    shipping_method: str | None  # None: the chosen method is not offered to this country
    shipping: MoneyOut
    charges: list[ChargeOut]
    total: MoneyOut  # goods + shipping + charges collected now - tax taken off
    incoterm: str  # DDP: nothing more to pay on delivery; DAP: `due_on_delivery` is an estimate
    due_on_delivery: MoneyOut
    tax_note: str  # why these charges, or what stops the order (a province needed, restricted goods)
    tax_warnings: list[str]  # e.g. amounts resting on unverified data, duties not included
    can_order: bool
    settlement: QuoteSettlementOut
    fx: FxOut | None
    stale_currency: str | None  # the requested currency, refused because its rate is too old
    version: str  # send back as `expected_quote` when placing the order


class OrderLineOut(msgspec.Struct):
    sku: str
    name: str
    variant: str
    quantity: int
    unit_price: MoneyOut
    total: MoneyOut


class SettlementOut(msgspec.Struct):
    """What the shop receives in its own currency, and the rate the order was charged at."""

    total: MoneyOut
    refunded: MoneyOut
    fx_rate: str  # presentment units per settlement unit, without markup
    fx_source: str
    fx_as_of: str


class OrderOut(msgspec.Struct):
    number: str
    status: str
    status_label: str
    currency: str
    subtotal: MoneyOut
    shipping: MoneyOut
    charges: list[ChargeOut]
    total: MoneyOut
    refunded: MoneyOut
    incoterm: str  # "" for orders from before landed cost
    due_on_delivery: MoneyOut
    shipping_method: str
    shipping_country: str
    lines: list[OrderLineOut]
    access_key: str
    created_at: str
    market: str
    settlement: SettlementOut


class LookupIn(msgspec.Struct, forbid_unknown_fields=True):
    number: str
    email: str


class WebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    reference: str
    event_id: str
    outcome: str
    amount_minor: int
    currency: str


class WebhookOut(msgspec.Struct):
    result: str


class ProblemFieldOut(msgspec.Struct):
    field: str
    message: str


class ProblemOut(msgspec.Struct):
    """An error (RFC 9457, `application/problem+json`): `detail` in the client's language, a
    stable `code` to act on, and per-field `errors` for invalid input."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = None
    errors: list[ProblemFieldOut] | None = None
