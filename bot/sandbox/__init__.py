"""A local stand-in for Telegram's Bot API, with Stars payments and a control API."""

from bot.sandbox.app import create_app
from bot.sandbox.config import RateLimit, TelegramSandboxConfig
from bot.sandbox.server import RunningTelegramSandbox, start_telegram_sandbox

__all__ = [
    "RateLimit",
    "RunningTelegramSandbox",
    "TelegramSandboxConfig",
    "create_app",
    "start_telegram_sandbox",
]
