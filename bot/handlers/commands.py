"""The command list Telegram shows in the menu, in English and Russian."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import LOCALES, translator


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


async def set_bot_commands(bot: Bot) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(bot_commands("en"), scope=scope)
    for locale in LOCALES:
        await bot.set_my_commands(bot_commands(locale), scope=scope, language_code=locale)
