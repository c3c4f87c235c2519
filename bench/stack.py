"""The end-to-end tests' process harness, with the bot replaced by an instrumented one,
and what the benchmarks read about a process from /proc.

tests/e2e/processes.py starts every process as `giftbot <args>`; here `giftbot` is a small
script that sends `run` (the bot) to `python -m bench.instrumented_bot <target>` and
everything else (the two sandboxes) to the real `giftbot`, so the bench needs no change
to the tests' harness and starts the sandboxes exactly as the tests do.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from tests.e2e import processes
from tests.e2e.processes import Stack, free_port, running_stack

REPO = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 120.0


@contextmanager
def bench_stack(workdir: Path, target: str, **bot_env: str) -> Iterator[tuple[Stack, int]]:
    """The three processes, the bot being `target` ("run": giftbot, "floor": the floor
    bot) under the counters; yields the stack and the counters' port."""
    script = workdir / "giftbot"
    python, real = shlex.quote(sys.executable), shlex.quote(processes.GIFTBOT)
    # BENCH_PROFILE (bench/instrumented_bot.py) reaches giftbot only: the floor is not
    # what a profile is for.
    profile = os.environ.get("BENCH_PROFILE") if target == "run" else None
    script.write_text(
        "#!/bin/sh\n"
        + (f"export BENCH_PROFILE={shlex.quote(profile)}\n" if profile else "")
        + f"export PYTHONPATH={shlex.quote(str(REPO))}\n"
        f'if [ "$1" = run ]; then exec {python} -m bench.instrumented_bot {target}; fi\n'
        f'exec {real} "$@"\n'
    )
    script.chmod(0o755)
    port = free_port()
    with (
        mock.patch.object(processes, "GIFTBOT", str(script)),
        # Start-up takes seconds of CPU; on a machine shared with test runs, more than 30.
        mock.patch.object(processes, "START_TIMEOUT", START_TIMEOUT),
        running_stack(workdir, BENCH_COUNTERS_PORT=str(port), **bot_env) as stack,
    ):
        yield stack, port


def counters(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
        result: dict[str, Any] = json.load(response)
        return result


def cpu_seconds(pid: int | str = "self") -> float:
    """utime + stime of a process (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def system_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS
