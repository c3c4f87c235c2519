"""`giftbot supplier-sandbox`: the sandbox supplier as a standalone server."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

from pydantic import ValidationError

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.persistence import SnapshotError
from sandbox.supplier.server import start_sandbox
from supplier.settings import SANDBOX_API_KEY

logger = logging.getLogger(__name__)

# flag -> SandboxConfig field; unset flags fall back to SANDBOX_* variables, then defaults.
_KNOBS: tuple[tuple[str, type, str], ...] = (
    ("latency-min-ms", int, "added latency, lower bound"),
    ("latency-max-ms", int, "added latency, upper bound"),
    ("pending-probability", float, "share of catalog orders that go pending first"),
    ("failure-probability", float, "share of catalog orders that fail"),
    ("rate-limit-per-minute", int, "requests per minute per key (0 = off)"),
    ("webhook-time-scale", float, "divides the webhook retry schedule"),
    ("pending-delay-seconds", float, "time an order stays pending"),
    ("refund-later-seconds", float, "test-refund-later: time until the refund"),
    ("slow-delay-seconds", float, "test-slow: time the response is held"),
    ("retry-after-seconds", float, "test-429: Retry-After value"),
    ("starting-balance", int, "opening balance in USD cents"),
    ("price-factor", float, "multiplies every wholesale unit price (default 1.0)"),
    ("seed", int, "fixes FX drift, codes and chance"),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "supplier-sandbox",
        help="run the sandbox supplier API",
        description="Serve the sandbox supplier API (see docs/supplier-api.md). Every option "
        "can also be set as SANDBOX_<NAME> in the environment.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port (default 8081)")
    parser.add_argument("--api-key", help="bearer key (SANDBOX_API_KEY)")
    parser.add_argument("--webhook-url", help="where events are POSTed (SANDBOX_WEBHOOK_URL)")
    parser.add_argument("--webhook-secret", help="whsec_ secret (SANDBOX_WEBHOOK_SECRET)")
    parser.add_argument("--state-file", help="JSON file kept across restarts")
    for flag, kind, text in _KNOBS:
        parser.add_argument(f"--{flag}", type=kind, help=text)
    parser.set_defaults(handler=run)


def _config(args: argparse.Namespace) -> SandboxConfig:
    names = ["api_key", "webhook_url", "webhook_secret", "state_file"]
    names += [flag.replace("-", "_") for flag, _, _ in _KNOBS]
    overrides: dict[str, Any] = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    return SandboxConfig(**overrides)


def _describe(config: SandboxConfig, url: str) -> str:
    # Only values the operator did not choose are shown in full: the public development
    # key, and a generated webhook secret that the receiver must be given.
    key = config.api_key.get_secret_value()
    secret = config.webhook_secret.get_secret_value()
    values = config.model_dump(exclude={"api_key", "webhook_secret"})
    lines = [f"supplier sandbox listening on {url} (API base {url}/v1)"]
    lines.append(f"  api_key = {key if key == SANDBOX_API_KEY else '(set)'}")
    generated = "webhook_secret" not in config.model_fields_set
    lines.append(f"  webhook_secret = {secret + ' (generated)' if generated else '(set)'}")
    lines += [f"  {name} = {value}" for name, value in values.items()]
    return "\n".join(lines)


async def _serve(config: SandboxConfig, host: str, port: int) -> None:
    sandbox = await start_sandbox(config, host, port)
    print(_describe(config, sandbox.url), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # SIGTERM (a service manager, docker stop) ends it as cleanly as Ctrl+C: the state
    # file gets its last write.
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.close()


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "SANDBOX_" + ".".join(str(p) for p in first["loc"]).upper()
        print(f"giftbot: configuration error: {name}: {first['msg']}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(config, args.host, args.port))
    except (SnapshotError, OSError) as exc:  # a bad state file, or the port is taken
        print(f"giftbot: supplier-sandbox: {exc}", file=sys.stderr)
        return 1
    return 0
