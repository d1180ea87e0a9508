"""A new product in the back office (/admin/products/new): its form (code, category, name, tax
class, customs fields, base price and option axes, each variant's SKU generated and checked), the
category select it offers, and its creation, unpublished, with one variant per combination of the
option values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.catalog.rules import (
    OptionProblem,
    format_tariff_codes,
    parse_option_axes,
    product_code_is_valid,
    sku_for,
    slugify,
    unique_slug,
    variant_combinations,
)
from app.catalog.sources import source_columns
from app.catalog.tables import Category, CategoryTranslation, Product, ProductTranslation, Variant
from app.core.richtext import sanitise_html
from app.core.transactions import DUPLICATE_KEY_ERRORS, write_transaction
from app.i18n.markers import N_
from app.staff.product_fields import (
    MAX_NAME,
    Customs,
    Errors,
    form_getter,
    option_error,
    parse_count,
    parse_price,
    price_error,
    read_customs,
    sku_errors,
)
from app.staff.products import (
    SKU_TAKEN,
    Conflict,
    catalogue_changed,
    load_product_edit,
    taken_skus,
    texts_in,
    variant_rows,
)
from app.staff.services import Actor
from app.tax.model import PRODUCT_TAX_CLASSES

MAX_DESCRIPTION = 5_000

BAD_CODE = N_("Enter a code of 2 to 32 capital letters, digits and dashes, like TS-001.")
CODE_TAKEN = N_("There is already a product with the code %(code)s.")
BAD_CATEGORY = N_("Choose a category.")
BAD_NAME = N_("Enter the product's name (at most 300 characters).")
BAD_DESCRIPTION = N_("The description has at most 5,000 characters.")
BAD_TAX_CLASS = N_("Choose a tax class.")
TAX_CLASS_LABELS = {
    "standard": N_("Standard rate"),
    "reduced": N_("Reduced rate"),
    "zero": N_("Zero rate"),
    "books": N_("Books"),
    "food": N_("Food"),
    "children_clothing": N_("Children's clothing"),
}
assert set(TAX_CLASS_LABELS) == set(PRODUCT_TAX_CLASSES), "label every tax class"


@dataclass(frozen=True)
class CategoryChoice:
    id: int
    label: str
    depth: int


def category_tree(rows: Iterable[Mapping[str, Any]], names: Mapping[int, str]) -> list[CategoryChoice]:
    """Categories depth first (each parent before its children, siblings in the merchant's order),
    for a select; a category in a parent cycle is left out rather than looping."""
    children: dict[int | None, list[Mapping[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["position"], r["id"])):
        children.setdefault(row["parent"], []).append(row)
    result: list[CategoryChoice] = []
    seen: set[int] = set()
    stack = [(row, 0) for row in reversed(children.get(None, []))]
    while stack:
        row, depth = stack.pop()
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        result.append(CategoryChoice(row["id"], names.get(row["id"]) or row["code"], depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(row["id"], [])))
    return result


async def category_choices(locale: str) -> list[CategoryChoice]:
    """The form's category select, each name in `locale` (else English, else any)."""
    rows = await Category.select(Category.id, Category.code, Category.parent, Category.position).run()
    names = texts_in(
        await CategoryTranslation.select(
            CategoryTranslation.category, CategoryTranslation.locale, CategoryTranslation.name
        ).run(),
        "category",
        locale,
    )
    return category_tree(rows, names)


@dataclass
class NewProductForm:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    code: str = ""
    category_id: int = 0
    name: str = ""
    description: str = ""
    tax_class: str = "standard"
    customs: Customs | None = None
    currency: str = ""
    price_minor: int = 0
    combinations: list[dict[str, str]] = field(default_factory=list)

    @property
    def skus(self) -> list[str]:
        return [sku_for(self.code, combination) for combination in self.combinations]


def read_new_product_form(
    form: Mapping[str, str], *, categories: Iterable[int], currency: str
) -> NewProductForm:
    """Validate a new product: each field checked, its variants' SKUs generated from the option
    axes and checked too (uniqueness in the database is the service's check)."""
    get = form_getter(form)
    values = {
        "code": get("code").upper(),
        "category": get("category"),
        "name": get("name", MAX_NAME + 1),
        "description": form.get("description", "").strip()[: MAX_DESCRIPTION + 1],
        "tax_class": get("tax_class"),
        "price": get("price"),
        "options": form.get("options", "").strip()[:2000],
    }
    result = NewProductForm(values=values, currency=currency)
    if product_code_is_valid(values["code"]):
        result.code = values["code"]
    else:
        result.errors["code"] = (BAD_CODE, {})
    category = parse_count(values["category"], minimum=1, maximum=2**31 - 1)
    if category is None or category not in set(categories):
        result.errors["category"] = (BAD_CATEGORY, {})
    else:
        result.category_id = category
    result.name = " ".join(values["name"].split())
    if not result.name or len(result.name) > MAX_NAME:
        result.errors["name"] = (BAD_NAME, {})
    result.description = values["description"]
    if len(result.description) > MAX_DESCRIPTION:
        result.errors["description"] = (BAD_DESCRIPTION, {})
    if values["tax_class"] in PRODUCT_TAX_CLASSES:
        result.tax_class = values["tax_class"]
    else:
        result.errors["tax_class"] = (BAD_TAX_CLASS, {})
    result.customs = read_customs(get, values, result.errors)
    price = parse_price(values["price"], currency)
    if isinstance(price, int):
        result.price_minor = price
    else:
        result.errors["price"] = price_error(price, currency)
    axes = parse_option_axes(values["options"])
    if isinstance(axes, OptionProblem):
        result.errors["options"] = option_error(axes)
    else:
        result.combinations = variant_combinations(axes)
        if result.code:
            problem = sku_errors(result.skus)
            if problem:
                result.errors["options"] = problem
    return result


async def create_product(actor: Actor, new: NewProductForm, locale: str) -> None:
    """Insert a valid new product (unpublished), its text in `locale`, one variant per combination
    at the base price with no stock, the audit row, the revision bump and the search sync, in one
    transaction. Raises Conflict (nothing written) if the code or a SKU is taken, also when another
    person took it between the checks and the insert (the unique index refuses the row)."""
    try:
        await _insert_product(actor, new, locale)
    except DUPLICATE_KEY_ERRORS as clash:
        if await Product.exists().where(Product.code == new.code).run():
            raise Conflict("code", CODE_TAKEN, code=new.code) from clash
        taken = await taken_skus(new.skus)
        raise Conflict("options", SKU_TAKEN, sku=taken[0] if taken else new.skus[0]) from clash


async def _insert_product(actor: Actor, new: NewProductForm, locale: str) -> None:
    assert new.customs is not None, "create only from a valid form"
    async with write_transaction():
        if await Product.exists().where(Product.code == new.code).run():
            raise Conflict("code", CODE_TAKEN, code=new.code)
        taken = await taken_skus(new.skus)
        if taken:
            raise Conflict("options", SKU_TAKEN, sku=taken[0])
        if not await Category.exists().where(Category.id == new.category_id).run():
            raise Conflict("category", BAD_CATEGORY)
        last = (
            await Product.select(Product.position).order_by(Product.position, ascending=False).first().run()
        )
        customs = new.customs
        rows = await Product.insert(
            Product(
                code=new.code,
                category=new.category_id,
                hs_code=customs.hs_code,
                origin_country=customs.origin_country,
                customs_description=customs.description,
                tariff_codes=format_tariff_codes(customs.tariff_codes),
                tax_class=new.tax_class,
                weight_grams=customs.weight_grams,
                length_mm=customs.length_mm,
                width_mm=customs.width_mm,
                height_mm=customs.height_mm,
                is_published=False,  # published once its texts, images and stock are ready
                position=(last["position"] + 1) if last else 0,
            )
        ).run()
        product_id = rows[0]["id"]
        slugs = (
            await ProductTranslation.select(ProductTranslation.slug)
            .where(ProductTranslation.locale == locale)
            .run()
        )
        description = sanitise_html(new.description)  # the column holds sanitised HTML
        await ProductTranslation.insert(
            ProductTranslation(
                product=product_id,
                locale=locale,
                name=new.name,
                slug=unique_slug(slugify(new.name), {row["slug"] for row in slugs}),
                description=description,
                # As the importer records it: the base text is its own source (translations compare).
                **source_columns({locale: new.name}, {locale: description}, locale),
            )
        ).run()
        await Variant.insert(
            *variant_rows(product_id, new.code, new.combinations, new.price_minor, new.currency, 0)
        ).run()
        after = {
            **(await load_product_edit(new.code, locale)).snapshot(),
            "category": new.category_id,
            "tax_class": new.tax_class,
            "name": {locale: new.name},
        }
        await catalogue_changed(actor, "product.create", new.code, product_id, None, after)
