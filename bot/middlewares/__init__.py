"""Middlewares, in the order they wrap an update: the log context, throttling, the user
record, the locale."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n

from bot.middlewares.locale import LocaleMiddleware
from bot.middlewares.log_context import LogContextMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.middlewares.user import UserMiddleware
from bot.settings import BotSettings

__all__ = [
    "LocaleMiddleware",
    "LogContextMiddleware",
    "ThrottlingMiddleware",
    "UserMiddleware",
    "setup_middlewares",
]


def setup_middlewares(dp: Dispatcher, *, i18n: I18n, settings: BotSettings) -> None:
    # First on `update` (after aiogram's own), so every line of the update carries its ids.
    dp.update.outer_middleware(LogContextMiddleware())
    # Throttling comes first so a flood costs no database writes. Pre-checkout queries
    # are never throttled: an unanswered one cancels a customer's payment.
    throttling = ThrottlingMiddleware(
        float(settings.throttle_per_second),
        locales=i18n.available_locales,
        default_locale=settings.default_language,
    )
    dp.message.outer_middleware(throttling)
    dp.callback_query.outer_middleware(throttling)
    user = UserMiddleware()
    for observer in (dp.message, dp.callback_query, dp.pre_checkout_query):
        observer.outer_middleware(user)
    LocaleMiddleware(i18n, default_locale=settings.default_language).setup(dp)
