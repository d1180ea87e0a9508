"""Shipments as JSON (data/customs/shipment.schema.json): amounts and weights as decimal strings,
never floats. `write_json` streams a batch as a JSON array, one shipment at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from moneyed import Money

from app.core.money import quantize
from app.customs.model import Line, Party, Shipment

SCHEMA_VERSION = "1"


def amount(money: Money) -> str:
    return str(quantize(money.amount, money.currency.code))


def kg(weight: Decimal) -> str:
    return str(weight.quantize(Decimal("0.001")))


def party(who: Party) -> dict[str, str]:
    return {
        "name": who.name,
        "street_address": who.street_address,
        "postal_code": who.postal_code,
        "city": who.city,
        "region": who.region,
        "country": who.country,
        "phone": who.phone,
        "email": who.email,
    }


def line_dict(line: Line) -> dict[str, Any]:
    return {
        "position": line.position,
        "sku": line.sku,
        "description": line.description,
        "local_description": line.local_description,
        "local_language": line.local_language,
        "hs_code": line.hs_code,
        "origin_country": line.origin_country,
        "quantity": line.quantity,
        "unit": line.unit,
        "net_weight_kg": kg(line.net_weight_kg),
        "unit_value": amount(line.unit_value),
        "total_value": amount(line.total_value),
    }


def shipment_dict(shipment: Shipment) -> dict[str, Any]:
    registration = shipment.registration
    return {
        "schema_version": SCHEMA_VERSION,
        "order_number": shipment.order_number,
        "form": shipment.form,
        "service_kind": shipment.service_kind,
        "shipping_method": shipment.shipping_method,
        "invoice": {"number": shipment.invoice_number, "date": shipment.invoice_date.isoformat()},
        "incoterm": shipment.incoterm,
        "reason": shipment.reason,
        "sender": {
            **party(shipment.sender),
            "eori": shipment.sender_eori,
            "vat_number": shipment.sender_vat_number,
        },
        "recipient": party(shipment.recipient),
        "registration": (
            {"scheme": registration.scheme, "number": registration.number} if registration else None
        ),
        "currency": shipment.currency,
        "total_value": amount(shipment.goods_value),
        "shipping_cost": amount(shipment.shipping_cost),
        "insurance_cost": amount(shipment.insurance_cost),
        "packages": shipment.packages,
        "gross_weight_kg": kg(shipment.gross_weight_kg),
        "net_weight_kg": kg(shipment.net_weight_kg),
        "lines": [line_dict(line) for line in shipment.lines],
    }


def dumps(shipment: Shipment) -> str:
    """One shipment as a JSON document (the per-order download)."""
    return json.dumps(shipment_dict(shipment), ensure_ascii=False, indent=2) + "\n"


OPEN = "["


def item(shipment: Shipment, first: bool) -> str:
    """One element of the array, with its separator."""
    return ("\n" if first else ",\n") + json.dumps(shipment_dict(shipment), ensure_ascii=False, indent=2)


def close(empty: bool) -> str:
    return "]\n" if empty else "\n]\n"


def write_json(shipments: Iterable[Shipment]) -> Iterator[str]:
    """A JSON array of shipments, chunk by chunk: memory holds one shipment at a time."""
    first = True
    yield OPEN
    for shipment in shipments:
        yield item(shipment, first)
        first = False
    yield close(first)
