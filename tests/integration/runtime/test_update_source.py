"""Webhook or polling: what the bot tells Telegram, and durable update ids across a restart."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher

from app.errors import ConfigError
from app.telegram_webhook import SeenUpdates
from app.update_source import UpdateSource
from app.web.app import create_app
from bot.handlers import build_router
from bot.settings import BotSettings
from sandbox.telegram import RunningTelegramSandbox
from storage.settings import StorageSettings
from storage.store import Storage, open_storage

SECRET = "webhook-secret_123"


def webhook_settings(settings: BotSettings, url: str) -> BotSettings:
    return BotSettings(
        BOT_TOKEN=settings.bot_token,
        TELEGRAM_API_URL=settings.telegram_api_url,
        BOT_WEBHOOK_URL=url,
        BOT_WEBHOOK_SECRET=SECRET,
        _env_file=None,
    )


def dispatcher() -> Dispatcher:
    dp = Dispatcher()
    dp.include_router(build_router())
    return dp


async def test_webhook_mode_sets_the_webhook_with_secret_and_used_updates(
    bot: Bot, settings: BotSettings, sandbox: RunningTelegramSandbox
) -> None:
    hooked = webhook_settings(settings, "http://127.0.0.1:9/tg")
    dp = dispatcher()
    await UpdateSource(dp, bot, hooked).prepare()
    hook = sandbox.sandbox.bots[bot.id].webhook
    assert hook is not None and hook.url == "http://127.0.0.1:9/tg"
    assert hook.secret_token == SECRET
    assert set(hook.allowed_updates or []) == set(dp.resolve_used_update_types())
    assert {"message", "callback_query", "pre_checkout_query"} <= set(hook.allowed_updates or [])


async def test_polling_mode_deletes_a_webhook_left_from_before(
    bot: Bot, settings: BotSettings, sandbox: RunningTelegramSandbox
) -> None:
    await bot.set_webhook("http://127.0.0.1:9/old", secret_token=SECRET)
    await UpdateSource(dispatcher(), bot, settings).prepare()
    assert sandbox.sandbox.bots[bot.id].webhook is None
    assert await bot.get_updates(timeout=0) == []  # no 409 Conflict: polling works


async def test_webhook_path_taken_by_another_endpoint_is_a_config_error(
    bot: Bot, settings: BotSettings, storage: Storage
) -> None:
    hooked = webhook_settings(settings, "https://shop.example/health")
    app = create_app(None, events=None)  # type: ignore[arg-type]  # no webhook route used here
    routes_before = len(app.router.routes())
    with pytest.raises(ConfigError, match="BOT_WEBHOOK_URL: its path /health is taken"):
        UpdateSource(dispatcher(), bot, hooked).mount(app, storage.db)
    assert len(app.router.routes()) == routes_before


async def test_update_ids_survive_a_restart(storage_settings: StorageSettings) -> None:
    first = await open_storage(storage_settings)
    try:
        assert await SeenUpdates(first.db).first_time(77) is True
    finally:
        await first.close()
    second = await open_storage(storage_settings)
    try:
        assert await SeenUpdates(second.db).first_time(77) is False
        assert await SeenUpdates(second.db).first_time(78) is True
    finally:
        await second.close()
