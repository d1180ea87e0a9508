"""Relevance: the checked-in query set (data/search/relevance.toml) against the demo catalogue.

Prints precision@3 and MRR per locale and overall (`pytest -s` shows them) and fails under the
thresholds below.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from statistics import mean

from app.core.settings import PROJECT_ROOT
from app.i18n.locales import LOCALES
from app.search.model import SearchBackend, SearchQuery
from tests.search.demo import ids_by_code

RELEVANCE_FILE = PROJECT_ROOT / "data" / "search" / "relevance.toml"

# Thresholds. The embedded engine measures P@3 0.988 and MRR 1.000 overall, every locale at
# P@3 >= 0.97 (the set is also what its weights were tuned on, so these are optimistic). Set with
# room for honest differences between backends and catalogue edits, but not for a lost feature:
# - overall P@3 0.90 / MRR 0.95: one expected product missing from the top three in about one
#   query in ten, and the first expected hit below rank one only rarely.
# - per locale P@3 0.80 / MRR 0.85: a locale has 11-16 queries, so each bad query costs it about
#   0.06-0.09; a locale below these has lost more than two queries, i.e. a whole feature (its
#   segmenter, stemmer or folding), which is what this test is for.
MIN_PRECISION = 0.90
MIN_MRR = 0.95
MIN_LOCALE_PRECISION = 0.80
MIN_LOCALE_MRR = 0.85
DEPTH = 10  # MRR looks this deep; a first expected hit further down counts 0


@dataclass(frozen=True)
class Judged:
    locale: str
    text: str
    precision: float
    reciprocal_rank: float
    top: tuple[str, ...]


def relevance_queries() -> list[dict[str, object]]:
    with RELEVANCE_FILE.open("rb") as file:
        queries: list[dict[str, object]] = tomllib.load(file)["query"]
    return queries


def judge(backend: SearchBackend, entry: dict[str, object]) -> Judged:
    codes = {pid: code for code, pid in ids_by_code().items()}
    expected = set(entry["expect"])  # type: ignore[call-overload]
    locale, text = str(entry["locale"]), str(entry["text"])
    results = backend.search(SearchQuery(text=text, locale=locale, per_page=DEPTH))
    ranked = [codes.get(hit.product_id, "?") for hit in results.hits]
    precision = sum(code in expected for code in ranked[:3]) / min(3, len(expected))
    rank = next((i for i, code in enumerate(ranked, 1) if code in expected), None)
    return Judged(locale, text, precision, 1 / rank if rank else 0.0, tuple(ranked[:3]))


def test_the_set_covers_every_locale() -> None:
    queries = relevance_queries()
    assert len(queries) >= 60
    assert {q["locale"] for q in queries} == set(LOCALES)
    known = ids_by_code()
    assert all(code in known for q in queries for code in q["expect"])  # type: ignore[attr-defined]


def test_relevance(catalogue: SearchBackend) -> None:
    judged = [judge(catalogue, entry) for entry in relevance_queries()]
    by_locale: dict[str, list[Judged]] = defaultdict(list)
    for item in judged:
        by_locale[item.locale].append(item)
    print(f"\nrelevance of the {catalogue.name} backend ({len(judged)} queries)")
    print(f"{'locale':8} {'queries':>7} {'P@3':>6} {'MRR':>6}")
    for locale in LOCALES:
        items = by_locale[locale]
        print(
            f"{locale:8} {len(items):7} {mean(i.precision for i in items):6.3f}"
            f" {mean(i.reciprocal_rank for i in items):6.3f}"
        )
    overall_p, overall_mrr = mean(i.precision for i in judged), mean(i.reciprocal_rank for i in judged)
    print(f"{'overall':8} {len(judged):7} {overall_p:6.3f} {overall_mrr:6.3f}")
    for item in judged:
        if item.precision < 1:
            print(f"  below 1: [{item.locale}] {item.text!r} P@3={item.precision:.2f} top={item.top}")
    assert overall_p >= MIN_PRECISION
    assert overall_mrr >= MIN_MRR
    for locale, items in by_locale.items():
        assert mean(i.precision for i in items) >= MIN_LOCALE_PRECISION, locale
        assert mean(i.reciprocal_rank for i in items) >= MIN_LOCALE_MRR, locale
