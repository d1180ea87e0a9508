"""Planning what a parsed products or stock CSV (app.staff.csv_parse) would change (pure: no I/O).

`plan_import` checks every row against the catalogue as loaded by the caller and returns a
`Plan`: the errors per line and every change as before -> after. The caller applies a plan only
when it has no errors, so an import with any error changes nothing.

The field rules (price, stock, HS code, national tariff numbers, origin, weight) are the product
forms' own (app.staff.product_fields), so a value the form refuses is refused here too.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.catalog.rules import (
    OptionProblem,
    TariffProblem,
    check_tariff_codes,
    format_tariff_text,
    parse_option_axes,
    sku_is_valid,
)
from app.core.money import precision
from app.i18n.markers import N_
from app.staff.csv_parse import STOCK, LineError, ParsedFile, Row, shown
from app.staff.product_fields import (
    BAD_HS_CODE,
    BAD_ORIGIN,
    BAD_PRICE_STEP,
    BAD_STOCK,
    BAD_WEIGHT,
    HS_CODE,
    MAX_NAME,
    MAX_STOCK,
    MAX_WEIGHT_GRAMS,
    country_is_valid,
    parse_count,
    parse_price,
    read_tariff_codes,
    tariff_error,
)

PRODUCT_FIELDS = ("name", "published", "hs_code", "tariff_codes", "origin_country", "weight_grams")
TARIFF_SEPARATOR = "; "  # the cell's form: CH=62059000; US=6205900010
YES = frozenset({"yes", "true", "1", "y"})
NO = frozenset({"no", "false", "0", "n"})

MISSING_SKU = N_("The SKU is empty.")
BAD_SKU = N_("A new SKU has up to 64 capital letters and digits in groups joined by dashes, like TS-001-M.")
UNKNOWN_SKU = N_("There is no variant with the SKU %(sku)s.")
DUPLICATE_SKU = N_("The SKU %(sku)s is already on line %(line)s.")
MISSING_CODE = N_("The product code is empty.")
UNKNOWN_PRODUCT = N_("There is no product with the code %(code)s. An import does not create products.")
WRONG_PRODUCT = N_("The SKU %(sku)s belongs to the product %(code)s.")
NEGATIVE_STOCK = N_("The stock cannot be negative.")
BAD_PRICE_TEXT = N_("Enter a price greater than zero, like 12.50.")
WRONG_CURRENCY = N_("The price of this variant is in %(currency)s.")
BAD_PUBLISHED = N_("Write yes or no in the published column.")
BAD_NAME = N_("The name has 1 to 300 characters and no control characters.")
BAD_OPTIONS = N_("Write one value per option, separated by semicolons, like colour: navy; size: m.")
OPTIONS_FIXED = N_("An import does not change the options of an existing variant.")
WRONG_AXES = N_("The variants of this product have the options %(axes)s: a new variant needs each of them.")
TAKEN_OPTIONS = N_("The product already has a variant with these options.")
NEW_NEEDS_VALUES = N_("A new variant needs its price and its stock.")
CONFLICT = N_("This line gives the product %(code)s another %(field)s than line %(line)s.")
NO_PRICE_PERMISSION = N_("Your role may not change prices.")

# Labels of the report's "what" column.
FIELD_LABELS = {
    "name": N_("Name"),
    "published": N_("Published"),
    "hs_code": N_("HS code"),
    "tariff_codes": N_("National tariff numbers"),
    "origin_country": N_("Country of origin"),
    "weight_grams": N_("Weight (grams)"),
    "price": N_("Price"),
    "stock": N_("Stock"),
    "new": N_("New variant"),
}


# --- the catalogue as the caller loaded it -----------------------------------------------------

Options = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VariantState:
    id: int
    sku: str
    product_id: int
    product_code: str
    options: Options
    price_minor: int
    currency: str
    stock: int


@dataclass(frozen=True)
class ProductState:
    id: int
    code: str
    name: str | None  # in the shop's base locale; None when it has no text there
    published: bool
    hs_code: str
    origin_country: str
    weight_grams: int
    combinations: frozenset[frozenset[tuple[str, str]]]  # its variants' option sets
    axes: tuple[str, ...] | None  # the option axes its variants use, in order; None: no variant yet
    tariff_codes: Mapping[str, str] = field(default_factory=dict)  # national numbers by destination


@dataclass(frozen=True)
class CatalogueState:
    variants: Mapping[str, VariantState]  # by SKU: those the file names
    products: Mapping[str, ProductState]  # by code: those the file names
    base_currency: str


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    line: int
    target: str  # a SKU, or a product code for the product's own fields
    field: str  # a key of FIELD_LABELS
    before: str
    after: str


@dataclass(frozen=True)
class NewVariant:
    line: int
    product_id: int
    sku: str
    options: Options
    price_minor: int
    currency: str
    stock: int


@dataclass
class Plan:
    kind: str
    rows: int = 0
    errors: list[LineError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    product_values: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> field -> new
    product_before: dict[int, dict[str, Any]] = field(default_factory=dict)
    prices: dict[int, tuple[int, int]] = field(default_factory=dict)  # variant id -> (before, after)
    stock: dict[int, tuple[int, int]] = field(default_factory=dict)  # variant id -> (before, after)
    new_variants: list[NewVariant] = field(default_factory=list)
    touched_products: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def fingerprint(self) -> str:
        """What this plan would do, befores included, as a short hash: the import a dry run
        approved goes ahead only if it would still do exactly this."""
        data = [self.kind, [[c.target, c.field, c.before, c.after] for c in self.changes]]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


def decimal_text(minor: int, currency: str) -> str:
    """Minor units as the decimal string a spreadsheet keeps: 1250 EUR -> 12.50, 500 JPY -> 500."""
    digits = precision(currency)
    sign, whole = ("-" if minor < 0 else ""), abs(minor)
    if not digits:
        return f"{sign}{whole}"
    return f"{sign}{whole // 10**digits}.{whole % 10**digits:0{digits}d}"


def options_text(options: Options) -> str:
    return "; ".join(f"{axis}: {value}" for axis, value in options)


def parse_options(text: str) -> Options | None:
    """`colour: navy; size: m` -> (("colour", "navy"), ("size", "m")); "" -> (); None if malformed.
    The product form's syntax for option axes, with one value per axis."""
    axes = parse_option_axes(text)
    if isinstance(axes, OptionProblem) or any(len(values) != 1 for values in axes.values()):
        return None
    return tuple((axis, values[0]) for axis, values in axes.items())


def _name(text: str) -> str | None:
    if not 0 < len(text) <= MAX_NAME:
        return None
    return None if any(unicodedata.category(ch) == "Cc" for ch in text) else text


def _published(text: str) -> bool | None:
    lowered = text.lower()
    return True if lowered in YES else False if lowered in NO else None


def _stock(text: str, line: int, errors: list[LineError]) -> int | None:
    count = parse_count(text, minimum=0, maximum=MAX_STOCK)
    if count is None:
        negative = text.startswith("-") and text[1:].strip().isdigit()
        errors.append(LineError(line, NEGATIVE_STOCK if negative else BAD_STOCK))
    return count


def _price(text: str, currency: str, line: int, errors: list[LineError]) -> int | None:
    parsed = parse_price(text, currency)
    if isinstance(parsed, int):
        return parsed
    message = BAD_PRICE_STEP if parsed == BAD_PRICE_STEP else BAD_PRICE_TEXT
    errors.append(LineError(line, message, {"currency": currency, "digits": precision(currency)}))
    return None


def _field_value(name: str, text: str, line: int) -> tuple[Any, str] | LineError:
    """A product field's value and how the report shows it, or why it is refused. Tariff numbers
    are checked here for their form only; against the HS code in _tariff_errors."""
    if name == "tariff_codes":
        codes = read_tariff_codes(text, "")
        if isinstance(codes, tuple):
            return LineError(line, *codes)
        return codes, format_tariff_text(codes, TARIFF_SEPARATOR)
    parsed = _product_field(name, text)
    return LineError(line, FIELD_ERRORS[name]) if parsed is None else parsed


def _product_field(name: str, text: str) -> tuple[Any, str] | None:
    """A product field's value and how the report shows it, or None when refused."""
    if name == "name":
        value: Any = _name(text)
    elif name == "published":
        value = _published(text)
    elif name == "hs_code":
        value = text.replace(".", "").replace(" ", "")
        value = value if HS_CODE.fullmatch(value) else None
    elif name == "origin_country":
        value = text.upper() if country_is_valid(text.upper()) else None
    else:
        value = parse_count(text, minimum=1, maximum=MAX_WEIGHT_GRAMS)
    return None if value is None else (value, _display(value))


FIELD_ERRORS = {
    "name": BAD_NAME,
    "published": BAD_PUBLISHED,
    "hs_code": BAD_HS_CODE,
    "origin_country": BAD_ORIGIN,
    "weight_grams": BAD_WEIGHT,
}


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return format_tariff_text(value, TARIFF_SEPARATOR)
    return str(value)


def plan_import(parsed: ParsedFile, state: CatalogueState, *, may_edit_prices: bool = True) -> Plan:
    """Check every row of `parsed` against `state`; every problem is reported, none stops the check."""
    plan = Plan(parsed.kind, rows=len(parsed.rows), errors=list(parsed.errors))
    seen_skus: dict[str, int] = {}
    product_fields: dict[tuple[str, str], tuple[Any, str, int]] = {}  # (code, field) -> value, shown, line
    new_combinations: dict[int, set[frozenset[tuple[str, str]]]] = {}
    for row in parsed.rows:
        errors: list[LineError] = []
        line, cells = row.line, row.cells
        sku = cells.get("sku", "")
        if not sku:
            errors.append(LineError(line, MISSING_SKU))
        elif sku in seen_skus:
            errors.append(LineError(line, DUPLICATE_SKU, {"sku": sku, "line": seen_skus[sku]}))
        else:
            seen_skus[sku] = line
        variant = state.variants.get(sku)
        if parsed.kind == STOCK:
            if sku and variant is None and not errors:
                errors.append(LineError(line, UNKNOWN_SKU, {"sku": shown(sku)}))
            stock = _stock(cells.get("stock", ""), line, errors)
            if variant is not None and stock is not None and not errors:
                _stock_change(plan, line, variant, stock)
        else:
            _product_row(plan, row, state, variant, errors, product_fields, new_combinations, may_edit_prices)
        plan.errors.extend(errors)
    plan.errors.extend(_tariff_errors(state, product_fields))
    _product_changes(plan, state, product_fields)
    plan.errors.sort(key=lambda error: error.line)
    plan.changes.sort(key=lambda change: change.line)
    return plan


def _stock_change(plan: Plan, line: int, variant: VariantState, stock: int) -> None:
    if stock != variant.stock:
        plan.stock[variant.id] = (variant.stock, stock)
        plan.changes.append(Change(line, variant.sku, "stock", str(variant.stock), str(stock)))
        plan.touched_products.add(variant.product_id)


def _product_row(
    plan: Plan,
    row: Row,
    state: CatalogueState,
    variant: VariantState | None,
    errors: list[LineError],
    product_fields: dict[tuple[str, str], tuple[Any, str, int]],
    new_combinations: dict[int, set[frozenset[tuple[str, str]]]],
    may_edit_prices: bool,
) -> None:
    line, cells = row.line, row.cells
    sku, code = cells.get("sku", ""), cells.get("product_code", "")
    product = state.products.get(code)
    if not code:
        errors.append(LineError(line, MISSING_CODE))
    elif product is None:
        errors.append(LineError(line, UNKNOWN_PRODUCT, {"code": shown(code)}))
    if variant is not None and code and variant.product_code != code:
        errors.append(LineError(line, WRONG_PRODUCT, {"sku": sku, "code": variant.product_code}))
    for name in PRODUCT_FIELDS:
        text = cells.get(name, "")
        if not text:
            continue  # an empty cell keeps the current value
        parsed = _field_value(name, text, line)
        if isinstance(parsed, LineError):
            errors.append(parsed)
            continue
        earlier = product_fields.setdefault((code, name), (*parsed, line))
        if earlier[0] != parsed[0]:
            errors.append(LineError(line, CONFLICT, {"code": shown(code), "field": name, "line": earlier[2]}))
    options_cell = cells.get("options", "")
    options = parse_options(options_cell)
    if options is None:
        errors.append(LineError(line, BAD_OPTIONS))
    currency = variant.currency if variant is not None else state.base_currency
    if cells.get("currency", "") and cells["currency"].upper() != currency:
        errors.append(LineError(line, WRONG_CURRENCY, {"currency": currency}))
    price_text, stock_text = cells.get("price", ""), cells.get("stock", "")
    price = _price(price_text, currency, line, errors) if price_text else None
    stock = _stock(stock_text, line, errors) if stock_text else None
    if variant is not None:
        if options_cell and options is not None and set(options) != set(variant.options):
            errors.append(LineError(line, OPTIONS_FIXED))
        if price is not None and price != variant.price_minor and not errors:
            if not may_edit_prices:
                errors.append(LineError(line, NO_PRICE_PERMISSION))
            else:
                plan.prices[variant.id] = (variant.price_minor, price)
                before, after = decimal_text(variant.price_minor, currency), decimal_text(price, currency)
                plan.changes.append(Change(line, sku, "price", f"{before} {currency}", f"{after} {currency}"))
                plan.touched_products.add(variant.product_id)
        if stock is not None and not errors:
            _stock_change(plan, line, variant, stock)
        return
    if product is None or errors or options is None:
        return
    combination = frozenset(options)
    taken = new_combinations.setdefault(product.id, set(product.combinations))
    if not sku_is_valid(sku):
        errors.append(LineError(line, BAD_SKU))
    elif product.axes is not None and {axis for axis, _ in options} != set(product.axes):
        errors.append(LineError(line, WRONG_AXES, {"axes": ", ".join(product.axes)}))
    elif combination in taken:
        errors.append(LineError(line, TAKEN_OPTIONS))
    elif price is None or stock is None:
        errors.append(LineError(line, NEW_NEEDS_VALUES))
    elif not may_edit_prices:
        errors.append(LineError(line, NO_PRICE_PERMISSION))
    else:
        taken.add(combination)
        options = tuple(sorted(options, key=lambda pair: (product.axes or ()).index(pair[0])))
        plan.new_variants.append(NewVariant(line, product.id, sku, options, price, currency, stock))
        after = f"{options_text(options) or '–'}; {decimal_text(price, currency)} {currency}; {stock}"
        plan.changes.append(Change(line, sku, "new", "", after))
        plan.touched_products.add(product.id)


def _tariff_errors(
    state: CatalogueState, product_fields: Mapping[tuple[str, str], tuple[Any, str, int]]
) -> list[LineError]:
    """Each product's national tariff numbers as the file leaves them must start with its HS code
    as the file leaves it: a new HS code with the old numbers is refused too, on its line."""
    errors = []
    for code in sorted({code for code, name in product_fields if name in ("hs_code", "tariff_codes")}):
        product = state.products.get(code)
        if product is None:
            continue
        hs = product_fields.get((code, "hs_code"))
        codes = product_fields.get((code, "tariff_codes"))
        checked = check_tariff_codes(
            codes[0] if codes else product.tariff_codes, hs[0] if hs else product.hs_code
        )
        if isinstance(checked, TariffProblem):
            line = codes[2] if codes else hs[2] if hs else 0
            errors.append(LineError(line, *tariff_error(checked)))
    return errors


def _product_changes(
    plan: Plan, state: CatalogueState, product_fields: Mapping[tuple[str, str], tuple[Any, str, int]]
) -> None:
    for (code, name), (value, text, line) in product_fields.items():
        product = state.products.get(code)
        if product is None:
            continue
        current = getattr(product, name)
        if current == value:
            continue
        plan.product_values.setdefault(product.id, {})[name] = value
        plan.product_before.setdefault(product.id, {})[name] = current
        plan.changes.append(Change(line, code, name, "" if current is None else _display(current), text))
        plan.touched_products.add(product.id)
