"""Who may use the console (ADMIN_IDS), and the audit trail of everything they do there."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.types import User as TelegramUser

from bot.services.audit import AuditTrail
from bot.settings import BotSettings

log = logging.getLogger(__name__)

MAX_ARGS = 300


class IsAdmin(Filter):
    """True for ADMIN_IDS only. Everyone else's admin command or button falls through to
    the ordinary routers, so it looks like any unknown input."""

    async def __call__(self, event: TelegramObject, settings: BotSettings) -> bool:
        sender: TelegramUser | None = getattr(event, "from_user", None)
        return sender is not None and sender.id in settings.admin_ids


def describe(event: TelegramObject) -> tuple[str, str]:
    """(action, arguments) of an admin message or button press."""
    if isinstance(event, Message):
        # A document's caption carries its command (/import SKU).
        command, _, args = (event.text or event.caption or "").partition(" ")
        return command.lstrip("/").split("@")[0] or "message", args.strip()[:MAX_ARGS]
    if isinstance(event, CallbackQuery):
        data = event.data or ""
        return "button:" + data.split(":")[0], data[:MAX_ARGS]
    return type(event).__name__, ""


class AuditMiddleware(BaseMiddleware):
    """Records who did what, when, with which arguments, and the result (what the handler
    returned, or the error it raised), after every admin handler."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        audit: AuditTrail = data["audit"]
        action, args = describe(event)
        try:
            result = await handler(event, data)
        except Exception as exc:
            if sender is not None:
                await audit.record(sender.id, action, args, f"error: {type(exc).__name__}")
            raise
        if sender is not None:
            await audit.record(sender.id, action, args, str(result or "ok"))
        return result
