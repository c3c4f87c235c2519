"""The Bot API session, with the response models aiogram parses into kept alive.

aiogram parses every Bot API answer with `Response[method.__returning__]`, a pydantic
generic model. pydantic caches each parametrised model in a WeakValueDictionary, so one
that nothing else holds is collected and built again on the next call: about 2 ms of CPU
each time (issue 11: ~6 % of the bot's profile), against 1 µs for a cached one. Holding a
reference to each one this process has used keeps it built (a few dozen, ~20 Bot API
methods in all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

_kept: dict[Any, type[Response[Any]]] = {}


class BotSession(AiohttpSession):
    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in _kept:
            _kept[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
