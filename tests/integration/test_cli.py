"""The `storefront` operator commands against the real database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from app.catalog.tables import Variant
from app.cli import main
from app.core.settings import PROJECT_ROOT
from app.markets.tables import PriceOverride
from app.orders.tables import Order, OrderEvent
from tests.builders import build_catalog, product, store_rates
from tests.database import run_async

runner = CliRunner()

# Every command and option of the README's `storefront` table.
README_COMMANDS = {
    (): [
        "init",
        "migrate",
        "serve",
        "worker",
        "orders",
        "i18n",
        "fx",
        "prices",
        "quote",
        "staff",
        "search",
        "translations",
        "customs",
    ],
    ("init",): ["--no-demo"],
    ("serve",): ["--host", "--port", "--workers", "--reload"],
    ("orders",): ["list", "show", "mark-paid", "ship", "deliver", "cancel", "refund", "expire-unpaid"],
    ("orders", "list"): ["--status"],
    ("orders", "ship"): ["--note"],
    ("orders", "expire-unpaid"): ["--days"],
    ("i18n",): ["compile"],
    ("fx",): ["refresh", "status", "set", "unset"],
    ("fx", "set"): ["--source", "--as-of", "--force"],
    ("fx", "refresh"): ["--provider"],
    ("prices",): ["set", "unset", "list"],
    ("worker",): ["--once", "--every"],
    ("staff",): ["create-owner", "list", "disable", "reset"],
    ("search",): ["reindex", "status"],
    ("translations",): ["export", "import", "coverage"],
    ("translations", "export"): ["--locale", "--format", "--only", "-o"],
    ("translations", "import"): ["--locale", "--format", "--dry-run", "--actor"],
    ("customs",): ["export"],
    ("customs", "export"): ["--since", "--until", "--carrier", "--destination", "--format", "-o"],
}


def invoke(*args: str):
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def refused(*args: str) -> str:
    """The output of a command that must fail with a one-line error (not a traceback)."""
    result = runner.invoke(main, list(args))
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def test_every_command_and_option_of_the_readme_is_there() -> None:
    for path, names in README_COMMANDS.items():
        code, output = invoke(*path, "--help")
        assert code == 0
        for name in names:
            assert re.search(rf"(^|\s){re.escape(name)}\b", output), f"{' '.join(path)}: {name} missing"


def test_python_m_app_cli_runs_the_same_commands_and_the_app_does_not_import_them() -> None:
    env = {**os.environ}
    help_run = subprocess.run(
        [sys.executable, "-m", "app.cli", "orders", "--help"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert help_run.returncode == 0, help_run.stderr
    assert "mark-paid" in help_run.stdout and "expire-unpaid" in help_run.stdout
    check = "import sys, app.server.app; print(sorted(m for m in sys.modules if m.startswith('app.cli')))"
    imported = subprocess.run(
        [sys.executable, "-c", check], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "[]"


def test_migrate_on_a_migrated_database_changes_nothing() -> None:
    assert invoke("migrate") == (0, "Database is up to date.\n")


def test_fx_status_shows_every_rate_with_its_age() -> None:
    run_async(store_rates({"JPY": "160", "USD": "1.10"}))
    code, output = invoke("fx", "status")
    assert code == 0
    assert re.search(r"JPY\s+│?\s*160", output) and "test rates" in output and " d" in output


def test_fx_refresh_from_the_bundled_snapshot_then_status_shows_the_attempt() -> None:
    code, output = invoke("fx", "refresh", "--provider", "snapshot")
    assert code == 0 and "snapshot: ok" in output and re.search(r"[1-9]\d* rate\(s\) updated", output)
    _, status = invoke("fx", "status")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d snapshot: ok", status)
    assert "unknown FX provider 'nope'" in refused("fx", "refresh", "--provider", "nope")


def test_a_currency_no_provider_publishes_gets_a_merchant_rate_that_ages_like_any_other() -> None:
    code, output = invoke("fx", "refresh", "--provider", "snapshot")
    assert "KWD: not covered by any provider" in output and "fx set KWD" in output
    code, output = invoke("fx", "set", "KWD", "0.3551", "--source", "CBK", "--force")
    assert code == 0 and "-> 0.3551 (manual: CBK)" in output
    _, status = invoke("fx", "status")
    kwd = next(line for line in status.splitlines() if line.strip("│ ").startswith("KWD"))
    assert "manual" in kwd and "CBK" in kwd and "0.3551" in kwd
    _, output = invoke("fx", "refresh", "--provider", "snapshot")
    assert "KWD: manual rate kept" in output  # a refresh never replaces it
    # Set a week ago, it is too old to sell at, like any other rate.
    invoke("fx", "set", "KWD", "0.3551", "--source", "CBK", "--as-of", "2026-01-01", "--force")
    _, status = invoke("fx", "status")
    kwd = next(line for line in status.splitlines() if line.strip("│ ").startswith("KWD"))
    assert "yes" in kwd.split("manual", 1)[1]  # the stale column
    assert "positive" in refused("fx", "set", "KWD", "0", "--source", "CBK")
    assert "decimal" in refused("fx", "set", "KWD", "lots", "--source", "CBK")
    code, output = invoke("fx", "unset", "KWD")
    assert code == 0 and "KWD: now" in output and "snapshot" in output
    assert "has no manual rate" in refused("fx", "unset", "KWD")


def test_price_lists_set_list_unset() -> None:
    run_async(build_catalog([product("TS-001", "Tee", options={"size": ["s", "m"]})]))
    assert invoke("prices", "set", "TS-001-S", "jp", "3980") == (0, "TS-001-S in jp: 3980 JPY\n")
    assert run_async(PriceOverride.select(PriceOverride.price_minor, PriceOverride.currency).run()) == [
        {"price_minor": 3980, "currency": "JPY"}
    ]
    assert invoke("prices", "set", "TS-001-S", "jp", "4200")[0] == 0  # replaces, never duplicates
    assert run_async(PriceOverride.count().run()) == 1
    _, output = invoke("prices", "list")
    assert "TS-001-S" in output and "4,200" in output
    assert "no market 'atlantis'" in refused("prices", "set", "TS-001-S", "atlantis", "1")
    assert "no SKU NOPE" in refused("prices", "set", "NOPE", "jp", "1")
    assert "positive" in refused("prices", "set", "TS-001-S", "jp", "--", "-5")
    assert "steps of 1" in refused("prices", "set", "TS-001-S", "jp", "0.4")  # yen are whole
    assert "positive" in refused("prices", "set", "TS-001-S", "jp", "0")
    assert "decimal number" in refused("prices", "set", "TS-001-S", "jp", "lots")
    assert invoke("prices", "unset", "TS-001-S", "jp") == (0, "1 fixed price(s) removed\n")
    assert run_async(PriceOverride.count().run()) == 0
    assert "no SKU NOPE" in refused("prices", "unset", "NOPE", "jp")


def test_mark_paid_ship_deliver_from_the_cli(client_order: str) -> None:
    number = client_order
    assert "applied" in invoke("orders", "mark-paid", number)[1]
    assert "duplicate" in invoke("orders", "mark-paid", number)[1]  # a second time changes nothing
    assert invoke("orders", "ship", number, "--note", "DHL 123")[0] == 0
    assert "illegal transition shipped -> cancelled" in refused("orders", "cancel", number)
    assert invoke("orders", "deliver", number) == (0, f"{number}: now delivered\n")
    _, output = invoke("orders", "show", number)
    assert "shipped -> delivered" in output and "DHL 123" in output
    events = run_async(OrderEvent.select(OrderEvent.to_status).order_by(OrderEvent.id).run())
    assert [e["to_status"] for e in events] == ["pending_payment", "paid", "shipped", "delivered"]
    assert run_async(Order.select(Order.status).first().run())["status"] == "delivered"


def test_mark_paid_notes_the_bank_reference_in_the_history(client_order: str) -> None:
    assert invoke("orders", "mark-paid", client_order, "--reference", "BANK-42")[0] == 0
    assert "bank reference BANK-42" in invoke("orders", "show", client_order)[1]
    paid = run_async(OrderEvent.select(OrderEvent.note).where(OrderEvent.to_status == "paid").first().run())
    assert re.fullmatch(r"payment manual_\w+, bank reference BANK-42", paid["note"])
    invoke("orders", "mark-paid", client_order, "--reference", "BANK-43")  # a duplicate: nothing changes
    assert run_async(OrderEvent.count().where(OrderEvent.note.like("%BANK-43%")).run()) == 0


def test_unknown_orders_are_reported_not_raised() -> None:
    for command in ("show", "mark-paid", "ship", "deliver", "cancel"):
        assert "no order SF-NOPE" in refused("orders", command, "SF-NOPE")
    assert "no order SF-NOPE" in refused("orders", "refund", "SF-NOPE", "1")


def test_orders_list_newest_first_and_by_status(client_order: str) -> None:
    code, output = invoke("orders", "list")
    assert code == 0 and client_order in output and "pending_payment" in output
    assert client_order not in invoke("orders", "list", "--status", "paid")[1]
    assert client_order in invoke("orders", "list", "--status", "pending_payment")[1]
    assert "Invalid value for '--status'" in refused("orders", "list", "--status", "lost")


def test_refund_in_the_order_currency(client_order: str) -> None:
    number = client_order
    assert "no successful payment" in refused("orders", "refund", number, "1")
    invoke("orders", "mark-paid", number)
    assert "AMOUNT must be a decimal number" in refused("orders", "refund", number, "a lot")
    code, output = invoke("orders", "refund", number, "1.50", "--key", "ticket-42")
    assert code == 0
    assert output.endswith(f"{number}: refunded 150 minor units in total, now partially_refunded\n")
    # The same key again (an operator retrying after a timeout) refunds nothing more.
    code, output = invoke("orders", "refund", number, "1.50", "--key", "ticket-42")
    assert code == 0 and "already succeeded under key ticket-42" in output
    assert output.endswith(f"{number}: refunded 150 minor units in total, now partially_refunded\n")
    code, output = invoke("orders", "refund", number, "2")  # no key: a new one, printed first
    assert output.startswith(f"{number}: refund key auto-") and "350 minor units" in output
    assert "at most" in refused("orders", "refund", number, "100000")


def test_expire_unpaid_cancels_old_orders_and_puts_stock_back(client_order: str) -> None:
    stock = run_async(Variant.select(Variant.stock).first().run())["stock"]
    assert invoke("orders", "expire-unpaid") == (0, "0 unpaid order(s) cancelled\n")  # too recent
    placed = datetime.now(UTC) - timedelta(days=3)
    run_async(Order.update({Order.created_at: placed}, force=True).run())
    assert invoke("orders", "expire-unpaid")[1] == "0 unpaid order(s) cancelled\n"  # 7 days by default
    assert invoke("orders", "expire-unpaid", "--days", "2")[1] == "1 unpaid order(s) cancelled\n"
    assert run_async(Order.select(Order.status).first().run())["status"] == "cancelled"
    assert run_async(Variant.select(Variant.stock).first().run())["stock"] == stock + 1
    last = run_async(OrderEvent.select().order_by(OrderEvent.id, ascending=False).first().run())
    assert (last["actor"], last["note"]) == ("cli:expire-unpaid", "not paid in time")
