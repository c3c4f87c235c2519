"""/help, /terms and /paysupport, which Telegram requires of bots that take payments."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import show
from bot.handlers.filters import has_text
from bot.i18n import translator
from bot.keyboards.callbacks import Menu, MenuAction
from bot.keyboards.menu import back_home_keyboard
from bot.settings import BotSettings

log = logging.getLogger(__name__)

MAX_ORDER_REFERENCE = 32
MAX_PROBLEM = 2000


class PaySupport(StatesGroup):
    order = State()
    problem = State()


def _help_text() -> str:
    return "\n".join(
        [
            "❓ <b>" + escape(_("Help")) + "</b>",
            escape(_("Pick a card in the catalog, pay with Stars, and the code arrives here.")),
            "",
            "/catalog — " + escape(_("browse gift cards")),
            "/orders — " + escape(_("your orders and codes")),
            "/region — " + escape(_("change your region")),
            "/language — " + escape(_("change the language")),
            "/terms — " + escape(_("terms of sale")),
            "/paysupport — " + escape(_("a problem with a payment")),
        ]
    )


async def help_command(message: Message) -> None:
    await message.answer(_help_text())


async def help_menu(callback: CallbackQuery, i18n: I18n) -> None:
    await show(callback, _help_text(), back_home_keyboard(i18n.current_locale))


async def terms(message: Message) -> None:
    points = [
        _("Codes are digital goods delivered in this chat right after payment."),
        _("Each card works only in the region shown on it; check yours before buying."),
        _("If we cannot deliver, you get your Stars back in full automatically."),
        _(
            "Units we cannot supply in a partial order become store credit, used automatically "
            "at your next purchase; /orders shows it."
        ),
        _("A delivered code cannot be returned, as it may already have been redeemed."),
        _("For any problem with a payment, use /paysupport."),
    ]
    body = "\n".join("• " + escape(point) for point in points)
    await message.answer("📄 <b>" + escape(_("Terms of sale")) + "</b>\n" + body)


async def cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(escape(_("Cancelled.")))


async def paysupport(message: Message, state: FSMContext, settings: BotSettings) -> None:
    if not settings.admin_ids:
        await message.answer(escape(_("Payment support is unavailable right now. Sorry!")))
        return
    await state.set_state(PaySupport.order)
    await message.answer(
        "🆘 " + escape(_("What is the order number? It starts with GB. Send /cancel to stop."))
    )


async def paysupport_order(message: Message, state: FSMContext) -> None:
    reference = (message.text or "").strip()[:MAX_ORDER_REFERENCE]
    await state.update_data(order=reference)
    await state.set_state(PaySupport.problem)
    await message.answer(escape(_("Now describe the problem in one message.")))


async def paysupport_problem(
    message: Message, state: FSMContext, bot: Bot, settings: BotSettings
) -> None:
    data = await state.get_data()
    await state.clear()
    sender = message.from_user
    if sender is None:
        return
    to_admin = translator(settings.default_language)
    who = escape(sender.full_name) + f" (id <code>{sender.id}</code>"
    who += f", @{escape(sender.username)})" if sender.username else ")"
    report = "\n".join(
        [
            "🆘 <b>" + escape(to_admin.gettext("Payment support request")) + "</b>",
            escape(to_admin.gettext("From")) + ": " + who,
            escape(to_admin.gettext("Order"))
            + f": <code>{escape(str(data.get('order', '')))}</code>",
            escape(to_admin.gettext("Problem")) + ":",
            escape((message.text or "")[:MAX_PROBLEM]),
        ]
    )
    delivered = 0
    for admin_id in sorted(settings.admin_ids):
        try:
            await bot.send_message(admin_id, report)
            delivered += 1
        except TelegramAPIError as exc:
            log.warning("support request not delivered to admin %s: %s", admin_id, exc)
    if delivered:
        await message.answer("✅ " + escape(_("Thank you. Support will contact you here.")))
    else:
        await message.answer(escape(_("Payment support is unavailable right now. Sorry!")))


async def paysupport_not_text(message: Message) -> None:
    await message.answer(escape(_("Please send text, or /cancel.")))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(help_command, Command("help"))
    router.callback_query.register(help_menu, Menu.filter(F.action == MenuAction.HELP))
    router.message.register(terms, Command("terms"))
    router.message.register(cancel, Command("cancel"), StateFilter(PaySupport))
    router.message.register(paysupport, Command("paysupport"))
    router.message.register(paysupport_order, StateFilter(PaySupport.order), has_text)
    router.message.register(paysupport_problem, StateFilter(PaySupport.problem), has_text)
    router.message.register(paysupport_not_text, StateFilter(PaySupport))
    return router
