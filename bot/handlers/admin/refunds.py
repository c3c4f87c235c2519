"""/refund <id> (with a confirm button) and /resolve <id> for orders that need attention."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.keyboards.admin import (
    AdminRefund,
    AdminRefundAsk,
    AdminResolve,
    refund_confirm_keyboard,
    resolve_keyboard,
)
from bot.rendering.admin_orders import action_text, refund_prompt, resolve_prompt
from bot.services.order_actions import REFUND_PLANS, OrderActions, Resolution
from storage.models import OrderStatus

RESOLVE_USAGE = "Usage: /resolve &lt;id&gt; [retry|refund|refunded|delivered] [note]"


async def ask_refund(bot: Bot, chat_id: int, actions: OrderActions, order_id: str) -> str:
    order = await actions.find(order_id.strip().upper())
    if order is None:
        await bot.send_message(chat_id, "No such order. Usage: /refund &lt;id&gt;")
        return "not found"
    keyboard = (
        refund_confirm_keyboard(order.id, order.status) if order.status in REFUND_PLANS else None
    )
    await bot.send_message(chat_id, refund_prompt(order), reply_markup=keyboard)
    return f"asked ({order.status.value})"


async def refund_command(
    message: Message, command: CommandObject, bot: Bot, actions: OrderActions
) -> str:
    if not command.args:
        await message.answer("Usage: /refund &lt;id&gt;")
        return "usage"
    return await ask_refund(bot, message.chat.id, actions, command.args)


async def refund_ask_button(
    callback: CallbackQuery, callback_data: AdminRefundAsk, bot: Bot, actions: OrderActions
) -> str:
    await callback.answer()
    return await ask_refund(bot, callback.from_user.id, actions, callback_data.order_id)


async def refund_confirm(
    callback: CallbackQuery, callback_data: AdminRefund, bot: Bot, actions: OrderActions
) -> str:
    # Answer first: a refund may take a few seconds and Telegram wants the answer soon.
    await callback.answer("Working on it…")
    result = await actions.refund(
        callback_data.order_id, seen=callback_data.seen, admin_id=callback.from_user.id
    )
    await bot.send_message(callback.from_user.id, action_text(result))
    status = result.order.status.value if result.order else "-"
    return f"{result.outcome.value} ({status})"


async def resolve_command(message: Message, command: CommandObject, actions: OrderActions) -> str:
    admin_id = message.from_user.id if message.from_user else 0  # IsAdmin saw a sender
    order_id, _, rest = (command.args or "").strip().partition(" ")
    if not order_id:
        await message.answer(RESOLVE_USAGE)
        return "usage"
    action_name, _, note = rest.strip().partition(" ")
    if not action_name:
        order = await actions.find(order_id.upper())
        if order is None or order.status is not OrderStatus.NEEDS_ATTENTION:
            state = order.status.value if order else "not found"
            await message.answer(f"Only a needs_attention order can be resolved ({state}).")
            return f"refused ({state})"
        await message.answer(resolve_prompt(order), reply_markup=resolve_keyboard(order.id))
        return "asked"
    try:
        action = Resolution(action_name.lower())
    except ValueError:
        await message.answer(RESOLVE_USAGE)
        return "usage"
    result = await actions.resolve(
        order_id.upper(), action, admin_id=admin_id, note=" ".join(note.split())[:200]
    )
    await message.answer(action_text(result))
    return f"{result.outcome.value}"


async def resolve_button(
    callback: CallbackQuery, callback_data: AdminResolve, bot: Bot, actions: OrderActions
) -> str:
    await callback.answer("Working on it…")
    result = await actions.resolve(
        callback_data.order_id, callback_data.action, admin_id=callback.from_user.id
    )
    await bot.send_message(callback.from_user.id, action_text(result))
    return f"{result.outcome.value}"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(refund_command, Command("refund"))
    router.message.register(resolve_command, Command("resolve"))
    router.callback_query.register(refund_ask_button, AdminRefundAsk.filter())
    router.callback_query.register(refund_confirm, AdminRefund.filter())
    router.callback_query.register(resolve_button, AdminResolve.filter())
    return router
