"""Translation files through real HTTP: /admin/translations/{locale}/exchange downloads a
locale's texts (XLIFF, PO, CSV) and takes the translated file back, a dry run first, then an
import of all of it or nothing; a translator only for their own locales; hostile files change
nothing and are reported, escaped."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import polib
import pytest
from lxml import etree

from app.catalog.sources import SourceText
from app.catalog.tables import CategoryTranslation, OptionLabel, Product, ProductTranslation, SlugHistory
from app.outbox.tables import OutboxMessage
from app.search.services import SEARCH_SYNC
from app.staff.rules import Role
from app.staff.tables import StaffAuditLog
from app.staff.translation_xliff import XLIFF_NS, xliff_schema
from tests.builders import build_catalog, product
from tests.functional.admin import csrf_token, forget_admin_store, login, make_staff
from tests.html import form_values, links, tags, text

JA = "/admin/translations/ja/exchange"
JA_EXPORT = "/admin/translations/ja/export"
DE = "/admin/translations/de/exchange"


@pytest.fixture(autouse=True)
def fresh_admin_store() -> Iterator[None]:
    forget_admin_store()
    yield
    forget_admin_store()


async def shop() -> None:
    await build_catalog(
        [
            product("MG-001", "Mug", category="mugs", ja="マグカップ"),
            product("TS-001", "Plain Tee", ja="無地Tシャツ"),
        ]
    )
    await forget("MG-001")  # the mug has no Japanese translation yet


async def owner_id(code: str) -> int:
    row = await Product.select(Product.id).where(Product.code == code).first().run()
    return int(row["id"])


async def forget(code: str, locale: str = "ja") -> None:
    await (
        ProductTranslation.delete()
        .where((ProductTranslation.product == await owner_id(code)) & (ProductTranslation.locale == locale))
        .run()
    )


async def translation(code: str, locale: str = "ja") -> dict[str, Any]:
    rows = (
        await ProductTranslation.select()
        .where((ProductTranslation.product == await owner_id(code)) & (ProductTranslation.locale == locale))
        .run()
    )
    return rows[0] if rows else {}


async def everything() -> list[dict[str, Any]]:
    rows = await ProductTranslation.select().order_by(ProductTranslation.id).run()
    rows += await CategoryTranslation.select().order_by(CategoryTranslation.id).run()
    return rows + await SlugHistory.select().order_by(SlugHistory.id).run()


async def imports() -> list[dict[str, Any]]:
    return await StaffAuditLog.select().where(StaffAuditLog.action == "translation.import").run()


async def as_translator(client: Any, locales: frozenset[str] = frozenset({"ja"})) -> None:
    await make_staff(Role.TRANSLATOR, locales=locales)
    assert (await login(client, "translator@shop.test")).status_code == 303


async def upload(client: Any, path: str, name: str, data: bytes, mode: str = "dry_run", **extra: str) -> Any:
    await client.get(path)  # the CSRF cookie
    fields = {"_csrf_token": csrf_token(client), "mode": mode, **extra}
    return await client.post(
        path, data=fields, files={"file": (name, data, "application/octet-stream")}, follow_redirects=False
    )


async def download(client: Any, format: str, only: str = "missing", path: str = JA_EXPORT) -> Any:
    return await client.get(path, params={"format": format, "only": only})


def fill_xliff(data: bytes, targets: dict[str, str]) -> bytes:
    root = etree.fromstring(data)
    for unit in root.iter(f"{{{XLIFF_NS}}}unit"):
        if unit.get("id") in targets:
            segment = unit.find(f"{{{XLIFF_NS}}}segment")
            etree.SubElement(segment, f"{{{XLIFF_NS}}}target").text = targets[unit.get("id")]
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def fill_po(data: bytes, targets: dict[str, str]) -> bytes:
    catalogue = polib.pofile(data.decode())
    for entry in catalogue:
        entry.msgstr = targets.get(entry.msgctxt, entry.msgstr)
    return str(catalogue).encode()


def fill_csv(data: bytes, targets: dict[str, str]) -> bytes:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        row["target"] = targets.get(row["id"], row["target"])
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


FILL = {"xliff": (fill_xliff, "ja.xlf"), "po": (fill_po, "ja.po"), "csv": (fill_csv, "ja.csv")}
MUG = {
    "product:MG-001:name": 'マグ "Nike" 😀',
    "product:MG-001:description": "<p>丈夫な<b>マグ</b>。\n「食洗機」OK &amp; 電子レンジ</p>",
}


def confirmation(html: str) -> str:
    """The fingerprint the report's "Import these translations" form carries ("" when none)."""
    fields = tags(html, "input", name="expected")
    return fields[0]["value"] if fields else ""


def report_errors(html: str) -> list[list[str]]:
    """The rows of the report's error table: line, unit, problem."""
    start = html.find("admin-import-errors")
    if start < 0:
        return []
    table = html[start : html.find("</table>", start)]
    body = table[table.find("<tbody>") :]
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# --- round trip through the screens -----------------------------------------------------------------


@pytest.mark.parametrize("format", ["xliff", "po", "csv"])
async def test_download_translate_dry_run_then_import(client, format: str) -> None:
    await shop()
    await as_translator(client)
    queue = await client.get("/admin/translations/ja")
    assert JA in links(queue.text)
    page = await client.get(JA)
    assert page.status_code == 200
    assert form_values(page.text, JA_EXPORT) == {"format": "xliff", "only": "missing"}
    assert [field["value"] for field in tags(page.text, "input", name="only")] == ["missing", "stale", "all"]

    exported = await download(client, format)
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert (
        f"catalogue-ja-missing.{'xlf' if format == 'xliff' else format}"
        in exported.headers["content-disposition"]
    )
    fill, name = FILL[format]
    filled = fill(exported.content, MUG)

    before = await everything()
    dry = await upload(client, JA, name, filled)
    assert dry.status_code == 200 and report_errors(dry.text) == []
    assert "No error: 1 translation would be written. This was a dry run: nothing was changed." in text(
        dry.text
    )
    assert await everything() == before and await imports() == []
    expected = confirmation(dry.text)
    assert len(expected) == 64

    done = await upload(client, JA, name, filled, mode="import", expected=expected)
    assert done.status_code == 303 and done.headers["location"] == f"{JA}?done=imported&count=1"
    mug = await translation("MG-001")
    assert mug["name"] == MUG["product:MG-001:name"]
    assert mug["description"] == MUG["product:MG-001:description"]
    assert mug["status"] == "imported" and mug["updated_by"] == "translator@shop.test"
    (audit,) = await imports()
    assert audit["target"] == f"ja:{format}:{name}"
    assert json.loads(audit["after"])["created"] == 1
    syncs = await OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).run()
    mug_id = await owner_id("MG-001")
    assert any(mug_id in json.loads(row["payload"])["product_ids"] for row in syncs)
    shown = await client.get(done.headers["location"])
    assert "The import is done. Translations written: 1." in text(shown.text)
    # The shop serves it at its new slug.
    assert (await client.get(f"/ja/p/{mug['slug']}")).status_code == 200


async def test_an_export_of_everything_validates_and_reimports_as_no_change(client) -> None:
    await shop()
    await as_translator(client)
    exported = await download(client, "xliff", "all")
    assert xliff_schema().validate(etree.fromstring(exported.content))
    done = await upload(client, JA, "ja.xlf", exported.content, mode="import")
    assert done.status_code == 303 and "done=unchanged" in done.headers["location"]
    assert await imports() == []


# --- all or nothing ---------------------------------------------------------------------------------


async def test_one_bad_unit_blocks_the_whole_file_and_the_report_names_it(client) -> None:
    await shop()
    await as_translator(client)
    exported = await download(client, "csv", "all")
    targets = {
        **MUG,
        "product:TS-001:name": '<img src=x onerror="alert(1)">無地',
        "category:mugs:name": "マグ {extra}",
    }
    filled = fill_csv(exported.content, targets)
    before = await everything()
    refused = await upload(client, JA, "ja.csv", filled, mode="import")
    assert refused.status_code == 400
    assert "The file has errors: nothing was imported." in text(refused.text)
    errors = report_errors(refused.text)
    assert [row[1] for row in errors] == ["product:TS-001:name", "category:mugs:name"]
    assert "Markup not allowed here: <img>." in errors[0][2]
    assert "not in the source {extra}" in errors[1][2]
    assert all(row[0].isdigit() for row in errors)
    # The payload is shown as text, never as markup.
    assert "<img src=x" not in refused.text
    assert await everything() == before and await imports() == []
    assert confirmation(refused.text) == ""  # no import offered


async def test_hostile_and_malformed_files_change_nothing(client) -> None:
    await shop()
    await as_translator(client)
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ja">'
        b'<file id="f"><unit id="product:MG-001:name"><segment><source>Mug</source><target>&e;</target>'
        b"</segment></unit></file></xliff>"
    )
    before = await everything()
    for name, data, expected in [
        ("x.xlf", xxe, "DOCTYPE"),
        ("x.xlf", b"<xliff", "The XML is not well-formed"),
        ("x.csv", b'id,language,target,source_hash\nproduct:MG-001:name,ja,"cut', "The CSV is malformed"),
        ("x.csv", "id,language,target,source_hash\nx,ja,é,h\n".encode("latin-1"), "not UTF-8"),
        ("x.po", b'msgctxt "a"\nmsgid "b"\nmsgstr "c', "The PO file is malformed"),
        ("x.bin", b"\x00\x01", "not an XLIFF, PO or CSV file"),
    ]:
        response = await upload(client, JA, name, data, mode="import")
        assert response.status_code == 400, name
        assert expected in text(response.text), (name, text(response.text)[:500])
        assert "root:" not in response.text
    assert await everything() == before and await imports() == []


async def test_the_import_applies_only_what_the_dry_run_showed(client) -> None:
    await shop()
    await as_translator(client)
    filled = fill_xliff((await download(client, "xliff")).content, MUG)
    dry = await upload(client, JA, "ja.xlf", filled)
    expected = confirmation(dry.text)
    # Meanwhile someone translates the mug in the editor.
    await ProductTranslation.insert(
        ProductTranslation(product=await owner_id("MG-001"), locale="ja", name="マグ", slug="mag")
    ).run()
    stale = await upload(client, JA, "ja.xlf", filled, mode="import", expected=expected)
    assert stale.status_code == 409
    assert "changed since the dry run" in text(stale.text)
    assert (await translation("MG-001"))["name"] == "マグ" and await imports() == []


# --- option labels ----------------------------------------------------------------------------------

FIT = {"option:fit::label": "シルエット", "option:fit:slim:label": "スリム"}


async def option_shop() -> None:
    """A tee in two fits, an axis with no label in any locale: each label is missing."""
    await build_catalog(
        [product("TS-001", "Plain Tee", ja="無地Tシャツ", options={"fit": ["slim", "loose"]})]
    )


async def option_labels() -> list[dict[str, Any]]:
    return await OptionLabel.select().where(OptionLabel.axis == "fit").order_by(OptionLabel.id).run()


@pytest.mark.parametrize("format", ["xliff", "po", "csv"])
async def test_option_labels_are_exported_imported_and_shown_in_the_shop(client, format: str) -> None:
    await option_shop()
    await as_translator(client)
    exported = await download(client, format)
    assert exported.status_code == 200
    for unit in ("option:fit::label", "option:fit:slim:label", "option:fit:loose:label"):
        assert unit.encode() in exported.content
    if format == "xliff":
        assert xliff_schema().validate(etree.fromstring(exported.content))
    fill, name = FILL[format]
    filled = fill(exported.content, FIT)

    dry = await upload(client, JA, name, filled)
    assert dry.status_code == 200 and report_errors(dry.text) == []
    assert "No error: 2 translations would be written." in text(dry.text)
    assert await option_labels() == [] and await imports() == []
    done = await upload(client, JA, name, filled, mode="import", expected=confirmation(dry.text))
    assert done.status_code == 303 and done.headers["location"] == f"{JA}?done=imported&count=2"

    rows = {(row["value"], row["locale"]): row for row in await option_labels()}
    assert set(rows) == {("", "ja"), ("slim", "ja")}
    slim = rows[("slim", "ja")]
    assert (slim["label"], slim["status"], slim["updated_by"]) == (
        "スリム",
        "imported",
        "translator@shop.test",
    )
    assert slim["source_hash"] == SourceText(name="slim").digest() and slim["updated_at"] is not None
    assert SourceText.from_json(slim["source_text"]) == SourceText(name="slim")
    (audit,) = await imports()
    summary = json.loads(audit["after"])
    assert summary["created"] == 2 and summary["after"]["option:fit:slim"]["name"] == "スリム"
    syncs = await OutboxMessage.select().where(OutboxMessage.kind == SEARCH_SYNC).run()
    tee_id = await owner_id("TS-001")
    assert any(tee_id in json.loads(row["payload"])["product_ids"] for row in syncs)
    page = await client.get(f"/ja/p/{(await translation('TS-001'))['slug']}")
    assert page.status_code == 200
    assert "シルエット" in text(page.text) and "スリム" in text(page.text)


async def test_an_option_label_made_from_a_changed_source_is_refused_and_nothing_written(client) -> None:
    await option_shop()
    await as_translator(client)
    # A label translated from an older source is stale: it goes out as the previous translation.
    await OptionLabel.insert(
        OptionLabel(axis="fit", value="loose", locale="ja", label="ゆったり", source_hash="0" * 64)
    ).run()
    stale = await download(client, "po", "stale")
    entries = [e for e in polib.pofile(stale.content.decode()) if e.msgctxt.startswith("option:")]
    assert [(e.msgctxt, e.msgstr, e.fuzzy) for e in entries] == [("option:fit:loose:label", "ゆったり", True)]
    filled = fill_xliff((await download(client, "xliff")).content, FIT)
    # Meanwhile the English label of the value changes: the file was made from another source.
    await OptionLabel.insert(OptionLabel(axis="fit", value="slim", locale="en", label="Slim fit")).run()
    before = await option_labels()
    refused = await upload(client, JA, "ja.xlf", filled, mode="import")
    assert refused.status_code == 400
    assert [row[1:] for row in report_errors(refused.text)] == [
        [
            "option:fit:slim:label",
            "The source text changed since this file was exported. "
            "Export it again and translate the new text.",
        ]
    ]
    assert await option_labels() == before and await imports() == []


# --- who may --------------------------------------------------------------------------------------------


async def test_a_translator_exchanges_only_their_own_locales(client) -> None:
    await shop()
    await as_translator(client)
    assert (await client.get(DE)).status_code == 403
    assert (await download(client, "xliff", path="/admin/translations/de/export")).status_code == 403
    de_file = fill_po((await client.get("/admin/translations/ja/export?format=po&only=all")).content, {})
    before = await everything()
    await client.get(JA)
    response = await client.post(
        DE,
        data={"_csrf_token": csrf_token(client), "mode": "import"},
        files={"file": ("de.po", de_file, "text/plain")},
    )
    assert response.status_code == 403 and await everything() == before
    assert (await client.get("/admin/translations/en/exchange")).status_code == 403
    assert (await client.get("/admin/translations/xx/export?format=po&only=all")).status_code == 404


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILMENT])
async def test_roles_without_the_translate_permission_get_403(client, role: Role) -> None:
    await shop()
    await make_staff(role)
    assert (await login(client, f"{role.value}@shop.test")).status_code == 303
    assert (await client.get(JA)).status_code == 403
    assert (await download(client, "csv")).status_code == 403


async def test_an_upload_without_the_csrf_token_is_refused(client) -> None:
    await shop()
    await as_translator(client)
    data = fill_xliff((await download(client, "xliff")).content, MUG)
    response = await client.post(
        JA, data={"mode": "import"}, files={"file": ("ja.xlf", data, "application/xml")}
    )
    assert response.status_code == 403 and await translation("MG-001") == {}


async def test_bad_export_choices_and_a_missing_file_re_render_the_page(client) -> None:
    await shop()
    await as_translator(client)
    bad = await client.get(JA_EXPORT, params={"format": "docx", "only": "all"})
    assert bad.status_code == 400 and "Choose a format and what to export." in text(bad.text)
    await client.get(JA)
    missing = await client.post(JA, data={"_csrf_token": csrf_token(client), "mode": "dry_run"})
    assert missing.status_code == 400 and "Choose a translation file to upload." in text(missing.text)
