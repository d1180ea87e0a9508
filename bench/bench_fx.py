"""How much of a page's time goes to FX: a 48-product listing priced in 10 currencies.

In-process: conversions per second (in Decimal, and through the conversion memo), and the share
of a category page render spent inside the pricer, measured by clocking the pricer's entry points
during real renders. Through HTTP: the same page with the page cache off, in the shop currency
(no conversion) and in nine others, interleaved rounds, medians.

    python bench/bench_fx.py [--seconds 5] [--rounds 3] [--workers 2] [--connections 16] [--no-http]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CURRENCIES = [
    ("DE", "EUR"), ("US", "USD"), ("GB", "GBP"), ("JP", "JPY"), ("CH", "CHF"),
    ("KW", "KWD"), ("CN", "CNY"), ("KR", "KRW"), ("AU", "AUD"), ("SE", "SEK"),
]  # fmt: skip


def setup_environment() -> dict[str, str]:
    workdir = Path(tempfile.mkdtemp(prefix="storefront-bench-fx-"))
    os.environ.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "bench-" + "s" * 40,
            "COOKIE_SECURE": "false",
            "PUBLIC_BASE_URL": "http://127.0.0.1",  # required in production
            "VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "PAGE_SIZE": "48",
            "PAGE_CACHE_PAGES": "0",  # every request renders: the cost FX adds is visible
            "FX_MAX_AGE_HOURS": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    subprocess.run([sys.executable, "-m", "app.cli", "init"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return dict(os.environ)


def in_process(seconds: float) -> dict[str, float]:
    from app.catalog.rules import Page
    from app.catalog.services import load_catalog
    from app.fx.services import FxCache
    from app.i18n.locales import LOCALES
    from app.markets import rules as pricing
    from app.markets.data import market_set
    from app.web.pages import PageMeta, render

    async def load() -> tuple[Any, Any]:
        return await load_catalog(), await FxCache().get()

    catalog, rates = asyncio.run(load())
    top = catalog.top_categories[0]
    products = [catalog.products[pid] for pid in catalog.products_in_category[top.id]][:48]
    variants = [v for p in products for v in p.variants]
    available = ["EUR", *rates.rates]

    def pricer(country: str, currency: str) -> pricing.Pricer:
        presentment = pricing.resolve_presentment(
            market_set(),
            chosen_country=country,
            chosen_currency=currency,
            region_hint=None,
            available=available,
        )
        return pricing.Pricer(presentment, rates, catalog.price_overrides)

    def conversions_per_second(cold: bool) -> float:
        """Every variant's price in 9 currencies; cold: the memo emptied before each one."""
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for country, currency in CURRENCIES[1:]:
                fresh = pricer(country, currency)
                for variant in variants:
                    if cold:
                        for memo in fresh._memos.values():
                            memo.clear()
                    fresh.price(variant.id, variant.price_minor, variant.currency)
                done += len(variants)
        return done / (time.perf_counter() - started)

    context = {
        "category": top,
        "products": products,
        "stock": {},
        "page": Page(1, 48, len(products)),
        "sort": "featured",
        "sorts": ("featured",),
        "trail": [top],
    }

    def render_seconds(country: str, currency: str, cold: bool) -> float:
        if cold:
            pricing.forget_conversions()
        began = time.perf_counter()
        render(
            "http://127.0.0.1",
            LOCALES["en"],
            "category.html",
            context,
            PageMeta(title="bench"),
            catalog,
            pricer(country, currency),
        )
        return time.perf_counter() - began

    spent = [0.0]

    def clocked(method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, *args: Any) -> Any:
            began = time.perf_counter()
            try:
                return method(self, *args)
            finally:
                spent[0] += time.perf_counter() - began

        return wrapper

    figures = {
        "cold_rate": conversions_per_second(cold=True),
        "warm_rate": conversions_per_second(cold=False),
    }
    originals = (pricing.Pricer.price, pricing.Pricer.from_price)
    pricing.Pricer.price, pricing.Pricer.from_price = clocked(originals[0]), clocked(originals[1])  # type: ignore[method-assign]
    euro: list[float] = []
    shares: dict[bool, list[float]] = {False: [], True: []}
    try:
        # Warm: the memo holds every price (the steady state between rate changes). Cold: emptied
        # before each render (the first render after new rates). Separate passes, so neither
        # leaks into the other.
        for cold in (False, True):
            for _ in range(100):
                for country, currency in CURRENCIES:
                    spent[0] = 0.0
                    total = render_seconds(country, currency, cold)
                    if currency == "EUR":
                        euro.append(total)
                    else:
                        shares[cold].append(spent[0] / total)
    finally:
        pricing.Pricer.price, pricing.Pricer.from_price = originals  # type: ignore[method-assign]
    figures.update(
        render_ms=statistics.median(euro) * 1000,
        warm_share=statistics.median(shares[False]),
        cold_share=statistics.median(shares[True]),
    )
    return figures


def over_http(
    env: dict[str, str], seconds: int, workers: int, connections: int, rounds: int
) -> dict[str, float]:
    """Median req/s per currency; rounds interleave the currencies so machine noise hits all alike."""
    import httpx

    from bench.bench_pages import load
    from tests.live_server import running_server

    results: dict[str, list[float]] = {currency: [] for _, currency in CURRENCIES}
    with running_server(workers=workers, env=env) as base_url:
        category = re.search(r'href="(/en/c/[^"]+)"', httpx.get(f"{base_url}/en/").text).group(1)  # type: ignore[union-attr]
        for country, currency in CURRENCIES:  # warm every worker's templates and memos
            for _ in range(workers * 20):
                cookie = f"country={country}; currency={currency}"
                httpx.get(base_url + category, headers={"Cookie": cookie}).raise_for_status()
        for _ in range(rounds):
            for country, currency in CURRENCIES:
                cookie = f"country={country}; currency={currency}"
                rps = load(base_url + category, connections, seconds, cookie=cookie)[0]
                results[currency].append(rps)
    return {currency: statistics.median(values) for currency, values in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-http", action="store_true", help="only the in-process figures")
    args = parser.parse_args()
    env = setup_environment()
    figures = in_process(args.seconds)
    print(
        f"in-process: {figures['cold_rate']:,.0f} conversions/s computed in Decimal, "
        f"{figures['warm_rate']:,.0f}/s through the conversion memo "
        "(9 currencies, every variant of 48 products)"
    )
    print(
        f"in-process: the 48-product category page renders in {figures['render_ms']:.2f} ms (EUR, median); "
        f"in the 9 other currencies the pricer takes {figures['warm_share'] * 100:.1f} % of the render time "
        f"({figures['cold_share'] * 100:.1f} % with an empty memo); medians of 100 renders per currency"
    )
    if args.no_http:
        return 0
    http = over_http(env, args.seconds, args.workers, args.connections, args.rounds)
    base = http.pop("EUR")
    print(
        f"\nHTTP, page cache off, {args.workers} workers, {args.connections} connections, "
        f"median of {args.rounds} interleaved {args.seconds}s rounds (noisier than in-process):"
    )
    print(f"  EUR (no conversion)  {base:8.0f} req/s")
    for currency, rps in http.items():
        print(f"  {currency:<20} {rps:8.0f} req/s  ({(1 - rps / base) * 100:+5.1f} % page time vs EUR)")
    extra = statistics.median(1 - r / base for r in http.values())
    print(f"\nmedian extra page time in a foreign currency over HTTP: {extra * 100:.1f} %")
    target = "met" if figures["warm_share"] < 0.05 else "NOT met"
    print(f"target (FX < 5 % of page time, in-process measurement): {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
