"""`storefront translations export/import/coverage` against the real database: files written and
read back, an import all-or-nothing with every error listed and exit status 2, the audit row,
the catalogue revision and the search sync of an import."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from lxml import etree

from app.catalog.services import current_revision
from app.catalog.tables import CategoryTranslation, OptionLabel, Product, ProductTranslation, SlugHistory
from app.cli import main
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.tables import StaffAuditLog
from app.staff.translation_xliff import XLIFF_NS, xliff_schema
from tests.builders import build_catalog, product
from tests.database import run_async

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def shop() -> None:
    run_async(
        build_catalog(
            [
                product("MG-001", "Mug", category="mugs", ja="マグカップ"),
                product("TS-001", "Plain Tee", ja="無地Tシャツ"),
            ]
        )
    )


async def translation(code: str, locale: str = "ja") -> dict:
    owner = await Product.select(Product.id).where(Product.code == code).first().run()
    row = (
        await ProductTranslation.select()
        .where((ProductTranslation.product == owner["id"]) & (ProductTranslation.locale == locale))
        .first()
        .run()
    )
    return row or {}


async def forget(code: str, locale: str = "ja") -> None:
    owner = await Product.select(Product.id).where(Product.code == code).first().run()
    await (
        ProductTranslation.delete()
        .where((ProductTranslation.product == owner["id"]) & (ProductTranslation.locale == locale))
        .run()
    )


async def set_english_name(code: str, name: str) -> None:
    owner = await Product.select(Product.id).where(Product.code == code).first().run()
    await (
        ProductTranslation.update({ProductTranslation.name: name})
        .where((ProductTranslation.product == owner["id"]) & (ProductTranslation.locale == "en"))
        .run()
    )


async def everything() -> list[dict]:
    rows = await ProductTranslation.select().order_by(ProductTranslation.id).run()
    rows += await CategoryTranslation.select().order_by(CategoryTranslation.id).run()
    return rows + await SlugHistory.select().run()


def audit_rows() -> list[dict]:
    return run_async(StaffAuditLog.select().where(StaffAuditLog.action == "translation.import").run())


def fill_xliff(path: Path, targets: dict[str, str]) -> None:
    root = etree.fromstring(path.read_bytes())
    for unit in root.iter(f"{{{XLIFF_NS}}}unit"):
        if unit.get("id") in targets:
            segment = unit.find(f"{{{XLIFF_NS}}}segment")
            target = segment.find(f"{{{XLIFF_NS}}}target")
            if target is None:
                target = etree.SubElement(segment, f"{{{XLIFF_NS}}}target")
            target.text = targets[unit.get("id")]
    path.write_bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True))


# --- export ---------------------------------------------------------------------------------------


def test_export_writes_a_valid_xliff_of_the_missing_entries(tmp_path: Path) -> None:
    shop()
    run_async(forget("MG-001"))
    out = tmp_path / "ja.xlf"
    code, output = invoke(
        "translations", "export", "--locale", "ja", "--format", "xliff", "--only", "missing", "-o", str(out)
    )
    assert code == 0, output
    document = etree.fromstring(out.read_bytes())
    assert xliff_schema().validate(document)
    assert document.get("srcLang") == "en" and document.get("trgLang") == "ja"
    ids = [unit.get("id") for unit in document.iter(f"{{{XLIFF_NS}}}unit")]
    assert ids == ["product:MG-001:name", "product:MG-001:description"]


def test_export_to_stdout_is_the_file_alone_and_refuses_the_source_locale() -> None:
    shop()
    result = runner.invoke(main, ["translations", "export", "--locale", "zh_Hans", "--format", "po"])
    assert result.exit_code == 0, result.stderr
    catalogue = polib.pofile(result.stdout)
    assert catalogue.metadata["Language"] == "zh_Hans"
    assert {entry.msgctxt for entry in catalogue} >= {"product:MG-001:name", "category:mugs:name"}
    assert "Exported" in result.stderr and "Exported" not in result.stdout
    code, output = invoke("translations", "export", "--locale", "en")
    assert code == 2 and "source language" in output
    code, output = invoke("translations", "export", "--locale", "klingon")
    assert code == 2 and "not a shop locale" in output


# --- import ---------------------------------------------------------------------------------------


def test_export_translate_import_writes_the_translations_in_one_audited_transaction(tmp_path: Path) -> None:
    shop()
    run_async(forget("MG-001"))
    out = tmp_path / "ja.xlf"
    assert invoke("translations", "export", "--locale", "ja", "--only", "missing", "-o", str(out))[0] == 0
    fill_xliff(
        out,
        {
            "product:MG-001:name": "マグ「特製」😀",
            "product:MG-001:description": "<p>丈夫な<b>マグ</b>。\n食洗機OK</p>",
        },
    )
    revision = run_async(current_revision())
    dry_code, dry = invoke("translations", "import", str(out), "--dry-run")
    assert dry_code == 0 and "Dry run, nothing changed" in dry and "1 new" in dry
    assert run_async(translation("MG-001")) == {} and audit_rows() == []
    code, output = invoke("translations", "import", str(out), "--actor", "agency:acme")
    assert code == 0, output
    assert "Imported into ja" in output and "1 new and 0 updated" in output
    row = run_async(translation("MG-001"))
    assert row["name"] == "マグ「特製」😀" and row["description"] == "<p>丈夫な<b>マグ</b>。\n食洗機OK</p>"
    assert row["status"] == "imported" and row["updated_by"] == "agency:acme"
    assert row["slug"] == "マグ-特製" and len(row["source_hash"]) == 64
    (audit,) = audit_rows()
    assert audit["actor"] == "agency:acme" and '"created": 1' in audit["after"]
    assert run_async(current_revision()) > revision
    syncs = run_async(OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).run())
    assert any(str(row_id) in str(message["payload"]) for message in syncs for row_id in [row["product"]])
    # The same file again: nothing to do.
    code, output = invoke("translations", "import", str(out))
    assert code == 0 and "Nothing to import" in output and len(audit_rows()) == 1


def test_an_import_with_any_error_lists_them_all_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    shop()
    out = tmp_path / "ja.csv"
    assert invoke("translations", "export", "--locale", "ja", "--format", "csv", "-o", str(out))[0] == 0
    text = out.read_text(encoding="utf-8-sig")
    text = text.replace("無地Tシャツ", "無地Tシャツ v2").replace("マグカップ", "<script>alert(1)</script>")
    out.write_text(text, encoding="utf-8")
    run_async(set_english_name("TS-001", "Plain Tee!"))  # the tee's source changes after the export
    before = run_async(everything())
    code, output = invoke("translations", "import", str(out))
    assert code == 2
    assert re.search(r"product:MG-001:name.*Markup not allowed here: <script>", output)
    assert re.search(r"product:TS-001:name.*source text changed since this file", output)
    assert "nothing was imported" in output
    assert run_async(everything()) == before and audit_rows() == []


def test_a_file_for_another_language_or_a_broken_file_is_refused(tmp_path: Path) -> None:
    shop()
    out = tmp_path / "de.po"
    assert invoke("translations", "export", "--locale", "de", "--format", "po", "-o", str(out))[0] == 0
    before = run_async(everything())
    code, output = invoke("translations", "import", str(out), "--locale", "ja")
    assert code == 2 and "This is in de; this import is for ja" in output
    broken = tmp_path / "broken.xlf"
    broken.write_bytes(b'<?xml version="1.0"?><xliff xmlns="urn:oasis:names:tc:xliff:document:2.0"')
    code, output = invoke("translations", "import", str(broken), "--locale", "ja")
    assert code == 2 and "not well-formed" in output
    assert run_async(everything()) == before


# --- coverage -------------------------------------------------------------------------------------


def test_coverage_counts_each_state_per_locale_and_type() -> None:
    shop()
    run_async(forget("MG-001"))
    run_async(set_english_name("TS-001", "Plain Tee!"))
    code, output = invoke("translations", "coverage", "--locale", "ja", "--locale", "de")
    assert code == 0, output
    ja_products = next(line for line in output.splitlines() if "ja" in line and "product" in line)
    # Two products: the mug missing, the tee stale.
    assert re.search(r"\b2\b.*1 \(50%\).*1 \(50%\).*0 \(0%\)", ja_products), ja_products
    de_categories = next(line for line in output.splitlines() if "de" in line and "category" in line)
    assert "4 (100%)" in de_categories  # the four categories as imported


@pytest.mark.parametrize("command", ["export", "import", "coverage"])
def test_every_subcommand_has_help(command: str) -> None:
    code, output = invoke("translations", command, "--help")
    assert code == 0 and "Usage" in output
    assert re.search(r"^\s+translations\s", invoke("--help")[1], re.M)


# --- option labels ----------------------------------------------------------------------------------


def test_option_labels_go_out_and_come_back_through_the_cli(tmp_path: Path) -> None:
    run_async(build_catalog([product("TS-001", "Plain Tee", ja="無地Tシャツ", options={"fit": ["slim"]})]))
    out = tmp_path / "ja.xlf"
    assert invoke("translations", "export", "--locale", "ja", "--only", "missing", "-o", str(out))[0] == 0
    ids = [unit.get("id") for unit in etree.fromstring(out.read_bytes()).iter(f"{{{XLIFF_NS}}}unit")]
    assert ids == ["option:fit::label", "option:fit:slim:label"]
    fill_xliff(out, {"option:fit:slim:label": "スリム"})
    revision = run_async(current_revision())
    code, output = invoke("translations", "import", str(out), "--actor", "agency:acme")
    assert code == 0 and "1 new and 0 updated" in output, output
    (row,) = run_async(OptionLabel.select().where(OptionLabel.axis == "fit").run())
    assert (row["value"], row["locale"], row["label"], row["status"]) == ("slim", "ja", "スリム", "imported")
    assert row["updated_by"] == "agency:acme" and run_async(current_revision()) != revision
    assert len(audit_rows()) == 1
