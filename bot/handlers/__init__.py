"""The bot's routers. Order matters: payments first, before any filter; then the shop's
feature routers; the catch-all fallback last."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    admin,
    catalog,
    checkout,
    errors,
    fallback,
    language,
    orders,
    payments,
    region,
    start,
    support,
    topup,
)
from bot.handlers.commands import set_admin_commands, set_bot_commands
from bot.handlers.filters import private_callback, private_message

__all__ = ["build_router", "set_admin_commands", "set_bot_commands"]


def build_router() -> Router:
    root = Router(name=__name__)
    # The error boundary: what any handler below lets escape.
    root.include_router(errors.create_router())
    # Money received is recorded whatever the chat: a forwarded invoice may be paid in a
    # group, and the private-chat filter below would drop its successful_payment.
    root.include_router(payments.create_router())
    shop = Router(name=f"{__name__}.shop")
    # The shop lives in private chats only. Pre-checkout queries carry no chat and
    # pass unfiltered.
    shop.message.filter(private_message)
    shop.callback_query.filter(private_callback)
    shop.include_routers(
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
                topup,
                admin,
                orders,
                support,
                fallback,
            )
        )
    )
    root.include_router(shop)
    return root
