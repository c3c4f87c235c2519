"""`giftbot demo`'s two suppliers: two sandbox suppliers in-process with different keys,
the second 5 % dearer, written to a generated SUPPLIERS_FILE the bot then reads like an
operator's. Routing, failover and the per-supplier screens can be tried offline."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import SecretStr

from sandbox.supplier.config import SandboxConfig, generate_webhook_secret
from sandbox.supplier.server import start_sandbox

# name, price factor: the first is cheaper, so it fills orders until it cannot.
DEMO_SUPPLIERS = (("primary", 1.0), ("backup", 1.05))


def free_port() -> int:
    """A port for the bot's HTTP server, known before it starts: the sandboxes' webhook URLs
    name it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)


def _write(path: Path, tables: list[str]) -> Path:
    # Keys and secrets of local sandboxes, made for this run: still, owner-only.
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text("# Written by `giftbot demo` at each start.\n\n" + "\n".join(tables))
    return path


@asynccontextmanager
async def demo_suppliers(data_dir: Path, webhook_base: str) -> AsyncIterator[Path]:
    """Start the sandboxes; yield the SUPPLIERS_FILE that names them."""
    _ensure(data_dir)  # the sandboxes keep their state there
    running = []
    tables = []
    try:
        for priority, (name, factor) in enumerate(DEMO_SUPPLIERS):
            key = f"sk_demo_{name}_{secrets.token_hex(8)}"
            secret = generate_webhook_secret()
            sandbox = await start_sandbox(
                SandboxConfig(
                    api_key=SecretStr(key),
                    webhook_url=f"{webhook_base}/{name}",
                    webhook_secret=secret,
                    price_factor=factor,
                    state_file=data_dir / f"supplier-{name}.json",
                )
            )
            running.append(sandbox)
            tables.append(
                f'[[supplier]]\nname = "{name}"\nurl = "{sandbox.url}"\napi_key = "{key}"\n'
                f'webhook_secret = "{secret.get_secret_value()}"\npriority = {priority * 10}\n'
            )
        yield _write(data_dir / "demo-suppliers.toml", tables)
    finally:
        for sandbox in running:
            await sandbox.close()
