"""The floor: bare aiogram doing giftbot's purchase path and nothing else.

The same screens and Bot API calls as giftbot's purchase (/start with the region picker,
region → home, Catalog → brands, brand → denominations, product card, Buy → sendInvoice
and the "price is held" note, answerPreCheckoutQuery, then "payment received" and a
message with a code), with the same callback data, so one Shopper drives both. No
database, no supplier, no middleware, aiogram's default settings: whatever giftbot spends
above this floor is its own.

Started by bench/purchases.py through bench/instrumented_bot.py with giftbot's
environment (BOT_TOKEN, TELEGRAM_API_URL, HTTP_PORT); serves /health like giftbot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
from html import escape

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
)
from aiohttp import web

from bot.keyboards.callbacks import (
    BrandOpen,
    BrandPage,
    Buy,
    Menu,
    MenuAction,
    ProductOpen,
    RegionPick,
    brand_key,
)

# A static catalog the size of the supplier sandbox's, as giftbot shows it for the US.
REGIONS = ("US", "EU", "GB", "TR", "BR", "IN", "GLOBAL")
BRANDS = (
    *("Steam", "PlayStation", "Xbox", "Nintendo", "Google Play", "Apple", "Amazon"),
    *("Netflix", "Spotify", "Razer Gold", "Roblox", "Sandbox"),
)
SCENARIOS = (
    *("instant", "pending", "slow", "fail", "decline", "partial", "oos", "price-drift"),
    *("429", "500-committed", "refund-later", "webhook-chaos"),
)
SKUS = tuple(f"test-{name}" for name in SCENARIOS)
PRICE_STARS = 385
_order_numbers = itertools.count(1)
_regions: dict[int, str] = {}  # the one thing the floor remembers, in memory


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def _back(data: str) -> list[InlineKeyboardButton]:
    return [_button("« Back", data)]


def _home(user_id: int, name: str) -> tuple[str, InlineKeyboardMarkup]:
    region = _regions.get(user_id, "US")
    text = (
        f"👋 <b>Hi, {escape(name)}!</b>\n"
        "Gift cards and game codes for Telegram Stars, delivered right here.\n\n"
        f"Your region: 🇺🇸 {region}"
    )
    menu = (
        ("🛍 Catalog", MenuAction.CATALOG),
        ("📦 My orders", MenuAction.ORDERS),
        (f"Region: {region}", MenuAction.REGION),
        ("❓ Help", MenuAction.HELP),
    )
    rows = [[_button(label, Menu(action=action).pack())] for label, action in menu]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def start(message: Message) -> None:
    name = message.from_user.first_name if message.from_user else ""
    text = (
        f"👋 <b>Hi, {escape(name)}!</b>\n"
        "Gift cards and game codes for Telegram Stars, delivered right here.\n\n"
        "🌍 <b>Choose your region</b>\n"
        "Gift cards work only on accounts of their region, so we show what works for you.\n\n"
        "Suggested: 🇺🇸 United States"
    )
    rows = [[_button(f"🌍 {r}", RegionPick(region=r).pack())] for r in REGIONS]
    await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=markup)


async def region_pick(callback: CallbackQuery, callback_data: RegionPick) -> None:
    _regions[callback.from_user.id] = callback_data.region
    text, markup = _home(callback.from_user.id, callback.from_user.first_name)
    await edit(callback, text, markup)
    await callback.answer(f"Region set: {callback_data.region}")


async def brands(callback: CallbackQuery) -> None:
    region = _regions.get(callback.from_user.id, "US")
    buttons = [_button(b, BrandOpen(key=brand_key(b), page=0).pack()) for b in BRANDS]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(_back(Menu(action=MenuAction.HOME).pack()))
    text = f"🛍 <b>Catalog</b> · 🇺🇸 {region}\nChoose a brand:"
    await edit(callback, text, InlineKeyboardMarkup(inline_keyboard=rows))
    await callback.answer()


async def brand(callback: CallbackQuery, callback_data: BrandOpen) -> None:
    buttons = [_button(f"🌐 {sku}", ProductOpen(sku=sku).pack()) for sku in SKUS]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(_back(BrandPage(page=0).pack()))
    text = "<b>Sandbox</b>\nChoose a denomination:"
    await edit(callback, text, InlineKeyboardMarkup(inline_keyboard=rows))
    await callback.answer()


async def product(callback: CallbackQuery, callback_data: ProductOpen) -> None:
    sku = callback_data.sku
    text = (
        f"<b>Scenario {escape(sku)}</b>\n🔓 Works in every region\n\n"
        f"Face value: $5.00\nPrice: <b>⭐ {PRICE_STARS}</b>\nIn stock\n\n"
        "<b>How to redeem</b>\nSandbox scenario card: the code has no value."
    )
    more = [_button(f"×{n}", Buy(sku=sku, quantity=n).pack()) for n in range(2, 11)]
    rows = [[_button("🛒 Buy", Buy(sku=sku, quantity=1).pack())]]
    rows += [more[i : i + 5] for i in range(0, len(more), 5)]
    rows.append([_button("🔄 Refresh", ProductOpen(sku=sku).pack())])
    rows.append(_back(BrandOpen(key=brand_key("Sandbox"), page=0).pack()))
    await edit(callback, text, InlineKeyboardMarkup(inline_keyboard=rows))
    await callback.answer()


async def buy(callback: CallbackQuery, callback_data: Buy, bot: Bot) -> None:
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    order_id = f"FL{next(_order_numbers):010d}"
    total = PRICE_STARS * callback_data.quantity
    await bot.send_invoice(
        chat_id=chat_id,
        title=f"Scenario {callback_data.sku}"[:32],
        description=f"{callback_data.quantity} × Scenario\n🔓 Works in every region\n"
        "Codes arrive in this chat right after payment.",
        payload=order_id,
        currency="XTR",
        prices=[LabeledPrice(label=f"Scenario × {callback_data.quantity}", amount=total)],
    )
    held = f"Order {order_id}: this price is held for 15 minutes."
    await bot.send_message(chat_id, "⏱ " + escape(held))
    await callback.answer()


async def pre_checkout(query: PreCheckoutQuery) -> None:
    await query.answer(ok=True)


async def successful_payment(message: Message) -> None:
    payment = message.successful_payment
    if payment is None:
        return
    order_id = payment.invoice_payload
    await message.answer(f"✅ Payment received, order {order_id}: preparing your codes.")
    code = f"TEST-{order_id[-4:]}-AAAA-AAAA"
    text = (
        f"🎁 <b>Your order {order_id}</b>\nScenario × 1\n🔓 Works in every region\n\n"
        f"<b>Code 1</b>\n<tg-spoiler><code>{code}</code></tg-spoiler>\n\n"
        "<b>How to redeem</b>\nSandbox scenario card: the code has no value."
    )
    copy = InlineKeyboardButton(text="📋 Copy code 1", copy_text=CopyTextButton(text=code))
    await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[copy]]))


def create_router() -> Router:
    router = Router(name="floor")
    router.message.register(start, CommandStart())
    router.callback_query.register(region_pick, RegionPick.filter())
    router.callback_query.register(brands, Menu.filter(F.action == MenuAction.CATALOG))
    router.callback_query.register(brand, BrandOpen.filter())
    router.callback_query.register(product, ProductOpen.filter())
    router.callback_query.register(buy, Buy.filter())
    router.pre_checkout_query.register(pre_checkout)
    router.message.register(successful_payment, F.successful_payment)
    return router


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def serve() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"].rstrip("/"))
    bot = Bot(
        token=os.environ["BOT_TOKEN"],
        session=AiohttpSession(api=api),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    dispatcher = Dispatcher()
    dispatcher.include_router(create_router())
    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(os.environ["HTTP_PORT"])).start()
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, allowed_updates=dispatcher.resolve_used_update_types(), handle_signals=False
        )
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    await dispatcher.stop_polling()
    with contextlib.suppress(asyncio.CancelledError):
        await polling
    await runner.cleanup()


def main() -> int:
    asyncio.run(serve())
    return 0
