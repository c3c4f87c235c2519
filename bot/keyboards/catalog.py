"""Catalog keyboards: brands, a brand's denominations, the product card."""

from __future__ import annotations

import logging

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translator
from bot.keyboards.callbacks import (
    BrandOpen,
    BrandPage,
    Buy,
    Menu,
    MenuAction,
    ProductOpen,
    brand_key,
    packable_sku,
)
from bot.keyboards.common import back_button, paged_list, paginate
from bot.keyboards.topup import topup_start_button
from bot.rendering.formatting import format_money
from bot.rendering.topup import TOPUP_MARK
from bot.services.regions import flag
from storage.models import Product

log = logging.getLogger(__name__)
QUANTITIES_PER_ROW = 5
# Brand names and denominations are short: two a row keeps a whole catalog on one screen.
GRID_COLUMNS = 2
GRID_PAGE_SIZE = 16


def brands_keyboard(brands: list[str], *, page: int, locale: str) -> InlineKeyboardMarkup:
    shown = paginate(brands, page, GRID_PAGE_SIZE)
    buttons = [
        InlineKeyboardButton(
            text=brand, callback_data=BrandOpen(key=brand_key(brand), page=0).pack()
        )
        for brand in shown.items
    ]
    return paged_list(
        buttons,
        page=shown.page,
        pages=shown.pages,
        make=lambda p: BrandPage(page=p),
        back=Menu(action=MenuAction.HOME),
        locale=locale,
        columns=GRID_COLUMNS,
    )


def products_keyboard(
    products: list[Product], *, brand: str, page: int, locale: str
) -> InlineKeyboardMarkup:
    sellable = [p for p in products if packable_sku(p.sku)]
    if len(sellable) < len(products):
        log.warning(
            "%d products of %s have SKUs no button can carry", len(products) - len(sellable), brand
        )
    shown = paginate(sellable, page, GRID_PAGE_SIZE)
    labels = {
        p.sku: f"{flag(p.region)} {format_money(p.face_value, p.face_currency, locale)}"
        + (f" {TOPUP_MARK}" if p.is_topup else "")
        for p in sellable
    }
    # A brand may sell two cards of one value (editions, scenarios): then names tell them apart.
    ambiguous = len(set(labels.values())) < len(labels)
    buttons = [
        InlineKeyboardButton(
            text=p.name if ambiguous else labels[p.sku],
            callback_data=ProductOpen(sku=p.sku).pack(),
        )
        for p in shown.items
    ]
    key = brand_key(brand)
    return paged_list(
        buttons,
        page=shown.page,
        pages=shown.pages,
        make=lambda p: BrandOpen(key=key, page=p),
        back=BrandPage(page=0),
        locale=locale,
        columns=1 if ambiguous else GRID_COLUMNS,
    )


def card_keyboard(product: Product, *, max_quantity: int, locale: str) -> InlineKeyboardMarkup:
    """Buy (one unit) and ×2…×max_quantity when the product can be bought now; always
    Refresh and Back."""
    _ = translator(locale).gettext
    rows: list[list[InlineKeyboardButton]] = []
    if max_quantity >= 1 and product.is_topup:  # one pack, for a player id asked first
        rows.append([topup_start_button(product.sku, locale)])
    elif max_quantity >= 1:
        rows.append(
            [
                InlineKeyboardButton(
                    text="🛒 " + _("Buy"), callback_data=Buy(sku=product.sku, quantity=1).pack()
                )
            ]
        )
        more = [
            InlineKeyboardButton(
                text=f"×{n}", callback_data=Buy(sku=product.sku, quantity=n).pack()
            )
            for n in range(2, max_quantity + 1)
        ]
        rows += [more[i : i + QUANTITIES_PER_ROW] for i in range(0, len(more), QUANTITIES_PER_ROW)]
    rows.append(
        [
            InlineKeyboardButton(
                text="🔄 " + _("Refresh"), callback_data=ProductOpen(sku=product.sku).pack()
            )
        ]
    )
    rows.append([back_button(BrandOpen(key=brand_key(product.brand), page=0), locale)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
