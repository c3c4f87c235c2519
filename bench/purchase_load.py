"""Load: N customers buy a card at once through the real processes; prints latencies.

    python -m bench.purchase_load --customers 50 --sku test-instant

Starts the Telegram sandbox, the supplier sandbox and the bot (as the end-to-end tests do),
then has every customer go /start → catalog → card → Buy → Pay and waits for the codes.
Loopback only; bounded by --customers and --timeout. Not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.sandbox.driver import SandboxClient
from tests.e2e.processes import SUPPLIER_API_KEY, Stack, running_stack
from tests.e2e.shop.conftest import Shopper


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _customer(client: SandboxClient, sku: str, brand: str) -> tuple[float, float]:
    """Seconds from /start to the codes, and from Pay to the codes."""
    began = time.perf_counter()
    shopper = await Shopper.join(client)
    await shopper.start()
    checkout = await shopper.checkout(sku, brand)
    paid_at = time.perf_counter()
    paid = await shopper.pay(checkout)
    if paid.status != "paid":
        raise RuntimeError(f"payment {paid.status}: {paid.error_message}")
    await shopper.delivery(checkout)
    done = time.perf_counter()
    return done - began, done - paid_at


def _summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"{name:<16} p50 {statistics.median(ordered) * 1000:7.0f} ms"
        f"   p95 {p95 * 1000:7.0f} ms   max {ordered[-1] * 1000:7.0f} ms"
    )


async def _fund_supplier(supplier_url: str, usd: int) -> None:
    """Enough float at the supplier that no order fails for want of balance."""
    async with aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {SUPPLIER_API_KEY}"}
    ) as http:
        body = {"amount": {"amount": usd * 100, "currency": "USD"}}
        async with http.post(f"{supplier_url}/sandbox/balance", json=body) as response:
            response.raise_for_status()


async def _run(stack: Stack, customers: int, sku: str, brand: str, limit: float) -> None:
    await _fund_supplier(stack.supplier_url, customers * 200)
    async with SandboxClient(stack.telegram_url) as client:
        started = time.perf_counter()
        async with asyncio.timeout(limit):
            results = await asyncio.gather(
                *(_customer(client, sku, brand) for _ in range(customers))
            )
        elapsed = time.perf_counter() - started
    print(
        f"{customers} customers bought {sku} in {elapsed:.1f} s "
        f"({customers / elapsed:.1f} purchases/s)"
    )
    print(_summary("start → codes", [r[0] for r in results]))
    print(_summary("pay → codes", [r[1] for r in results]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--sku", default="test-instant")
    parser.add_argument("--brand", default="Sandbox")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_stack(Path(workdir), PURCHASES_PER_MINUTE="100", THROTTLE_PER_SECOND="50") as stack,
    ):
        bot_pid = stack.processes["bot"].pid
        print(f"bot RSS at start: {_rss_mib(bot_pid):.0f} MiB")
        asyncio.run(_run(stack, args.customers, args.sku, args.brand, args.timeout))
        print(f"bot RSS after:    {_rss_mib(bot_pid):.0f} MiB")


if __name__ == "__main__":
    main()
