"""Telegram webhook mode: aiogram's request handler on the bot's own aiohttp server.

Telegram POSTs each update to BOT_WEBHOOK_URL with the secret from setWebhook in the
`X-Telegram-Bot-Api-Secret-Token` header. A request without it is refused (401) and not
processed. Telegram redelivers an update it got no 2xx for, so update ids are recorded
durably on receipt: an id seen before is answered 200 and not processed again. The update is
processed after the answer (aiogram's background handling): a successful_payment lost between
the two (a crash) is recovered by the payment ledger from Telegram's own record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from app.errors import ConfigError
from bot.logs import log_context
from bot.settings import BotSettings
from storage.clock import utcnow
from storage.database import Database
from storage.repositories import TelegramUpdateRepository

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram keeps an undelivered update for at most 24 hours: a redelivery is younger.
KEEP_UPDATE_IDS = timedelta(days=1)
SHUTDOWN_GRACE_SECONDS = 5.0


class SeenUpdates:
    """The update ids received by webhook, kept in the database for a day."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_time(self, update_id: int) -> bool:
        async with self._db.transaction() as conn:
            return await TelegramUpdateRepository(conn).record_update(update_id, utcnow())

    async def forget_old(self) -> None:
        async with self._db.transaction() as conn:
            forgotten = await TelegramUpdateRepository(conn).forget_before(
                utcnow() - KEEP_UPDATE_IDS
            )
        if forgotten:
            log.debug("forgot %d Telegram update ids older than a day", forgotten)


class TelegramWebhookHandler(SimpleRequestHandler):
    """aiogram's handler, plus: the secret is required, and a redelivered update is
    acknowledged without being processed again."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        secret_token: str,
        seen: SeenUpdates,
        on_rejected: Callable[[str], None] | None = None,
        **data: Any,
    ) -> None:
        super().__init__(
            dispatcher, bot, handle_in_background=True, secret_token=secret_token, **data
        )
        self._seen = seen
        self._on_rejected = on_rejected or (lambda reason: None)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            log.warning("Telegram webhook request without the right secret from %s", request.remote)
            self._on_rejected("secret")
            return web.json_response({"error": "unauthorized"}, status=401)
        update_id = await _update_id(request)
        if update_id is None:
            self._on_rejected("payload")
            return web.json_response({"error": "not an update"}, status=400)
        if not await self._seen.first_time(update_id):
            with log_context(update_id=update_id):
                log.info("update %s received again; not processed twice", update_id)
            return web.json_response({})
        return await self._handle_request_background(bot=self.bot, request=request)

    async def close(self) -> None:
        """On shutdown: let updates in flight finish (briefly). The bot's session belongs
        to run_bot, which closes it last."""
        in_flight = list(self._background_feed_update_tasks)
        if in_flight:
            _, pending = await asyncio.wait(in_flight, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


async def _update_id(request: web.Request) -> int | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    update_id = body.get("update_id") if isinstance(body, dict) else None
    return update_id if isinstance(update_id, int) and not isinstance(update_id, bool) else None


def mount_webhook(
    app: web.Application,
    dispatcher: Dispatcher,
    bot: Bot,
    settings: BotSettings,
    seen: SeenUpdates,
    on_rejected: Callable[[str], None] | None = None,
) -> str:
    """Route BOT_WEBHOOK_URL's path to the dispatcher; returns the path. `on_rejected`
    is told the reason of each refused request (the metrics count them)."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    path = settings.webhook_url.path or "/"
    if any(resource.canonical == path for resource in app.router.resources()):
        raise ConfigError(f"BOT_WEBHOOK_URL: its path {path} is taken by another endpoint")
    TelegramWebhookHandler(
        dispatcher,
        bot,
        secret_token=settings.webhook_secret.get_secret_value(),
        seen=seen,
        on_rejected=on_rejected,
    ).register(app, path=path)
    setup_application(app, dispatcher, bot=bot)
    return path


async def start_webhook(bot: Bot, dispatcher: Dispatcher, settings: BotSettings) -> None:
    """Ask Telegram to push updates to BOT_WEBHOOK_URL, with the secret and the update
    types the handlers use. Pending updates are kept: they are customers' messages."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    await bot.set_webhook(
        str(settings.webhook_url),
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=dispatcher.resolve_used_update_types(),
        drop_pending_updates=False,
    )
    log.info("webhook set: Telegram pushes updates to %s", settings.webhook_url)


async def use_polling(bot: Bot) -> None:
    """Back to long polling: Telegram refuses getUpdates while a webhook is set."""
    if await bot.delete_webhook(drop_pending_updates=False):
        log.info("webhook deleted (if one was set): long polling")
