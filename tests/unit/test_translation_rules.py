"""The translation workflow's pure rules: the source fingerprint and staleness, coverage
percentages, the diff of a changed source, the editor's form and description sanitising, and the
option labels' source, form and fingerprint."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.catalog.sources import SourceText, option_source, option_source_columns, source_columns
from app.core.richtext import html_to_text, sanitise_html
from app.staff.rules import Role, StaffIdentity
from app.staff.translation_forms import (
    BAD_STATUS,
    NEED_NAME,
    OPTION_LABEL_LIMIT,
    TOO_LONG,
    length_hints,
    option_field,
    option_fingerprint,
    read_option_form,
    read_translation_form,
    target_fingerprint,
)
from app.staff.translation_rules import (
    State,
    Status,
    coverage_of,
    fallback_for,
    locales_for,
    most_urgent,
    percentages,
    queue_rank,
    source_changes,
    state_of,
    text_diff,
    whole_percentages,
)

MUG = SourceText("Mug", "A stoneware mug.")


# --- fingerprint and state ------------------------------------------------------------------------


def test_the_digest_follows_every_source_field_but_not_the_slug() -> None:
    assert MUG.digest() == SourceText("Mug", "A stoneware mug.").digest()
    assert len(MUG.digest()) == 64
    for changed in (
        SourceText("Mug!", "A stoneware mug."),
        SourceText("Mug", "A stoneware mug"),
        SourceText("Mug", "A stoneware mug.", seo_title="Mug"),
        SourceText("Mug", "A stoneware mug.", seo_description="x"),
    ):
        assert changed.digest() != MUG.digest()
    # Field boundaries count: moving text from one field to the next is a change.
    assert SourceText("ab", "c").digest() != SourceText("a", "bc").digest()


def test_the_recorded_source_reads_back_and_bad_records_read_as_none() -> None:
    assert SourceText.from_json(MUG.to_json()) == MUG
    assert SourceText.from_json("") is None
    assert SourceText.from_json("{not json") is None
    assert SourceText.from_json("[1, 2]") is None


def test_imported_rows_record_the_base_locale_text_beside_them() -> None:
    columns = source_columns({"en": "Mug", "de": "Becher"}, {"en": "A stoneware mug.", "de": "…"}, "en")
    assert columns["source_hash"] == MUG.digest()
    assert SourceText.from_json(columns["source_text"]) == MUG


@pytest.mark.parametrize(
    ("name", "status", "stored", "expected"),
    [
        (None, "", "", State.MISSING),
        ("  ", "reviewed", "H", State.MISSING),
        ("Becher", "reviewed", "H", State.REVIEWED),
        ("Becher", "draft", "H", State.DRAFT),
        ("Becher", "imported", "H", State.IMPORTED),
        ("Becher", "reviewed", "OLD", State.STALE),  # reviewed once, the source moved on since
        ("Becher", "draft", "OLD", State.STALE),
        ("Becher", "imported", "", State.STALE),  # made from a source nobody recorded
    ],
)
def test_state_of_a_translation(name: str | None, status: str, stored: str, expected: State) -> None:
    assert state_of(name, status, stored, "H") is expected


def test_the_queue_puts_stale_first_and_reviewed_last() -> None:
    ordered = sorted(State, key=queue_rank)
    assert ordered[0] is State.STALE and ordered[1] is State.MISSING and ordered[-1] is State.REVIEWED


# --- coverage -------------------------------------------------------------------------------------


def test_coverage_counts_and_percentages() -> None:
    cover = coverage_of([State.REVIEWED, State.REVIEWED, State.STALE, State.MISSING])
    assert cover.total == 4
    assert cover.counts[State.REVIEWED] == 2 and cover.counts[State.DRAFT] == 0
    assert cover.percent[State.REVIEWED] == Decimal(50) and cover.percent[State.STALE] == Decimal(25)
    assert not cover.done
    assert coverage_of([State.REVIEWED]).done and not coverage_of([]).done


def test_percentages_of_thirds_still_add_up_to_100() -> None:
    shares = percentages({State.MISSING: 1, State.STALE: 1, State.REVIEWED: 1})
    assert sum(shares.values()) == 100 and sorted(shares.values())[-3:] == [33, 33, 34]
    assert set(percentages({}).values()) == {0}


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=len(State), max_size=len(State)))
def test_percentages_always_add_up_to_100_and_stay_within_one_point(counts: list[int]) -> None:
    given_counts = dict(zip(State, counts, strict=True))
    shares = percentages(given_counts)
    total = sum(counts)
    if total == 0:
        assert set(shares.values()) == {0}
        return
    assert sum(shares.values()) == 100
    for state, count in given_counts.items():
        assert abs(shares[state] - count * 100 / total) < 1


# --- who translates what -------------------------------------------------------------------------


def test_a_translator_translates_their_locales_only_and_nobody_the_base() -> None:
    translator = StaffIdentity(1, "t@x", "T", Role.TRANSLATOR, frozenset({"ja", "ar"}))
    assert locales_for(translator, "en") == ["ja", "ar"]
    manager = StaffIdentity(2, "m@x", "M", Role.CATALOGUE_MANAGER)
    assert locales_for(manager, "en") == ["de", "fr", "es", "ja", "zh-hans", "ar"]
    support = StaffIdentity(3, "s@x", "S", Role.SUPPORT)
    assert locales_for(support, "en") == []


def test_the_fallback_chain_names_shop_locales_only() -> None:
    assert fallback_for("de", "en") == ["de", "en"]
    assert fallback_for("zh-hans", "en") == ["zh-hans", "en"]  # "zh" is no shop locale


# --- the diff -------------------------------------------------------------------------------------


def test_the_diff_marks_removed_and_added_words() -> None:
    parts = text_diff("A stoneware mug for tea.", "A porcelain mug for coffee.")
    assert ("delete", "stoneware") in parts and ("insert", "porcelain") in parts
    assert ("delete", "tea") in parts and ("insert", "coffee") in parts
    assert "".join(text for op, text in parts if op != "insert") == "A stoneware mug for tea."
    assert "".join(text for op, text in parts if op != "delete") == "A porcelain mug for coffee."


def test_the_diff_of_cjk_text_works_per_character() -> None:
    parts = text_diff("青いマグカップ", "赤いマグカップ")
    assert parts == (("delete", "青"), ("insert", "赤"), ("equal", "いマグカップ"))


def test_the_diff_keeps_markup_as_text() -> None:
    parts = text_diff("<b>x</b>", "<script>x</script>")
    assert any(op == "insert" and "script" in text for op, text in parts)  # the template escapes it


@given(st.text(max_size=60), st.text(max_size=60))
def test_the_diff_rebuilds_both_texts(old: str, new: str) -> None:
    parts = text_diff(old, new)
    assert "".join(text for op, text in parts if op != "insert") == old
    assert "".join(text for op, text in parts if op != "delete") == new


def test_source_changes_lists_only_changed_fields() -> None:
    changes = source_changes(MUG, SourceText("Mug", "A porcelain mug."))
    assert [change.field for change in changes] == ["description"]
    assert source_changes(MUG, MUG) == []


# --- sanitising ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi <strong>there</strong></p>", "<p>Hi <strong>there</strong></p>"),
        ("<script>alert(1)</script>Hi", "Hi"),
        ('<p onclick="steal()">Hi</p>', "<p>Hi</p>"),
        ('<img src="x" onerror="alert(1)">', ""),
        ("<style>body{}</style><iframe src=//evil></iframe>ok", "ok"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        (
            '<a href="https://example.com">x</a>',
            '<a href="https://example.com" rel="noopener noreferrer nofollow">x</a>',
        ),
        ("Tom & Jerry <3", "Tom &amp; Jerry &lt;3"),
    ],
)
def test_descriptions_keep_allowed_markup_only(dirty: str, clean: str) -> None:
    assert sanitise_html(dirty) == clean


def test_html_to_text_reads_the_words() -> None:
    assert html_to_text("<p>Tom &amp; <em>Jerry</em></p><script>x</script>") == "Tom & Jerry"


# --- the form --------------------------------------------------------------------------------------


def form(**fields: str) -> dict[str, str]:
    return {
        "name": "Becher",
        "status": "reviewed",
        "source_version": "a" * 64,
        "target_version": "",
        **fields,
    }


def test_a_valid_form_is_read_with_its_slug_made_from_the_name() -> None:
    read = read_translation_form(form(name="  Großer Becher\x00 ", description="Line 1\r\nLine 2"), "product")
    assert read.errors == {}
    assert read.name == "Großer Becher" and read.slug == "grosser-becher"  # slugify casefolds
    assert read.description == "Line 1\nLine 2"
    assert read.status is Status.REVIEWED and read.source_version == "a" * 64
    assert not read.markup_removed


def test_a_typed_slug_is_normalised() -> None:
    assert read_translation_form(form(slug="Mein Becher!"), "product").slug == "mein-becher"


def test_every_field_is_checked_and_every_typed_value_kept() -> None:
    read = read_translation_form(
        form(name=" ", seo_title="x" * 201, description="d" * 8001, status="imported"), "category"
    )
    assert read.errors["name"] == (NEED_NAME, {})
    assert read.errors["seo_title"] == (TOO_LONG, {"limit": 200})
    assert read.errors["description"] == (TOO_LONG, {"limit": 8000})
    assert "status" in read.errors  # people draft or review; "imported" is for imports
    assert read.values["seo_title"] == "x" * 201
    assert read_translation_form(form(name="n" * 201), "category").errors["name"][0] == TOO_LONG
    assert "name" not in read_translation_form(form(name="n" * 201), "product").errors
    assert "status" in read_translation_form(form(status="published"), "product").errors


def test_versions_that_are_not_hashes_are_dropped() -> None:
    read = read_translation_form(form(source_version="<x>", target_version="b" * 64), "product")
    assert read.source_version == "" and read.target_version == "b" * 64


def test_removed_markup_is_noticed_but_escaping_is_not() -> None:
    assert read_translation_form(form(description="<script>x</script>ok"), "product").markup_removed
    assert read_translation_form(form(description='<a href="javascript:x">y</a>'), "product").markup_removed
    assert not read_translation_form(
        form(description="Tom & Jerry <strong>!</strong>"), "product"
    ).markup_removed


def test_the_target_fingerprint_follows_texts_status_and_source() -> None:
    texts = {"name": "Becher"}
    first = target_fingerprint(texts, "draft", "H")
    assert first == target_fingerprint({"name": "Becher"}, "draft", "H")
    assert first != target_fingerprint(texts, "reviewed", "H")
    assert first != target_fingerprint(texts, "draft", "H2")
    assert first != target_fingerprint({"name": "Becher!"}, "draft", "H")


def test_length_hints_count_characters_and_flag_long_seo_texts() -> None:
    hints = length_hints({"name": "Tasse", "description": "<p>Tom &amp; Jerry</p>", "seo_title": "x" * 61})
    assert hints["name"].count == 5 and not hints["name"].over
    assert hints["description"].count == len("Tom & Jerry")
    assert hints["seo_title"].over and hints["seo_title"].hint == 60


# --- option labels ----------------------------------------------------------------------------------


HEX_A, HEX_B = "a" * 64, "b" * 64


def test_an_option_label_is_made_from_the_base_label_else_the_name_the_shop_shows() -> None:
    base = {("size", ""): "Size", ("size", "m"): "Medium", ("size", "s"): ""}
    assert option_source("size", "", base) == SourceText(name="Size")
    assert option_source("size", "m", base) == SourceText(name="Medium")
    assert option_source("size", "s", base) == SourceText(name="s")  # empty label: the value
    assert option_source("fit", "", base) == SourceText(name="fit")  # no label: the axis
    assert option_source("size", "m", base).digest() != option_source("size", "s", base).digest()
    assert option_source_columns("size", "m", "Medium") == {
        "source_hash": SourceText(name="Medium").digest(),
        "source_text": SourceText(name="Medium").to_json(),
    }
    assert option_source_columns("size", "m", "")["source_hash"] == SourceText(name="m").digest()


def test_an_axis_shows_its_most_urgent_label_and_is_reviewed_when_all_are() -> None:
    assert most_urgent([State.REVIEWED, State.DRAFT, State.MISSING]) is State.MISSING
    assert most_urgent([State.IMPORTED, State.STALE]) is State.STALE
    assert most_urgent([State.REVIEWED, State.REVIEWED]) is State.REVIEWED
    assert most_urgent([]) is State.REVIEWED


def test_the_option_form_reads_the_axis_and_each_value_and_nothing_else() -> None:
    form = read_option_form(
        {
            "axis": " サイズ ",
            "value-s": "S\x00",
            "value-m": "",
            "value-xl": "not a value of this axis",
            "status": "reviewed",
            "source_version": HEX_A,
            "target_version": "nope",
        },
        ["s", "m"],
    )
    assert form.errors == {}
    assert form.labels == {"": "サイズ", "s": "S", "m": ""}
    assert form.status is Status.REVIEWED
    assert (form.source_version, form.target_version) == (HEX_A, "")
    assert [option_field(value) for value in ("", "m")] == ["axis", "value-m"]


@pytest.mark.parametrize("status", ["", "imported", "published"])
def test_the_option_form_refuses_long_labels_and_other_statuses(status: str) -> None:
    form = read_option_form({"axis": "x" * (OPTION_LABEL_LIMIT + 1), "value-s": "S", "status": status}, ["s"])
    assert form.errors == {"axis": (TOO_LONG, {"limit": OPTION_LABEL_LIMIT}), "status": (BAD_STATUS, {})}
    assert form.values["axis"] == "x" * (OPTION_LABEL_LIMIT + 1)  # kept to show again
    assert read_option_form({"axis": "x" * OPTION_LABEL_LIMIT, "status": "draft"}, []).errors == {}


def test_the_option_fingerprint_follows_every_label_status_and_source() -> None:
    labels = {"": ("サイズ", "imported", HEX_A), "m": ("M", "imported", HEX_A)}
    assert option_fingerprint(labels) == option_fingerprint(dict(reversed(labels.items())))
    for changed in (
        {**labels, "m": ("M", "reviewed", HEX_A)},
        {**labels, "m": ("Ｍ", "imported", HEX_A)},
        {**labels, "m": ("M", "imported", HEX_B)},
        {"": labels[""]},
    ):
        assert option_fingerprint(changed) != option_fingerprint(labels)


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=6))
def test_whole_percentages_of_any_keys_add_up_to_100(counts: list[int]) -> None:
    keys = [f"k{i}" for i in range(len(counts))]
    result = whole_percentages(dict(zip(keys, counts, strict=True)), keys)
    assert sum(result.values()) == (100 if sum(counts) else 0)
    assert all(abs(result[k] - c * 100 / max(sum(counts), 1)) < 1 for k, c in zip(keys, counts, strict=True))
