"""`create_app`: the Bot API, the control API, its event stream and the web chat, in one app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from sandbox.telegram import admin, control, events
from sandbox.telegram.bot_api import SANDBOX, handle_bot_api
from sandbox.telegram.config import TelegramSandboxConfig
from sandbox.telegram.control_common import control_errors
from sandbox.telegram.state import Sandbox
from sandbox.telegram.updates import stop_webhooks

# Telegram accepts uploads of up to 50 MB through the Bot API.
MAX_UPLOAD = 50 * 1024 * 1024


def create_app(config: TelegramSandboxConfig | None = None) -> web.Application:
    app = web.Application(middlewares=[control_errors], client_max_size=MAX_UPLOAD)
    sandbox = Sandbox(config or TelegramSandboxConfig())
    app[SANDBOX] = sandbox
    app.router.add_route("*", "/bot{token}/{method}", handle_bot_api)
    app.add_routes(control.routes)
    app.add_routes(admin.routes)
    app.add_routes(events.routes)
    if admin.STATIC_DIR.is_dir():
        app.router.add_static("/static", admin.STATIC_DIR)
    app.cleanup_ctx.append(_webhook_client)
    app.on_shutdown.append(_wake_waiters)
    return app


async def _webhook_client(app: web.Application) -> AsyncIterator[None]:
    sandbox = app[SANDBOX]
    async with aiohttp.ClientSession() as session:
        sandbox.http = session
        yield
        await stop_webhooks(sandbox)
        sandbox.http = None


async def _wake_waiters(app: web.Application) -> None:
    """Long polls and event streams end at once, so shutdown does not wait for them."""
    sandbox = app[SANDBOX]
    sandbox.closing.set()
    sandbox.wake_all()
