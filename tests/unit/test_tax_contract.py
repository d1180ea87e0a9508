"""The quote API contract from the issue maps 1:1 onto Shipment and back to JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.tax.contract import quote_to_json, shipment_from_json
from app.tax.model import QuoteError
from tests.unit.test_tax_builders import quote

ISSUE_EXAMPLE = """
{"date": "2026-07-15", "ship_from": "CN", "destination": "DE", "destination_region": null,
 "seller_registrations": ["IOSS"], "shipment_kind": "B2C_sale", "channel": null,
 "currency": "EUR", "shipping_charged": "10.00", "shipping_included_in_price": false,
 "lines": [{"description": "cotton T-shirt", "hs_code": "6109", "origin": "CN", "unit_value": "100.00",
            "quantity": 1, "weight_kg": 0.2, "tax_class": "standard", "duty_rate": null}]}
"""


def test_the_issue_example_round_trips() -> None:
    # §2b.3 and §2b.6: IOSS VAT 19 % x (100 + 10) = 20.90 and EUR 3 for one item, both at checkout
    answer = quote_to_json(quote(shipment_from_json(json.loads(ISSUE_EXAMPLE))))
    assert answer["currency"] == "EUR"
    assert (answer["goods"], answer["shipping"]) == ("100.00", "10.00")
    assert [t["amount"] for t in answer["taxes"]] == ["20.90"]
    assert [d["amount"] for d in answer["duties"]] == ["3.00"]
    assert (answer["collected"], answer["incoterm"]) == ("checkout", "DDP")
    assert (answer["total_now"], answer["due_on_delivery"]) == ("133.90", "0.00")
    tax = answer["taxes"][0]
    assert tax["explanation"] == "EU IOSS: goods up to EUR 150, VAT 19% collected at checkout"
    assert tax["rule"].startswith("EU_IOSS") and "S22" in tax["source"]
    json.dumps(answer)  # plain JSON values only


def test_messages_go_through_the_translator() -> None:
    def translate(msgid: str) -> str:
        return f"[de] {msgid}"

    answer = quote_to_json(quote(shipment_from_json(json.loads(ISSUE_EXAMPLE))), translate=translate)
    assert answer["taxes"][0]["explanation"].startswith("[de] EU IOSS: goods up to EUR 150")
    assert answer["taxes"][0]["name"] == "[de] VAT/GST"


@pytest.mark.parametrize(
    "change",
    [
        {"shipping_charged": 10.0},
        {"date": "15/07/2026"},
        {"lines": "none"},
        {"seller_registrations": "IOSS"},
        {"destination": ""},
        {"shipping_included_in_price": "no"},
    ],
)
def test_malformed_input_is_an_invalid_input_error(change: dict[str, Any]) -> None:
    with pytest.raises(QuoteError) as error:
        shipment_from_json({**json.loads(ISSUE_EXAMPLE), **change})
    assert error.value.code == "invalid_input"


def test_a_float_unit_value_is_refused() -> None:
    body = json.loads(ISSUE_EXAMPLE)
    body["lines"][0]["unit_value"] = 100.1
    with pytest.raises(QuoteError):
        shipment_from_json(body)
