"""successful_payment, from any chat: stored first, then answered.

This router sits before every routing filter (bot/handlers/__init__.py): a payment is
money received, wherever the invoice was paid (a forwarded invoice paid in a group
included), and it must never fall through a filter unrecorded.
"""

from __future__ import annotations

import logging
from html import escape

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.handlers import filters
from bot.handlers.common import payment_received
from bot.services.fulfilment import FulfilmentService
from bot.services.payments import IncomingPayment, PaymentIntake, PaymentSource
from storage.repositories import PaymentStatus

log = logging.getLogger(__name__)

_REFUNDING = frozenset(
    {PaymentStatus.REFUND_OWED, PaymentStatus.REFUNDED, PaymentStatus.REFUND_FAILED}
)


async def successful_payment(
    message: Message, payments: PaymentIntake, fulfilment: FulfilmentService
) -> None:
    payment = message.successful_payment
    if payment is None or message.from_user is None:
        return
    intake = await payments.take(
        IncomingPayment(
            charge_id=payment.telegram_payment_charge_id,
            provider_charge_id=payment.provider_payment_charge_id or None,
            user_id=message.from_user.id,
            currency=payment.currency,
            amount=payment.total_amount,
            payload=payment.invoice_payload,
            paid_at=message.date,
            source=PaymentSource.UPDATE,
        )
    )
    if not intake.is_new:
        return  # a repeated update, or the ledger took it first: handled once already
    if intake.status is PaymentStatus.APPLIED and intake.order is not None:
        try:
            await message.answer(payment_received(intake.order.id, topup=intake.order.is_topup))
        finally:
            fulfilment.schedule(intake.order.id)
    elif intake.status in _REFUNDING:
        await message.answer(
            "↩️ " + escape(_("We could not match this payment to an order. It is being refunded."))
        )
    else:  # unmatched, or a card payment a person refunds
        await message.answer(
            "ℹ️ "
            + escape(_("We could not match this payment to an order. Support will contact you."))
        )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(successful_payment, filters.successful_payment)
    return router
