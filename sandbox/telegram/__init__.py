"""A local stand-in for Telegram's Bot API, with Stars payments and a control API.

Bot side: `{url}/bot{token}/{method}` (bot_api, registry; methods_messages, methods_bot,
updates, invoices, payments), shaped and limited as Telegram does (entities, markup_*,
keyboards, flood). User side, under `/sandbox/` (control, admin, events): users, send,
press, pay, the chat transcript, Star transactions, faults, runtime config, files, and a
Server-Sent Events stream; `driver.SandboxClient` wraps it for tests and benchmarks.
All state lives in `state.Sandbox`, one per app.
"""

from sandbox.telegram.app import create_app
from sandbox.telegram.config import RateLimit, TelegramSandboxConfig
from sandbox.telegram.server import RunningTelegramSandbox, start_telegram_sandbox

__all__ = [
    "RateLimit",
    "RunningTelegramSandbox",
    "TelegramSandboxConfig",
    "create_app",
    "start_telegram_sandbox",
]
