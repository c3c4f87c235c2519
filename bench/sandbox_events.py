"""Telegram sandbox CPU per event, against a floor server measured in the same run.

    python -m bench.sandbox_events --users 200 --rounds 5 --watchers 100

N users each send R messages; an echo bot (plain Bot API calls over aiohttp: getUpdates and
sendMessage) answers every one; each user waits for its echo with the driver's `wait_for`
(transcript, then the event stream), as the end-to-end tests and the purchase benchmark do.
`--watchers` more users keep an event stream open and idle, as open web chats do.

The same load runs, interleaved, against the real sandbox (`giftbot telegram-sandbox`) and
against bench/sandbox_floor.py (the same calls with nothing but the bytes moved), each its
own process; `--before DIR` adds the sandbox of another checkout (an earlier commit, e.g.
`git archive <commit> | tar -x -C DIR`) to compare a change. The figure is the server's CPU
(utime+stime from /proc/<pid>/stat) per round trip and per event (two a round trip: the
user's message and the bot's), and its ratio to the floor's.
Loopback only; bounded by --users, --rounds and --timeout. Not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import GIFTBOT, free_port, wait_until_ready

TOKEN = "5000000001:" + "A" * 35
EVENTS_PER_ROUND = 2
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    # Fields 14 and 15 (utime, stime) follow the parenthesised command name.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Result:
    cpu: float
    wall: float
    rounds: int

    @property
    def ms_per_round(self) -> float:
        return self.cpu / self.rounds * 1000

    @property
    def us_per_event(self) -> float:
        return self.cpu / (self.rounds * EVENTS_PER_ROUND) * 1e6


@contextmanager
def server(kind: str, before: Path | None) -> Iterator[tuple[str, int]]:
    port = free_port()
    sandbox_args = ["telegram-sandbox", "--port", str(port), "--no-flood-limit"]
    cwd = None
    if kind == "sandbox":
        args = [GIFTBOT, *sandbox_args]
    elif kind == "before":
        # Run from that checkout: the current directory comes first on the module path.
        cwd, main = before, "import sys; from app.cli import main; sys.exit(main())"
        args = [sys.executable, "-c", main, *sandbox_args]
    else:
        args = [sys.executable, "-m", "bench.sandbox_floor", "--port", str(port)]
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/sandbox/users", process, kind)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


async def echo_bot(http: aiohttp.ClientSession, url: str) -> None:
    """Answers every message with "echo <text>", polling as a bot does."""
    api = f"{url}/bot{TOKEN}"
    offset = 0
    while True:
        async with http.post(f"{api}/getUpdates", json={"offset": offset, "timeout": 5}) as r:
            updates = (await r.json())["result"]
        for update in updates:
            offset = max(offset, update["update_id"] + 1)

        async def answer(message: dict[str, object]) -> None:
            chat = message["chat"]
            assert isinstance(chat, dict)
            body = {"chat_id": chat["id"], "text": f"echo {message['text']}"}
            async with http.post(f"{api}/sendMessage", json=body) as response:
                response.raise_for_status()

        await asyncio.gather(*(answer(u["message"]) for u in updates if "message" in u))


async def watch(client: SandboxClient, user_id: int) -> None:
    """An idle open stream, as an open web chat keeps: its user never receives anything."""
    async for _ in client.events(user_id=user_id):
        pass


def is_text(text: str) -> Callable[[dict[str, object]], bool]:
    return lambda message: message.get("text") == text


async def talk(client: SandboxClient, user_id: int, rounds: int) -> None:
    user = await client.create_user(user_id, f"User {user_id}")
    for n in range(rounds):
        sent = await user.send(f"ping {n}")
        await user.wait_for(is_text(f"echo ping {n}"), 30, after=sent["message_id"])


async def load(url: str, pid: int, users: int, rounds: int, watchers: int) -> Result:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        client = SandboxClient(url, http)
        bot = asyncio.create_task(echo_bot(http, url))
        watching = [asyncio.create_task(watch(client, 9_000_000 + i)) for i in range(watchers)]
        # One round first, so the bot is known and every connection is warm.
        await talk(client, 1, 1)
        cpu, wall = cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(talk(client, 1000 + i, rounds) for i in range(users)))
        result = Result(cpu_seconds(pid) - cpu, time.perf_counter() - wall, users * rounds)
        for task in [bot, *watching]:
            task.cancel()
        for task in [bot, *watching]:
            with suppress(asyncio.CancelledError):
                await task
    return result


def run(kind: str, args: argparse.Namespace) -> Result:
    with server(kind, args.before) as (url, pid):
        return asyncio.run(
            asyncio.wait_for(load(url, pid, args.users, args.rounds, args.watchers), args.timeout)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--watchers", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of each")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--before", type=Path, help="also run the sandbox of this checkout")
    args = parser.parse_args()
    results: dict[str, list[Result]] = {"sandbox": [], "floor": []}
    if args.before is not None:
        results = {"before": [], **results}
    for _ in range(args.repeat):
        for kind in results:
            results[kind].append(run(kind, args))
    print(
        f"{args.users} users × {args.rounds} round trips, {args.watchers} idle streams; "
        f"median of {args.repeat} interleaved runs"
    )
    medians = {}
    for kind, runs in results.items():
        ms = statistics.median(r.ms_per_round for r in runs)
        us = statistics.median(r.us_per_event for r in runs)
        rate = statistics.median(r.rounds / r.wall for r in runs)
        medians[kind] = ms
        print(
            f"{kind:<8} server CPU {ms:6.2f} ms/round trip  {us:6.0f} µs/event  "
            f"{rate:6.0f} round trips/s"
        )
    for kind in results:
        if kind != "floor":
            print(f"ratio {kind}/floor: {medians[kind] / medians['floor']:.2f}")


if __name__ == "__main__":
    main()
