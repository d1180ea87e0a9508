"""Validate the demo catalogue JSON files against data/demo/SCHEMA.md (stdlib only)."""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))  # the project root, for the one list of tax classes
from app.tax.model import PRODUCT_TAX_CLASSES  # noqa: E402  (stdlib-only module)

# Shipping restriction tags the demo data may use; the importer accepts any lowercase tag, this
# list catches typos ("lithum_battery") that shipping rules would silently ignore.
RESTRICTIONS = ("lithium_battery", "liquid", "aerosol", "food")
LOCALES = ("en", "de", "fr", "es", "ja", "zh-hans", "ar")
LATIN_LOCALES = ("de", "fr", "es")
AXES = {
    "size": "xs s m l xl xxl one-size",
    "colour": "black white navy grey charcoal red burgundy green olive sage blue sky-blue beige sand "
    "brown camel pink yellow mustard orange purple natural terracotta cream silver gold rose-gold clear",
    "capacity": "250ml 350ml 500ml 750ml 1000ml",
    "scent": "lavender cedarwood fig vanilla sea-salt bergamot jasmine sandalwood unscented",
    "ruling": "plain lined dotted grid",
    "paper-format": "a4 a5 a6 b6 pocket",
    "length": "1m 2m",
    "pack-weight": "100g 250g 500g 1kg",
    "grind": "whole-bean filter espresso",
    "strap": "leather steel mesh canvas",
}
AXES_VALUES = {axis: values.split() for axis, values in AXES.items()}


def check_translations(where: str, texts: object, errors: list[str], scripts: bool = True) -> None:
    """Every locale present, non-empty, not a copy-with-prefix of English; scripts match the locale.

    Option values skip the script check: sizes and units ("XL", "500 ml") are written the same way
    in Japanese and Arabic shops.
    """
    if not isinstance(texts, dict):
        errors.append(f"{where}: expected an object of translations")
        return
    for locale in LOCALES:
        text = texts.get(locale)
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: missing {locale}")
        elif re.match(r"^\[\w", text):
            errors.append(f"{where}: {locale} looks like a placeholder: {text!r}")
    extra = set(texts) - set(LOCALES)
    if extra:
        errors.append(f"{where}: unknown locales {sorted(extra)}")
    if not scripts:
        return
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", texts.get("ar", "")):
        errors.append(f"{where}: ar contains CJK characters")
    if texts.get("ja") and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", texts["ja"]):
        errors.append(f"{where}: ja has no Japanese characters")
    if texts.get("ar") and not re.search(r"[\u0600-\u06ff]", texts["ar"]):
        errors.append(f"{where}: ar has no Arabic characters")


def check_options(errors: list[str]) -> None:
    path = HERE / "options.json"
    if not path.exists():
        return
    data = json.loads(path.read_text("utf-8"))
    for axis, values in AXES_VALUES.items():
        check_translations(f"options.axes.{axis}", data.get("axes", {}).get(axis), errors)
        for value in values:
            labels = data.get("values", {}).get(axis, {}).get(value)
            check_translations(f"options.values.{axis}.{value}", labels, errors, scripts=False)
    for colour in AXES_VALUES["colour"]:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", data.get("colour_hex", {}).get(colour, "")):
            errors.append(f"options.colour_hex.{colour}: missing or not #rrggbb")


def load_categories(errors: list[str]) -> dict[str, dict]:
    path = HERE / "categories.json"
    if not path.exists():
        return {}
    categories: dict[str, dict] = {}
    for category in json.loads(path.read_text("utf-8")):
        code = category["code"]
        parent = category.get("parent")
        if parent is not None and parent not in categories:
            errors.append(f"category {code}: parent {parent} must come first")
        check_translations(f"category {code}.name", category.get("name"), errors)
        check_translations(f"category {code}.description", category.get("description"), errors)
        categories[code] = category
    return categories


def check_product(product: dict, categories: dict[str, dict], errors: list[str]) -> None:
    code = product.get("code", "?")
    where = f"product {code}"
    if not re.fullmatch(r"[A-Z]{2,3}-\d{3}", code):
        errors.append(f"{where}: code must look like TS-001")
    if categories and product.get("category") not in categories:
        errors.append(f"{where}: unknown category {product.get('category')}")
    elif categories and any(c.get("parent") == product["category"] for c in categories.values()):
        errors.append(f"{where}: category must be a leaf")
    check_translations(f"{where}.name", product.get("name"), errors)
    check_translations(f"{where}.description", product.get("description"), errors)
    if len(product.get("name", {}).get("en", "")) > 60:
        errors.append(f"{where}: English name longer than 60 characters")
    if not isinstance(product.get("customs_description"), str) or len(product["customs_description"]) < 10:
        errors.append(f"{where}: customs_description missing or too short")
    try:
        price = Decimal(product.get("price", ""))
        if price <= 0 or price.as_tuple().exponent != -2:
            raise InvalidOperation
    except (InvalidOperation, TypeError):
        errors.append(f"{where}: price must be a positive string with 2 decimals")
    if not re.fullmatch(r"\d{6}", str(product.get("hs_code", ""))):
        errors.append(f"{where}: hs_code must be 6 digits")
    if not re.fullmatch(r"[A-Z]{2}", str(product.get("origin_country", ""))):
        errors.append(f"{where}: origin_country must be ISO alpha-2")
    if not isinstance(product.get("weight_grams"), int) or not 1 <= product["weight_grams"] <= 30000:
        errors.append(f"{where}: weight_grams must be an integer 1..30000")
    dims = product.get("dimensions_mm")
    if not (
        isinstance(dims, list) and len(dims) == 3 and all(isinstance(d, int) and 1 <= d <= 2000 for d in dims)
    ):
        errors.append(f"{where}: dimensions_mm must be three integers 1..2000")
    if product.get("tax_class", "standard") not in PRODUCT_TAX_CLASSES:
        errors.append(f"{where}: tax_class must be one of {', '.join(PRODUCT_TAX_CLASSES)}")
    duty_rates = product.get("duty_rates", {})
    if not isinstance(duty_rates, dict) or not all(
        isinstance(k, str) and len(k) == 2 and k.isupper() and isinstance(v, str)
        for k, v in duty_rates.items()
    ):
        errors.append(f"{where}: duty_rates must map country codes (or EU) to percentages as strings")
    tariff_codes = product.get("tariff_codes", {})
    if not isinstance(tariff_codes, dict) or not all(
        isinstance(k, str)
        and re.fullmatch(r"[A-Z]{2}", k)
        and isinstance(v, str)
        and re.fullmatch(r"\d{8,10}", v)
        and v.startswith(str(product.get("hs_code", "")))
        for k, v in tariff_codes.items()
    ):
        errors.append(f"{where}: tariff_codes must map country codes to 8-10 digits starting with hs_code")
    restrictions = product.get("restrictions", [])
    if not isinstance(restrictions, list) or len(set(map(str, restrictions))) != len(restrictions):
        errors.append(f"{where}: restrictions must be a list of distinct tags")
    elif unknown_tags := [tag for tag in restrictions if tag not in RESTRICTIONS]:
        errors.append(f"{where}: unknown restrictions {unknown_tags} (known: {', '.join(RESTRICTIONS)})")
    options = product.get("options", {})
    combinations = 1
    for axis, values in options.items():
        if axis not in AXES_VALUES:
            errors.append(f"{where}: unknown option axis {axis}")
            continue
        unknown = [v for v in values if v not in AXES_VALUES[axis]]
        if unknown or not values or len(set(values)) != len(values):
            errors.append(f"{where}: bad values for {axis}: {values}")
        combinations *= len(values)
    if len(options) > 2 or combinations > 15:
        errors.append(f"{where}: at most 2 axes and 15 combinations")
    for key, amount in product.get("price_adjustments", {}).items():
        axis, _, value = key.partition(":")
        if value not in options.get(axis, []):
            errors.append(f"{where}: price adjustment {key} names no option value of the product")
        try:
            Decimal(amount)
        except (InvalidOperation, TypeError):
            errors.append(f"{where}: price adjustment {key} is not a decimal string")


def main() -> int:
    errors: list[str] = []
    check_options(errors)
    categories = load_categories(errors)
    seen_codes: set[str] = set()
    per_category: dict[str, int] = {}
    for path in sorted((HERE / "products").glob("*.json")):
        products = json.loads(path.read_text("utf-8"))
        names: dict[str, set[str]] = {locale: set() for locale in LOCALES}
        for product in products:
            check_product(product, categories, errors)
            if product.get("code") in seen_codes:
                errors.append(f"{path.name}: duplicate code {product.get('code')}")
            seen_codes.add(product.get("code"))
            per_category[product.get("category")] = per_category.get(product.get("category"), 0) + 1
            for locale in LOCALES:
                name = product.get("name", {}).get(locale)
                if name in names[locale]:
                    errors.append(f"{path.name}: duplicate {locale} name {name!r}")
                names[locale].add(name)
    for error in errors:
        print(error)
    print(f"{len(seen_codes)} products in {len(per_category)} categories: {per_category}")
    print("OK" if not errors else f"{len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
