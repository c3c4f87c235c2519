"""Buy → price quote → invoice → pre-checkout → successful payment."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, LabeledPrice, PreCheckoutQuery
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.catalog import sellable_product
from bot.handlers.common import stale
from bot.handlers.refusals import refusal_text
from bot.keyboards.callbacks import Buy
from bot.rendering.formatting import region_lock_line
from bot.services.catalog import CatalogService
from bot.services.checkout import (
    MAX_QUANTITY,
    QUOTE_TTL,
    CheckoutRefused,
    CheckoutService,
    Quote,
    Verdict,
)
from bot.services.pricing import STARS
from bot.settings import BotSettings
from storage.models import User

log = logging.getLogger(__name__)

MAX_TITLE = 32  # Telegram's limits on an invoice
MAX_DESCRIPTION = 255


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _invoice_description(quote: Quote, locale: str) -> str:
    lock = region_lock_line(quote.product.region, locale)
    note = _("Codes arrive in this chat right after payment.")
    return f"{quote.order.quantity} × {quote.product.name}\n{lock}\n{note}"


async def buy(
    callback: CallbackQuery,
    callback_data: Buy,
    bot: Bot,
    catalog: CatalogService,
    checkout: CheckoutService,
    settings: BotSettings,
    user: User,
    i18n: I18n,
) -> None:
    product = await sellable_product(catalog, user, callback_data.sku)
    if product is None or not 1 <= callback_data.quantity <= MAX_QUANTITY:
        return await stale(callback)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    try:
        quote = await checkout.quote(
            user_id=user.id, chat_id=chat_id, sku=product.sku, quantity=callback_data.quantity
        )
    except CheckoutRefused as refused:
        await callback.answer(refusal_text(refused.reason), show_alert=True)
        return
    order = quote.order
    token = settings.payment_provider_token
    invoice = await bot.send_invoice(
        chat_id=chat_id,
        title=_clip(product.name, MAX_TITLE),
        description=_clip(_invoice_description(quote, i18n.current_locale), MAX_DESCRIPTION),
        payload=order.id,
        currency=checkout.currency,
        prices=[
            LabeledPrice(
                label=_clip(f"{product.name} × {order.quantity}", 64), amount=order.total_price
            )
        ],
        provider_token=None
        if checkout.currency == STARS or token is None
        else token.get_secret_value(),
    )
    await checkout.attach_invoice(order.id, invoice.message_id)
    minutes = int(QUOTE_TTL.total_seconds() // 60)
    held = _("Order {order_id}: this price is held for {minutes} minutes.").format(
        order_id=order.id, minutes=minutes
    )
    await bot.send_message(chat_id, "⏱ " + escape(held))
    await callback.answer()


async def pre_checkout(query: PreCheckoutQuery, checkout: CheckoutService) -> None:
    try:
        verdict = await checkout.pre_checkout(
            user_id=query.from_user.id,
            payload=query.invoice_payload,
            currency=query.currency,
            total_amount=query.total_amount,
        )
    except Exception:
        # Unanswered, the query would hang the customer's payment sheet for 10 s.
        log.exception("pre-checkout of %s failed", query.invoice_payload)
        verdict = Verdict(ok=False)
    if verdict.ok:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=refusal_text(verdict.reason))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(buy, Buy.filter())
    router.pre_checkout_query.register(pre_checkout)
    return router
