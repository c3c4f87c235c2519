"""Stars refunds through the Bot API, with Telegram's answers sorted into what we do next."""

from __future__ import annotations

import logging
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

log = logging.getLogger(__name__)


class RefundUnavailable(Exception):
    """Telegram could not be asked now; try again later."""


class RefundRejected(Exception):
    """Telegram refused the refund for good; a person must look at it."""


class Refunder(Protocol):
    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        """Refund the whole charge; return normally if it is (already) refunded."""


class TelegramRefunder:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        try:
            await self._bot.refund_star_payment(
                user_id=user_id, telegram_payment_charge_id=telegram_charge_id
            )
        except TelegramBadRequest as exc:
            # A retry after a crash finds the first refund done: that is success.
            if "CHARGE_ALREADY_REFUNDED" in exc.message:
                log.info("charge of user %s was already refunded", user_id)
                return
            raise RefundRejected(exc.message) from exc
        except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as exc:
            raise RefundUnavailable(str(exc)) from exc
        except TelegramAPIError as exc:
            raise RefundRejected(exc.message) from exc
