"""Per-market price overrides: a merchant's fixed price of one variant in one market, in that
market's currency, which the shop charges there instead of converting the base price."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.money import from_minor, is_chargeable
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.markets.rules import Market
from app.markets.tables import PriceOverride
from app.staff.product_fields import Errors, form_getter, parse_count, parse_price, price_error
from app.staff.products import Conflict, MarketPrice, ProductEdit, catalogue_changed, load_product_edit
from app.staff.services import Actor

BAD_CHARGE_STEP = N_("%(currency)s prices are charged in steps of %(unit)s.")
BAD_VARIANT = N_("Choose one of the product's variants.")
BAD_MARKET = N_("Choose a market.")


@dataclass
class MarketPriceForm:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    variant_id: int = 0
    market: str = ""
    price_minor: int = 0
    currency: str = ""


def read_market_price_form(
    form: Mapping[str, str], product: ProductEdit, markets: Mapping[str, Market], *, clearing: bool = False
) -> MarketPriceForm:
    """Which variant, which market and (unless clearing) the price in the market's currency: a
    positive amount in the currency's minor unit that shoppers can be charged (whole forints)."""
    get = form_getter(form)
    result = MarketPriceForm(
        values={"variant": get("variant"), "market": get("market"), "amount": get("amount")}
    )
    variant_id = parse_count(result.values["variant"], minimum=1, maximum=2**31 - 1)
    if variant_id is None or product.variant(variant_id) is None:
        result.errors["variant"] = (BAD_VARIANT, {})
    else:
        result.variant_id = variant_id
    market = markets.get(result.values["market"])
    if market is None:
        result.errors["market"] = (BAD_MARKET, {})
        return result
    result.market, result.currency = market.code, market.currency
    if clearing:
        return result
    price = parse_price(result.values["amount"], market.currency)
    if isinstance(price, str):
        result.errors["amount"] = price_error(price, market.currency)
    elif not is_chargeable(from_minor(price, market.currency).amount, market.currency):
        result.errors["amount"] = price_error(BAD_CHARGE_STEP, market.currency)
    else:
        result.price_minor = price
    return result


def _fixed(price: MarketPrice | None) -> dict[str, str] | None:
    return (
        None if price is None else {"price": str(price.price.amount), "currency": price.price.currency.code}
    )


async def save_market_price(
    actor: Actor, code: str, form: MarketPriceForm, locale: str, *, clear: bool
) -> bool:
    """Set (or with `clear`, remove) one variant's fixed price in one market; returns whether it
    changed. The shop charges it as is in that market's currency (app.markets.rules.Pricer)."""
    async with write_transaction():
        product = await load_product_edit(code, locale)
        variant = product.variant(form.variant_id)
        if variant is None:
            raise Conflict("variant", BAD_VARIANT)
        before = next(
            (p for p in product.market_prices if p.variant_id == variant.id and p.market == form.market), None
        )
        same_variant = (PriceOverride.variant == variant.id) & (PriceOverride.market == form.market)
        if clear:
            if before is None:
                return False
            await PriceOverride.delete().where(same_variant).run()
            after = None
        else:
            after = MarketPrice(
                variant.id, variant.sku, form.market, from_minor(form.price_minor, form.currency)
            )
            if before is not None and before.price == after.price:
                return False
            await PriceOverride.delete().where(same_variant).run()
            await PriceOverride.insert(
                PriceOverride(
                    variant=variant.id,
                    market=form.market,
                    price_minor=form.price_minor,
                    currency=form.currency,
                )
            ).run()
        await catalogue_changed(
            actor,
            "product.market_price",
            code,
            product.id,
            {"sku": variant.sku, "market": form.market, "fixed": _fixed(before)},
            {"sku": variant.sku, "market": form.market, "fixed": _fixed(after)},
        )
    return True
