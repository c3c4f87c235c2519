"""Chooses each update's locale: the customer's choice, else Telegram's, else the default."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.i18n import match_locale
from storage.models import User


class LocaleMiddleware(I18nMiddleware):
    def __init__(self, i18n: I18n, *, default_locale: str) -> None:
        super().__init__(i18n)
        self._default_locale = default_locale

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("user")
        sender: TelegramUser | None = data.get("event_from_user")
        available = self.i18n.available_locales
        for code in (user and user.language, sender and sender.language_code):
            locale = match_locale(code or None, available)
            if locale is not None:
                return locale
        return self._default_locale if self._default_locale in available else "en"
