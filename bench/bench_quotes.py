"""Benchmark the landed-cost quote: in-process quotes/s, and POST /api/v1/quotes next to /health.

In-process (one process, one core): 20 destinations, a 3-line basket each (mixed HS codes and tax
classes, some consignments under the low-value thresholds and some over), priced with
`app.tax.rules.quote_landed_cost` over the real data/tax/ tables and a fixed rate table. After a
warm-up, each round times a batch of quotes per destination, interleaved; the figures are medians
of the rounds. The target is 20,000 quotes/s; when it is missed the engine is profiled (cProfile)
and the hottest functions are printed.

HTTP (unless --no-http): the real server (`storefront serve`, APP_ENV=production, an empty
database made by `app.cli init --no-demo`, so the bundled snapshot rates), loaded with wrk at 32
connections: GET /health and POST /api/v1/quotes (the same 20 baskets in turn, as JSON), rounds
interleaved so machine noise hits both alike; medians of the rounds.

    python bench/bench_quotes.py [--rounds 3] [--seconds 10] [--connections 32] [--workers 2]
    python bench/bench_quotes.py --no-http [--quote-rounds 7] [--batch 200]
    python bench/bench_quotes.py --no-http --against HEAD   # old and new engine, rounds alternating

--against GIT_REF also times app/tax as committed at GIT_REF (extracted with `git archive` into a
temporary package), its rounds alternating with the working tree's so that machine noise hits both
alike, and checks that both give the same JSON answer for every basket.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import importlib
import io
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.fx.rules import Rate, RateTable, make_table  # noqa: E402
from app.tax.contract import shipment_from_json  # noqa: E402
from app.tax.data import tax_tables  # noqa: E402
from app.tax.model import Shipment  # noqa: E402
from app.tax.rules import quote_landed_cost  # noqa: E402
from app.tax.services import quote_json  # noqa: E402
from bench.bench_pages import wrk_figures  # noqa: E402

TARGET_PER_SECOND = 20_000

# Units per EUR (as in tests/unit/test_tax_builders.py): every destination and threshold currency.
PER_EUR = {
    "USD": "1.25",
    "GBP": "0.9",
    "CHF": "0.95",
    "NOK": "12",
    "AUD": "1.6",
    "NZD": "2",
    "SGD": "1.5",
    "CAD": "1.6",
    "JPY": "160",
    "KRW": "1500",
    "CNY": "8",
    "PLN": "4",
    "RON": "5",
    "SEK": "11",
    "CZK": "25",
    "HUF": "400",
    "DKK": "7.5",
    "BGN": "1.95583",
}


def bench_rates() -> RateTable:
    now = datetime.now(UTC)
    return make_table(
        "EUR", [Rate(c, Decimal(v), "bench rates", now.date(), now) for c, v in PER_EUR.items()]
    )


def _line(
    description: str,
    hs_code: str,
    unit_value: str,
    quantity: int = 1,
    *,
    origin: str = "CN",
    tax_class: str = "standard",
    duty_rate: str | None = None,
) -> dict[str, Any]:
    return {
        "description": description,
        "hs_code": hs_code,
        "origin": origin,
        "unit_value": unit_value,
        "quantity": quantity,
        "weight_kg": "0.3",
        "tax_class": tax_class,
        "duty_rate": duty_rate,
    }


def _basket(
    destination: str,
    lines: list[dict[str, Any]],
    *,
    registrations: list[str],
    currency: str = "EUR",
    shipping: str = "9.90",
    ship_from: str = "CN",
    region: str | None = None,
    kind: str = "B2C_sale",
    channel: str | None = None,
) -> dict[str, Any]:
    """A quote request body (the API's JSON contract), so the HTTP part sends the same baskets."""
    return {
        "ship_from": ship_from,
        "destination": destination,
        "destination_region": region,
        "seller_registrations": registrations,
        "shipment_kind": kind,
        "channel": channel,
        "currency": currency,
        "shipping_charged": shipping,
        "shipping_included_in_price": False,
        "lines": lines,
    }


def _eu(destination: str, values: tuple[str, str, str], quantities: tuple[int, int, int] = (1, 1, 1)) -> dict:
    """T-shirt (duty table row), book (books tax class, duty 0) and a toy (no table row: a duty_rate)."""
    shirt, book, toy = values
    q1, q2, q3 = quantities
    lines = [
        _line("cotton T-shirt", "610910", shirt, q1),
        _line("paperback", "490199", book, q2, tax_class="books"),
        _line("plastic toy", "950300", toy, q3, duty_rate="4.7"),
    ]
    return _basket(destination, lines, registrations=["IOSS"])


def baskets() -> dict[str, dict[str, Any]]:
    """20 destinations, 3 lines each; roughly half under the destination's low-value threshold."""
    return {
        # EU: IOSS under EUR 150 (VAT at checkout, flat duty per item), import VAT + duty above
        "DE": _eu("DE", ("19.90", "12.50", "24.00")),  # 56.40: under 150
        "FR": _eu("FR", ("89.00", "35.00", "60.00")),  # 184: over
        "IT": _eu("IT", ("15.00", "9.99", "30.00"), (2, 1, 1)),  # 69.99: under
        "ES": _eu("ES", ("45.00", "22.00", "70.00"), (2, 1, 1)),  # 182: over
        "NL": _eu("NL", ("29.00", "14.00", "39.00")),  # 82: under
        "PL": _eu("PL", ("120.00", "18.00", "55.00")),  # 193: over
        "SE": _eu("SE", ("25.00", "11.00", "19.00"), (1, 3, 1)),  # 77: under
        "AT": _eu("AT", ("79.00", "40.00", "99.00")),  # 218: over
        "IE": _eu("IE", ("35.00", "16.00", "45.00")),  # 96: under
        "GB": _basket(  # GBP 90.9 under GBP 135: UK VAT at checkout
            "GB",
            [
                _line("cotton T-shirt", "610910", "40.00"),
                _line("hardback", "490199", "25.00", tax_class="books"),
                _line("plastic toy", "950300", "36.00", duty_rate="0"),
            ],
            registrations=["UK_VAT"],
        ),
        "NO": _basket(  # one line over NOK 3,000 (import), two under (VOEC)
            "NO",
            [
                _line("cotton T-shirt", "610910", "30.00", 2),
                _line("wool coat", "610990", "320.00", duty_rate="10.7"),
                _line("paperback", "490199", "14.00", tax_class="books"),
            ],
            registrations=["VOEC"],
        ),
        "CH": _basket(  # CHF: import VAT above the CHF 5 minimum, no industrial duty
            "CH",
            [
                _line("cotton T-shirt", "610910", "60.00"),
                _line("paperback", "490199", "22.00", tax_class="books"),
                _line("plastic toy", "950300", "95.00"),
            ],
            currency="CHF",
            registrations=[],
        ),
        "AU": _basket(  # every item under AUD 1,000: GST at checkout
            "AU",
            [
                _line("cotton T-shirt", "610910", "45.00", 2),
                _line("paperback", "490199", "20.00"),
                _line("plastic toy", "950300", "150.00"),
            ],
            registrations=["AU_GST"],
        ),
        "NZ": _basket(  # one item over NZD 1,000: import; the rest GST at checkout
            "NZ",
            [
                _line("cotton T-shirt", "610910", "35.00"),
                _line("paperback", "490199", "18.00"),
                _line("drone", "880240", "650.00", duty_rate="0"),
            ],
            registrations=["NZ_GST"],
        ),
        "SG": _basket(  # SGD, all items under SGD 400: GST under the OVR regime
            "SG",
            [
                _line("cotton T-shirt", "610910", "49.00"),
                _line("paperback", "490199", "28.00"),
                _line("headphones", "851830", "189.00"),
            ],
            currency="SGD",
            registrations=["SG_OVR"],
        ),
        "CA": _basket(  # Ontario by courier, over CAD 20: duty, GST/HST on delivery
            "CA",
            [
                _line("cotton T-shirt", "610910", "40.00"),
                _line("paperback", "490199", "20.00", tax_class="books", duty_rate="0"),
                _line("plastic toy", "950300", "55.00", duty_rate="0"),
            ],
            region="ON",
            channel="courier",
            registrations=[],
        ),
        "US": _basket(  # USD to New York, no de minimis: duty, MPF, NY sales tax at checkout
            "US",
            [
                _line("cotton T-shirt", "610910", "30.00", 2),
                _line("paperback", "490199", "18.00", tax_class="books"),
                _line("plastic toy", "950300", "65.00", duty_rate="0"),
            ],
            currency="USD",
            shipping="15.00",
            region="NY",
            registrations=["US_SALES_TAX:NY"],
        ),
        "JP": _basket(  # JPY over the JPY 10,000 exemption: duty and consumption tax
            "JP",
            [
                _line("cotton T-shirt", "610910", "4500"),
                _line("rain jacket", "621040", "12800"),
                _line("plastic toy", "950300", "3200"),
            ],
            currency="JPY",
            shipping="1500",
            registrations=[],
        ),
        "KR": _basket(  # USD under the USD 150 list clearance
            "KR",
            [
                _line("cotton T-shirt", "610910", "25.00"),
                _line("paperback", "490199", "15.00"),
                _line("phone case", "392690", "40.00"),
            ],
            currency="USD",
            registrations=[],
        ),
        "CN": _basket(  # CBEC in CNY, under the CNY 5,000 transaction limit
            "CN",
            [
                _line("cotton T-shirt", "610910", "399.00", origin="JP"),
                _line("face cream", "330499", "880.00", origin="FR"),
                _line("baby formula", "190110", "620.00", origin="NZ", tax_class="food"),
            ],
            currency="CNY",
            shipping="60.00",
            ship_from="HK",
            kind="CBEC",
            registrations=[],
        ),
    }


# ---------------------------------------------------------------- in-process


def check_baskets(bodies: dict[str, dict[str, Any]], rates: RateTable, today: date) -> dict[str, str]:
    """Every basket quotes without a QuoteError; the regime that decided each one (by destination)."""
    tables = tax_tables()
    regimes = {}
    for name, body in bodies.items():
        quote = quote_landed_cost(shipment_from_json(body), tables, rates, today)
        assert quote.destination == name and len(body["lines"]) == 3, name
        regimes[name] = quote.regime
    return regimes


def time_quotes(
    shipments: dict[str, Shipment], rates: RateTable, today: date, rounds: int, batch: int
) -> tuple[list[float], dict[str, list[float]]]:
    """Per round: quotes/s over all destinations; per destination: µs per quote in each round."""
    tables = tax_tables()
    totals: list[float] = []
    per_destination: dict[str, list[float]] = {name: [] for name in shipments}
    for _ in range(rounds):
        elapsed_round = 0.0
        for name, shipment in shipments.items():
            started = time.perf_counter()
            for _ in range(batch):
                quote_landed_cost(shipment, tables, rates, today)
            elapsed = time.perf_counter() - started
            elapsed_round += elapsed
            per_destination[name].append(elapsed / batch * 1e6)
        totals.append(len(shipments) * batch / elapsed_round)
    return totals, per_destination


def time_json_quotes(bodies: dict[str, dict[str, Any]], rates: RateTable, today: date, batch: int) -> float:
    """Quotes/s through app.tax.services.quote_json (JSON in, JSON out, messages untranslated)."""
    started = time.perf_counter()
    for body in bodies.values():
        for _ in range(batch):
            quote_json(body, rates, (), today)  # every body names its registrations
    return len(bodies) * batch / (time.perf_counter() - started)


def profile_quotes(shipments: dict[str, Shipment], rates: RateTable, today: date, top: int, sort: str) -> str:
    tables = tax_tables()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        for shipment in shipments.values():
            quote_landed_cost(shipment, tables, rates, today)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return "\n".join(line for line in lines[start:] if line.strip())


def in_process(args: argparse.Namespace, bodies: dict[str, dict[str, Any]]) -> bool:
    rates = bench_rates()
    today = datetime.now(UTC).date()
    regimes = check_baskets(bodies, rates, today)
    shipments = {name: shipment_from_json(body) for name, body in bodies.items()}
    time_quotes(shipments, rates, today, rounds=2, batch=max(1, args.batch // 4))  # warm-up
    totals, per_destination = time_quotes(shipments, rates, today, args.quote_rounds, args.batch)
    per_second = statistics.median(totals)
    json_per_second = time_json_quotes(bodies, rates, today, max(1, args.batch // 2))
    print(
        f"in-process: {len(shipments)} destinations x 3-line baskets, quote date {today}, "
        f"{args.quote_rounds} rounds x {args.batch} quotes per destination, single process"
    )
    print(
        f"  quote_landed_cost: {per_second:9.0f} quotes/s median "
        f"(rounds {min(totals):.0f}-{max(totals):.0f}), {1e6 / per_second:.1f} µs/quote"
    )
    print(f"  quote_json (JSON in/out, as the API): {json_per_second:9.0f} quotes/s")
    print("  regimes: " + ", ".join(f"{name} {regime}" for name, regime in regimes.items()))
    medians = {name: statistics.median(values) for name, values in per_destination.items()}
    ranked = sorted(medians.items(), key=lambda item: item[1], reverse=True)
    print("  slowest destinations (µs/quote): " + ", ".join(f"{n} {us:.1f}" for n, us in ranked[:5]))
    print("  all destinations (µs/quote):     " + ", ".join(f"{n} {us:.1f}" for n, us in ranked))
    met = per_second >= TARGET_PER_SECOND
    verdict = "met" if met else "NOT met"
    print(f"  target (>= {TARGET_PER_SECOND:,} quotes/s on one core): {verdict}")
    if not met or args.profile:
        for sort, label in (("tottime", "own time"), ("cumulative", "cumulative time")):
            print(f"  cProfile of quote_landed_cost (4,000 quotes), top {args.profile_top} by {label}:")
            for line in profile_quotes(shipments, rates, today, args.profile_top, sort).splitlines():
                print("    " + line)
    return met


def reference_engine(ref: str) -> tuple[Any, Any, Any, Any]:
    """app/tax as of git `ref`, imported as a separate package: (quote_landed_cost, shipment_from_json,
    quote_to_json, tax_tables)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-quotes-ref-"))
    archive = subprocess.run(["git", "archive", ref, "app/tax"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(workdir)], input=archive.stdout, check=True)
    name = "taxref_" + re.sub(r"\W", "_", ref)
    package = workdir / name
    (workdir / "app" / "tax").rename(package)
    for source in package.glob("*.py"):
        text = re.sub(r"\bapp\.tax\b", name, source.read_text("utf-8"))
        source.write_text(text.replace("from app.tax import", f"from {name} import"), "utf-8")
    sys.path.insert(0, str(workdir))
    try:
        rules = importlib.import_module(f"{name}.rules")
        contract = importlib.import_module(f"{name}.contract")
        data = importlib.import_module(f"{name}.data")
    finally:  # imported: the sources are no longer needed
        sys.path.remove(str(workdir))
        shutil.rmtree(workdir, ignore_errors=True)
    return rules.quote_landed_cost, contract.shipment_from_json, contract.quote_to_json, data.tax_tables


def against(args: argparse.Namespace, bodies: dict[str, dict[str, Any]]) -> None:
    """Rounds of the reference engine and of the working tree's, alternating; medians and ratio."""
    from app.tax.contract import quote_to_json

    old_quote, old_shipment, old_json, old_tables = reference_engine(args.against)
    rates = bench_rates()
    today = datetime.now(UTC).date()
    engines = {
        "reference": (old_quote, old_tables(), [old_shipment(b) for b in bodies.values()]),
        "working tree": (quote_landed_cost, tax_tables(), [shipment_from_json(b) for b in bodies.values()]),
    }
    for old, new in zip(engines["reference"][2], engines["working tree"][2], strict=True):
        same = json.dumps(old_json(old_quote(old, engines["reference"][1], rates, today))) == json.dumps(
            quote_to_json(quote_landed_cost(new, engines["working tree"][1], rates, today))
        )
        assert same, f"{new.destination}: the answers differ"

    def one_round(name: str, batch: int) -> float:
        quote, tables, shipments = engines[name]
        started = time.perf_counter()
        for shipment in shipments:
            for _ in range(batch):
                quote(shipment, tables, rates, today)
        return len(shipments) * batch / (time.perf_counter() - started)

    for name in engines:  # warm-up
        one_round(name, max(1, args.batch // 4))
    figures: dict[str, list[float]] = {name: [] for name in engines}
    ratios = []
    for _ in range(args.quote_rounds):
        for name in engines:
            figures[name].append(one_round(name, args.batch))
        ratios.append(figures["working tree"][-1] / figures["reference"][-1])
    print(f"against {args.against}: {args.quote_rounds} alternating rounds x {args.batch} quotes/destination")
    for name, values in figures.items():
        median = statistics.median(values)
        print(
            f"  {name:<13} {median:9.0f} quotes/s median ({1e6 / median:.1f} µs/quote), "
            f"best {max(values):.0f}, rounds {min(values):.0f}-{max(values):.0f}"
        )
    print(f"  working tree / reference: {statistics.median(ratios):.2f}x (median of the per-round ratios)")


# ---------------------------------------------------------------- HTTP


def lua_script(bodies: list[str]) -> str:
    """wrk script: POST JSON, the baskets in turn (each connection cycles through all of them)."""
    quoted = ",\n".join(f"  [==[{body}]==]" for body in bodies)
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"local bodies = {{\n{quoted}\n}}\n"
        "wrk.body = bodies[1]\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        "  return wrk.format(nil, nil, nil, bodies[i])\n"
        "end\n"
    )


def run_wrk(
    url: str, connections: int, seconds: int, threads: int, script: str | None
) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms); any non-2xx response is an error."""
    extra = ["-s", script] if script else []
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return wrk_figures(url, out)


def http(
    args: argparse.Namespace, bodies: dict[str, dict[str, Any]]
) -> dict[str, tuple[float, float, float]]:
    from tests.live_server import running_server  # after ROOT is on sys.path; imports settings

    workdir = Path(tempfile.mkdtemp(prefix="storefront-bench-quotes-"))
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "bench-" + "s" * 40,
        "COOKIE_SECURE": "false",  # plain http on loopback
        "PUBLIC_BASE_URL": "http://127.0.0.1",  # required in production; the host is what counts
        "VAR_DIR": str(workdir),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TAX_REGISTRATIONS", None)  # the baskets say their registrations
    os.environ.update(env)
    print(f"Preparing an empty shop in {env['DATABASE_URL']} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "app.cli", "init", "--no-demo"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    texts = [json.dumps(body, separators=(",", ":")) for body in bodies.values()]
    script = workdir / "post_quotes.lua"
    script.write_text(lua_script(texts), "utf-8")
    results: dict[str, list[tuple[float, float, float]]] = {"health": [], "quote": []}
    with running_server(workers=args.workers, env=env) as base_url:
        quote_url = f"{base_url}/api/v1/quotes"
        for _ in range(args.workers * 10):  # every basket answers 200; warms every worker
            for name, text in zip(bodies, texts, strict=True):
                response = httpx.post(quote_url, content=text, headers={"Content-Type": "application/json"})
                if response.status_code != 200:
                    raise RuntimeError(f"POST {name}: {response.status_code} {response.text[:300]}")
        print(f"POST /api/v1/quotes answers 200 for all {len(texts)} baskets", flush=True)
        for round_number in range(1, args.rounds + 1):
            for name, url, lua in (("health", f"{base_url}/health", None), ("quote", quote_url, str(script))):
                figures = run_wrk(url, args.connections, args.seconds, args.threads, lua)
                results[name].append(figures)
                print(
                    f"  round {round_number} {name:<7} {figures[0]:8.0f} req/s"
                    f"  p50 {figures[1]:6.1f} ms  p99 {figures[2]:6.1f} ms",
                    flush=True,
                )
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        name: (
            statistics.median(f[0] for f in figures),
            statistics.median(f[1] for f in figures),
            statistics.median(f[2] for f in figures),
        )
        for name, figures in results.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--http", action=argparse.BooleanOptionalAction, default=True, help="the wrk part")
    parser.add_argument("--quote-rounds", type=int, default=7, help="in-process rounds (median)")
    parser.add_argument("--batch", type=int, default=200, help="quotes per destination per round")
    parser.add_argument("--profile", action="store_true", help="profile even when the target is met")
    parser.add_argument("--against", metavar="GIT_REF", help="also time app/tax as of GIT_REF, alternating")
    parser.add_argument("--profile-top", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="HTTP rounds, interleaved")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()

    bodies = baskets()
    in_process(args, bodies)
    if args.against:
        against(args, bodies)
    if not args.http:
        return 0
    if not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk): HTTP part skipped")
        return 0
    figures = http(args, copy.deepcopy(bodies))
    print()
    print(
        f"server: {args.workers} workers, APP_ENV=production, snapshot FX rates; load: wrk, "
        f"{args.connections} connections, {args.rounds} x {args.seconds}s per endpoint, interleaved; "
        "medians of the rounds"
    )
    print(f"{'endpoint':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs health':>11}")
    health = figures["health"]
    for label, name in (("GET /health", "health"), ("POST /api/v1/quotes", "quote")):
        rps, p50, p99 = figures[name]
        print(f"{label:<26}{rps:9.0f}{p50:9.1f}{p99:9.1f}{rps / health[0]:10.2f}x")
    quote = figures["quote"]
    print(f"quote / health: req/s {quote[0] / health[0]:.2f}x, p99 {quote[2] / health[2]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
