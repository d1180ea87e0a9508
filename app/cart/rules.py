"""Pure cart logic: quantity parsing and the priced view of a cart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from moneyed import Money

from app.catalog.rules import Catalog, ProductView, VariantView
from app.core.money import from_minor, multiply, zero
from app.i18n.markers import N_
from app.markets.rules import Pricer

MAX_LINE_QUANTITY = 99


class CartError(ValueError):
    """A shopper mistake in a cart operation; `message` is a gettext msgid with `params`."""

    def __init__(
        self, message: str, field: str = "quantity", code: str = "invalid_quantity", **params: object
    ) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.code = code
        self.params = params

    @property
    def is_stock_problem(self) -> bool:
        return self.code in {"sold_out", "insufficient_stock"}


def parse_quantity(raw: object, *, allow_zero: bool = False) -> int:
    """A quantity typed by a shopper: an integer between 1 (or 0 to remove) and the line maximum."""
    text = str(raw).strip() if raw is not None else ""
    if (
        isinstance(raw, bool)
        or not text
        or not text.isascii()
        or not text.lstrip("-").isdigit()
        or len(text) > 6
    ):
        raise CartError(N_("Enter a whole number between 1 and %(max)s."), max=MAX_LINE_QUANTITY)
    quantity = int(text)
    if quantity < (0 if allow_zero else 1) or quantity > MAX_LINE_QUANTITY:
        raise CartError(N_("Enter a whole number between 1 and %(max)s."), max=MAX_LINE_QUANTITY)
    return quantity


def check_stock(requested: int, available: int) -> None:
    if available <= 0:
        raise CartError(N_("Sorry, this item is sold out."), code="sold_out")
    if requested > available:
        raise CartError(N_("Only %(count)s left in stock."), code="insufficient_stock", count=available)


@dataclass(frozen=True)
class PricedLine:
    product: ProductView
    variant: VariantView
    quantity: int
    available: int
    unit_price: Money
    total: Money

    @property
    def sku(self) -> str:
        return self.variant.sku

    @property
    def short_of_stock(self) -> bool:
        return self.quantity > self.available


@dataclass(frozen=True)
class PricedCart:
    lines: tuple[PricedLine, ...]
    subtotal: Money  # in the shopper's currency: what is charged
    base_subtotal: Money  # the entered prices, in the shop currency, before tax and conversion

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def stock_problems(self) -> tuple[PricedLine, ...]:
        return tuple(line for line in self.lines if line.short_of_stock)


def price_cart(
    catalog: Catalog,
    quantities: Sequence[tuple[int, int]],
    stock: Mapping[int, int],
    pricer: Pricer,
    base_currency: str,
) -> PricedCart:
    """Price (variant id, quantity) pairs in the shopper's currency; lines no longer sold drop out."""
    by_variant = {v.id: (p, v) for p in catalog.products.values() for v in p.variants} if quantities else {}
    lines = []
    base_total = zero(base_currency)
    for variant_id, quantity in quantities:
        found = by_variant.get(variant_id)
        if found is None:
            continue
        product, variant = found
        unit = pricer.price(variant.id, variant.price_minor, variant.currency, tax_class=product.tax_class)
        base_total += multiply(from_minor(variant.price_minor, variant.currency), quantity)
        lines.append(
            PricedLine(
                product=product,
                variant=variant,
                quantity=quantity,
                available=stock.get(variant_id, 0),
                unit_price=unit,
                total=multiply(unit, quantity),
            )
        )
    subtotal = sum((line.total for line in lines), zero(pricer.currency))
    return PricedCart(lines=tuple(lines), subtotal=subtotal, base_subtotal=base_total)
