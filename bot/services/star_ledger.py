"""Telegram's record of Stars payments and refunds (getStarTransactions), as finance reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiogram import Bot
from aiogram.types import TransactionPartnerUser

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class StarTransaction:
    charge_id: str
    user_id: int
    amount: int  # Stars
    payload: str | None
    at: datetime
    refund: bool  # True: Stars going back to the user


class StarLedger(Protocol):
    async def transactions(self) -> list[StarTransaction]: ...


class BotStarLedger:
    """Walks the whole history page by page; a customer payment has a user as its source,
    a refund a user as its receiver (the charge id is the payment's)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def transactions(self) -> list[StarTransaction]:
        found: list[StarTransaction] = []
        offset = 0
        while True:
            page = await self._bot.get_star_transactions(offset=offset, limit=PAGE_SIZE)
            for tx in page.transactions:
                for partner, refund in ((tx.source, False), (tx.receiver, True)):
                    if isinstance(partner, TransactionPartnerUser):
                        found.append(
                            StarTransaction(
                                charge_id=tx.id,
                                user_id=partner.user.id,
                                amount=tx.amount,
                                payload=partner.invoice_payload,
                                at=tx.date,
                                refund=refund,
                            )
                        )
            offset += len(page.transactions)
            if len(page.transactions) < PAGE_SIZE:
                return found
