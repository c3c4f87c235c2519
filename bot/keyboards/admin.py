"""Buttons of the operations console. Only the admin router reads these callbacks: pressed
by anyone else they fall through to the fallback's stale-button answer, like any unknown
button. Operators read English; these labels are not translated."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.keyboards.callbacks import MAX_PAGE
from bot.services.order_actions import REFUND_PLANS, Resolution
from storage.models import OrderStatus

ORDER_ID = r"^[A-Z0-9]{1,24}$"
MAX_STOCK_QUERY_BYTES = 30


class AdminAction(StrEnum):
    BALANCE = "balance"
    STOCK = "stock"
    SYNC = "sync"
    ORDERS = "orders"
    ATTENTION = "attention"
    REFUND = "refund"
    RESOLVE = "resolve"
    CREDIT = "credit"
    STATS = "stats"
    EXPORT = "export"


class AdminMenu(CallbackData, prefix="am"):
    action: AdminAction


class AdminOrdersPage(CallbackData, prefix="ao"):
    status: str = Field(default="", pattern=r"^[a-z_]{0,16}$")
    page: int = Field(ge=0, le=MAX_PAGE)


class AdminOrderOpen(CallbackData, prefix="av"):
    order_id: str = Field(pattern=ORDER_ID)


class AdminRefundAsk(CallbackData, prefix="aa"):
    order_id: str = Field(pattern=ORDER_ID)


class AdminRefund(CallbackData, prefix="ar"):
    """Confirms a refund of the order as the operator saw it (in `seen`)."""

    order_id: str = Field(pattern=ORDER_ID)
    seen: OrderStatus


class AdminResolve(CallbackData, prefix="aq"):
    order_id: str = Field(pattern=ORDER_ID)
    action: Resolution


class AdminCreditConfirm(CallbackData, prefix="ac"):
    token: str = Field(pattern=r"^[0-9a-f]{12}$")
    apply: bool


class AdminStockPage(CallbackData, prefix="ak"):
    page: int = Field(ge=0, le=MAX_PAGE)
    query: str = Field(default="", max_length=MAX_STOCK_QUERY_BYTES, pattern=r"^[^:]*$")


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def admin_menu_keyboard() -> InlineKeyboardMarkup:
    labels = [
        (AdminAction.BALANCE, "💰 Balance"),
        (AdminAction.STOCK, "📦 Stock"),
        (AdminAction.SYNC, "🔄 Sync catalog"),
        (AdminAction.ORDERS, "🧾 Orders"),
        (AdminAction.ATTENTION, "🛟 Needs attention"),
        (AdminAction.REFUND, "↩️ Refund"),
        (AdminAction.RESOLVE, "🩹 Resolve"),
        (AdminAction.CREDIT, "🎟 Credit"),
        (AdminAction.STATS, "📊 Stats"),
        (AdminAction.EXPORT, "📤 Export"),
    ]
    buttons = [_button(text, AdminMenu(action=action)) for action, text in labels]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 2] for i in range(0, 10, 2)])


def pager(
    page: int, pages: int, make: type[AdminOrdersPage] | type[AdminStockPage], **fixed: object
) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(_button("◀️", make(page=page - 1, **fixed)))
    if page + 1 < pages:
        row.append(_button("▶️", make(page=page + 1, **fixed)))
    return row


def orders_keyboard(
    order_ids: list[str], status: OrderStatus | None, page: int, pages: int
) -> InlineKeyboardMarkup:
    rows = [[_button(order_id, AdminOrderOpen(order_id=order_id))] for order_id in order_ids]
    nav = pager(page, pages, AdminOrdersPage, status=status.value if status else "")
    return InlineKeyboardMarkup(inline_keyboard=[*rows, nav] if nav else rows)


def order_keyboard(order_id: str, status: OrderStatus) -> InlineKeyboardMarkup:
    rows = []
    if status in REFUND_PLANS:
        rows.append([_button("↩️ Refund…", AdminRefundAsk(order_id=order_id))])
    if status is OrderStatus.NEEDS_ATTENTION:
        rows.append(resolve_buttons(order_id))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def refund_confirm_keyboard(order_id: str, seen: OrderStatus) -> InlineKeyboardMarkup:
    confirm = (
        "✅ I refunded it outside Telegram"
        if seen is OrderStatus.REFUND_DUE
        else "✅ Confirm refund"
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(confirm, AdminRefund(order_id=order_id, seen=seen))]]
    )


def resolve_buttons(order_id: str) -> list[InlineKeyboardButton]:
    labels = [
        (Resolution.RETRY, "🔁 Retry"),
        (Resolution.REFUND, "↩️ Refund"),
        (Resolution.REFUNDED, "✔️ Refunded by hand"),
        (Resolution.DELIVERED, "✔️ Delivered by hand"),
    ]
    return [_button(text, AdminResolve(order_id=order_id, action=a)) for a, text in labels]


def resolve_keyboard(order_id: str) -> InlineKeyboardMarkup:
    buttons = resolve_buttons(order_id)
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:2], buttons[2:]])


def credit_keyboard(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button("✅ Apply", AdminCreditConfirm(token=token, apply=True)),
                _button("✖️ Cancel", AdminCreditConfirm(token=token, apply=False)),
            ]
        ]
    )


def stock_keyboard(query: str, page: int, pages: int) -> InlineKeyboardMarkup | None:
    nav = pager(page, pages, AdminStockPage, query=query)
    return InlineKeyboardMarkup(inline_keyboard=[nav]) if nav else None
