"""Benchmark shopper pages against the trivial health endpoint, on a production-like server.

Starts `storefront serve` (APP_ENV=production, several workers) on a demo database, then loads
each endpoint in turn with wrk (or a Python client when wrk is missing), several rounds
interleaved so machine noise hits every endpoint alike, and prints medians and ratios.

    python bench/bench_pages.py [--workers 2] [--connections 32] [--seconds 10] [--rounds 3]
    python bench/bench_pages.py --uncached        # also: the category page with the page cache off
    python bench/bench_pages.py --uncached-only   # only that (a cache miss on every request)

Reading p99: wrk corrects for coordinated omission. With `interval` = run time / requests per
connection (about 40-80 ms here), a response that took n ms is also counted as n - interval,
n - 2 x interval, ... so one request stalled for 1.5 s weighs like 20 slow requests: a few stalls
per run (a reload inside a request, a long GC pause) decide p99 even when the median is fine.
Each round also prints how wrk's connections were spread over the workers: they are accepted
once, at the start, by whichever worker wakes first, and a worker holding 20 of 32 connections
has a median about twice the other's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_server import running_server  # noqa: E402


def prepare_database(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "app.cli", "init"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def pick_paths(base_url: str) -> dict[str, str]:
    """Real pages of the demo catalogue: the home page, a top-level category, a product."""
    home = httpx.get(f"{base_url}/en/").text
    category = re.search(r'href="(/en/c/[^"]+)"', home).group(1)
    listing = httpx.get(base_url + category).text
    product = re.search(r'href="(/en/p/[^"]+)"', listing).group(1)
    return {"health": "/health", "home": "/en/", "category": category, "product": product}


def connections_per_worker(port: int) -> str:
    """Established connections on the server port per worker process, e.g. "17/15" (via ss)."""
    if not shutil.which("ss"):
        return "?"
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
    ).stdout
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[pid] = counts.get(pid, 0) + 1
    return "/".join(str(n) for n in sorted(counts.values(), reverse=True)) or "?"


LAST_SPREAD = {"value": ""}  # connections per worker seen during the last wrk run


def run_wrk(
    url: str, connections: int, seconds: int, threads: int, cookie: str = ""
) -> tuple[float, float, float]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    process = subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(min(1.0, seconds / 2))  # connections are all open by now
    LAST_SPREAD["value"] = connections_per_worker(int(url.split(":")[2].split("/")[0]))
    out, err = process.communicate()
    if process.returncode:
        raise RuntimeError(f"wrk failed: {err}")
    return wrk_figures(url, out)


def wrk_figures(url: str, out: str) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) from wrk --latency output; any error response fails the run."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    return rps, percentile("50"), percentile("99")


def run_python_client(
    url: str, connections: int, seconds: int, cookie: str = ""
) -> tuple[float, float, float]:
    """Fallback load generator; the client itself is slower than wrk, so treat figures as a floor."""

    async def main() -> tuple[float, float, float]:
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=connections)) as client:

            async def worker() -> None:
                while time.perf_counter() < deadline:
                    start = time.perf_counter()
                    response = await client.get(url, headers={"Cookie": cookie} if cookie else {})
                    response.raise_for_status()
                    latencies.append((time.perf_counter() - start) * 1000)

            began = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(connections)))
            elapsed = time.perf_counter() - began
        latencies.sort()
        return len(latencies) / elapsed, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]

    return asyncio.run(main())


def load(
    url: str, connections: int, seconds: int, threads: int = 2, cookie: str = ""
) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) from wrk, or from the Python client when wrk is not installed."""
    LAST_SPREAD["value"] = ""
    if shutil.which("wrk"):
        return run_wrk(url, connections, seconds, threads, cookie)
    return run_python_client(url, connections, seconds, cookie)


def run_rounds(
    base_url: str, paths: dict[str, str], args: argparse.Namespace, label: str = ""
) -> dict[str, list[tuple[float, float, float]]]:
    """Load each path in turn, `args.rounds` times, interleaved so noise hits every path alike."""
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in paths}
    for round_number in range(1, args.rounds + 1):
        for name, path in paths.items():
            figures = load(base_url + path, args.connections, args.seconds, args.threads)
            results[name].append(figures)
            spread = f"  connections per worker {LAST_SPREAD['value']}" if LAST_SPREAD["value"] else ""
            print(
                f"  round {round_number} {label}{name:<9} {figures[0]:9.0f} req/s"
                f"  p50 {figures[1]:6.1f} ms  p99 {figures[2]:6.1f} ms{spread}",
                flush=True,
            )
    return results


def medians(figures: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Median req/s, p50 and p99 over the rounds (each taken on its own)."""
    return (
        statistics.median(f[0] for f in figures),
        statistics.median(f[1] for f in figures),
        statistics.median(f[2] for f in figures),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="also load the category page with the page cache off (PAGE_CACHE_PAGES=0: every "
        "request renders), on a server of its own, rounds interleaved with its /health",
    )
    parser.add_argument("--uncached-only", action="store_true", help="only the page-cache-off measurement")
    args = parser.parse_args()
    args.uncached = args.uncached or args.uncached_only

    workdir = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
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
    os.environ.update(env)
    print(f"Preparing the demo catalogue in {env['DATABASE_URL']} ...", flush=True)
    prepare_database(env)
    generator = "wrk" if shutil.which("wrk") else "python-httpx"
    paths: dict[str, str] = {}
    results: dict[str, list[tuple[float, float, float]]] = {}
    if not args.uncached_only:
        with running_server(workers=args.workers, env=env) as base_url:
            paths = pick_paths(base_url)
            for path in paths.values():  # warm caches and templates in every worker
                for _ in range(args.workers * 20):
                    httpx.get(base_url + path).raise_for_status()
            results = run_rounds(base_url, paths, args)

    cold: dict[str, list[tuple[float, float, float]]] = {}
    if args.uncached:  # what every request would cost without the page cache (a cache miss)
        print("Page cache off (PAGE_CACHE_PAGES=0):", flush=True)
        with running_server(workers=args.workers, env={**env, "PAGE_CACHE_PAGES": "0"}) as base_url:
            paths = paths or pick_paths(base_url)
            for _ in range(args.workers * 20):
                httpx.get(base_url + paths["category"]).raise_for_status()
            cold = run_rounds(base_url, {"health": "/health", "category": paths["category"]}, args, "off ")
    print()
    print(
        f"server: {args.workers} workers, APP_ENV=production, {env['DATABASE_URL'].split(':')[0]}; "
        f"load: {generator}, {args.connections} connections, "
        f"{args.rounds} x {args.seconds}s per endpoint, interleaved; medians of the rounds"
    )
    print(f"{'endpoint':<10}{'path':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs health':>11}")
    verdicts = []
    if results:
        health_rps = medians(results["health"])[0]
        for name, path in paths.items():
            rps, p50, p99 = medians(results[name])
            print(f"{name:<10}{path[:33]:<34}{rps:9.0f}{p50:9.1f}{p99:9.1f}{rps / health_rps:10.2f}x")
        category_rps, _, category_p99 = medians(results["category"])
        ok = category_rps >= health_rps / 3 and category_p99 < 100
        verdicts.append(("category >= 1/3 of health, p99 < 100 ms", ok))
    if cold:
        cold_health = medians(cold["health"])
        rps, p50, p99 = medians(cold["category"])
        print(
            f"{'health, server with the page cache off':<44}{cold_health[0]:9.0f}{cold_health[1]:9.1f}"
            f"{cold_health[2]:9.1f}{1:10.2f}x"
        )
        print(f"{'category, page cache off':<44}{rps:9.0f}{p50:9.1f}{p99:9.1f}{rps / cold_health[0]:10.2f}x")
        verdicts.append(("page cache off: category p99 < 100 ms", p99 < 100))
    print()
    for target, ok in verdicts:
        verdict = "met" if ok else "NOT met"
        if generator != "wrk":  # the Python client saturates before the server does
            verdict = "not judged: the Python load client is the bottleneck; apt-get install wrk"
        print(f"target ({target}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
