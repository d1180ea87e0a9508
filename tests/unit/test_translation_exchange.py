"""Translation files for translators and agencies, without a database: XLIFF 2.0, PO and CSV
round-trip tricky content exactly (CJK, Arabic with Latin brand names, emoji, placeholders,
markup, quotes, line breaks); every check of an import names the unit and its line; malformed
and hostile files are reported, never half-read."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from app.catalog.sources import SourceText
from app.staff.translation_checks import MARKUP_BROKEN, MARKUP_NOT_ALLOWED, ONE_LINE, PLACEHOLDERS
from app.staff.translation_exchange import FORMATS, build, guess_format, read
from app.staff.translation_forms import TOO_LONG
from app.staff.translation_import import (
    DUPLICATE_ID,
    NEEDS_NAME,
    NO_HASH,
    NO_LANGUAGE,
    ONLY,
    SLUG_TAKEN,
    SOURCE_CHANGED,
    UNKNOWN_ID,
    WRONG_LANGUAGE,
    ImportPlan,
    LocaleState,
    OptionOwner,
    Owner,
    audit_summary,
    export_units,
    language_tag,
    locale_of,
    plan_import,
)
from app.staff.translation_po_csv import BAD_CSV, MISSING_COLUMNS, PO_CHARSET, PO_SYNTAX, WRONG_COUNT
from app.staff.translation_rules import Status
from app.staff.translation_units import EMPTY, NO_UNITS, NOT_UTF8, ExchangeFile, Unit
from app.staff.translation_xliff import (
    NO_DOCTYPE,
    NOT_XLIFF,
    NOT_XML,
    SCHEMA_ERROR,
    SCHEMA_PATH,
    XLIFF_ENCODING,
    XLIFF_NS,
    xliff_schema,
)

TEE = SourceText(
    name='Plain "Tee" for %s',
    description='<p>Soft <b>cotton</b> for {name}.</p>\n<p>Only %(count)s left: "organic" &amp; fair.</p>',
    seo_title="Plain Tee {name}",
    seo_description="",
)
MUG = SourceText(name="Mug", description="A stoneware mug.")
HOME = SourceText(name="Home")

# What a translator sends back, per locale: every field of the tee, the mug's name.
TRANSLATIONS = {
    "ja": {
        "product:TS-001:name": "無地の「Tシャツ」%s向け 😀",
        "product:TS-001:description": (
            "<p>{name}のための柔らかい<b>コットン</b>。</p>\n<p>残り%(count)s点：「オーガニック」&amp;フェア。</p>"
        ),
        "product:TS-001:seo_title": "無地Tシャツ {name} 👕",
        "product:MG-001:name": "マグカップ",
    },
    "ar": {
        "product:TS-001:name": 'قميص "Nike" سادة لـ %s 🏃',
        "product:TS-001:description": (
            "<p>قطن <b>Adidas</b> ناعم لـ {name}.</p>\n<p>بقي %(count)s فقط: «عضوي» &amp; عادل.</p>"
        ),
        "product:TS-001:seo_title": "قميص Nike {name}",
        "product:MG-001:name": "كوب",
    },
    "zh-hans": {
        "product:TS-001:name": "纯色“T恤”，适合%s 🎉",
        "product:TS-001:description": (
            "<p>为{name}准备的柔软<b>棉</b>。</p>\n\n<p>仅剩%(count)s件：'有机' &amp; 公平。</p>"
        ),
        "product:TS-001:seo_title": "纯色T恤 {name}",
        "product:MG-001:name": "马克杯",
    },
}


def owner(kind: str, code: str, owner_id: int, source: SourceText, target=None, **extra) -> Owner:
    slug = code.lower()
    full = None if target is None else {"slug": "", "description": "", "seo_title": "", "seo_description": ""}
    if target is not None:
        full.update(target)
    return Owner(kind, code, owner_id, source, slug, full, **extra)


def catalogue(locale: str = "ja", **targets: Owner) -> LocaleState:
    owners = {
        ("product", "MG-001"): owner("product", "MG-001", 1, MUG),
        ("product", "TS-001"): owner("product", "TS-001", 2, TEE),
        ("category", "home"): owner("category", "home", 1, HOME),
    }
    for found in targets.values():
        owners[(found.kind, found.code)] = found
    slugs: dict[str, dict[str, int]] = {"product": {}, "category": {}}
    for found in owners.values():
        if found.target and found.target.get("slug"):
            slugs[found.kind][found.target["slug"]] = found.owner_id
    return LocaleState(locale, "en", owners, slugs)


# --- filling in a file as a translator's tool would ---------------------------------------------------


def fill_xliff(data: bytes, targets: dict[str, str]) -> bytes:
    root = etree.fromstring(data)
    for unit in root.iter(f"{{{XLIFF_NS}}}unit"):
        if unit.get("id") in targets:
            segment = unit.find(f"{{{XLIFF_NS}}}segment")
            target = segment.find(f"{{{XLIFF_NS}}}target")
            if target is None:
                target = etree.SubElement(segment, f"{{{XLIFF_NS}}}target")
            target.text = targets[unit.get("id")]
            segment.set("state", "translated")
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def fill_po(data: bytes, targets: dict[str, str]) -> bytes:
    catalogue_file = polib.pofile(data.decode("utf-8"))
    for entry in catalogue_file:
        if entry.msgctxt in targets:
            entry.msgstr = targets[entry.msgctxt]
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
    return str(catalogue_file).encode("utf-8")


def fill_csv(data: bytes, targets: dict[str, str]) -> bytes:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        if row["id"] in targets:
            row["target"] = targets[row["id"]]
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


FILL: dict[str, Callable[[bytes, dict[str, str]], bytes]] = {
    "xliff": fill_xliff,
    "po": fill_po,
    "csv": fill_csv,
}


def export(state: LocaleState, format: str, only: str = "missing") -> bytes:
    tag = language_tag(state.locale)
    return build(format, export_units(state, only), "en", tag.replace("-", "_") if format == "po" else tag)


def messages(plan: ImportPlan) -> list[tuple[str, str]]:
    return [(problem.unit, problem.message) for problem in plan.errors]


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("locale", ["ja", "ar", "zh-hans"])
def test_export_translate_import_gives_back_exactly_what_was_translated(format: str, locale: str) -> None:
    state = catalogue(locale)
    exported = export(state, format)
    filled = FILL[format](exported, TRANSLATIONS[locale])
    parsed = read(guess_format(f"file.{'xlf' if format == 'xliff' else format}", filled), filled)
    plan = plan_import(parsed, state)
    assert plan.ok, plan.errors
    after = {change.key: change.after for change in plan.changes}
    tee, mug = after["product:TS-001"], after["product:MG-001"]
    wanted = TRANSLATIONS[locale]
    assert tee["name"] == wanted["product:TS-001:name"]
    assert tee["description"] == wanted["product:TS-001:description"]
    assert tee["seo_title"] == wanted["product:TS-001:seo_title"]
    assert mug["name"] == wanted["product:MG-001:name"]
    # New translations get a slug made from their name; the category was not translated.
    assert tee["slug"] and mug["slug"] and "category:home" not in after
    assert plan.translated == 4 and plan.skipped == plan.units - 4


@pytest.mark.parametrize("format", FORMATS)
def test_an_untouched_export_of_everything_imports_as_no_change(format: str) -> None:
    reviewed = owner(
        "product",
        "TS-001",
        2,
        TEE,
        {"name": '無地 "T" %s', "slug": "muji-t", "description": "<p>{name} %(count)s<br>改行\n次</p>"},
        status=Status.REVIEWED.value,
        target_hash=TEE.digest(),
    )
    state = catalogue("ja", tee=reviewed)
    exported = export(state, format, "all")
    plan = plan_import(read(format, exported), state)
    assert plan.ok and plan.changes == [] and plan.unchanged == 1


@pytest.mark.parametrize("format", FORMATS)
def test_a_stale_translation_goes_out_as_the_previous_text_and_stays_stale_untouched(format: str) -> None:
    stale = owner("product", "MG-001", 1, MUG, {"name": "古いマグ", "slug": "old"}, target_hash="0" * 64)
    state = catalogue("ja", mug=stale)
    units = export_units(state, "stale")
    assert [(unit.id, unit.target, unit.previous) for unit in units] == [
        ("product:MG-001:name", None, "古いマグ"),
        ("product:MG-001:description", None, ""),
    ]
    plan = plan_import(read(format, export(state, format, "stale")), state)
    assert plan.ok and plan.changes == [] and plan.translated == 0
    # The translator confirms the old name for the new source: the translation is current again.
    filled = FILL[format](export(state, format, "stale"), {"product:MG-001:name": "古いマグ"})
    plan = plan_import(read(format, filled), state)
    assert [(change.key, change.fields) for change in plan.changes] == [("product:MG-001", ())]


def test_export_selects_all_missing_or_stale_entries() -> None:
    current = owner("product", "MG-001", 1, MUG, {"name": "マグ"}, target_hash=MUG.digest())
    stale = owner("category", "home", 1, HOME, {"name": "ホーム"}, target_hash="")
    state = catalogue("ja", mug=current, home=stale)
    ids = {
        only: {unit.id.rsplit(":", 1)[0] for unit in export_units(state, only)}
        for only in ("all", "missing", "stale")
    }
    assert ids == {
        "all": {"product:MG-001", "product:TS-001", "category:home"},
        "missing": {"product:TS-001"},
        "stale": {"category:home"},
    }
    # Only texts with a source are units: the tee has no SEO description in English.
    assert "product:TS-001:seo_description" not in {unit.id for unit in export_units(state, "all")}


text = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc", "Cn"), include_characters="\n\t\r\u2028\x85"
    ),
    min_size=1,
    max_size=60,
).filter(lambda value: value.strip() != "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=text, target=text, format=st.sampled_from(FORMATS))
def test_any_text_survives_every_format_unchanged(source: str, target: str, format: str) -> None:
    unit = Unit("product:TS-001:description", source, target, source_hash="a" * 64, previous=target)
    parsed = read(format, build(format, [unit], "en", "ja"))
    assert parsed.problems == ()
    (back,) = parsed.units
    assert (back.id, back.source, back.target, back.source_hash) == (unit.id, source, target, "a" * 64)


# --- the checks of an import ---------------------------------------------------------------------------


def csv_file(*rows: tuple[str, str, str, str]) -> ExchangeFile:
    """A CSV with (id, language, target, source_hash) rows, read as an upload would be."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerows([("id", "language", "target", "source_hash"), *rows])
    return read("csv", out.getvalue().encode("utf-8"))


def with_tee(locale: str = "ja", **texts: str) -> LocaleState:
    """The catalogue with a current translation of the tee (so a file need not give its name)."""
    tee = owner("product", "TS-001", 2, TEE, {"name": "T %s", "slug": "t", **texts}, target_hash=TEE.digest())
    return catalogue(locale, tee=tee)


def test_each_unit_error_names_the_unit_and_its_line_and_nothing_is_planned() -> None:
    state = catalogue("ja")
    tee, mug = TEE.digest(), MUG.digest()
    parsed = csv_file(
        ("product:MG-001:name", "ja", "マグ", mug),
        ("product:NOPE:name", "ja", "x", mug),
        ("product:MG-001:name", "ja", "マグ2", mug),
        ("product:TS-001:name", "ja", "無地Tシャツ", tee),
        ("product:TS-001:seo_title", "ja", "T {name}", "f" * 64),
        ("product:TS-001:description", "ja", "<p>{name} %(count)s <img src=x onerror=alert(1)></p>", tee),
        ("category:home:name", "de", "Wohnen", HOME.digest()),
        ("category:home:description", "ja", "説明", HOME.digest()),
    )
    plan = plan_import(parsed, state)
    found = [(problem.line, problem.unit, problem.message) for problem in plan.errors]
    assert found == [
        (3, "product:NOPE:name", UNKNOWN_ID),
        (4, "product:MG-001:name", DUPLICATE_ID),
        (5, "product:TS-001:name", PLACEHOLDERS),
        (6, "product:TS-001:seo_title", SOURCE_CHANGED),
        (7, "product:TS-001:description", MARKUP_NOT_ALLOWED),
        (8, "category:home:name", WRONG_LANGUAGE),
        (9, "category:home:description", UNKNOWN_ID),  # the category has no description to translate
    ]
    params = {problem.line: problem.params for problem in plan.errors}
    assert params[4] == {"first": 2}
    assert params[5] == {"missing": "%s", "extra": "–"}
    assert params[7] == {"tags": "<img onerror src>"}
    assert params[8] == {"found": "de", "expected": "ja"}
    assert plan.changes == [] and not plan.ok


@pytest.mark.parametrize(
    ("description", "tags"),
    [
        ("<script>alert(1)</script>{name} %(count)s", "<script>"),
        ('<a href="javascript:alert(1)">x</a>{name} %(count)s', "<a href>"),
        ('<p style="color:red" onclick="x()">{name} %(count)s</p>', "<p onclick style>"),
        ("<iframe src=//evil></iframe>{name} %(count)s", "<iframe src>"),
        ("<!-- hidden -->{name} %(count)s", "<!-- -->"),
        ('<a href="https://x.test" target="_blank">{name}</a> %(count)s', "<a href target>"),
    ],
)
def test_markup_a_description_may_not_hold_is_an_error_listing_it(description: str, tags: str) -> None:
    plan = plan_import(csv_file(("product:TS-001:description", "ja", description, TEE.digest())), with_tee())
    assert [(problem.message, problem.params) for problem in plan.errors] == [
        (MARKUP_NOT_ALLOWED, {"tags": tags})
    ]


def test_allowed_markup_is_kept_and_sanitised_text_stored() -> None:
    typed = '<p><B>{name}</B> &amp; "Co" <a href="https://x.test">link</a><br/>%(count)s</p> Tom & Jerry'
    plan = plan_import(csv_file(("product:TS-001:description", "ja", typed, TEE.digest())), with_tee())
    assert plan.ok, plan.errors
    stored = plan.changes[0].after["description"]
    assert stored == (
        '<p><b>{name}</b> &amp; "Co" <a href="https://x.test" rel="noopener noreferrer nofollow">link</a>'
        "<br>%(count)s</p> Tom &amp; Jerry"
    )
    # Stored HTML sent out again and back is unchanged.
    again = plan_import(
        csv_file(("product:TS-001:description", "ja", stored, TEE.digest())), with_tee(description=stored)
    )
    assert again.ok and again.changes == [] and again.unchanged == 1


def test_broken_markup_is_refused_rather_than_guessed() -> None:
    plan = plan_import(
        csv_file(("product:TS-001:description", "ja", "<p {name} %(count)s <</p", TEE.digest())), with_tee()
    )
    assert [problem.message for problem in plan.errors] == [MARKUP_BROKEN]


def test_plain_text_fields_take_no_markup_and_no_line_breaks() -> None:
    tee = TEE.digest()
    plan = plan_import(
        csv_file(
            ("product:TS-001:name", "ja", "<b>T</b> %s", tee),
            ("product:TS-001:seo_title", "ja", "T\n{name}", tee),
            ("product:MG-001:name", "ja", "Mug <3 & more", MUG.digest()),
        ),
        catalogue(),
    )
    assert [(problem.unit, problem.message, problem.params) for problem in plan.errors] == [
        ("product:TS-001:name", MARKUP_NOT_ALLOWED, {"tags": "<b>"}),
        ("product:TS-001:seo_title", ONE_LINE, {}),
    ]
    # "<3" and "&" are text, not markup.
    assert "Mug <3 & more" not in str(plan.errors)


def test_placeholders_must_match_the_source_both_ways_and_percent_signs_are_text() -> None:
    state = with_tee()
    tee = TEE.digest()
    plan = plan_import(csv_file(("product:TS-001:seo_title", "ja", "T {nom} %s 100%% 50% off", tee)), state)
    assert [problem.params for problem in plan.errors] == [{"missing": "{name}", "extra": "%s, {nom}"}]
    plan = plan_import(csv_file(("product:TS-001:seo_title", "ja", "{name}、100%割引", tee)), state)
    assert plan.ok


def test_a_new_translation_needs_its_name_and_lengths_are_limited() -> None:
    plan = plan_import(
        csv_file(
            ("product:TS-001:seo_title", "ja", "T {name}", TEE.digest()),
            ("product:MG-001:name", "ja", "マ" * 301, MUG.digest()),
        ),
        catalogue(),
    )
    assert [(problem.unit, problem.message) for problem in plan.errors] == [
        ("product:TS-001:name", NEEDS_NAME),
        ("product:MG-001:name", TOO_LONG),
    ]


def test_slugs_stay_unique_a_slug_unit_claims_its_own_and_names_keep_existing_slugs() -> None:
    taken = owner("product", "MG-001", 1, MUG, {"name": "マグ", "slug": "マグ"}, target_hash=MUG.digest())
    state = catalogue("ja", mug=taken)
    # A new translation named like an existing page gets the next free slug.
    plan = plan_import(csv_file(("product:TS-001:name", "ja", "マグ %s", TEE.digest())), state)
    assert plan.changes[0].after["slug"] == "マグ-s"
    tee_source = SourceText(name="Tee")
    plan = plan_import(
        csv_file(("product:TS-001:name", "ja", "マグ", tee_source.digest())), replace_tee_source(state)
    )
    assert plan.changes[0].after["slug"] == "マグ-2"
    # Renaming keeps the slug; a slug unit changes it, unless another page has it.
    plan = plan_import(csv_file(("product:MG-001:name", "ja", "マグカップ", MUG.digest())), state)
    assert plan.changes[0].after == {**taken.target, "name": "マグカップ"}
    plan = plan_import(csv_file(("product:MG-001:slug", "ja", "Mug Cup", MUG.digest())), state)
    assert plan.changes[0].after["slug"] == "mug-cup" and plan.changes[0].fields == ("slug",)
    plan = plan_import(
        csv_file(
            ("product:TS-001:name", "ja", "T %s", TEE.digest()),
            ("product:TS-001:slug", "ja", "マグ", TEE.digest()),
        ),
        state,
    )
    assert [(problem.unit, problem.message, problem.params) for problem in plan.errors] == [
        ("product:TS-001:slug", SLUG_TAKEN, {"slug": "マグ"})
    ]


def replace_tee_source(state: LocaleState) -> LocaleState:
    owners = dict(state.owners)
    owners[("product", "TS-001")] = owner("product", "TS-001", 2, SourceText(name="Tee"))
    return LocaleState(state.locale, state.base, owners, state.slugs)


def test_the_file_language_must_be_the_import_locale() -> None:
    state = catalogue("ja")
    for format in ("xliff", "po"):
        data = build(format, [Unit("product:MG-001:name", "Mug", "Becher", MUG.digest())], "en", "de")
        assert messages(plan_import(read(format, data), state)) == [("", WRONG_LANGUAGE)]
    # Region and gettext spellings name the same shop locale.
    assert locale_of("ja-JP") == "ja" and locale_of("zh_Hans") == "zh-hans" and locale_of("zh-CN") is None
    no_language = build("po", [Unit("product:MG-001:name", "Mug", "マグ", MUG.digest())], "en", "")
    assert messages(plan_import(read("po", no_language), state)) == [("", NO_LANGUAGE)]
    # A target that names another language is an error of that unit, at its line.
    units = [
        Unit("product:MG-001:name", "Mug", "マグ", MUG.digest()),
        Unit("category:home:name", "Home", "Heim", HOME.digest()),
    ]
    data = build("xliff", units, "en", "ja").replace(b"<target>Heim", b'<target xml:lang="de">Heim')
    plan = plan_import(read("xliff", data), state)
    assert [(p.unit, p.message, p.line) for p in plan.errors] == [("category:home:name", WRONG_LANGUAGE, 13)]


def test_a_unit_without_its_source_hash_is_refused() -> None:
    plan = plan_import(csv_file(("product:MG-001:name", "ja", "マグ", "")), catalogue())
    assert messages(plan) == [("product:MG-001:name", NO_HASH)]


# --- malformed and hostile files --------------------------------------------------------------------------


def xliff_doc(units: str, head: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (
        f'{head}\n<xliff xmlns="{XLIFF_NS}" version="2.0" srcLang="en" trgLang="ja">\n'
        f'<file id="f">\n{units}\n</file>\n</xliff>\n'
    ).encode()


UNIT = '<unit id="product:MG-001:name"><segment><source>Mug</source><target>マグ</target></segment></unit>'


def only_problem(parsed: ExchangeFile) -> tuple[str, int]:
    assert parsed.units == ()
    assert len(parsed.problems) >= 1, parsed
    return parsed.problems[0].message, parsed.problems[0].line


def test_bad_xml_is_reported_with_its_line() -> None:
    truncated = xliff_doc(UNIT)[:-30]
    message, line = only_problem(read("xliff", truncated))
    assert message == NOT_XML and line >= 4


def test_a_file_in_another_encoding_is_refused() -> None:
    latin1 = xliff_doc(UNIT.replace("マグ", "Tasse à café")).replace("à".encode(), "à".encode("latin-1"))
    assert only_problem(read("xliff", latin1))[0] == NOT_XML  # declared UTF-8, is not
    declared = xliff_doc(UNIT.replace("マグ", "Tasse"), '<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert only_problem(read("xliff", declared)) == (XLIFF_ENCODING, 1)
    po = export(catalogue(), "po").decode().replace("charset=UTF-8", "charset=ISO-8859-1").encode("latin-1")
    assert only_problem(read("po", po))[0] == PO_CHARSET
    assert only_problem(read("po", 'msgid "é"'.encode("latin-1") + b"\n"))[0] == NOT_UTF8
    csv_bytes = "id,language,target,source_hash\nproduct:MG-001:name,ja,Tasse à café,x\n".encode("cp1252")
    assert only_problem(read("csv", csv_bytes)) == (NOT_UTF8, 2)


def test_xxe_and_entity_expansion_get_nowhere() -> None:
    xxe = xliff_doc(
        UNIT.replace("マグ", "&xxe;"),
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )
    parsed = read("xliff", xxe)
    assert only_problem(parsed)[0] == NO_DOCTYPE and "root:" not in str(parsed)
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    bomb = xliff_doc(
        UNIT.replace("マグ", "&l9;"),
        f'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY l0 "lol">{laughs}]>',
    )
    assert only_problem(read("xliff", bomb))[0] in (NO_DOCTYPE, NOT_XML)


def test_a_document_outside_our_xliff_subset_fails_the_schema_with_its_line() -> None:
    v12 = b'<?xml version="1.0"?><xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"/>'
    assert only_problem(read("xliff", v12))[0] == NOT_XLIFF
    inline = xliff_doc(UNIT.replace("<target>マグ", '<target><pc id="1">マグ</pc>'))
    message, line = only_problem(read("xliff", inline))
    assert message == SCHEMA_ERROR and line == 4
    duplicate = xliff_doc(UNIT + "\n" + UNIT)
    parsed = read("xliff", duplicate)
    assert only_problem(parsed) == (SCHEMA_ERROR, 5) and "Duplicate" in parsed.problems[0].params["detail"]
    no_version = xliff_doc(UNIT).replace(b' version="2.0"', b"")
    assert only_problem(read("xliff", no_version))[0] == SCHEMA_ERROR


def test_every_export_is_valid_against_the_bundled_schema() -> None:
    schema_text = SCHEMA_PATH.read_text()
    assert "OUR schema for the subset of XLIFF 2.0" in schema_text and "specification" in schema_text
    state = catalogue("ar", tee=owner("product", "TS-001", 2, TEE, {"name": "x"}, target_hash=TEE.digest()))
    document = etree.fromstring(export(state, "xliff", "all"))
    assert xliff_schema().validate(document)
    with pytest.raises(etree.DocumentInvalid):  # an id that is no NMTOKEN never reaches a translator
        build("xliff", [Unit("product:A B:name", "x", None)], "en", "ja")


def test_truncated_and_ragged_csv_is_reported_with_lines() -> None:
    good = export(catalogue(), "csv")
    assert only_problem(read("csv", good[: good.rindex(b'"') - 3] + b"\r\n"))[0] in (BAD_CSV, WRONG_COUNT)
    unclosed = b'id,language,target,source_hash\nproduct:MG-001:name,ja,"unclosed\n'
    assert only_problem(read("csv", unclosed)) == (BAD_CSV, 2)
    ragged = b"id,language,target,source_hash\nproduct:MG-001:name,ja,x\n"
    assert only_problem(read("csv", ragged)) == (WRONG_COUNT, 2)
    assert only_problem(read("csv", b"id,target\nx,y\n")) == (MISSING_COLUMNS, 1)
    assert only_problem(read("csv", b"")) == (EMPTY, 0)
    assert only_problem(read("csv", b"id,language,target,source_hash\n")) == (NO_UNITS, 0)


def test_csv_cells_a_spreadsheet_would_run_are_quoted_and_read_back_exactly() -> None:
    units = [
        Unit(f"product:MG-001:{n}", "x", text, "h")
        for n, text in enumerate(["=1+1", "-list", "'quoted", "@x", "+1"])
    ]
    data = build("csv", units, "en", "ja")
    assert b"'=1+1" in data and b"''quoted" in data
    assert [unit.target for unit in read("csv", data).units] == ["=1+1", "-list", "'quoted", "@x", "+1"]


def test_po_syntax_errors_fuzzy_entries_and_paths_as_content() -> None:
    truncated = b'msgctxt "product:MG-001:name"\nmsgid "Mug"\nmsgstr "unclosed\n'
    assert only_problem(read("po", truncated)) == (PO_SYNTAX, 3)  # polib alone would read "unclose"
    garbage = b'msgctxt "product:MG-001:name"\nmsgid "Mug"\nmsgstr "M" "x" "y"\n'
    assert only_problem(read("po", garbage)) == (PO_SYNTAX, 3)
    # polib would open a path it is given: content that names a file is content.
    assert only_problem(read("po", str(SCHEMA_PATH).encode()))[0] in (PO_SYNTAX, NO_UNITS)
    fuzzy = (
        b'msgid ""\nmsgstr "Language: ja\\n"\n\n'
        b'#, fuzzy\nmsgctxt "product:MG-001:name"\nmsgid "Mug"\nmsgstr "M"\n'
    )
    (unit,) = read("po", fuzzy).units
    assert unit.target is None and unit.line == 5


# --- option labels ------------------------------------------------------------------------------------

SIZE = SourceText(name="Size")  # the base-locale label of the axis
SIZE_M = SourceText(name="m")  # value m has no base-locale label: its name is the source
FIT = SourceText(name="Fit for %(age)s")


def option(axis: str, value: str, source: SourceText, label: str = "", **extra) -> OptionOwner:
    return OptionOwner(axis, value, source, label, products=(2,), **extra)


def with_options(locale: str = "ja", *found: OptionOwner) -> LocaleState:
    """The catalogue with the tee in sizes s and m and the axis fit (the tee translated)."""
    options = {
        ("size", ""): option("size", "", SIZE),
        ("size", "s"): option("size", "s", SourceText(name="Small")),
        ("size", "m"): option("size", "m", SIZE_M),
        ("fit", ""): option("fit", "", FIT),
    }
    options.update({(item.axis, item.value): item for item in found})
    state = with_tee(locale)
    return LocaleState(state.locale, state.base, state.owners, state.slugs, options)


OPTION_LABELS = {
    "option:size::label": "サイズ",
    "option:size:m:label": "M（ミディアム）😀",
    "option:fit::label": "%(age)s歳向け「フィット」",
}


@pytest.mark.parametrize("format", FORMATS)
def test_option_labels_go_out_and_come_back_exactly(format: str) -> None:
    state = with_options()
    exported = export(state, format)
    if format == "xliff":
        assert xliff_schema().validate(etree.fromstring(exported))
    units = {unit.id: unit for unit in read(format, exported).units}
    assert {"option:size::label", "option:size:s:label", "option:size:m:label", "option:fit::label"} <= set(
        units
    )
    assert units["option:size::label"].source == "Size" and units["option:size:m:label"].source == "m"
    assert units["option:size:m:label"].source_hash == SIZE_M.digest()
    plan = plan_import(read(format, FILL[format](exported, OPTION_LABELS)), state)
    assert plan.ok, plan.errors
    assert [(change.kind, change.code, change.before, dict(change.after)) for change in plan.changes] == [
        ("option", "size:", None, {"name": "サイズ"}),
        ("option", "size:m", None, {"name": "M（ミディアム）😀"}),
        ("option", "fit:", None, {"name": "%(age)s歳向け「フィット」"}),
    ]
    assert plan.translated == 3 and audit_summary(plan, "f")["created"] == 3
    # What was imported, exported again and sent back untouched, changes nothing.
    current = [
        option("size", "", SIZE, "サイズ", status="imported", target_hash=SIZE.digest()),
        option("size", "m", SIZE_M, "M", status="reviewed", target_hash=SIZE_M.digest()),
    ]
    again = with_options("ja", *current)
    plan = plan_import(read(format, export(again, format, "all")), again)
    assert plan.ok and plan.changes == [] and plan.unchanged == 3  # the tee and the two labels


def test_option_labels_are_selected_one_by_one_and_stale_ones_go_out_as_previous() -> None:
    current = option("size", "", SIZE, "サイズ", status="reviewed", target_hash=SIZE.digest())
    stale = option("size", "m", SIZE_M, "中", status="imported", target_hash="0" * 64)
    state = with_options("ja", current, stale)
    ids = {only: {u.id for u in export_units(state, only) if u.id.startswith("option:")} for only in ONLY}
    assert ids == {
        "all": {"option:size::label", "option:size:s:label", "option:size:m:label", "option:fit::label"},
        "missing": {"option:size:s:label", "option:fit::label"},
        "stale": {"option:size:m:label"},
    }
    units = {unit.id: unit for unit in export_units(state, "all")}
    assert (units["option:size::label"].target, units["option:size::label"].state) == ("サイズ", "reviewed")
    assert (units["option:size:m:label"].target, units["option:size:m:label"].previous) == (None, "中")
    # Confirming the old label for the new source makes it current again.
    plan = plan_import(csv_file(("option:size:m:label", "ja", "中", SIZE_M.digest())), state)
    assert [(c.code, c.before, c.fields) for c in plan.changes] == [("size:m", {"name": "中"}, ())]


def test_option_label_units_are_checked_like_every_other_text() -> None:
    state = with_options()
    parsed = csv_file(
        ("option:size:xl:label", "ja", "XL", SIZE_M.digest()),  # no such value in use
        ("option:size:m:name", "ja", "M", SIZE_M.digest()),  # labels only
        ("option:size:m:x:label", "ja", "M", SIZE_M.digest()),
        ("option:size::label", "ja", "サイズ", "f" * 64),
        ("option:size:m:label", "ja", "<b>M</b>", SIZE_M.digest()),
        ("option:size:s:label", "ja", "S\tmall", SourceText(name="Small").digest()),
        ("option:fit::label", "ja", "フィット {age}", FIT.digest()),
        ("option:size:m:label", "ja", "M", SIZE_M.digest()),
    )
    plan = plan_import(parsed, state)
    assert [(problem.line, problem.unit, problem.message) for problem in plan.errors] == [
        (2, "option:size:xl:label", UNKNOWN_ID),
        (3, "option:size:m:name", UNKNOWN_ID),
        (4, "option:size:m:x:label", UNKNOWN_ID),
        (5, "option:size::label", SOURCE_CHANGED),
        (6, "option:size:m:label", MARKUP_NOT_ALLOWED),
        (7, "option:size:s:label", ONE_LINE),
        (8, "option:fit::label", PLACEHOLDERS),
        (9, "option:size:m:label", DUPLICATE_ID),
    ]
    assert plan.changes == []
    long = plan_import(csv_file(("option:size:m:label", "ja", "エ" * 101, SIZE_M.digest())), state)
    assert [(p.message, p.params) for p in long.errors] == [(TOO_LONG, {"limit": 100})]
    assert plan_import(csv_file(("option:size:m:label", "ja", "エ" * 100, SIZE_M.digest())), state).ok
