"""/credit <user id> <±stars> <reason>: a store credit adjustment, applied once on confirm."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import show
from bot.keyboards.admin import AdminCreditConfirm, credit_keyboard
from bot.rendering.admin_supply import money
from bot.services.admin_credit import CreditAdjustments, CreditInputError

USAGE = "Usage: /credit &lt;user id&gt; &lt;±stars&gt; &lt;reason&gt;, e.g. /credit 42 +50 goodwill"


async def credit_command(
    message: Message, command: CommandObject, credits: CreditAdjustments
) -> str:
    admin_id = message.from_user.id if message.from_user else 0  # IsAdmin saw a sender
    try:
        token, adj = await credits.prepare(command.args or "", admin_id=admin_id)
    except CreditInputError as exc:
        await message.answer(f"⛔ {escape(str(exc))}\n{USAGE}")
        return f"refused: {exc}"
    after = adj.balance_before + adj.amount
    await message.answer(
        f"🎟 <b>Adjust store credit of user <code>{adj.user_id}</code>?</b>\n"
        f"{'+' if adj.amount > 0 else ''}{escape(money(adj.amount, adj.currency))} — "
        f"{escape(adj.reason)}\n"
        f"Balance {escape(money(adj.balance_before, adj.currency))} → "
        f"{escape(money(after, adj.currency))}",
        reply_markup=credit_keyboard(token),
    )
    return f"asked {adj.user_id} {adj.amount:+d}"


async def credit_confirm(
    callback: CallbackQuery, callback_data: AdminCreditConfirm, credits: CreditAdjustments
) -> str:
    if not callback_data.apply:
        credits.cancel(callback_data.token)
        await show(callback, "✖️ Credit adjustment cancelled; nothing changed.")
        return "cancelled"
    applied = await credits.confirm(callback_data.token, admin_id=callback.from_user.id)
    if applied is None:
        await callback.answer("Already applied, cancelled or expired: nothing changed.")
        return "nothing to apply"
    adj = applied.adjustment
    await show(
        callback,
        f"✅ Store credit of user <code>{adj.user_id}</code> adjusted by "
        f"{'+' if adj.amount > 0 else ''}{escape(money(adj.amount, adj.currency))}; balance now "
        f"{escape(money(applied.balance_after, adj.currency))}.",
    )
    return f"applied {adj.user_id} {adj.amount:+d}"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(credit_command, Command("credit"))
    router.callback_query.register(credit_confirm, AdminCreditConfirm.filter())
    return router
