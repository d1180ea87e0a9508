"""The quote API's JSON contract, 1:1: a Shipment from the request body, the answer as plain JSON (pure).

Optional request field `prices_include_tax` (boolean, default false): the lines' `unit_value` and
`shipping_charged` are gross, holding the VAT/GST the seller charges at checkout. That VAT is then
extracted from them instead of added: its charge lines say `"included": true` (every charge line
carries `included`, false otherwise), their `base` is the net, `total_now` does not add them again
(`tax_total` still counts them). The answer's `net_required` is true when prices include tax but some
goods line is imported (or exempt) instead of taxed at checkout: gross values are no customs value,
so quote again with net values and `prices_include_tax` false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from app.i18n.markers import N_
from app.tax.model import ChargeLine, LandedCostQuote, QuoteError, QuoteLine, QuoteWarning, Shipment


def _invalid(field: str, value: object) -> QuoteError:
    return QuoteError("invalid_input", N_("Invalid %(field)s: %(value)s"), field=field, value=value)


def _amount(value: object, field: str, *, allow_float: bool = False) -> Decimal:
    """Money and rates come as decimal strings (or ints); a float would already have lost cents."""
    if isinstance(value, bool) or (isinstance(value, float) and not allow_float):
        raise _invalid(field, value)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _invalid(field, value) from None
    if not number.is_finite():
        raise _invalid(field, value)
    return number


def _text(data: Mapping[str, Any], field: str, *, required: bool = True) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _invalid(field, value)
    return value


def line_from_json(data: Mapping[str, Any]) -> QuoteLine:
    quantity = data.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise _invalid("quantity", quantity)
    weight = data.get("weight_kg")
    duty_rate = data.get("duty_rate")
    return QuoteLine(
        description=_text(data, "description") or "",
        hs_code=_text(data, "hs_code", required=False),
        origin=(_text(data, "origin") or "").upper(),
        unit_value=_amount(data.get("unit_value"), "unit_value"),
        quantity=quantity,
        weight_kg=None if weight is None else _amount(weight, "weight_kg", allow_float=True),
        tax_class=_text(data, "tax_class", required=False) or "standard",
        duty_rate=None if duty_rate is None else _amount(duty_rate, "duty_rate"),
    )


def shipment_from_json(data: Mapping[str, Any]) -> Shipment:
    """The quote request body -> Shipment; QuoteError("invalid_input") on a malformed field."""
    raw_date = data.get("date")
    try:
        on = None if raw_date is None else date.fromisoformat(str(raw_date))
    except ValueError:
        raise _invalid("date", raw_date) from None
    registrations = data.get("seller_registrations") or []
    lines = data.get("lines")
    if not isinstance(registrations, list) or not all(isinstance(r, str) for r in registrations):
        raise _invalid("seller_registrations", registrations)
    if not isinstance(lines, list) or not all(isinstance(line, Mapping) for line in lines):
        raise _invalid("lines", lines)
    included = data.get("shipping_included_in_price", False)
    proof = data.get("proof_of_origin", False)
    if not isinstance(included, bool) or not isinstance(proof, bool):
        raise _invalid("shipping_included_in_price/proof_of_origin", (included, proof))
    inclusive = data.get("prices_include_tax", False)
    if inclusive is None:
        inclusive = False
    if not isinstance(inclusive, bool):
        raise _invalid("prices_include_tax", inclusive)
    return Shipment(
        ship_from=(_text(data, "ship_from") or "").upper(),
        destination=(_text(data, "destination") or "").upper(),
        currency=(_text(data, "currency") or "").upper(),
        lines=tuple(line_from_json(line) for line in lines),
        date=on,
        destination_region=_text(data, "destination_region", required=False),
        seller_registrations=frozenset(registrations),
        shipment_kind=_text(data, "shipment_kind", required=False) or "B2C_sale",
        channel=_text(data, "channel", required=False),
        shipping_charged=_amount(data.get("shipping_charged", "0"), "shipping_charged"),
        shipping_included_in_price=included,
        incoterm=_text(data, "incoterm", required=False),
        proof_of_origin=proof,
        prices_include_tax=inclusive,
    )


Translate = Callable[[str], str]


def _message(msgid: str, params: Mapping[str, str], translate: Translate | None) -> str:
    # every msgid is a %-format (literal percent signs are written %%), params or not
    return (translate(msgid) if translate else msgid) % dict(params)


def _charge(line: ChargeLine, translate: Translate | None) -> dict[str, Any]:
    return {
        "kind": line.kind,
        "name": translate(line.name) if translate else line.name,
        "rate": None if line.rate is None else format(line.rate.normalize(), "f"),  # "20", not "2E+1"
        "base": str(line.base),
        "amount": str(line.amount),
        "rule": line.rule,
        "source": line.source,
        "explanation": _message(line.explanation, line.params, translate),
        "explanation_msgid": line.explanation,
        "params": dict(line.params),
        "collected": line.collected,
        "estimate": line.estimate,
        "included": line.included,
    }


def _warning(warning: QuoteWarning, translate: Translate | None) -> dict[str, Any]:
    return {
        "code": warning.code,
        "message": _message(warning.message, warning.params, translate),
        "params": dict(warning.params),
    }


def quote_to_json(quote: LandedCostQuote, translate: Translate | None = None) -> dict[str, Any]:
    """The answer as JSON-ready values: amounts as decimal strings in `currency`; messages through
    `translate` (a gettext function for the request's locale) or left as msgids."""
    return {
        "date": quote.date.isoformat(),
        "destination": quote.destination,
        "currency": quote.currency,
        "regime": quote.regime,
        "explanation": _message(quote.explanation, quote.explanation_params, translate),
        "goods": str(quote.goods),
        "shipping": str(quote.shipping),
        "taxes": [_charge(line, translate) for line in quote.taxes],
        "duties": [_charge(line, translate) for line in quote.duties],
        "fees": [_charge(line, translate) for line in quote.fees],
        "tax_total": str(quote.tax_total),
        "duty_total": str(quote.duty_total),
        "fees_total": str(quote.fees_total),
        "collected": quote.collected,
        "incoterm": quote.incoterm,
        "total_now": str(quote.total_now),
        "due_on_delivery": str(quote.due_on_delivery),
        "estimate": quote.estimate,
        "warnings": [_warning(warning, translate) for warning in quote.warnings],
        "net_required": quote.net_required,
    }
