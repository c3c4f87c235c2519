"""Run the sandbox on a socket, in-process (tests, `giftbot demo`) or alone (the CLI)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from sandbox.telegram.app import create_app
from sandbox.telegram.bot_api import SANDBOX
from sandbox.telegram.config import TelegramSandboxConfig
from sandbox.telegram.state import Sandbox

logger = logging.getLogger(__name__)


@dataclass
class RunningTelegramSandbox:
    url: str
    runner: web.AppRunner

    @property
    def sandbox(self) -> Sandbox:
        return self.runner.app[SANDBOX]

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_telegram_sandbox(
    config: TelegramSandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningTelegramSandbox:
    """Start serving; `port=0` picks a free port, and `.url` says which."""
    runner = web.AppRunner(create_app(config), shutdown_timeout=5.0, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[-1][1]  # the real port when 0 asked for any free one
    url = f"http://{host}:{bound_port}"
    logger.info("Telegram sandbox listening on %s", url)
    return RunningTelegramSandbox(url=url, runner=runner)
