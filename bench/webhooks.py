"""Webhooks: signed supplier events per second accepted by giftbot's listener, against a
bare aiohttp handler on the same machine.

    python -m bench.webhooks [--events 2000] [--concurrency 32] [--rounds 3] [--json]

giftbot is the real `giftbot run` process (with the two sandboxes, as in the end-to-end
tests); every event is signed with the standardwebhooks package, has a unique id and
names an order the bot does not know (it stores the event, judges it unknown and marks
it processed in that one transaction, then answers 200). Events are built and signed
before the clock starts. Server CPU per event counts the work the bot does after
answering too (until its CPU stops moving), minus its idle rate. Loopback only; bounded
by --events. Not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import aiohttp
from standardwebhooks import Webhook

from bench.purchases import median_of, percentile
from bench.report import WEBHOOK_ROWS, machine, print_table
from bench.stack import REPO, START_TIMEOUT, cpu_seconds, system_busy_seconds
from supplier.models import WebhookEvent, WebhookEventData
from tests.e2e import processes
from tests.e2e.processes import WEBHOOK_SECRET, free_port, running_stack, wait_until_ready

PATH = "/supplier/webhook"
Request = tuple[bytes, dict[str, str]]


def signed_events(count: int) -> list[Request]:
    """`count` distinct events for orders nobody placed, signed as the supplier signs."""
    signer, now = Webhook(WEBHOOK_SECRET), datetime.now(UTC)
    requests = []
    for _ in range(count):
        event_id, order = f"msg_{uuid.uuid4().hex}", uuid.uuid4().hex[:12].upper()
        data = WebhookEventData(
            order_id=f"ord_{order}", reference=f"GBX{order}", status="completed", version=1
        )
        body = WebhookEvent(type="order.fulfilled", timestamp=now, data=data).model_dump_json()
        headers = {
            "content-type": "application/json",
            "webhook-id": event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(event_id, now, body),
        }
        requests.append((body.encode(), headers))
    return requests


async def send_all(url: str, requests: list[Request], concurrency: int) -> list[float]:
    """Post every request, `concurrency` at a time; each latency. Any non-200 is an error."""
    latencies: list[float] = []
    queue = iter(requests)

    async def worker(http: aiohttp.ClientSession) -> None:
        for body, headers in queue:
            began = time.perf_counter()
            async with http.post(url, data=body, headers=headers) as response:
                answer = await response.read()
                if response.status != 200 or b'"duplicate": true' in answer:
                    raise RuntimeError(f"event refused: {response.status} {answer[:200]!r}")
            latencies.append(time.perf_counter() - began)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return latencies


@contextmanager
def bare_server() -> Iterator[tuple[str, int]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.floor_webhook", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/health", process, "bare handler")
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def giftbot_server() -> Iterator[tuple[str, int]]:
    with (
        tempfile.TemporaryDirectory() as workdir,
        mock.patch.object(processes, "START_TIMEOUT", START_TIMEOUT),
        running_stack(Path(workdir)) as stack,
    ):
        yield stack.bot_url, stack.processes["bot"].pid


def _settled_cpu(pid: int, limit: float = 10.0) -> float:
    """The process's CPU once it stops moving: work queued after the answers counts."""
    deadline, last = time.monotonic() + limit, cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now == last:
            break
        last = now
    return last


def run_once(kind: str, events: int, concurrency: int, quiet: float) -> dict[str, Any]:
    server = giftbot_server() if kind == "giftbot" else bare_server()
    with server as (base_url, pid):
        url = base_url + PATH
        asyncio.run(send_all(url, signed_events(min(200, events)), concurrency))  # warm-up
        _settled_cpu(pid)
        idle_before = cpu_seconds(pid)
        time.sleep(quiet)
        idle_rate = (cpu_seconds(pid) - idle_before) / quiet

        requests = signed_events(events)
        cpu_before, sender_before = cpu_seconds(pid), cpu_seconds()
        busy_before, began = system_busy_seconds(), time.perf_counter()
        latencies = asyncio.run(send_all(url, requests, concurrency))
        elapsed = time.perf_counter() - began
        sender = cpu_seconds() - sender_before
        # What the rest of the machine (other engineers' tests) used meanwhile, in cores.
        others = system_busy_seconds() - busy_before - sender - (cpu_seconds(pid) - cpu_before)
        settled_at = time.perf_counter()
        server_cpu = _settled_cpu(pid) - cpu_before
        server_cpu -= idle_rate * (elapsed + time.perf_counter() - settled_at)
    return {
        "events_per_s": events / elapsed,
        "server_cpu_ms": server_cpu / events * 1000,
        "latency_p50_ms": percentile(latencies, 0.50) * 1000,
        "latency_p99_ms": percentile(latencies, 0.99) * 1000,
        "sender_cpu_ms": sender / events * 1000,
        "elapsed_s": elapsed,
        "other_load_cores": others / elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="giftbot/bare pairs, interleaved")
    parser.add_argument("--quiet", type=float, default=3.0, help="seconds of idle measurement")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    if min(args.events, args.concurrency, args.rounds) < 1 or args.quiet <= 0:
        parser.error("--events, --concurrency, --rounds and --quiet must be positive")

    kinds = ("giftbot", "bare")
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for round_ in range(args.rounds):
        for kind in kinds if round_ % 2 == 0 else reversed(kinds):
            print(f"round {round_ + 1}/{args.rounds}: {kind}", file=sys.stderr)
            runs[kind].append(run_once(kind, args.events, args.concurrency, args.quiet))
    result: dict[str, Any] = {
        "benchmark": "webhooks",
        "events": args.events,
        "load": f"{args.events} events, {args.concurrency} at a time",
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "machine": machine(),
        **{kind: median_of(r) for kind, r in runs.items()},
    }
    result["ratio"] = {
        k: v / result["bare"][k] if result["bare"][k] else None
        for k, v in result["giftbot"].items()
        if isinstance(v, int | float)
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result, WEBHOOK_ROWS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
