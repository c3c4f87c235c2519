"""Run the sandbox inside another program's event loop (the bot's embedded default, tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiohttp import web

from sandbox.supplier.app import create_app
from sandbox.supplier.config import SandboxConfig

SHUTDOWN_TIMEOUT: Final = 2.0


@dataclass(slots=True)
class RunningSandbox:
    url: str  # base URL without /v1, e.g. http://127.0.0.1:54321
    app: web.Application
    runner: web.AppRunner

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(
    config: SandboxConfig, host: str = "127.0.0.1", port: int = 0
) -> RunningSandbox:
    """Serve the sandbox on host:port (0 picks a free port) until `close()`."""
    app = create_app(config)
    # A held test-slow response must not keep the host program from exiting for long.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = runner.addresses[0][1]
    url_host = f"[{host}]" if ":" in host else host
    return RunningSandbox(url=f"http://{url_host}:{bound_port}", app=app, runner=runner)
