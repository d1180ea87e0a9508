"""The product forms' field rules, pure (no I/O): the limits, messages and parsers of customs
fields, prices, counts, option axes and generated SKUs. The product edit, the new-product form,
new option values, market prices, low-stock thresholds and the CSV import all read their fields
here, so a value one of them refuses the others refuse too."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.catalog.rules import (
    MAX_TARIFF_CODES,
    OptionProblem,
    TariffProblem,
    check_tariff_codes,
    duplicate_skus,
    format_tariff_text,
    is_country_code,
    parse_tariff_text,
    sku_is_valid,
)
from app.core.money import charge_unit, minor_unit, parse_typed_amount, precision
from app.i18n.markers import N_

HS_CODE = re.compile(r"^[0-9]{6,10}$")
MAX_WEIGHT_GRAMS = 1_000_000
MAX_DIMENSION_MM = 10_000
MAX_STOCK = 1_000_000_000
MAX_PRICE_MINOR = 10**15
MAX_NAME = 300  # ProductTranslation.name is a Varchar(300)
MAX_CUSTOMS_DESCRIPTION = 300  # Product.customs_description is a Varchar(300)
MAX_TARIFF_TEXT = 1000  # typed: 25 numbers with dots and spaces fit; longer is refused, not cut

BAD_HS_CODE = N_("The HS code has 6 to 10 digits, like 610910.")
BAD_ORIGIN = N_("Enter the country of origin as a two-letter ISO code, like PT.")
BAD_WEIGHT = N_("Enter the weight in grams as a whole number greater than zero.")
BAD_DIMENSION = N_("Enter the size in millimetres as a whole number from 1 to 10,000.")
BAD_CUSTOMS_TEXT = N_("The customs description has at most 300 characters.")
TARIFF_PROBLEMS = {
    "format": N_("Write “%(code)s” as a country code, “=” and the number, like US=6205900010."),
    "country": N_("“%(country)s” is not a two-letter ISO country code, like US or CH."),
    "duplicate": N_("%(country)s has two tariff numbers: keep one."),
    "digits": N_("The tariff number for %(country)s has 8 to 10 digits, like 6205900010."),
    "prefix": N_("The tariff number for %(country)s must start with the product's HS code %(hs)s."),
    "too_many": N_("Enter at most %(count)s national tariff numbers."),
}
BAD_PRICE = N_("Enter a price greater than zero, like 12.50.")
BAD_PRICE_STEP = N_("%(currency)s prices have at most %(digits)s decimal places.")
BAD_STOCK = N_("Enter the stock as a whole number, zero or more.")
BAD_SKU = N_("The SKU %(sku)s would be longer than 64 characters: use a shorter code or values.")
SKU_TWICE = N_("Two variants would get the same SKU %(sku)s: change one of the values.")
OPTION_PROBLEMS = {
    "format": N_("Write each option as its name, a colon and its values, like “size: S, M, L”."),
    "name": N_("“%(name)s” is not a valid option or value: use letters, digits and dashes (at most 32)."),
    "duplicate_axis": N_("The option %(name)s is listed twice."),
    "duplicate_value": N_("The value %(name)s is listed twice."),
    "no_values": N_("The option %(name)s has no values."),
    "too_many": N_("These options make %(name)s variants; a product has at most 100."),
}

Errors = dict[str, tuple[str, dict[str, Any]]]  # field -> (gettext msgid, its parameters)


@dataclass(frozen=True)
class Customs:
    """What customs and shipping need of a product, as the forms edit it."""

    hs_code: str
    origin_country: str
    weight_grams: int
    length_mm: int
    width_mm: int
    height_mm: int
    description: str
    tariff_codes: Mapping[str, str] = field(default_factory=dict)  # national numbers by destination


def country_is_valid(code: str) -> bool:
    return is_country_code(code)


def tariff_error(problem: TariffProblem) -> tuple[str, dict[str, Any]]:
    params = {"country": problem.country, "code": problem.code, "hs": problem.hs, "count": MAX_TARIFF_CODES}
    return TARIFF_PROBLEMS[problem.kind], params


def read_tariff_codes(text: str, hs_code: str) -> dict[str, str] | tuple[str, dict[str, Any]]:
    """Typed national tariff numbers (`US=6205900010, CH=62059000`) checked against the product's
    HS code, or the error to show (a gettext msgid and its parameters)."""
    if len(text) > MAX_TARIFF_TEXT:
        return tariff_error(TariffProblem("too_many"))
    pairs = parse_tariff_text(text)
    checked = pairs if isinstance(pairs, TariffProblem) else check_tariff_codes(pairs, hs_code)
    return tariff_error(checked) if isinstance(checked, TariffProblem) else checked


def parse_price(text: str, currency: str) -> int | str:
    """Minor units of a typed price, or why it is refused (a gettext msgid). No floats, no
    exponents, no NaN: digits with one optional decimal separator only."""
    amount = parse_typed_amount(text)
    if amount is None or amount <= 0:
        return BAD_PRICE
    if amount != amount.quantize(minor_unit(currency)):
        return BAD_PRICE_STEP
    minor = int(amount.scaleb(precision(currency)))
    return minor if minor <= MAX_PRICE_MINOR else BAD_PRICE


def price_error(message: str, currency: str) -> tuple[str, dict[str, Any]]:
    return message, {"currency": currency, "digits": precision(currency), "unit": str(charge_unit(currency))}


def parse_count(text: str, *, minimum: int, maximum: int) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


Getter = Callable[..., str]


def form_getter(form: Mapping[str, str]) -> Getter:
    """A form's fields stripped and cut to a length (40 unless told); a missing field reads as ""."""

    def get(key: str, limit: int = 40) -> str:
        return form.get(key, "").strip()[:limit]

    return get


CUSTOMS_KEYS = (
    "hs_code",
    "origin_country",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "customs_description",
    "tariff_codes",
)


def customs_values(customs: Customs) -> dict[str, str]:
    return {
        "hs_code": customs.hs_code,
        "origin_country": customs.origin_country,
        "weight_grams": str(customs.weight_grams),
        "length_mm": str(customs.length_mm),
        "width_mm": str(customs.width_mm),
        "height_mm": str(customs.height_mm),
        "customs_description": customs.description,
        "tariff_codes": format_tariff_text(customs.tariff_codes),
    }


def read_customs(get: Getter, values: dict[str, str], errors: Errors) -> Customs | None:
    """The customs fields of a product form: typed values go into `values`, problems into `errors`."""
    values.update(
        hs_code=get("hs_code"),
        origin_country=get("origin_country").upper(),
        weight_grams=get("weight_grams"),
        length_mm=get("length_mm"),
        width_mm=get("width_mm"),
        height_mm=get("height_mm"),
        customs_description=get("customs_description", MAX_CUSTOMS_DESCRIPTION + 1),
        tariff_codes=get("tariff_codes", MAX_TARIFF_TEXT + 1),
    )
    hs_code = values["hs_code"].replace(".", "").replace(" ", "")
    if not HS_CODE.match(hs_code):
        errors["hs_code"] = (BAD_HS_CODE, {})
    # Checked against the typed HS code when it is valid (else its own error is enough).
    tariff_codes = read_tariff_codes(values["tariff_codes"], "" if "hs_code" in errors else hs_code)
    if isinstance(tariff_codes, tuple):
        errors["tariff_codes"] = tariff_codes
    if not country_is_valid(values["origin_country"]):
        errors["origin_country"] = (BAD_ORIGIN, {})
    weight = parse_count(values["weight_grams"], minimum=1, maximum=MAX_WEIGHT_GRAMS)
    if weight is None:
        errors["weight_grams"] = (BAD_WEIGHT, {})
    sizes = {}
    for key in ("length_mm", "width_mm", "height_mm"):
        sizes[key] = parse_count(values[key], minimum=1, maximum=MAX_DIMENSION_MM)
        if sizes[key] is None:
            errors[key] = (BAD_DIMENSION, {})
    if len(values["customs_description"]) > MAX_CUSTOMS_DESCRIPTION:
        errors["customs_description"] = (BAD_CUSTOMS_TEXT, {})
    if any(key in errors for key in CUSTOMS_KEYS) or weight is None:
        return None
    return Customs(
        hs_code=hs_code,
        origin_country=values["origin_country"],
        weight_grams=weight,
        length_mm=sizes["length_mm"] or 0,
        width_mm=sizes["width_mm"] or 0,
        height_mm=sizes["height_mm"] or 0,
        description=values["customs_description"],
        tariff_codes=tariff_codes if isinstance(tariff_codes, dict) else {},
    )


def option_error(problem: OptionProblem) -> tuple[str, dict[str, Any]]:
    return OPTION_PROBLEMS[problem.kind], {"name": problem.name}


def sku_errors(skus: list[str]) -> tuple[str, dict[str, Any]] | None:
    """Why generated SKUs cannot be used (too long, or two alike), or None."""
    for sku in skus:
        if not sku_is_valid(sku):
            return BAD_SKU, {"sku": sku}
    clashes = duplicate_skus(skus)
    return (SKU_TWICE, {"sku": clashes[0]}) if clashes else None


def stored_options(raw: Any) -> tuple[tuple[str, str], ...]:
    """A variant's options column (JSON text on SQLite, decoded on PostgreSQL) as (axis, value) pairs."""
    data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return tuple((str(axis), str(value)) for axis, value in data.items())
