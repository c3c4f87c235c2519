"""A real aiogram Dispatcher with the bot's routers and middlewares, fed hand-made
updates; the Bot API is a recording session, the supplier an in-memory fake, storage real."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageText,
    SendInvoice,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    PreCheckoutQuery,
    SuccessfulPayment,
    Update,
)
from aiogram.types import User as TelegramUser

from bot.handlers import build_router
from bot.i18n import create_i18n
from bot.keyboards.callbacks import RegionPick
from bot.middlewares import setup_middlewares
from bot.services.catalog import CatalogService
from bot.services.checkout import CheckoutService
from bot.services.order_queries import OrderQueries
from bot.services.payments import PaymentIntake
from bot.services.pricing import PriceRules
from bot.services.users import UserService
from bot.settings import BotSettings
from storage.models import Product
from storage.repositories import ProductData, ProductRepository
from storage.store import Storage
from tests.support.fake_supplier import FakeSupplier

TOKEN = "123456:" + "A" * 35
NOW = datetime(2026, 1, 1, tzinfo=UTC)
MethodT = TypeVar("MethodT", bound=TelegramMethod[Any])


class RecordingSession(BaseSession):
    """Answers every Bot API call plausibly and keeps it for the test to read."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(1000)
        self.edit_error: str | None = None  # when set, editMessageText fails with it
        self.failing: dict[type[TelegramMethod[Any]], str] = {}  # method → Bad Request text

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        self.calls.append(method)
        if isinstance(method, EditMessageText) and self.edit_error:
            raise TelegramBadRequest(method, self.edit_error)
        if type(method) in self.failing:
            raise TelegramBadRequest(method, self.failing[type(method)])
        if isinstance(method, SendMessage | SendInvoice | EditMessageText):
            chat_id = getattr(method, "chat_id", None) or 1
            return Message(
                message_id=getattr(method, "message_id", None) or next(self._ids),
                date=NOW,
                chat=Chat(id=int(chat_id), type="private"),
                text=getattr(method, "text", None),
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""  # pragma: no cover

    async def close(self) -> None:
        pass

    def of(self, kind: type[MethodT]) -> list[MethodT]:
        return [call for call in self.calls if isinstance(call, kind)]


@dataclass
class FakeFulfilment:
    scheduled: list[str] = field(default_factory=list)

    def schedule(self, order_id: str) -> None:
        self.scheduled.append(order_id)


@dataclass
class CountingRefunder:
    """refundStarPayment: every call counted; a second refund of one charge fails the test."""

    calls: list[tuple[int, str]] = field(default_factory=list)

    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        assert telegram_charge_id not in [c for _, c in self.calls], "charge refunded twice"
        self.calls.append((user_id, telegram_charge_id))


def product_data(
    sku: str, *, brand: str = "Steam", region: str = "US", face: int = 2000
) -> ProductData:
    return ProductData(
        sku=sku,
        brand=brand,
        name=f"{brand} Gift Card {face // 100} {region}",
        region=region,
        face_value=face,
        face_currency="USD" if region != "EU" else "EUR",
        redemption_instructions="Open the store, choose Redeem & enter the code.",
        redemption_url=None,
        max_quantity=5,
        active=True,
        supplier_updated_at=None,
    )


class Harness:
    def __init__(self, storage: Storage, *, admin_ids: str = "", throttle: str = "1000") -> None:
        self.storage = storage
        self.session = RecordingSession()
        self.bot = Bot(TOKEN, session=self.session)
        # Balance to spare: no flow here is about the supplier's account running low.
        self.supplier = FakeSupplier(available=10**9, reserved=10**9, now=NOW)
        self.fulfilment = FakeFulfilment()
        self.refunder = CountingRefunder()
        self.settings = BotSettings(
            BOT_TOKEN=TOKEN,
            ADMIN_IDS=admin_ids,
            THROTTLE_PER_SECOND=throttle,
            _env_file=None,
        )
        self.catalog = CatalogService(storage.db, self.supplier)
        rules = PriceRules("XTR", Decimal(10), Decimal("0.013"))
        self.checkout = CheckoutService(
            storage.db, self.supplier, self.catalog, rules, purchases_per_minute=5
        )
        self.users = UserService(storage.db)
        i18n = create_i18n(self.settings.default_language)
        self.dp = Dispatcher(
            settings=self.settings,
            catalog=self.catalog,
            checkout=self.checkout,
            users=self.users,
            orders=OrderQueries(storage.db, storage.cipher),
            fulfilment=self.fulfilment,
            payments=PaymentIntake(storage.db, self.refunder, admin_ids=self.settings.admin_ids),
        )
        self.dp.include_router(build_router())
        setup_middlewares(self.dp, i18n=i18n, settings=self.settings)
        self._ids = itertools.count(1)

    async def add_products(self, *items: ProductData) -> None:
        async with self.storage.db.transaction() as conn:
            repo = ProductRepository(conn)
            for item in items:
                await repo.upsert_product(item, NOW)

    async def product(self, sku: str) -> Product:
        found = await self.catalog.find_product(sku)
        assert found is not None
        return found

    # --- updates ---

    def _user(self, user_id: int, language: str | None) -> TelegramUser:
        return TelegramUser(id=user_id, is_bot=False, first_name="Ann", language_code=language)

    async def send(self, text: str, *, user_id: int = 42, language: str | None = "en") -> None:
        message = Message(
            message_id=next(self._ids),
            date=NOW,
            chat=Chat(id=user_id, type="private"),
            from_user=self._user(user_id, language),
            text=text,
        )
        await self.dp.feed_update(self.bot, Update(update_id=next(self._ids), message=message))

    async def press(
        self, data: str, *, user_id: int = 42, language: str | None = "en", message_id: int = 7
    ) -> None:
        message = Message(
            message_id=message_id, date=NOW, chat=Chat(id=user_id, type="private"), text="screen"
        )
        query = CallbackQuery(
            id=str(next(self._ids)),
            from_user=self._user(user_id, language),
            chat_instance="ci",
            message=message,
            data=data,
        )
        await self.dp.feed_update(self.bot, Update(update_id=next(self._ids), callback_query=query))

    async def pre_checkout(self, payload: str, amount: int, *, user_id: int = 42) -> None:
        query = PreCheckoutQuery(
            id=str(next(self._ids)),
            from_user=self._user(user_id, "en"),
            currency="XTR",
            total_amount=amount,
            invoice_payload=payload,
        )
        await self.dp.feed_update(
            self.bot, Update(update_id=next(self._ids), pre_checkout_query=query)
        )

    async def pay(
        self,
        payload: str,
        amount: int,
        charge: str,
        *,
        user_id: int = 42,
        currency: str = "XTR",
        group_id: int | None = None,
    ) -> None:
        """A successful_payment from `user_id`, in their private chat or in a group."""
        payment = SuccessfulPayment(
            currency=currency,
            total_amount=amount,
            invoice_payload=payload,
            telegram_payment_charge_id=charge,
            provider_payment_charge_id="" if currency == "XTR" else f"prov-{charge}",
        )
        chat = (
            Chat(id=user_id, type="private")
            if group_id is None
            else Chat(id=group_id, type="group")
        )
        message = Message(
            message_id=next(self._ids),
            date=NOW,
            chat=chat,
            from_user=self._user(user_id, "en"),
            successful_payment=payment,
        )
        await self.dp.feed_update(self.bot, Update(update_id=next(self._ids), message=message))

    # --- reading what the bot did ---

    def texts(self) -> list[str]:
        return [
            _text(c) for c in self.session.calls if isinstance(c, SendMessage | EditMessageText)
        ]

    def last_screen(self) -> tuple[str, InlineKeyboardMarkup | None]:
        call = [c for c in self.session.calls if isinstance(c, SendMessage | EditMessageText)][-1]
        markup = call.reply_markup
        # The shop's screens carry inline keyboards only; anything else is a bug to see here.
        assert markup is None or isinstance(markup, InlineKeyboardMarkup), markup
        return _text(call), markup

    def buttons(self) -> dict[str, str]:
        """Text → callback data of the last screen's buttons."""
        _, markup = self.last_screen()
        assert isinstance(markup, InlineKeyboardMarkup)
        return {b.text: b.callback_data or "" for row in markup.inline_keyboard for b in row}

    def answers(self) -> list[str | None]:
        return [c.text for c in self.session.of(AnswerCallbackQuery)]

    def clear(self) -> None:
        self.session.calls.clear()


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def iter_buttons(markup: InlineKeyboardMarkup) -> Iterator[Any]:
    for row in markup.inline_keyboard:
        yield from row


async def choose_us(h: Harness, user_id: int = 42) -> None:
    """/start and the US region, with the screens so far cleared."""
    await h.send("/start", user_id=user_id)
    await h.press(RegionPick(region="US").pack(), user_id=user_id)
    h.clear()


def _text(call: SendMessage | EditMessageText) -> str:
    assert call.text is not None, call
    return call.text
