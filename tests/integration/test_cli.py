"""The `storefront` operator commands against the real database."""

from __future__ import annotations

import re

from click.testing import CliRunner

from app.cli import main
from app.markets.tables import PriceOverride
from app.orders.tables import Order, OrderEvent
from tests.builders import build_catalog, product, store_rates
from tests.database import run_async

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_fx_status_shows_every_rate_with_its_age() -> None:
    run_async(store_rates({"JPY": "160", "USD": "1.10"}))
    code, output = invoke("fx", "status")
    assert code == 0
    assert re.search(r"JPY\s+│?\s*160", output) and "test rates" in output and " d" in output


def test_price_lists_set_list_unset() -> None:
    run_async(build_catalog([product("TS-001", "Tee", options={"size": ["s", "m"]})]))
    assert invoke("prices", "set", "TS-001-S", "jp", "3980")[0] == 0
    assert run_async(PriceOverride.select(PriceOverride.price_minor, PriceOverride.currency).run()) == [
        {"price_minor": 3980, "currency": "JPY"}
    ]
    assert invoke("prices", "set", "TS-001-S", "jp", "4200")[0] == 0  # replaces, never duplicates
    assert run_async(PriceOverride.count().run()) == 1
    _, output = invoke("prices", "list")
    assert "TS-001-S" in output and "4,200" in output
    assert runner.invoke(main, ["prices", "set", "TS-001-S", "atlantis", "1"]).exit_code != 0
    assert runner.invoke(main, ["prices", "set", "NOPE", "jp", "1"]).exit_code != 0
    assert runner.invoke(main, ["prices", "set", "TS-001-S", "jp", "-5"]).exit_code != 0
    assert invoke("prices", "unset", "TS-001-S", "jp")[0] == 0
    assert run_async(PriceOverride.count().run()) == 0


def test_mark_paid_ship_deliver_from_the_cli(client_order: str) -> None:
    number = client_order
    assert "applied" in invoke("orders", "mark-paid", number)[1]
    assert "duplicate" in invoke("orders", "mark-paid", number)[1]  # a second time changes nothing
    assert invoke("orders", "ship", number, "--note", "DHL 123")[0] == 0
    refused = runner.invoke(main, ["orders", "cancel", number])
    assert refused.exit_code != 0 and "illegal transition shipped -> cancelled" in refused.output
    assert invoke("orders", "deliver", number)[0] == 0
    _, output = invoke("orders", "show", number)
    assert "shipped -> delivered" in output and "DHL 123" in output
    events = run_async(OrderEvent.select(OrderEvent.to_status).order_by(OrderEvent.id).run())
    assert [e["to_status"] for e in events] == ["pending_payment", "paid", "shipped", "delivered"]
    assert run_async(Order.select(Order.status).first().run())["status"] == "delivered"
