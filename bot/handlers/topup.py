"""Game top-ups: Top up → player id → the supplier names the player → Confirm → quote.

One FSM state per step. The player id is checked for shape here and then with the
supplier; any refusal keeps the customer on the same step with a reason, so sending the
id again is the retry. No quote (and so no invoice) exists before Confirm.
"""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.catalog import sellable_product
from bot.handlers.checkout import offer_quote
from bot.handlers.common import show, stale
from bot.handlers.refusals import refusal_text
from bot.keyboards.topup import (
    TopupAction,
    TopupStart,
    TopupStep,
    cancel_keyboard,
    confirm_keyboard,
)
from bot.rendering.topup import ask_player_id, confirm_player, problem_text
from bot.services.catalog import CatalogService
from bot.services.checkout import CheckoutRefused, CheckoutService
from bot.services.topups import TopupProblem, TopupRefused, TopupService, ValidatedPlayer
from bot.settings import BotSettings
from storage.models import User

log = logging.getLogger(__name__)


class TopupFlow(StatesGroup):
    player_id = State()  # waiting for the player id as a text message
    confirm = State()  # the supplier named the player; waiting for Confirm / Change


async def start(
    callback: CallbackQuery,
    callback_data: TopupStart,
    state: FSMContext,
    catalog: CatalogService,
    user: User,
    i18n: I18n,
) -> None:
    product = await sellable_product(catalog, user, callback_data.sku)
    if product is None or not product.is_topup:
        return await stale(callback)
    await state.set_state(TopupFlow.player_id)
    await state.set_data({"sku": product.sku})
    locale = i18n.current_locale
    await show(callback, ask_player_id(product, locale), cancel_keyboard(locale))


async def player_id_sent(
    message: Message,
    state: FSMContext,
    catalog: CatalogService,
    topups: TopupService,
    user: User,
    i18n: I18n,
) -> None:
    locale = i18n.current_locale
    product = await sellable_product(catalog, user, str((await state.get_data()).get("sku")))
    if product is None:
        await state.clear()
        await message.answer(escape(problem_text(TopupProblem.NOT_A_TOPUP, locale)))
        return
    try:
        player = await topups.validate(product, message.text or "")
    except TopupRefused as refused:
        # Same step: sending the id again is the retry path.
        await message.answer(
            "⚠️ " + escape(problem_text(refused.problem, locale)),
            reply_markup=cancel_keyboard(locale),
        )
        return
    await state.set_state(TopupFlow.confirm)
    await state.update_data(
        player_id=player.player_id, player_name=player.display_name, region=player.region
    )
    await message.answer(
        confirm_player(product, player, locale), reply_markup=confirm_keyboard(locale)
    )


async def not_text(message: Message, i18n: I18n) -> None:
    await message.answer(
        escape(problem_text(TopupProblem.EMPTY, i18n.current_locale)),
        reply_markup=cancel_keyboard(i18n.current_locale),
    )


async def confirm(
    callback: CallbackQuery,
    state: FSMContext,
    bot: Bot,
    catalog: CatalogService,
    checkout: CheckoutService,
    settings: BotSettings,
    user: User,
    i18n: I18n,
) -> None:
    data = await state.get_data()
    player = _player(data)
    product = await sellable_product(catalog, user, player.sku) if player else None
    if player is None or product is None:
        await state.clear()
        return await stale(callback)
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    try:
        quote = await checkout.quote(
            user_id=user.id,
            chat_id=chat_id,
            sku=product.sku,
            quantity=1,
            player_id=player.player_id,
            player_name=player.display_name,
        )
    except CheckoutRefused as refused:
        await callback.answer(refusal_text(refused.reason), show_alert=True)
        return
    # The quote holds the player now; a second Confirm press finds no state (stale).
    await state.clear()
    await offer_quote(callback, bot, checkout, settings, quote, chat_id, i18n.current_locale)


async def change(
    callback: CallbackQuery, state: FSMContext, catalog: CatalogService, user: User, i18n: I18n
) -> None:
    product = await sellable_product(catalog, user, str((await state.get_data()).get("sku")))
    if product is None:
        await state.clear()
        return await stale(callback)
    await state.set_state(TopupFlow.player_id)
    await state.set_data({"sku": product.sku})
    locale = i18n.current_locale
    await show(callback, ask_player_id(product, locale), cancel_keyboard(locale))


async def cancel_button(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, escape(_("Top-up cancelled.")))


async def cancel_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(escape(_("Top-up cancelled.")))


def _player(data: dict[str, object]) -> ValidatedPlayer | None:
    fields = [data.get(key) for key in ("sku", "player_id", "player_name", "region")]
    if not all(isinstance(value, str) for value in fields):
        return None
    sku, player_id, name, region = (str(value) for value in fields)
    return ValidatedPlayer(sku=sku, player_id=player_id, display_name=name, region=region)


async def plain_text(message: Message) -> bool:
    """Text that is not a command (coroutine filters: see bot/handlers/filters.py)."""
    return bool(message.text) and not (message.text or "").startswith("/")


async def no_text(message: Message) -> bool:
    return not message.text


def create_router() -> Router:
    router = Router(name=__name__)
    flow = StateFilter(TopupFlow)
    router.message.register(cancel_command, Command("cancel"), flow)
    router.callback_query.register(start, TopupStart.filter())
    router.callback_query.register(cancel_button, TopupStep.filter(F.action == TopupAction.CANCEL))
    router.callback_query.register(
        confirm, TopupStep.filter(F.action == TopupAction.CONFIRM), StateFilter(TopupFlow.confirm)
    )
    router.callback_query.register(
        change, TopupStep.filter(F.action == TopupAction.CHANGE), StateFilter(TopupFlow.confirm)
    )
    # Any other command leaves the step to its own handler: only plain text is an id.
    router.message.register(player_id_sent, StateFilter(TopupFlow.player_id), plain_text)
    router.message.register(not_text, StateFilter(TopupFlow.player_id), no_text)
    return router
