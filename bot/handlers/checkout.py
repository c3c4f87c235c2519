"""Buy → price quote → invoice → pre-checkout → successful payment."""

from __future__ import annotations

import logging
from contextlib import suppress
from html import escape

from aiogram import Bot, Router
from aiogram.exceptions import AiogramError, TelegramBadRequest
from aiogram.types import CallbackQuery, LabeledPrice, Message, PreCheckoutQuery
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.catalog import sellable_product
from bot.handlers.common import payment_received, stale
from bot.handlers.refusals import refusal_text
from bot.keyboards.callbacks import Buy, PayWithCredit
from bot.keyboards.checkout import credit_confirm_keyboard
from bot.rendering.formatting import format_money, region_lock_line
from bot.rendering.topup import topup_recipient_lines
from bot.services.catalog import CatalogService
from bot.services.checkout import (
    MAX_QUANTITY,
    QUOTE_TTL,
    CheckoutRefused,
    CheckoutService,
    Quote,
    Verdict,
)
from bot.services.fulfilment import FulfilmentService
from bot.services.pricing import STARS
from bot.settings import BotSettings
from storage.models import User

log = logging.getLogger(__name__)

MAX_TITLE = 32  # Telegram's limits on an invoice
MAX_DESCRIPTION = 255
MAX_LABEL = 64


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _invoice_description(quote: Quote, locale: str) -> str:
    lock = region_lock_line(quote.product.region, locale)
    lines = [f"{quote.order.quantity} × {quote.product.name}", lock]
    lines += topup_recipient_lines(quote.order, locale)  # top-ups: who receives it
    if quote.order.credit_used:
        credit = format_money(quote.order.credit_used, quote.order.currency, locale)
        lines.append(_("{amount} of your store credit applied.").format(amount=credit))
    if not quote.order.is_topup:
        lines.append(_("Codes arrive in this chat right after payment."))
    return "\n".join(lines)


def _invoice_label(quote: Quote, locale: str) -> str:
    """The one price line of the invoice; the credit part stays whole when clipped."""
    order = quote.order
    suffix = ""
    if order.credit_used:
        credit = format_money(order.credit_used, order.currency, locale)
        suffix = ", " + _("less {amount} credit").format(amount=credit)
    item = f"{quote.product.name} × {order.quantity}"
    return _clip(item, MAX_LABEL - len(suffix)) + suffix


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
    await offer_quote(callback, bot, checkout, settings, quote, chat_id, i18n.current_locale)


async def offer_quote(
    callback: CallbackQuery,
    bot: Bot,
    checkout: CheckoutService,
    settings: BotSettings,
    quote: Quote,
    chat_id: int,
    locale: str,
) -> None:
    """The invoice for a stored quote, or the credit confirm when credit covers it."""
    if quote.order.amount_due == 0:
        await _offer_credit_payment(callback, bot, checkout, quote, chat_id, locale)
        return
    product = quote.product
    token = settings.payment_provider_token
    try:
        invoice = await bot.send_invoice(
            chat_id=chat_id,
            title=_clip(product.name, MAX_TITLE),
            description=_clip(_invoice_description(quote, locale), MAX_DESCRIPTION),
            payload=quote.order.id,
            currency=checkout.currency,
            prices=[
                LabeledPrice(label=_invoice_label(quote, locale), amount=quote.order.amount_due)
            ],
            provider_token=None
            if checkout.currency == STARS or token is None
            else token.get_secret_value(),
        )
    except AiogramError as exc:
        # The customer never saw an invoice: the quote must not hold credit or be paid.
        log.warning("invoice for order %s not sent: %s", quote.order.id, exc)
        await checkout.drop_quote(quote.order.id)
        await callback.answer(
            _("We could not send the invoice. Please try again in a minute."), show_alert=True
        )
        return
    await checkout.attach_invoice(quote.order.id, invoice.message_id)
    await _note_price_held(bot, chat_id, quote.order.id)
    await callback.answer()


async def _offer_credit_payment(
    callback: CallbackQuery,
    bot: Bot,
    checkout: CheckoutService,
    quote: Quote,
    chat_id: int,
    locale: str,
) -> None:
    """Store credit covers the whole price: a confirm button instead of an invoice."""
    order = quote.order
    price = format_money(order.total_price, order.currency, locale)
    lines = [
        "<b>" + escape(_("Order {order_id}").format(order_id=order.id)) + "</b>",
        f"{order.quantity} × {escape(quote.product.name)}",
        region_lock_line(quote.product.region, locale),
        *(escape(line) for line in topup_recipient_lines(order, locale)),
        "",
        escape(_("Your store credit covers the whole price: {price}.").format(price=price)),
        escape(_("Press the button to pay with it.")),
    ]
    try:
        await bot.send_message(
            chat_id, "\n".join(lines), reply_markup=credit_confirm_keyboard(order.id, locale=locale)
        )
    except AiogramError as exc:
        log.warning("credit confirm for order %s not sent: %s", order.id, exc)
        await checkout.drop_quote(order.id)
        await callback.answer(refusal_text(None), show_alert=True)
        return
    await _note_price_held(bot, chat_id, order.id)
    await callback.answer()


async def _note_price_held(bot: Bot, chat_id: int, order_id: str) -> None:
    minutes = int(QUOTE_TTL.total_seconds() // 60)
    held = _("Order {order_id}: this price is held for {minutes} minutes.").format(
        order_id=order_id, minutes=minutes
    )
    try:
        await bot.send_message(chat_id, "⏱ " + escape(held))
    except AiogramError as exc:  # the invoice itself went out; this note is a courtesy
        log.warning("price note for order %s not sent: %s", order_id, exc)


async def pay_with_credit(
    callback: CallbackQuery,
    callback_data: PayWithCredit,
    bot: Bot,
    checkout: CheckoutService,
    fulfilment: FulfilmentService,
    user: User,
) -> None:
    try:
        record = await checkout.pay_with_credit(user_id=user.id, order_id=callback_data.order_id)
    except CheckoutRefused as refused:
        await callback.answer(refusal_text(refused.reason), show_alert=True)
        return
    if not record.is_new:
        await callback.answer(_("This order is already paid."))
        return
    try:
        await callback.answer()
        if isinstance(callback.message, Message):
            with suppress(TelegramBadRequest):  # the button goes; the text stays
                await callback.message.edit_reply_markup(reply_markup=None)
        await bot.send_message(
            record.order.chat_id,
            payment_received(record.order.id, topup=record.order.is_topup),
        )
    finally:
        fulfilment.schedule(record.order.id)


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
    router.callback_query.register(pay_with_credit, PayWithCredit.filter())
    router.pre_checkout_query.register(pre_checkout)
    return router
