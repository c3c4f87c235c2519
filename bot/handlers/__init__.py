"""The bot's routers. Order matters: feature routers first, the catch-all fallback last."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.handlers import (
    catalog,
    checkout,
    errors,
    fallback,
    language,
    orders,
    region,
    start,
    support,
)
from bot.handlers.commands import set_bot_commands

__all__ = ["build_router", "set_bot_commands"]


def build_router() -> Router:
    root = Router(name=__name__)
    # The error boundary: what any handler below lets escape.
    root.include_router(errors.create_router())
    # The shop lives in private chats only. Pre-checkout queries carry no chat and
    # pass unfiltered.
    root.message.filter(F.chat.type == ChatType.PRIVATE)
    root.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    root.include_routers(
        *(
            feature.create_router()
            for feature in (start, region, language, catalog, checkout, orders, support, fallback)
        )
    )
    return root
