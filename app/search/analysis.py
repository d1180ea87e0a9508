"""Search text analysis per shop locale: folding, word segmentation, stemming, compounds. Pure functions.

Documents and queries go through the same functions, so whatever folding or stemming does to a
word, it does on both sides. Segmenters and stemmers are created lazily, one per thread (neither
Sudachi's tokenizer nor a Snowball stemmer may be shared between threads).
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import rjieba
import Stemmer

SNOWBALL = {"en": "english", "de": "german", "fr": "french", "es": "spanish"}
CJK_LOCALES = frozenset({"ja", "zh-hans"})
MAX_WORD_CHARS = 40  # longer "words" are noise (or an attack): never indexed, never searched
SUDACHI_CHUNK = 4000  # Sudachi refuses very long inputs; documents are cut at sentence ends
COMPOUND_MIN_CHARS = 7  # German words this long may be compounds (Kaschmir|pullover)
COMPOUND_PART_MIN = 3  # shortest head or modifier matched inside a compound (Tee in Kräutertee)

# Function words a query may drop: they never decide whether a product matches.
_STOP_WORDS = (
    "a an and the of for with in on to by or "
    "der die das den dem des ein eine einer und mit aus für von im in zu "
    "le la les l d un une des du de et en au aux à a pour avec sur par "
    "el los las lo un una unos unas y del de con para en por al "
    "の を に は が で と へ も や "
    "的 了 和 与 及 在 是 "
    "و في من على مع إلى عن"
)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(normalize(word) for word in _STOP_WORDS.split())


_KANA_MARKS = "\u3099\u309a"  # dakuten/handakuten: part of the kana (が ≠ か), never folded away
_ARABIC_FOLD = str.maketrans(
    {
        "ة": "ه",  # ta marbuta
        "ى": "ي",  # alef maqsura
        "ـ": None,  # tatweel (kashida): decoration only
        "ٱ": "ا",  # alef wasla
        "ی": "ي",  # Persian/Urdu yeh typed on such keyboards
        "ک": "ك",
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
# Katakana -> hiragana (half-width katakana is made full-width by NFKC first).
_KANA_FOLD = str.maketrans({chr(c): chr(c - 0x60) for c in range(0x30A1, 0x30F7)})
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_HAS_CJK = re.compile(f"[{_CJK}]")
_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_WORD = re.compile(r"[^\W_]+")
_HYPHENATED = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)+")  # t-shirt -> also "tshirt"


@lru_cache(maxsize=1)
def _marks() -> tuple[int, ...]:
    """Every non-spacing mark (a scan of all code points, once)."""
    return tuple(c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Mn")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int | str | None]:
    """One str.translate table over decomposed text: drop marks (keeping kana voicing), katakana
    to hiragana, Arabic letter variants (faster than a regex over the mark class: measured 3.5x)."""
    table: dict[int, int | str | None] = {c: None for c in _marks() if chr(c) not in _KANA_MARKS}
    table.update(_KANA_FOLD)
    table.update(_ARABIC_FOLD)
    return table


@lru_cache(maxsize=1)
def _source_word() -> re.Pattern[str]:
    """A word in text as written: letters and digits with their combining marks (مُعطف, cafe\u0301)."""
    ranges: list[list[int]] = []
    for code in _marks():
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    marks = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(rf"(?:[^\W_]|[{marks}])+")


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_fold_table()))


def normalize(text: str) -> str:
    """Fold what a shopper may type differently: width (NFKC), case, diacritics (é -> e, not kana
    voicing), katakana to hiragana, Arabic letter variants, tashkeel and tatweel. Idempotent."""
    if text.isascii():
        return text.lower()
    once = _normalize_once(text)
    # Rarely, folding exposes a character that folds again (NFKC after a mark is gone): settle it.
    for _ in range(3):
        if unicodedata.is_normalized("NFKC", once) and once == once.casefold():
            break
        once = _normalize_once(once)
    return once


@lru_cache(maxsize=200_000)
def normalize_token(token: str) -> str:
    """normalize() for a short token; cached because a catalogue repeats its vocabulary."""
    return normalize(token)


def has_cjk(text: str) -> bool:
    return _HAS_CJK.search(text) is not None


def is_arabic(word: str) -> bool:
    return _ARABIC_LETTER.search(word) is not None


def native_to(word: str, locale: str) -> bool:
    """Whether a word is in the locale's own script: typo tolerance and compounds apply only there."""
    if has_cjk(word):
        return locale in CJK_LOCALES
    if is_arabic(word):
        return locale == "ar"
    return locale in SNOWBALL


def typo_budget(word: str) -> int:
    """Typos tolerated in a query word, as Meilisearch: 1 from 5 characters, 2 from 9; none in
    numbers or CJK (a wrong ideograph is another word)."""
    if has_cjk(word) or any(ch.isdigit() for ch in word):
        return 0
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def within_typos(a: str, b: str, budget: int) -> bool:
    """Optimal-string-alignment distance(a, b) <= budget (a swap of neighbours is one typo)."""
    if abs(len(a) - len(b)) > budget:
        return False
    if a == b:
        return True
    if budget == 0:
        return False
    if budget == 1:
        return _one_edit(a, b)
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > budget:
            return False
        prev2, prev = prev, row
    return prev[-1] <= budget


def _one_edit(a: str, b: str) -> bool:
    """a and b (unequal, lengths within one) differ by one insertion, deletion, substitution or
    swap of neighbours: the linear-time check behind most typo tests."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        if a[start + 1 :] == b[start + 1 :]:
            return True  # one substitution
        return a[start : start + 2] == b[start : start + 2][::-1] and a[start + 2 :] == b[start + 2 :]
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return shorter[start:] == longer[start + 1 :]


# --- segmentation and stemming ----------------------------------------------------------------

_local = threading.local()


@lru_cache(maxsize=1)
def _sudachi_dictionary() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def _sudachi() -> Any:
    tokenizer = getattr(_local, "sudachi", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        # Only the fields read here: morphemes come out three times faster (measured).
        fields = {"pos", "normalized_form"}
        tokenizer = _local.sudachi = _sudachi_dictionary().tokenizer(mode=SplitMode.A, fields=fields)
    return tokenizer


@lru_cache(maxsize=1)
def _ja_skipped() -> Any:
    """Sudachi's matcher of the parts of speech that are never searched for."""
    return _sudachi_dictionary().pos_matcher(lambda pos: pos[0] in _JA_SKIP)


def _stemmer(locale: str) -> Any:
    stemmers: dict[str, Any] = _local.__dict__.setdefault("stemmers", {})
    if locale not in stemmers:
        stemmers[locale] = Stemmer.Stemmer(SNOWBALL[locale])
    return stemmers[locale]


# Particles, auxiliaries, punctuation and spaces carry no meaning a shopper searches for.
_JA_SKIP = frozenset({"助詞", "助動詞", "補助記号", "空白"})
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


@lru_cache(maxsize=100_000)
def arabic_light_stem(word: str) -> str:
    """Larkey's light10 stemmer on folded Arabic (ة is already ه): the conjunction و, the article
    and its fused prepositions, then common suffixes. Snowball's Arabic stemmer was measured on the
    demo texts and rejected: it stems الكتان and كتان (linen) apart."""
    if len(word) >= 4 and word.startswith("و"):
        word = word[1:]
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


def _sudachi_chunks(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    while start < len(text):
        end = min(len(text), start + SUDACHI_CHUNK)
        if end < len(text):
            cut = max(text.rfind(mark, start, end) for mark in "。\n ．!?")
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def _ja_morphemes(text: str) -> tuple[int, list[tuple[int, int, str, str]]]:
    """How many morphemes Sudachi (split mode A) found, and (start, end, surface, dictionary form)
    of the content ones."""
    tokenizer, skipped = _sudachi(), _ja_skipped()
    count, content = 0, []
    for offset, chunk in _sudachi_chunks(text):
        for m in tokenizer.tokenize(chunk):
            count += 1
            if not skipped(m):
                content.append((offset + m.begin(), offset + m.end(), m.surface(), m.normalized_form()))
    return count, content


_HIRAGANA_ONLY = re.compile("[\u3041-\u309fー]+")
_TO_KATAKANA = str.maketrans({chr(c): chr(c + 0x60) for c in range(0x3041, 0x3097)})


def _ja_query_morphemes(word: str) -> list[tuple[int, int, str, str]]:
    """A hiragana query may be a loanword typed without converting it (すにーかー): Sudachi reads
    it as particles. Its katakana spelling is tried too; the reading with fewer morphemes wins."""
    count, content = _ja_morphemes(word)
    if _HIRAGANA_ONLY.fullmatch(word) and word != (katakana := word.translate(_TO_KATAKANA)):
        other_count, other = _ja_morphemes(katakana)
        if other_count < count:
            return other
    return content


@dataclass(frozen=True, slots=True)
class Span:
    """A word as written in the source text (offsets into it), with its search forms."""

    start: int
    end: int
    word: str  # folded, unstemmed: prefix matching, spelling suggestions, highlights
    term: str  # folded and stemmed (or the dictionary form): what matching compares


_USABLE = re.compile(rf"(?=\S*[^\W_])\S{{1,{MAX_WORD_CHARS}}}")  # no space, a letter or digit, not too long


def _usable(word: str) -> bool:
    return _USABLE.fullmatch(word) is not None


def source_words(text: str) -> Iterator[re.Match[str]]:
    """Words as written (letters and digits with their marks), for word-based locales."""
    return _source_word().finditer(text)


def word_span(raw: str, locale: str) -> Span | None:
    """One written word of a word-based locale as a Span (offsets 0), or None if unusable."""
    word = normalize_token(raw)
    return Span(0, len(raw), word, stem_words([word], locale)[0]) if _usable(word) else None


def spans(text: str, locale: str, *, query: bool = False) -> list[Span]:
    """The words of `text` in a locale's analysis, with offsets into the text as written.

    Japanese: Sudachi morphemes (mode A, the finest: ランニング|シューズ), Sudachi's normalised
    form as the term (カシミヤ and カシミア meet). Chinese: jieba; documents in its search mode,
    which adds the words inside long words (双肩|双肩包), queries in its precise mode.
    Others: letters-and-digits words, Snowball stems (light10 for Arabic)."""
    if locale == "ja":
        out = []
        for start, end, surface, lemma in _ja_query_morphemes(text) if query else _ja_morphemes(text)[1]:
            word = normalize_token(surface)
            if _usable(word):
                out.append(Span(start, end, word, normalize_token(lemma) or word))
        return out
    if locale == "zh-hans":
        out = []
        for token, start, end in rjieba.tokenize(text, mode="default" if query else "search", hmm=True):
            word = normalize_token(token)
            if _usable(word):
                out.append(Span(start, end, word, word))
        return out
    found = [(m.start(), m.end(), normalize_token(m.group())) for m in _source_word().finditer(text)]
    kept = [(s, e, w) for s, e, w in found if _usable(w)]
    terms = stem_words([w for _, _, w in kept], locale)
    return [Span(s, e, w, t) for (s, e, w), t in zip(kept, terms, strict=True)]


def stem_words(words: list[str], locale: str) -> list[str]:
    if locale in SNOWBALL:
        stems: list[str] = _stemmer(locale).stemWords(words)
        return stems
    if locale == "ar":
        return [arabic_light_stem(w) for w in words]
    return words


@dataclass(frozen=True)
class Analysed:
    """What the index stores for one text field in one locale."""

    terms: tuple[str, ...]  # stemmed: BM25 matching
    words: tuple[str, ...]  # folded surface words and hyphen-joined forms: exact, prefix, typos


def _cjk_tokens(text: str, locale: str) -> list[tuple[int, str, str]]:
    """(start, word, term) of a CJK-locale text, index side (no Span objects: this is the hot path)."""
    if locale == "ja":
        found = [
            (start, normalize_token(surface), lemma) for start, _, surface, lemma in _ja_morphemes(text)[1]
        ]
        return [(start, w, normalize_token(lemma) or w) for start, w, lemma in found if _usable(w)]
    tokens = rjieba.tokenize(text, mode="search", hmm=True)
    return [(start, w, w) for token, start, _ in tokens if _usable(w := normalize_token(token))]


def analyse(text: str, locale: str) -> Analysed:
    """Index-side analysis of one field. Word-based locales fold the whole text first and find
    words in it (fast: C-level regex and translate); CJK locales segment the text as written."""
    if locale in CJK_LOCALES:
        found = _cjk_tokens(text, locale)
        return Analysed(tuple(term for _, _, term in found), tuple(word for _, word, _ in found))
    folded = normalize(text)
    words = [w for w in _WORD.findall(folded) if len(w) <= MAX_WORD_CHARS]
    joined = (
        [j for m in _HYPHENATED.findall(folded) if _usable(j := re.sub("[-‐‑]", "", m))]
        if "-" in folded
        else []
    )
    return Analysed(tuple(stem_words(words + joined, locale)), tuple(words + joined))


def analyse_name(name: str, locale: str) -> tuple[Analysed, str | None]:
    """A product name's analysis and its head term (see head_term), from one segmentation."""
    if locale not in CJK_LOCALES:
        return analyse(name, locale), head_term(name, locale)
    found = _cjk_tokens(name, locale)
    cut = _QUALIFIERS.search(name)
    heads = [t for start, w, t in found if (not cut or start < cut.start()) and _could_be_head(w, locale)]
    analysed = Analysed(tuple(term for _, _, term in found), tuple(word for _, word, _ in found))
    return analysed, heads[-1] if heads else None


# Where a product name's head noun sits: "Walnut Headphone Stand" is a stand, "Support de casque"
# a support, "حامل سماعات" a holder, "耳机支架" a stand. Text after these markers only qualifies it.
_HEAD_LAST = frozenset({"en", "de", "ja", "zh-hans"})
_QUALIFIERS = re.compile(r"[,(（，、:：]| (?:with|for|in|from|aus|mit|für|im|in|von) ", re.IGNORECASE)


def head_term(name: str, locale: str) -> str | None:
    """The term of a product name's head noun (what the product is), by the locale's word order:
    the last word of the main phrase in English, German, Japanese and Chinese, the first in
    French, Spanish and Arabic. A heuristic that lets a search for "headphones" rank headphones
    above headphone stands; numbers, single letters and Latin words in CJK names are never heads."""
    main = _QUALIFIERS.split(name, maxsplit=1)[0] or name
    terms = [s.term for s in spans(main, locale) if _could_be_head(s.word, locale)]
    if not terms:
        return None
    return terms[-1] if locale in _HEAD_LAST else terms[0]


def _could_be_head(word: str, locale: str) -> bool:
    # Numbers and letters are sizes and models; "TPE" in a Japanese name is a material.
    return (
        len(word) > 1
        and not any(ch.isdigit() for ch in word)
        and (locale not in CJK_LOCALES or has_cjk(word))
    )


def compound_parts(terms: tuple[str, ...] | list[str]) -> list[str]:
    """Heads and modifiers inside long (German) words: every prefix and suffix of at least
    COMPOUND_PART_MIN letters. 'kaschmirpullov' yields 'kaschmir' and 'pullov', so the query
    'kaschmir pullover' finds 'Kaschmirpullover' and 'Pullover' finds 'Rundhalspullover'.
    Measured on the demo catalogue, 20 German head nouns (Jacke, Kerze, Tasche, Uhr...): products
    whose name holds the word found 63% -> 95%; share of hits holding it 52% -> 56% (parts are
    matched exactly: with typo tolerance on parts that share fell to 38%). Character n-grams
    would match across part boundaries; a dictionary decompounder needs a German lexicon."""
    parts: list[str] = []
    for term in terms:
        if len(term) < COMPOUND_MIN_CHARS or not term.isalpha():
            continue
        for cut in range(COMPOUND_PART_MIN, len(term) - COMPOUND_PART_MIN + 1):
            parts.append(term[:cut])
            parts.append(term[cut:])
    return parts


def cjk_grams(text: str) -> list[str]:
    """Single characters and bigrams of each CJK run, folded: a fallback match when a query is
    segmented differently from the text (hiragana typed for katakana, a word inside a compound)."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(normalize(text)):
        grams.extend(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def query_grams(word: str) -> list[str]:
    """The grams a CJK query word must contain, in order (one character: itself)."""
    runs = _CJK_RUN.findall(normalize(word))
    run = max(runs, key=len) if runs else ""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


@dataclass(frozen=True)
class QueryWord:
    """One word of the shopper's query, as typed and folded."""

    surface: str
    norm: str
    optional: bool  # a stop word: it may add to the score, never required


def query_words(text: str, limit: int) -> list[QueryWord]:
    """The query's words, locale-independent (each locale analyses them its own way later).
    A CJK run is one word here; Sudachi or jieba segment it per locale."""
    out: list[QueryWord] = []
    for match in _source_word().finditer(text):
        norm = normalize(match.group())
        if not _usable(norm):
            continue
        single_kana = len(norm) == 1 and "\u3040" <= norm <= "\u309f"
        out.append(QueryWord(match.group(), norm, norm in stop_words() or single_kana))
        if len(out) == limit:
            break
    if out and all(w.optional for w in out):  # "the" alone: search for it after all
        out = [QueryWord(w.surface, w.norm, False) for w in out]
    return out
