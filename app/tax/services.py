"""The "what if" landed-cost quote: JSON in, JSON out, for the API and the CLI (no web code here).

`quote_json(data, rates, today, translate)` turns a request body into the engine's Shipment
(app.tax.contract), fills the shop's defaults (its seller registrations, Settings.tax_registrations),
prices it with `app.tax.rules.quote_landed_cost` over the tables of data/tax/ and returns the answer
as JSON-ready values. Anything it cannot answer without guessing is a QuoteError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from app.fx.rules import RateTable, make_table
from app.fx.services import FX_BASE, snapshot_table, stored_rates
from app.i18n.markers import N_
from app.tax.contract import Translate, quote_to_json, shipment_from_json
from app.tax.data import tax_tables
from app.tax.model import FxRates, QuoteError
from app.tax.rules import quote_landed_cost

# The request field a QuoteError is about, where its code says it (invalid_input names its own).
ERROR_FIELDS = {
    "unknown_destination": "destination",
    "domestic_sale": "ship_from",
    "region_required": "destination_region",
    "registration_required": "seller_registrations",
    "kind_not_available": "shipment_kind",
    "fx_rate_missing": "currency",
    "no_lines": "lines",
    "unknown_tax_class": "lines.tax_class",
    "hs_code_required": "lines.hs_code",
    "duty_rate_unknown": "lines.duty_rate",
    "over_limit": "lines.unit_value",
}


def _invalid(field: str, value: object) -> QuoteError:
    return QuoteError("invalid_input", N_("Invalid %(field)s: %(value)s"), field=field, value=value)


def error_field(error: QuoteError) -> str | None:
    if error.code == "invalid_input":
        return error.params.get("field")
    return ERROR_FIELDS.get(error.code)


def _check_hs_codes(lines: object) -> None:
    """HS codes are digits (the duty tables match them by prefix and by chapter number)."""
    if not isinstance(lines, list):
        return
    for line in lines:
        hs_code = line.get("hs_code") if isinstance(line, Mapping) else None
        if hs_code is not None and not (isinstance(hs_code, str) and hs_code.isascii() and hs_code.isdigit()):
            raise _invalid("hs_code", hs_code)


def quote_json(
    data: object,
    rates: FxRates,
    registrations: Sequence[str],
    today: date | None = None,
    translate: Translate | None = None,
) -> dict[str, Any]:
    """The quote request body (parsed JSON) -> the answer (app.tax.contract.quote_to_json).

    Omitted (or null) `seller_registrations` are the shop's (`registrations`); an explicit
    list, even empty, is taken as given. `date` defaults to `today` (UTC today when not given).
    Raises QuoteError for anything that cannot be quoted without guessing."""
    if not isinstance(data, Mapping):
        raise _invalid("body", type(data).__name__)
    if data.get("seller_registrations") is None:
        data = {**data, "seller_registrations": list(registrations)}
    _check_hs_codes(data.get("lines"))
    shipment = shipment_from_json(data)
    try:
        quote = quote_landed_cost(shipment, tax_tables(), rates, today or datetime.now(UTC).date())
    except ArithmeticError:  # amounts too large or too precise to price: bad input, not a bug
        raise _invalid("amount", "out of range") from None
    return quote_to_json(quote, translate)


async def current_rates() -> RateTable:
    """The stored exchange rates, or the bundled snapshot when the database has none."""
    rates = await stored_rates()
    return make_table(FX_BASE, rates) if rates else snapshot_table()
