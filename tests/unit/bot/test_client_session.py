"""Bot API response models stay built between calls."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import GetMyName, GetMyShortDescription, TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import BotName, BotShortDescription

from app.client_session import BotSession

TOKEN = "42:TEST"


def _model_survives(session: AiohttpSession, method: TelegramMethod[Any], result: str) -> bool:
    bot = Bot(TOKEN, session=session)
    answer = session.check_response(bot, method, 200, '{"ok": true, "result": ' + result + "}")
    assert answer.ok
    model = weakref.ref(type(answer))
    del answer
    gc.collect()
    return model() is not None


async def test_a_response_model_used_once_is_kept() -> None:
    assert _model_survives(BotSession(), GetMyShortDescription(), '{"short_description": "x"}')
    assert Response[BotShortDescription] is Response[BotShortDescription]


async def test_without_it_pydantic_drops_the_model() -> None:
    """The reason for BotSession: the model goes with its last reference."""
    assert isinstance(BotName, type)  # a return type no other test keeps alive
    assert not _model_survives(AiohttpSession(), GetMyName(), '{"name": "x"}')
