"""Two real `giftbot run` on one database: the second is refused with one line; after a
kill -9 of the first, a restart takes the database over at once."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.e2e.processes import (
    GIFTBOT,
    bot_environment,
    free_port,
    running_stack,
    start_bot,
    wait_until_ready,
)


def test_a_second_instance_is_refused_and_a_killed_one_is_replaced_at_once(
    tmp_path: Path,
) -> None:
    with running_stack(tmp_path) as stack:
        first = stack.processes["bot"]
        # Its own port, so only the database is shared: the refusal must come from the lease.
        second = subprocess.run(
            [GIFTBOT, "run"],
            cwd=tmp_path,
            env=bot_environment(stack, HTTP_PORT=str(free_port())),
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 2
        lines = second.stderr.decode().strip().splitlines()
        assert len(lines) == 1, lines
        assert str(tmp_path / "giftbot.db") in lines[0]
        assert f"pid {first.pid} on host " in lines[0]
        with urllib.request.urlopen(f"{stack.bot_url}/health", timeout=5) as health:  # noqa: S310
            assert health.status == 200  # the first one never noticed

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        del stack.processes["bot"]  # killed on purpose: not a failed shutdown
        killed_at = time.monotonic()
        restarted = start_bot(stack, "bot-restarted")
        wait_until_ready(f"{stack.bot_url}/health", restarted, "restarted bot")
        took = time.monotonic() - killed_at
        print(f"restart after kill -9 ready in {took:.1f} s")
        assert "in use by another giftbot" not in stack.log("bot-restarted")
