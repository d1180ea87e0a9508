"""Search analysis: folding, segmentation, stemming and query planning (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.i18n.locales import LOCALES
from app.search.analysis import (
    analyse,
    arabic_light_stem,
    cjk_grams,
    compound_parts,
    head_term,
    normalize,
    query_words,
    spans,
    typo_budget,
    within_typos,
)
from app.search.matching import Matcher, highlight, plan_query, snippet


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Café", "cafe"),
        ("CRÈME brûlée", "creme brulee"),
        ("Straße", "strasse"),
        ("ＴＳＨＩＲＴ １２３", "tshirt 123"),  # full-width
        ("ｽﾆｰｶｰ", "すにーかー"),  # half-width katakana
        ("スニーカー", "すにーかー"),  # katakana and hiragana meet
        ("ガ", "が"),  # kana voicing is part of the letter, never folded away
        ("أحمد إبريق آلة", "احمد ابريق اله"),  # alef forms; ta marbuta
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("مُعَطَّف", "معطف"),  # tashkeel
        ("قهـــوة", "قهوه"),  # tatweel
        ("٤٠ مم", "40 مم"),  # Arabic-Indic digits
        ("ﬁne", "fine"),  # ligature
    ],
)
def test_normalize_folds_what_shoppers_type_differently(typed: str, folded: str) -> None:
    assert normalize(typed) == folded


@given(st.text())
@settings(max_examples=500)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(), st.sampled_from(list(LOCALES)))
@settings(max_examples=300, deadline=None)
def test_analysis_never_raises_on_any_text(text: str, locale: str) -> None:
    analysed = analyse(text, locale)
    assert len(analysed.terms) <= len(analysed.words)
    for span in spans(text, locale, query=True):
        assert 0 <= span.start < span.end <= len(text)
    plan = plan_query(text, locale, list(LOCALES), prefix=True)
    matcher = Matcher(plan, locale)
    assert "".join(segment for segment, _ in highlight(text, matcher)) == text
    snippet(text, matcher)
    cjk_grams(text)
    head_term(text, locale)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=50))
@settings(max_examples=200, deadline=None)
def test_query_words_are_folded_and_bounded(text: str) -> None:
    words = query_words(text, limit=10)
    assert len(words) <= 10
    assert all(w.norm == normalize(w.norm) and len(w.norm) <= 40 for w in words)


def test_japanese_is_segmented_by_dictionary() -> None:
    assert [s.word for s in spans("ランニングシューズ", "ja")] == ["らんにんぐ", "しゅーず"]
    # Sudachi's normalised form joins spelling variants: カシミヤ and カシミア meet.
    assert spans("カシミヤ", "ja")[0].term == spans("カシミア", "ja")[0].term
    # Particles carry no meaning a shopper searches for.
    assert [s.word for s in spans("ウールのセーター", "ja", query=True)] == ["うーる", "せーたー"]


def test_a_loanword_typed_in_hiragana_reads_as_katakana() -> None:
    assert [s.term for s in spans("すにーかー", "ja", query=True)] == ["すにーかー"]


def test_chinese_documents_index_the_words_inside_long_words() -> None:
    assert {"双肩", "双肩包"} <= {s.word for s in spans("再生尼龙卷顶双肩包", "zh-hans")}
    assert [s.word for s in spans("双肩包", "zh-hans", query=True)] == ["双肩包"]


@pytest.mark.parametrize(
    ("locale", "a", "b"),
    [("en", "headphones", "headphone"), ("de", "Pullover", "Pullovers"), ("fr", "chaussures", "chaussure"),
     ("es", "zapatillas", "zapatilla"), ("ar", "الكتان", "كتان"), ("ar", "والقهوة", "قهوة")],
)  # fmt: skip
def test_inflected_forms_share_a_stem(locale: str, a: str, b: str) -> None:
    assert analyse(a, locale).terms[0] == analyse(b, locale).terms[0]


def test_arabic_light_stemming_removes_article_conjunction_and_suffixes() -> None:
    assert arabic_light_stem(normalize("والكتاب")) == "كتاب"
    assert arabic_light_stem(normalize("سماعات")) == "سماع"
    assert arabic_light_stem("من") == "من"  # too short to strip


def test_hyphenated_words_are_also_indexed_joined() -> None:
    assert "tshirt" in analyse("Organic T-Shirt", "en").words


def test_german_compounds_yield_their_head_and_modifier() -> None:
    parts = compound_parts(analyse("Kaschmirpullover", "de").terms)
    assert {"kaschmir", "pullov"} <= set(parts)
    assert compound_parts(["tee"]) == []  # short words are not compounds


@pytest.mark.parametrize(
    ("name", "locale", "head"),
    [
        ("Walnut Headphone Stand", "en", "stand"),
        ("Rolltop Backpack in Recycled Nylon", "en", "backpack"),
        ("Support de casque en noyer", "fr", "support"),
        ("حامل سماعات رأس من خشب الجوز", "ar", "حامل"),
        ("胡桃木耳机支架", "zh-hans", "支架"),
        ("ウォールナット ヘッドホンスタンド", "ja", "すたんど"),
    ],
)
def test_head_term_is_what_the_product_is(name: str, locale: str, head: str) -> None:
    assert (
        head_term(name, locale) == analyse(head, locale).terms[0] if locale not in {"ja", "zh-hans"} else head
    )


def test_cjk_grams_are_characters_and_bigrams() -> None:
    assert cjk_grams("运动鞋") == ["运", "动", "鞋", "运动", "动鞋"]


@pytest.mark.parametrize(
    ("word", "budget"),
    [
        ("tee", 0),
        ("mugs", 0),
        ("jumpr", 1),
        ("pullover", 1),
        ("headphnes", 2),
        ("カシミヤカシミヤ", 0),
        ("10000", 0),
    ],
)
def test_typo_budget_follows_meilisearch(word: str, budget: int) -> None:
    assert typo_budget(word) == budget


def test_within_typos_counts_a_swap_as_one() -> None:
    assert within_typos("pullvoer", "pullover", 1)
    assert within_typos("pulover", "pullover", 1)
    assert not within_typos("plover", "pullover", 1)
    assert within_typos("plover", "pullover", 2)


@given(st.text(max_size=12), st.text(max_size=12))
def test_within_typos_is_symmetric(a: str, b: str) -> None:
    for budget in (0, 1, 2):
        assert within_typos(a, b, budget) == within_typos(b, a, budget)


def test_query_syntax_is_just_words() -> None:
    words = query_words('"cotton" OR linen* AND NOT wool:red <b>', limit=10)
    assert [w.norm for w in words] == ["cotton", "or", "linen", "and", "not", "wool", "red", "b"]
    assert [w.norm for w in words if w.optional] == ["or", "and"]


def test_a_query_of_stop_words_only_still_searches_them() -> None:
    assert [w.optional for w in query_words("the", limit=10)] == [False]


def test_only_the_word_being_typed_is_a_prefix() -> None:
    plan = plan_query("merino sca", "en", ["en"], prefix=True)
    assert [t.prefix for w in plan.words for t in w.locales["en"]] == [False, True]
    finished = plan_query("merino scarf ", "en", ["en"], prefix=True)
    assert not any(t.prefix for w in finished.words for t in w.locales["en"])


def test_typos_apply_only_in_the_words_own_script() -> None:
    plan = plan_query("cashmere", "en", ["en", "ja"], prefix=False)
    assert plan.words[0].locales["en"][0].typos == 1
    assert plan.words[0].locales["ja"][0].typos == 0


def test_highlight_segments_rebuild_the_text() -> None:
    plan = plan_query("kaschmir", "de", ["de"], prefix=False)
    segments = highlight("Damen-Kaschmirpullover mit V-Ausschnitt", Matcher(plan, "de"))
    assert segments == (("Damen-", False), ("Kaschmirpullover", True), (" mit V-Ausschnitt", False))


def test_snippet_cuts_around_the_first_match() -> None:
    text = "word " * 60 + "cashmere " + "tail " * 60
    cut = snippet(text, Matcher(plan_query("cashmere", "en", ["en"], prefix=False), "en"), width=60)
    assert cut is not None
    assert cut[0][0].startswith("…") and cut[-1][0].endswith("…")
    assert ("cashmere", True) in cut


@given(st.text(alphabet="abcé", max_size=8), st.text(alphabet="abcé", max_size=8))
def test_the_one_typo_shortcut_agrees_with_the_full_distance(a: str, b: str) -> None:
    from app.search.analysis import _one_edit

    if a != b and abs(len(a) - len(b)) <= 1:
        assert _one_edit(a, b) == (_osa(a, b) <= 1)
    for budget in (0, 1, 2):
        assert within_typos(a, b, budget) == (_osa(a, b) <= budget)


def _osa(a: str, b: str) -> int:
    """Reference optimal-string-alignment distance."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]
