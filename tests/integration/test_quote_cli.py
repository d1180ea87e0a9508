"""`storefront quote FILE|-`: the landed-cost quote as JSON, exit 2 on invalid input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli import main
from tests.builders import store_rates
from tests.database import run_async
from tests.functional.test_quote_api import EXAMPLE, example

runner = CliRunner()


def quote(*args: str, stdin: str | None = None):
    return runner.invoke(main, ["quote", *args], input=stdin)


def test_a_file_gives_the_quote_as_json(tmp_path: Path) -> None:
    path = tmp_path / "shipment.json"
    path.write_text(json.dumps(EXAMPLE), "utf-8")
    result = quote(str(path))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["tax_total"], answer["duty_total"], answer["total_now"]) == ("20.90", "3.00", "133.90")
    assert answer["collected"] == "checkout" and answer["incoterm"] == "DDP"
    assert result.stdout.startswith('{\n  "date"')  # indent 2


def test_stdin_and_the_databases_rates() -> None:
    run_async(store_rates({"USD": "1.25"}))
    result = quote("-", stdin=json.dumps(example(currency="USD")))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["goods"] == "80.00"


def test_invalid_input_exits_2_with_a_message() -> None:
    bad_json = quote("-", stdin="{not json")
    assert bad_json.exit_code == 2 and "not valid JSON" in bad_json.stderr and bad_json.stdout == ""
    unknown = quote("-", stdin=json.dumps(example(destination="XX")))
    assert unknown.exit_code == 2 and "unknown_destination" in unknown.stderr and "XX" in unknown.stderr
    no_hs = quote("-", stdin=json.dumps(example(lines=[{**EXAMPLE["lines"][0], "hs_code": None}])))
    assert no_hs.exit_code == 2 and "hs_code_required" in no_hs.stderr
