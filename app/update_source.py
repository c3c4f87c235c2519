"""Where updates come from: long polling, or Telegram's webhook when BOT_WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Bot, Dispatcher
from aiohttp import web

from app.runtime import every
from app.telegram_webhook import SeenUpdates, mount_webhook, start_webhook, use_polling
from bot.settings import BotSettings
from storage.database import Database

FORGET_UPDATES_INTERVAL_SECONDS = 3600.0


class UpdateSource:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, settings: BotSettings) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._settings = settings
        self._seen: SeenUpdates | None = None

    @property
    def webhook(self) -> bool:
        return self._settings.webhook_url is not None

    def mount(
        self, app: web.Application, db: Database, on_rejected: Callable[[str], None] | None = None
    ) -> str | None:
        """Webhook mode: the update endpoint on the bot's HTTP server; returns its path."""
        if not self.webhook:
            return None
        self._seen = SeenUpdates(db)
        return mount_webhook(
            app, self._dispatcher, self._bot, self._settings, self._seen, on_rejected
        )

    async def prepare(self) -> None:
        """Tell Telegram how updates are taken: set the webhook, or delete it for polling."""
        if self.webhook:
            await start_webhook(self._bot, self._dispatcher, self._settings)
        else:
            await use_polling(self._bot)

    async def run_until_cancelled(self) -> None:
        if self._seen is not None:
            # The webhook handler does the work; here only the old update ids are pruned.
            await every(FORGET_UPDATES_INTERVAL_SECONDS, self._seen.forget_old, "update ids")
        else:
            await _poll_until_cancelled(self._dispatcher, self._bot)


async def _poll_until_cancelled(dispatcher: Dispatcher, bot: Bot) -> None:
    """Long polling; on cancellation, stop it the way aiogram expects (its in-flight
    getUpdates is then cancelled, not cut off by a closing session)."""
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            allowed_updates=dispatcher.resolve_used_update_types(),
            handle_signals=False,
            close_bot_session=False,
        )
    )
    try:
        await asyncio.shield(polling)
    except asyncio.CancelledError:
        if not polling.done():
            await dispatcher.stop_polling()
        await asyncio.gather(polling, return_exceptions=True)
        raise
