"""The command list Telegram shows in the menu, in English and Russian."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from aiogram import Bot
from aiogram.exceptions import AiogramError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.i18n import LOCALES, translator

log = logging.getLogger(__name__)

# A server that never answers must not hold the start-up for aiogram's whole timeout.
MENU_TIMEOUT_SECONDS = 10.0


def N_(message: str) -> str:
    """Marks a string for extraction (`pybabel extract -k N_`); translated where used."""
    return message


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Main menu")),
    ("catalog", N_("Browse gift cards")),
    ("orders", N_("My orders and codes")),
    ("region", N_("Change region")),
    ("language", N_("Change language")),
    ("help", N_("Help")),
    ("terms", N_("Terms of sale")),
    ("paysupport", N_("Payment support")),
)


def bot_commands(locale: str) -> list[BotCommand]:
    _ = translator(locale).gettext
    return [BotCommand(command=name, description=_(text)) for name, text in COMMANDS]


async def set_bot_commands(bot: Bot) -> bool:
    """Best effort: the menu helps customers, but selling does not need it. A Bot API
    server that lacks setMyCommands (some emulators answer 404, or a page that is not
    JSON) gets a warning, and the bot starts anyway. True if every call succeeded."""
    scope = BotCommandScopeAllPrivateChats()
    try:
        async with asyncio.timeout(MENU_TIMEOUT_SECONDS):
            await bot.set_my_commands(bot_commands("en"), scope=scope)
            for locale in LOCALES:
                await bot.set_my_commands(bot_commands(locale), scope=scope, language_code=locale)
    except (AiogramError, TimeoutError) as exc:
        # Any aiogram failure (API error, network, undecodable answer) or no answer; a
        # programming error still surfaces. The rest of the calls would fail the same way.
        log.warning(
            "command menu not set (%s: %.200s); serving customers without it",
            type(exc).__name__,
            str(exc),
        )
        return False
    return True


# The console's commands, shown only in admins' own chats. Operators read English.
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("admin", "Operations menu"),
    ("balance", "Supplier balance and days of cover"),
    ("stock", "Stock of matching products"),
    ("import", "Import pre-purchased codes (CSV caption)"),
    ("sync", "Catalog sync now"),
    ("orders", "Recent orders (needs_attention first)"),
    ("order", "One order in full"),
    ("refund", "Refund an order"),
    ("resolve", "Settle an order that needs attention"),
    ("credit", "Adjust a customer's store credit"),
    ("stats", "Sales, margin and delivery times"),
    ("export", "Reconciliation export"),
)


def admin_bot_commands(locale: str) -> list[BotCommand]:
    admin = [BotCommand(command=name, description=text) for name, text in ADMIN_COMMANDS]
    # A chat scope replaces the private-chat list there: keep the customer's commands,
    # except /orders, which the console's list describes.
    shop = [c for c in bot_commands(locale) if c.command not in dict(ADMIN_COMMANDS)]
    return admin + shop


async def set_admin_commands(bot: Bot, admin_ids: Collection[int]) -> int:
    """Each admin's chat gets the console's commands (customers never see them).
    Best effort: an admin who never opened the bot has no chat yet. Returns how many
    admins got them."""
    done = 0
    for admin_id in sorted(admin_ids):
        scope = BotCommandScopeChat(chat_id=admin_id)
        try:
            async with asyncio.timeout(MENU_TIMEOUT_SECONDS):
                await bot.set_my_commands(admin_bot_commands("en"), scope=scope)
                for locale in LOCALES:
                    await bot.set_my_commands(
                        admin_bot_commands(locale), scope=scope, language_code=locale
                    )
        except (AiogramError, TimeoutError) as exc:
            log.warning("admin commands not set for %s: %.200s", admin_id, str(exc))
            continue
        done += 1
    return done
