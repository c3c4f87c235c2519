"""With a configured supplier, `giftbot run` loads no sandbox code: the sandboxes are for
the demo, their own commands, tests and benchmarks. Checked in the real process, from the
modules it holds when it exits after serving."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.processes import Stack, bot_environment, end, running_stack, wait_until_ready

# `giftbot run` itself (the console script's `main`), writing `sys.modules` as it exits.
RUN_AND_LIST_MODULES = """
import atexit, json, os, sys
def _list() -> None:
    with open(os.environ["MODULES_FILE"], "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(_list)
from app.cli import main
sys.exit(main(["run"]))
"""


def _modules_of_a_run(stack: Stack, name: str, *, unset: tuple[str, ...] = ()) -> list[str]:
    listing = stack.workdir / f"{name}-modules.json"
    env = bot_environment(stack, MODULES_FILE=str(listing))
    for setting in unset:
        del env[setting]
    with (stack.workdir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", RUN_AND_LIST_MODULES],
            cwd=stack.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(f"{stack.bot_url}/health", process, name)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, (stack.workdir / f"{name}.log").read_text()
    modules: list[str] = json.loads(listing.read_text())
    return modules


def _sandbox(modules: list[str]) -> list[str]:
    return [name for name in modules if name == "sandbox" or name.startswith("sandbox.")]


def test_run_with_a_supplier_url_imports_no_sandbox_module(tmp_path: Path) -> None:
    with running_stack(tmp_path) as stack:
        end(stack, "bot")  # one bot per database: this test runs its own
        modules = _modules_of_a_run(stack, "bot-listed")
        assert "app.composition" in modules and "aiogram" in modules  # it really started
        assert _sandbox(modules) == []

        # The embedded default still works, and is what loads the sandbox supplier.
        embedded = _modules_of_a_run(stack, "bot-embedded", unset=("SUPPLIER_URL",))
        assert "sandbox.supplier.server" in embedded
        assert not any(name.startswith("sandbox.telegram") for name in embedded)
