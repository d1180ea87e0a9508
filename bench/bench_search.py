"""The embedded search engine at catalogue scale: full-index time and search latency.

Generates products with texts in all seven locales from the demo catalogue (each product mixes
a demo product's name and category with another's description, plus a model number and a colour,
so no two texts are alike), indexes them on disk, then times a mixed query set: the relevance
set's queries (every locale, typos, prefixes, compounds, cross-language), half of them with a
facet filter or a sort, and as-you-type suggestions.

    python bench/bench_search.py [--products 10000] [--rounds 3]
    python bench/bench_search.py --http [--seconds 10 --workers 2 --connections 32]

`--http` also serves the demo catalogue (221 products, production settings) and loads the
results page next to `/health` with wrk, rounds interleaved (the page maps hits to catalogue
products, so the generated products cannot be served).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.catalog.importer import read_demo_files  # noqa: E402
from app.search.documents import search_documents  # noqa: E402
from app.search.embedded import EmbeddedBackend  # noqa: E402
from app.search.model import LocalizedText, SearchDocument, SearchQuery, Sort  # noqa: E402
from tests.search.demo import catalog_from_data  # noqa: E402

COLOURS = ["navy", "black", "white", "grey", "red", "green", "sand", "olive"]
SIZES = ["xs", "s", "m", "l", "xl"]


def generate(count: int, seed: int = 1) -> list[SearchDocument]:
    categories, options, products = read_demo_files(ROOT / "data" / "demo")
    catalog, stock = catalog_from_data(categories, options, products)
    base = search_documents(catalog, stock)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for i in range(count):
        doc, other = base[i % len(base)], rng.choice(base)
        colour = rng.choice(COLOURS)
        texts = {}
        for locale, text in doc.texts.items():
            label = catalog.option_label("colour", colour, locale)
            texts[locale] = LocalizedText(
                name=f"{text.name} {label} {i:05d}",
                description=f"{text.description} {other.texts[locale].description}",
                categories=text.categories,
                options=(*text.options, label),
            )
        out.append(
            replace(
                doc,
                product_id=i + 1,
                code=f"G-{i:05d}",
                texts=texts,
                attributes=(f"colour:{colour}", f"size:{rng.choice(SIZES)}"),
                price_minor=rng.randint(500, 40_000),
                in_stock=rng.random() > 0.1,
                position=rng.randint(0, 100_000),
                created_at=now - timedelta(minutes=i),
            )
        )
    return out


def query_set() -> list[SearchQuery]:
    with (ROOT / "data" / "search" / "relevance.toml").open("rb") as file:
        entries = tomllib.load(file)["query"]
    queries = []
    for n, entry in enumerate(entries):
        plain = SearchQuery(text=entry["text"], locale=entry["locale"])
        queries.append(plain)
        variant = n % 4
        if variant == 0:
            queries.append(replace(plain, attributes=("colour:navy", "colour:black", "size:m")))
        elif variant == 1:
            queries.append(replace(plain, sort=Sort.PRICE_ASC, in_stock=True))
        elif variant == 2:
            queries.append(replace(plain, min_price_minor=1000, max_price_minor=9000, page=2))
    queries.append(SearchQuery(text="", locale="en"))  # browsing, every product
    return queries


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return (
        f"p50 {cuts[49]:6.2f} ms  p95 {cuts[94]:6.2f} ms  p99 {cuts[98]:6.2f} ms  max {max(samples):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--http", action="store_true", help="also the results page next to /health")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()

    documents = generate(args.products)
    with tempfile.TemporaryDirectory(prefix="storefront-bench-search-") as folder:
        backend = EmbeddedBackend(Path(folder))
        started, started_cpu = time.perf_counter(), time.process_time()
        backend.replace_all(documents)
        indexed, indexed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        print(
            f"full index of {args.products} products x 7 locales: {indexed:.1f} s (cpu {indexed_cpu:.1f} s)"
        )
        print(f"status: {backend.status().documents}")

        queries = query_set()
        for query in queries:  # warm up: caches, dictionaries, mmap
            backend.search(query)
        samples: list[float] = []
        cpu: list[float] = []  # this process's CPU time: what the engine costs, whatever else runs
        for _ in range(args.rounds):
            for query in queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                backend.search(query)
                samples.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
        print(f"search ({len(queries)} queries x {args.rounds} rounds, with facets): {percentiles(samples)}")
        print(f"  cpu time per search: {percentiles(cpu)}")

        typing: list[float] = []
        for entry in queries[:: max(1, len(queries) // 40)]:
            for end in range(1, min(len(entry.text), 8) + 1):
                started = time.perf_counter()
                backend.suggest(entry.text[:end], entry.locale)
                typing.append((time.perf_counter() - started) * 1000)
        print(f"suggest ({len(typing)} keystrokes): {percentiles(typing)}")
    if args.http:
        over_http(args)


# What the HTTP part loads: a plain query, a misspelt one with a facet, a cross-language one.
HTTP_PATHS = {
    "health": "/health",
    "search": "/en/search?q=linen+shirt",
    "typo+facet": "/de/search?q=kaschmir+pulover&in_stock=1",
    "cross-lang": "/en/search?q=%E3%83%86%E3%82%A3%E3%83%BC%E3%83%9D%E3%83%83%E3%83%88",
}


def over_http(args: argparse.Namespace) -> None:
    """The results page over HTTP next to /health, on a production-like demo server."""
    import os

    import httpx

    from bench.bench_pages import medians, prepare_database, run_rounds
    from tests.live_server import running_server

    with tempfile.TemporaryDirectory(prefix="storefront-bench-search-http-") as folder:
        env = {
            **os.environ,
            "APP_ENV": "production",
            "SECRET_KEY": "bench-" + "s" * 40,
            "COOKIE_SECURE": "false",  # plain http on loopback
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "VAR_DIR": folder,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "FX_MAX_AGE_HOURS": "0",  # the bundled snapshot's rates
            "LOG_LEVEL": "WARNING",
        }
        prepare_database(env)  # storefront init: demo catalogue and its search index
        with running_server(workers=args.workers, env=env) as base_url:
            for path in HTTP_PATHS.values():  # warm every worker
                for _ in range(args.workers * 20):
                    httpx.get(base_url + path).raise_for_status()
            results = run_rounds(base_url, HTTP_PATHS, args)
    health = medians(results["health"])[0]
    print(
        f"server: {args.workers} workers, APP_ENV=production, SQLite, embedded search on the demo "
        f"catalogue; {args.connections} connections, {args.rounds} x {args.seconds}s, interleaved"
    )
    print(f"{'endpoint':<12}{'path':<44}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs health':>11}")
    for name, path in HTTP_PATHS.items():
        rps, p50, p99 = medians(results[name])
        print(f"{name:<12}{path[:43]:<44}{rps:9.0f}{p50:9.1f}{p99:9.1f}{rps / health:10.2f}x")


if __name__ == "__main__":
    main()
