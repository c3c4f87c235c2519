"""Purchases: N shoppers buy at once from giftbot and from the floor bot; prints figures.

    python -m bench.purchases [--shoppers 200] [--rounds 3] [--json]

Each run starts the real processes (Telegram sandbox with flood limits off, supplier
sandbox, then `giftbot run` or bench/floor_bot.py, both under bench/instrumented_bot.py),
makes one warm-up purchase, measures the bot's idle CPU over a quiet window, then has
every shopper go /start → region → Catalog → brand → card → Buy → Pay at once and waits
for every code. Rounds alternate which bot goes first; figures are medians over rounds.
Loopback only; bounded by --shoppers and --timeout. Not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import machine, print_table
from bench.shoppers import PATIENCE, Timings, fund_supplier, purchase
from bench.stack import (
    bench_stack,
    counters,
    cpu_seconds,
    peak_rss_mib,
    system_busy_seconds,
)
from sandbox.telegram.driver import SandboxClient

BOTS = {"giftbot": "run", "floor": "floor"}
SKU, BRAND = "test-instant", "Sandbox"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


async def _load(telegram_url: str, shoppers: int, limit: float) -> tuple[Timings, float]:
    timings = Timings()
    async with SandboxClient(telegram_url) as client:
        began = time.perf_counter()
        async with asyncio.timeout(limit):
            await asyncio.gather(*(purchase(client, timings, SKU, BRAND) for _ in range(shoppers)))
        return timings, time.perf_counter() - began


async def _warm_up(telegram_url: str) -> None:
    async with SandboxClient(telegram_url) as client:
        # The driver's wait for a button's answer, not a Telegram rule: slow is measured.
        await client.set_config(callback_answer_timeout=PATIENCE)
        timings = Timings()
        if not await purchase(client, timings, SKU, BRAND):
            raise RuntimeError(f"the warm-up purchase failed: {dict(timings.failures)}")


def run_once(target: str, shoppers: int, quiet: float, limit: float) -> dict[str, Any]:
    """One bot, one load: the figures of bench/report.py's table, per purchase."""
    with (
        tempfile.TemporaryDirectory() as workdir,
        bench_stack(Path(workdir), target) as (stack, port),
    ):
        pids = {name: process.pid for name, process in stack.processes.items()}
        asyncio.run(fund_supplier(stack.supplier_url, (shoppers + 1) * 200))
        asyncio.run(_warm_up(stack.telegram_url))
        # Idle CPU (long polling, periodic tasks) over a quiet window, as a rate.
        idle_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        time.sleep(quiet)
        idle_rate = {n: (cpu_seconds(p) - idle_before[n]) / quiet for n, p in pids.items()}

        before = counters(port)
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        driver_before, busy_before = cpu_seconds(), system_busy_seconds()
        timings, elapsed = asyncio.run(_load(stack.telegram_url, shoppers, limit))
        busy = system_busy_seconds() - busy_before
        driver_cpu = cpu_seconds() - driver_before
        raw = {n: cpu_seconds(p) - cpu_before[n] for n, p in pids.items()}
        cpu = {n: raw[n] - idle_rate[n] * elapsed for n in pids}
        # What the rest of the machine (other engineers' tests) used meanwhile, in cores.
        others = (busy - sum(raw.values()) - driver_cpu) / elapsed
        after = counters(port)
        rss = peak_rss_mib(pids["bot"])

    failed = sum(timings.failures.values())
    done = shoppers - failed
    if not done:
        raise RuntimeError(f"every purchase failed: {dict(timings.failures)}")
    sql = _delta(after["sql"], before["sql"])
    shapes = _delta(after["sql_shapes"], before["sql_shapes"])
    bot_api = _delta(after["bot_api"], before["bot_api"])
    supplier = _delta(after["supplier"], before["supplier"])
    return {
        "purchases_per_s": done / elapsed,
        "bot_cpu_ms": cpu["bot"] / done * 1000,
        "click_p50_ms": percentile(timings.clicks, 0.50) * 1000,
        "click_p95_ms": percentile(timings.clicks, 0.95) * 1000,
        "click_p99_ms": percentile(timings.clicks, 0.99) * 1000,
        "pay_p50_ms": percentile(timings.pay_to_code, 0.50) * 1000,
        "pay_p95_ms": percentile(timings.pay_to_code, 0.95) * 1000,
        "pay_p99_ms": percentile(timings.pay_to_code, 0.99) * 1000,
        "sql_statements": sql.get("statements", 0) / done,
        "sql_transactions": sql.get("begin", 0) / done,
        "sql_write_transactions": sql.get("begin_write", 0) / done,
        "supplier_calls": sum(supplier.values()) / done,
        "bot_api_calls": sum(bot_api.values()) / done,
        "bot_api_calls_no_getupdates": sum(
            v for k, v in bot_api.items() if k.lower() != "getupdates"
        )
        / done,
        "peak_rss_mib": rss,
        "telegram_cpu_ms": cpu["telegram"] / done * 1000,
        "driver_cpu_ms": driver_cpu / done * 1000,
        "supplier_cpu_ms": cpu["supplier"] / done * 1000,
        "other_load_cores": others,
        "elapsed_s": elapsed,
        "bot_idle_cpu_pct": idle_rate["bot"] * 100,
        "failed_purchases": failed,
        "detail": {
            "failures": dict(timings.failures),
            "sql": sql,
            # The 40 most run statements, per purchase: what to look at first.
            "sql_per_purchase": {
                shape: round(count / done, 2)
                for shape, count in sorted(shapes.items(), key=lambda kv: -kv[1])[:40]
            },
            "bot_api": bot_api,
            "supplier": supplier,
        },
    }


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    numbers = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    result: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in numbers}
    if "failed_purchases" in result:  # one bad round must show: the total, not the median
        result["failed_purchases"] = sum(r["failed_purchases"] for r in runs)
    result["runs"] = runs
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="giftbot/floor pairs, interleaved")
    parser.add_argument("--quiet", type=float, default=5.0, help="seconds of idle measurement")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per load")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    if args.shoppers < 1 or args.rounds < 1 or args.quiet <= 0:
        parser.error("--shoppers, --rounds and --quiet must be positive")

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in BOTS}
    for round_ in range(args.rounds):
        # Alternate which goes first, so a burst of noise does not always hit the same bot.
        order = list(BOTS) if round_ % 2 == 0 else list(reversed(BOTS))
        for name in order:
            print(f"round {round_ + 1}/{args.rounds}: {name}", file=sys.stderr)
            runs[name].append(run_once(BOTS[name], args.shoppers, args.quiet, args.timeout))
    result = {
        "benchmark": "purchases",
        "shoppers": args.shoppers,
        "load": f"{args.shoppers} shoppers at once",
        "rounds": args.rounds,
        "machine": machine(),
        **{name: median_of(r) for name, r in runs.items()},
    }
    result["ratio"] = {
        k: (v / result["floor"][k] if result["floor"][k] else None)
        for k, v in result["giftbot"].items()
        if isinstance(v, int | float)
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
