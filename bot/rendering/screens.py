"""Texts of the chat screens: product card, order list, order details."""

from __future__ import annotations

from html import escape

from babel.dates import format_date, format_datetime

from bot.i18n import translator
from bot.rendering.formatting import (
    format_money,
    region_lock_line,
    status_label,
    stock_line,
)
from bot.rendering.topup import order_player_line, topup_card_line
from bot.services.catalog import StockInfo
from bot.services.order_queries import OrderDetails, OrderPage
from storage.models import Product

MAX_CARD_INSTRUCTIONS = 1500  # keeps the card short and well under 4096


def product_card(
    product: Product,
    *,
    stock: StockInfo,
    unit_price: int | None,
    currency: str,
    locale: str,
) -> str:
    _ = translator(locale).gettext
    face = format_money(product.face_value, product.face_currency, locale)
    price = (
        format_money(unit_price, currency, locale)
        if unit_price is not None
        else _("price unavailable")
    )
    lines = [
        f"<b>{escape(product.name)}</b>",
        region_lock_line(product.region, locale),
        *([topup_card_line(locale)] if product.is_topup else []),
        "",
        escape(_("Face value")) + f": {escape(face)}",
        escape(_("Price")) + f": <b>{escape(price)}</b>",
        stock_line(stock, locale),
    ]
    instructions = product.redemption_instructions.strip()
    if len(instructions) > MAX_CARD_INSTRUCTIONS:
        instructions = instructions[: MAX_CARD_INSTRUCTIONS - 1].rstrip() + "…"
    if instructions:
        lines += ["", "<b>" + escape(_("How to redeem")) + "</b>", escape(instructions)]
    return "\n".join(lines)


def order_list(page: OrderPage, *, locale: str) -> str:
    _ = translator(locale).gettext
    title = "📦 <b>" + escape(_("Your orders")) + "</b>"
    if not page.orders:
        return title + "\n\n" + escape(_("You have no orders yet."))
    if page.pages > 1:
        title += " " + escape(_("(page {i} of {n})").format(i=page.page + 1, n=page.pages))
    rows = [
        " · ".join(
            [
                f"<code>{escape(order.id)}</code>",
                escape(format_date(order.created_at, "short", locale=locale)),
                escape(format_money(order.total_price, order.currency, locale)),
            ]
        )
        + "\n"
        + escape(status_label(order.status, locale))
        for order in page.orders
    ]
    return title + "\n\n" + "\n\n".join(rows)


def order_details(details: OrderDetails, *, locale: str) -> str:
    _ = translator(locale).gettext
    order, product = details.order, details.product
    placed = format_datetime(order.created_at, "short", locale=locale)
    lines = [
        "<b>" + escape(_("Order {order_id}").format(order_id=order.id)) + "</b>",
        f"{escape(product.name)} × {order.quantity}",
        region_lock_line(product.region, locale),
        *filter(None, [order_player_line(order, locale)]),  # top-ups: who received it
        "",
        escape(_("Status")) + ": " + escape(status_label(order.status, locale)),
        escape(_("Total")) + ": " + escape(format_money(order.total_price, order.currency, locale)),
        escape(_("Placed")) + ": " + escape(placed),
    ]
    if order.credit_used and order.paid_at is not None:
        used = format_money(order.credit_used, order.currency, locale)
        lines.append(escape(_("Paid with store credit")) + ": " + escape(used))
    if order.credited_amount:
        credited = format_money(order.credited_amount, order.currency, locale)
        lines.append(escape(_("Store credit")) + ": " + escape(credited))
    if details.codes:
        lines += ["", escape(_("Your codes are in the messages below."))]
    return "\n".join(lines)
