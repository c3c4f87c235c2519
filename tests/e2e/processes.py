"""Start the real processes (Telegram sandbox, supplier sandbox, bot) as a customer's
machine would run them, and stop them cleanly. Used by the end-to-end tests and bench/."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

GIFTBOT = str(Path(sys.executable).with_name("giftbot"))
BOT_ID = 7100000001
BOT_TOKEN = f"{BOT_ID}:E2E-giftbot-test-token-000000000000"
SUPPLIER_API_KEY = "sk_e2e_supplier"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"e2e-supplier-webhook-secret").decode()
TELEGRAM_WEBHOOK_SECRET = "e2e-telegram-webhook-secret_0123456789"
# A bound, not a wait: generous, since a shared 2-core machine can be slow to start aiogram.
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    telegram_url: str
    supplier_url: str
    bot_url: str
    workdir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    bot_env: dict[str, str] = field(default_factory=dict)  # the bot's settings, secrets too

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.log(name)}" for name in self.processes)


def wait_until_ready(url: str, process: subprocess.Popen[bytes], name: str) -> None:
    """No event crosses a process boundary, so poll the endpoint until a deadline."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return  # 200: ready (the bot answers 503 while it is starting)
        except OSError:  # refused, or an HTTP error status
            time.sleep(0.05)
    raise RuntimeError(f"{name} not ready at {url} after {START_TIMEOUT} s")


def _spawn(stack: Stack, name: str, args: list[str], env: Mapping[str, str]) -> None:
    log = (stack.workdir / f"{name}.log").open("wb")
    stack.processes[name] = subprocess.Popen(
        [GIFTBOT, *args], cwd=stack.workdir, env=dict(env), stdout=log, stderr=subprocess.STDOUT
    )


def _base_env() -> dict[str, str]:
    # Only what a clean shell has: no settings leak in from the developer's environment.
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    return {k: v for k, v in os.environ.items() if k in keep}


@contextmanager
def running_stack(
    workdir: Path, *, webhook_path: str | None = None, **bot_env: str
) -> Iterator[Stack]:
    """The three processes; with `webhook_path` the bot takes updates by webhook there."""
    telegram_port, supplier_port, bot_port = free_port(), free_port(), free_port()
    stack = Stack(
        telegram_url=f"http://127.0.0.1:{telegram_port}",
        supplier_url=f"http://127.0.0.1:{supplier_port}",
        bot_url=f"http://127.0.0.1:{bot_port}",
        workdir=workdir,
    )
    env = _base_env()
    try:
        _spawn(
            stack,
            "telegram",
            ["telegram-sandbox", "--port", str(telegram_port), "--no-flood-limit"],
            env,
        )
        _spawn(
            stack,
            "supplier",
            [
                "supplier-sandbox",
                "--port",
                str(supplier_port),
                "--api-key",
                SUPPLIER_API_KEY,
                "--webhook-url",
                f"{stack.bot_url}/supplier/webhook",
                "--webhook-secret",
                WEBHOOK_SECRET,
            ],
            {**env, "SANDBOX_PENDING_DELAY_SECONDS": "1", "SANDBOX_WEBHOOK_TIME_SCALE": "100"},
        )
        wait_until_ready(
            f"{stack.telegram_url}/sandbox/users", stack.processes["telegram"], "telegram"
        )
        wait_until_ready(
            f"{stack.supplier_url}/openapi.json", stack.processes["supplier"], "supplier"
        )
        stack.bot_env = {
            "BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_API_URL": stack.telegram_url,
            "SUPPLIER_URL": stack.supplier_url,
            "SUPPLIER_API_KEY": SUPPLIER_API_KEY,
            "SUPPLIER_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "HTTP_PORT": str(bot_port),
            "DATABASE_URL": f"sqlite:///{workdir}/giftbot.db",
            "CODES_KEY": base64.b64encode(os.urandom(32)).decode(),
            "PURCHASES_PER_MINUTE": "30",
            "THROTTLE_PER_SECOND": "20",
            **bot_env,
        }
        if webhook_path is not None:
            stack.bot_env["BOT_WEBHOOK_URL"] = stack.bot_url + webhook_path
            stack.bot_env["BOT_WEBHOOK_SECRET"] = TELEGRAM_WEBHOOK_SECRET
        _spawn(stack, "bot", ["run"], bot_environment(stack))
        wait_until_ready(f"{stack.bot_url}/health", stack.processes["bot"], "bot")
        yield stack
    finally:
        stop(stack)


def bot_environment(stack: Stack, **overrides: str) -> dict[str, str]:
    """What a `giftbot run` of this stack gets: a clean shell's variables and its settings."""
    return {**_base_env(), **stack.bot_env, **overrides}


def start_bot(stack: Stack, name: str) -> subprocess.Popen[bytes]:
    """Another `giftbot run` with the stack's settings (same database, same port)."""
    _spawn(stack, name, ["run"], bot_environment(stack))
    return stack.processes[name]


def restart_bot(stack: Stack, name: str, **settings: str) -> None:
    """Start the bot again as `name` (its own log) with the settings the last one ran with,
    `settings` on top (kept for later restarts), and wait until /health says ready. Stop
    the running one first (`end`)."""
    stack.bot_env.update(settings)
    _spawn(stack, name, ["run"], bot_environment(stack))
    wait_until_ready(f"{stack.bot_url}/health", stack.processes[name], name)


def end(stack: Stack, name: str, sig: signal.Signals = signal.SIGTERM) -> int:
    """Stop one process (SIGKILL: a crash) and forget it; return its exit status."""
    process = stack.processes.pop(name)
    process.send_signal(sig)
    return process.wait(timeout=10)


def stop(stack: Stack) -> None:
    """SIGTERM, as a service manager would; the processes must exit cleanly and fast."""
    for process in stack.processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for name, process in stack.processes.items():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"{name} ignored SIGTERM for 10 s") from None
        if process.returncode != 0:
            raise RuntimeError(f"{name} exited with {process.returncode} on SIGTERM")
