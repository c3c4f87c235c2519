"""Browsing: brands of the customer's region → a brand's denominations → product card."""

from __future__ import annotations

import asyncio
from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import show, stale
from bot.handlers.refusals import refusal_text
from bot.handlers.region import region_screen
from bot.keyboards.callbacks import BrandOpen, BrandPage, Menu, MenuAction, ProductOpen, brand_key
from bot.keyboards.catalog import brands_keyboard, card_keyboard, products_keyboard
from bot.rendering.screens import product_card
from bot.services.catalog import CatalogService, works_in
from bot.services.checkout import CheckoutRefused, CheckoutService, allowed_quantity
from bot.services.regions import flag, unlocked_regions
from storage.models import Product, User


async def _brands_screen(
    catalog: CatalogService, user: User, page: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    if user.region is None:
        return await region_screen(catalog, user, language_code=None, page=0, locale=locale)
    brands = await catalog.brands(user.region)
    title = "🛍 <b>" + escape(_("Catalog")) + f"</b> · {flag(user.region)} {user.region}\n"
    if not brands:
        text = title + escape(_("No gift cards for your region yet. Try another region."))
    else:
        text = title + escape(_("Choose a brand:"))
    return text, brands_keyboard(brands, page=page, locale=locale)


async def catalog_command(
    message: Message, catalog: CatalogService, user: User, i18n: I18n
) -> None:
    text, keyboard = await _brands_screen(catalog, user, 0, i18n.current_locale)
    await message.answer(text, reply_markup=keyboard)


async def brands(
    callback: CallbackQuery,
    callback_data: Menu | BrandPage,
    catalog: CatalogService,
    user: User,
    i18n: I18n,
) -> None:
    page = callback_data.page if isinstance(callback_data, BrandPage) else 0
    text, keyboard = await _brands_screen(catalog, user, page, i18n.current_locale)
    await show(callback, text, keyboard)


async def brand(
    callback: CallbackQuery,
    callback_data: BrandOpen,
    catalog: CatalogService,
    user: User,
    i18n: I18n,
) -> None:
    if user.region is None:
        return await stale(callback)
    names = [b for b in await catalog.brands(user.region) if brand_key(b) == callback_data.key]
    products = await catalog.products(user.region, names[0]) if names else []
    # The customer's own cards first, then EU, then GLOBAL; by face value within each.
    nearness = unlocked_regions(user.region)
    products.sort(key=lambda p: nearness.index(p.region))
    if not products:
        return await stale(callback)
    text = f"<b>{escape(names[0])}</b>\n" + escape(_("Choose a denomination:"))
    keyboard = products_keyboard(
        products, brand=names[0], page=callback_data.page, locale=i18n.current_locale
    )
    await show(callback, text, keyboard)


async def sellable_product(catalog: CatalogService, user: User, sku: str) -> Product | None:
    """The product behind a button, if it is still sold and works in the user's region."""
    product = await catalog.find_product(sku)
    if product is None or not product.active or user.region is None:
        return None
    return product if works_in(product.region, user.region) else None


async def product_card_screen(
    callback: CallbackQuery,
    callback_data: ProductOpen,
    catalog: CatalogService,
    checkout: CheckoutService,
    user: User,
    i18n: I18n,
) -> None:
    product = await sellable_product(catalog, user, callback_data.sku)
    if product is None:
        return await stale(callback)
    stock, (unit_price, notice) = await asyncio.gather(
        catalog.stock(product.sku), _unit_price(checkout, product.sku)
    )
    buyable = stock.purchasable and unit_price is not None
    locale = i18n.current_locale
    text = product_card(
        product, stock=stock, unit_price=unit_price, currency=checkout.currency, locale=locale
    )
    max_quantity = allowed_quantity(product, stock.available) if buyable else 0
    keyboard = card_keyboard(product, max_quantity=max_quantity, locale=locale)
    await show(callback, text, keyboard, notice=notice)


async def _unit_price(checkout: CheckoutService, sku: str) -> tuple[int | None, str | None]:
    """Today's price, or None and why the card cannot be sold (shown to the customer)."""
    try:
        return await checkout.unit_price(sku), None
    except CheckoutRefused as refused:
        return None, refusal_text(refused.reason)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(catalog_command, Command("catalog"))
    router.callback_query.register(brands, Menu.filter(F.action == MenuAction.CATALOG))
    router.callback_query.register(brands, BrandPage.filter())
    router.callback_query.register(brand, BrandOpen.filter())
    router.callback_query.register(product_card_screen, ProductOpen.filter())
    return router
