"""The bot's routers. Order matters: feature routers first, the catch-all fallback last."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.handlers import (
    admin,
    catalog,
    checkout,
    fallback,
    language,
    orders,
    region,
    start,
    support,
)
from bot.handlers.commands import set_admin_commands, set_bot_commands

__all__ = ["build_router", "set_admin_commands", "set_bot_commands"]


def build_router() -> Router:
    root = Router(name=__name__)
    # The shop lives in private chats only. Pre-checkout queries carry no chat and
    # pass unfiltered.
    root.message.filter(F.chat.type == ChatType.PRIVATE)
    root.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    root.include_routers(
        *(
            feature.create_router()
            # The console (admins only) comes before the customer's /orders, which its
            # /orders [status] replaces for admins; everyone else falls through it.
            for feature in (
                start,
                region,
                language,
                catalog,
                checkout,
                admin,
                orders,
                support,
                fallback,
            )
        )
    )
    return root
