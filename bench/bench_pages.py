"""Benchmark shopper pages against the trivial health endpoint, on a production-like server.

Starts `storefront serve` (APP_ENV=production, several workers) on a demo database, then loads
each endpoint in turn with wrk (or a Python client when wrk is missing), several rounds
interleaved so machine noise hits every endpoint alike, and prints medians and ratios.

    python bench/bench_pages.py [--workers 2] [--connections 32] [--seconds 10] [--rounds 3]
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


def run_wrk(
    url: str, connections: int, seconds: int, threads: int, cookie: str = ""
) -> tuple[float, float, float]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
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
    if shutil.which("wrk"):
        return run_wrk(url, connections, seconds, threads, cookie)
    return run_python_client(url, connections, seconds, cookie)


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
        "--uncached", action="store_true", help="also load the category page with the page cache off"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "bench-" + "s" * 40,
        "COOKIE_SECURE": "false",  # plain http on loopback
        "VAR_DIR": str(workdir),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    print(f"Preparing the demo catalogue in {env['DATABASE_URL']} ...", flush=True)
    prepare_database(env)
    generator = "wrk" if shutil.which("wrk") else "python-httpx"
    with running_server(workers=args.workers, env=env) as base_url:
        paths = pick_paths(base_url)
        for path in paths.values():  # warm caches and templates in every worker
            for _ in range(args.workers * 20):
                httpx.get(base_url + path).raise_for_status()
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in paths}
        for round_number in range(1, args.rounds + 1):
            for name, path in paths.items():
                figures = load(base_url + path, args.connections, args.seconds, args.threads)
                results[name].append(figures)
                print(
                    f"  round {round_number} {name:<9} {figures[0]:9.0f} req/s"
                    f"  p50 {figures[1]:6.1f} ms  p99 {figures[2]:6.1f} ms",
                    flush=True,
                )

    cold = (0.0, 0.0, 0.0)
    if args.uncached:  # what every request would cost without the page cache (a cache miss)
        with running_server(workers=args.workers, env={**env, "PAGE_CACHE_PAGES": "0"}) as base_url:
            for _ in range(args.workers * 20):
                httpx.get(base_url + paths["category"]).raise_for_status()
            cold = load(base_url + paths["category"], args.connections, args.seconds, args.threads)
    print()
    print(
        f"server: {args.workers} workers, APP_ENV=production, {env['DATABASE_URL'].split(':')[0]}; "
        f"load: {generator}, {args.connections} connections, "
        f"{args.rounds} x {args.seconds}s per endpoint, interleaved"
    )
    print(f"{'endpoint':<10}{'path':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs health':>11}")
    health_rps = statistics.median(r[0] for r in results["health"])
    for name, path in paths.items():
        rps = statistics.median(r[0] for r in results[name])
        p50 = statistics.median(r[1] for r in results[name])
        p99 = statistics.median(r[2] for r in results[name])
        print(f"{name:<10}{path[:33]:<34}{rps:9.0f}{p50:9.1f}{p99:9.1f}{rps / health_rps:10.2f}x")
    if args.uncached:
        row = f"{'category, page cache off':<44}{cold[0]:9.0f}{cold[1]:9.1f}{cold[2]:9.1f}"
        print(f"{row}{cold[0] / health_rps:10.2f}x")
    category_rps = statistics.median(r[0] for r in results["category"])
    category_p99 = statistics.median(r[2] for r in results["category"])
    ok = category_rps >= health_rps / 3 and category_p99 < 100
    verdict = "met" if ok else "NOT met"
    if generator != "wrk":  # the Python client saturates before the server does
        verdict = "not judged: the Python load client is the bottleneck; apt-get install wrk"
    print(f"\ntarget (category >= 1/3 of health, p99 < 100 ms): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
