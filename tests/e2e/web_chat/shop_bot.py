"""A tiny real aiogram bot for the browser test: a greeting with buttons, an edit, a purchase."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot, Dispatcher, F, Router, html
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
PROMO_CODE = "SPRING-2026"
GIFT_CODE = "GIFT-0042"
PRICE_STARS = 50
SOLD_OUT = "Sold out, sorry!"


def shop_router() -> Router:
    router = Router(name=__name__)

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else "friend"
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Open gift", callback_data="open"),
                    InlineKeyboardButton(text="Rare gift", callback_data="rare"),
                ],
                [
                    InlineKeyboardButton(text="Shop", url="https://example.com/shop"),
                    InlineKeyboardButton(
                        text="Copy promo", copy_text=CopyTextButton(text=PROMO_CODE)
                    ),
                ],
            ]
        )
        await message.answer(
            f"Hello, <b>{html.quote(name)}</b>! A gift is waiting: "
            "<tg-spoiler>a mystery box</tg-spoiler>.",
            reply_markup=keyboard,
        )

    @router.callback_query(F.data == "open")
    async def open_gift(query: CallbackQuery) -> None:
        if isinstance(query.message, Message):
            await query.message.edit_text(f"Your code: <code>{GIFT_CODE}</code>. Enjoy!")
        await query.answer("Gift opened")

    @router.callback_query(F.data == "rare")
    async def rare_gift(query: CallbackQuery) -> None:
        await query.answer(SOLD_OUT, show_alert=True)

    @router.message(Command("buy"))
    async def buy(message: Message) -> None:
        await message.delete()  # keeps the chat tidy, and lets the test see a deletion
        await message.answer_invoice(
            title="Gift card",
            description="A 10 USD gift card, delivered in the chat",
            payload="order-1",
            currency="XTR",
            prices=[LabeledPrice(label="Gift card", amount=PRICE_STARS)],
        )

    @router.pre_checkout_query()
    async def pre_checkout(query: PreCheckoutQuery) -> None:
        await query.answer(ok=True)

    @router.message(F.successful_payment)
    async def paid(message: Message) -> None:
        codes = BufferedInputFile(f"{GIFT_CODE}\n".encode(), filename="codes.txt")
        await message.answer_document(codes, caption="Your codes")

    return router


@asynccontextmanager
async def polling_bot(api_base: str) -> AsyncIterator[Bot]:
    """The bot long-polling `api_base` in a task, as `giftbot run` would, until the block ends."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    dispatcher = Dispatcher()
    dispatcher.include_router(shop_router())
    started = asyncio.Event()

    async def on_startup() -> None:
        started.set()

    dispatcher.startup.register(on_startup)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    try:
        async with asyncio.timeout(10):
            await started.wait()
        yield bot
    finally:
        if started.is_set():
            await dispatcher.stop_polling()
        else:
            polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
