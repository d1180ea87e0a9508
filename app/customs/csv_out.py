"""Shipments as CSV: one row per line, the shipment's fields repeated on each (columns documented
in README "Customs data"). `write_csv` streams, one row at a time."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from app.customs.json_out import amount, kg
from app.customs.model import Line, Shipment

COLUMNS = (
    "order_number",
    "form",
    "service_kind",
    "shipping_method",
    "invoice_number",
    "invoice_date",
    "incoterm",
    "reason",
    "sender_name",
    "sender_street_address",
    "sender_postal_code",
    "sender_city",
    "sender_country",
    "sender_phone",
    "sender_email",
    "sender_eori",
    "sender_vat_number",
    "recipient_name",
    "recipient_street_address",
    "recipient_postal_code",
    "recipient_city",
    "recipient_region",
    "recipient_country",
    "recipient_phone",
    "recipient_email",
    "registration_scheme",
    "registration_number",
    "currency",
    "total_value",
    "shipping_cost",
    "insurance_cost",
    "packages",
    "gross_weight_kg",
    "line_position",
    "sku",
    "description",
    "local_description",
    "local_language",
    "hs_code",
    "origin_country",
    "quantity",
    "unit",
    "net_weight_kg",
    "unit_value",
    "line_total_value",
)


def row(shipment: Shipment, line: Line) -> list[str]:
    s, r, reg = shipment.sender, shipment.recipient, shipment.registration
    return [
        shipment.order_number,
        shipment.form,
        shipment.service_kind,
        shipment.shipping_method,
        shipment.invoice_number,
        shipment.invoice_date.isoformat(),
        shipment.incoterm,
        shipment.reason,
        s.name,
        s.street_address,
        s.postal_code,
        s.city,
        s.country,
        s.phone,
        s.email,
        shipment.sender_eori,
        shipment.sender_vat_number,
        r.name,
        r.street_address,
        r.postal_code,
        r.city,
        r.region,
        r.country,
        r.phone,
        r.email,
        reg.scheme if reg else "",
        reg.number if reg else "",
        shipment.currency,
        amount(shipment.goods_value),
        amount(shipment.shipping_cost),
        amount(shipment.insurance_cost),
        str(shipment.packages),
        kg(shipment.gross_weight_kg),
        str(line.position),
        line.sku,
        line.description,
        line.local_description,
        line.local_language,
        line.hs_code,
        line.origin_country,
        str(line.quantity),
        line.unit,
        kg(line.net_weight_kg),
        amount(line.unit_value),
        amount(line.total_value),
    ]


def _render(values: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_safe(v) for v in values])
    return buffer.getvalue()


_PLAIN = re.compile(r"[+-]?[0-9][0-9 ().\-/]*")  # numbers and phone numbers (+49 221 ...)


def _safe(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: such text gets a leading '."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN.fullmatch(value):
        return "'" + value
    return value


def header() -> str:
    return _render(COLUMNS)


def shipment_rows(shipment: Shipment) -> str:
    """One shipment's rows (a row per line)."""
    return "".join(_render(row(shipment, line)) for line in shipment.lines)


def write_csv(shipments: Iterable[Shipment]) -> Iterator[str]:
    """The header, then each shipment's rows, one shipment at a time."""
    yield header()
    for shipment in shipments:
        yield shipment_rows(shipment)
