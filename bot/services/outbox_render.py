"""What an outbox row says, rendered at send time in its reader's language.

Deliveries are rendered from the sealed codes when they are sent, so the outbox itself
never holds a code. Rendering is deterministic for a given order, which is what lets a
codes message split in parts resume from the first part not yet sent.
"""

from __future__ import annotations

import json

from aiogram.utils.i18n import I18n

from bot.rendering import OutgoingMessage, render_delivery, render_notice
from bot.rendering.alerts import render_alert
from bot.rendering.topup import render_topup_delivery
from bot.services.alerts import OUTBOX_KIND as ALERT
from bot.services.order_queries import OrderQueries
from storage.database import Database
from storage.models import OutboxMessage
from storage.repositories import OrderRepository, UserRepository

CODES = "codes"
NOTICE = "notice"


class OutboxRenderer:
    def __init__(self, db: Database, orders: OrderQueries, i18n: I18n) -> None:
        self._db = db
        self._orders = orders
        self._i18n = i18n

    async def render(self, message: OutboxMessage) -> list[OutgoingMessage]:
        """The parts of `message`, in order; ValueError for a row that cannot be sent."""
        if message.kind == ALERT:
            return [await self._alert(message)]
        if message.order_id is None:
            raise ValueError(f"outbox message {message.id} has no order")
        async with self._db.read() as conn:
            order = await OrderRepository(conn).get_order(message.order_id)
            user = await UserRepository(conn).get_user(order.user_id)
        if order.chat_id != message.chat_id:
            # Codes go to the chat the order was placed in, and nowhere else.
            raise ValueError(f"outbox message {message.id} is not for order {order.id}'s chat")
        details = await self._orders.details_for_user(order.user_id, order.id)
        assert details is not None  # the owner always sees their own order
        locale = self._locale(user.language)
        if message.kind == CODES:
            if details.order.is_topup:  # the account was credited: a confirmation, no code
                return render_topup_delivery(details, locale=locale)
            return render_delivery(details, locale=locale)
        if message.kind == NOTICE:
            notice = json.loads(message.payload)["notice"]
            return [render_notice(notice, details.order, details.product, locale=locale)]
        raise ValueError(f"unknown outbox kind {message.kind!r}")

    async def _alert(self, message: OutboxMessage) -> OutgoingMessage:
        # The admin may never have written to the bot: then the shop's default language.
        async with self._db.read() as conn:
            admin = await UserRepository(conn).find_user(message.chat_id)
        payload = json.loads(message.payload)
        return render_alert(payload, locale=self._locale(admin.language if admin else None))

    def _locale(self, language: str | None) -> str:
        if language:
            base = language.split("-")[0].lower()
            if base in self._i18n.available_locales:
                return base
        return self._i18n.default_locale
