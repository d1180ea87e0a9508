"""New option values for an existing product (a size XL, a colour red): the form that turns them
into the missing combinations with their SKUs and price, and their insertion as new variants with
no stock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.catalog.rules import MAX_VARIANTS, OptionProblem, missing_combinations, parse_option_values, sku_for
from app.catalog.tables import Variant
from app.core.transactions import write_transaction
from app.i18n.markers import N_
from app.staff.product_fields import Errors, form_getter, option_error, parse_price, price_error, sku_errors
from app.staff.products import (
    SKU_TAKEN,
    Conflict,
    ProductEdit,
    catalogue_changed,
    load_product_edit,
    taken_skus,
    variant_rows,
)
from app.staff.services import Actor

VALUE_EXISTS = N_("%(axis)s already has the value %(value)s.")
NO_NEW_VALUES = N_("Type at least one new value.")
NOTHING_MISSING = N_("Every combination of these values exists already.")
TOO_MANY_VARIANTS = N_("This makes %(count)s variants; a product has at most %(limit)s.")


@dataclass
class VariantsForm:
    """New option values for an existing product: the combinations they add and their price."""

    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    combinations: list[dict[str, str]] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    price_minor: int = 0


def read_variants_form(form: Mapping[str, str], product: ProductEdit, currency: str) -> VariantsForm:
    """New values per existing axis ("size": "XL") -> the missing combinations, with SKUs."""
    get = form_getter(form)
    axes = product.axes
    result = VariantsForm(values={"new_price": get("new_price")})
    merged: dict[str, list[str]] = {}
    added = False
    for axis, existing in axes.items():
        key = f"add_{axis}"
        result.values[key] = get(key, 400)
        typed = parse_option_values(result.values[key])
        if isinstance(typed, OptionProblem):
            result.errors[key] = option_error(typed)
            typed = []
        already = [value for value in typed if value in existing]
        if already:
            result.errors[key] = (VALUE_EXISTS, {"axis": axis, "value": already[0]})
        merged[axis] = existing + [value for value in typed if value not in existing]
        added = added or len(merged[axis]) > len(existing)
    price = parse_price(result.values["new_price"], currency)
    if isinstance(price, int):
        result.price_minor = price
    else:
        result.errors["new_price"] = price_error(price, currency)
    if result.errors:
        return result
    if not added:
        result.errors["variants"] = (NO_NEW_VALUES, {})
        return result
    result.combinations = missing_combinations(merged, (dict(v.choice) for v in product.variants))
    total = len(product.variants) + len(result.combinations)
    if not result.combinations:
        result.errors["variants"] = (NOTHING_MISSING, {})
    elif total > MAX_VARIANTS:
        result.errors["variants"] = (TOO_MANY_VARIANTS, {"count": total, "limit": MAX_VARIANTS})
    else:
        result.skus = [sku_for(product.code, combination) for combination in result.combinations]
        problem = sku_errors(result.skus)
        if problem:
            result.errors["variants"] = problem
    return result


async def add_variants(actor: Actor, code: str, form: VariantsForm, locale: str) -> int:
    """Insert the variants of new option values (no stock, the typed price); returns how many.
    Raises Conflict if a SKU is taken or the variants changed since the form was read."""
    async with write_transaction():
        before = await load_product_edit(code, locale)
        have = {tuple(sorted(v.choice)) for v in before.variants}
        if any(tuple(sorted(c.items())) in have for c in form.combinations):
            raise Conflict("variants", NOTHING_MISSING)
        taken = await taken_skus(form.skus)
        if taken:
            raise Conflict("variants", SKU_TAKEN, sku=taken[0])
        currency = before.variants[0].currency
        start = max(await _positions(before.id), default=-1) + 1
        await Variant.insert(
            *variant_rows(before.id, code, form.combinations, form.price_minor, currency, start)
        ).run()
        after = await load_product_edit(code, locale)
        await catalogue_changed(
            actor, "product.variants_add", code, before.id, before.snapshot(), after.snapshot()
        )
    return len(form.combinations)


async def _positions(product_id: int) -> list[int]:
    rows = await Variant.select(Variant.position).where(Variant.product == product_id).run()
    return [row["position"] for row in rows]
