"""Callback data sizes and forgery, paging, and the command list."""

from __future__ import annotations

import dataclasses

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import SetMyCommands
from aiogram.types import InlineKeyboardMarkup

from bot.handlers import set_bot_commands
from bot.keyboards.callbacks import (
    MAX_PAGE,
    BrandOpen,
    Buy,
    OrderOpen,
    ProductOpen,
    RegionPick,
    brand_key,
    packable_sku,
)
from bot.keyboards.catalog import brands_keyboard, card_keyboard, products_keyboard
from bot.keyboards.common import paginate
from bot.keyboards.menu import home_keyboard, regions_keyboard
from tests.unit.bot.harness import Harness

LONGEST_SKU = "é" * 20  # 40 bytes in UTF-8


@pytest.mark.parametrize(
    "data",
    [
        Buy(sku=LONGEST_SKU, quantity=10),
        Buy(sku="s" * 40, quantity=99),
        ProductOpen(sku=LONGEST_SKU),
        BrandOpen(key=brand_key("x" * 500), page=MAX_PAGE),
        OrderOpen(order_id="GB" + "Z" * 22, page=MAX_PAGE),
        RegionPick(region="GLOBAL"),
    ],
)
def test_callback_data_fits_in_64_bytes(data: CallbackData) -> None:
    assert len(data.pack().encode()) <= 64


@pytest.mark.parametrize(
    ("factory", "raw"),
    [
        (Buy, "buy:sku:0"),
        (Buy, "buy:sku:100"),
        (Buy, "buy:" + "s" * 41 + ":1"),
        (BrandOpen, "b:ZZZZZZZZZZ:0"),
        (BrandOpen, "b:0123456789:-1"),
        (RegionPick, "r:usa"),
        (OrderOpen, "o:gb<script>:0"),
    ],
)
def test_forged_values_do_not_unpack(factory: type[CallbackData], raw: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        factory.unpack(raw)


def test_skus_with_the_separator_or_too_long_are_not_packable() -> None:
    assert packable_sku("steam-us-20")
    assert not packable_sku("a:b")
    assert not packable_sku("é" * 21)


def test_paginate_clamps_and_counts() -> None:
    items = list(range(17))
    assert paginate(items, 0).items == list(range(8))
    last = paginate(items, 99)
    assert (last.page, last.pages, list(last.items)) == (2, 3, [16])
    assert paginate([], 3).pages == 1


def texts(markup: InlineKeyboardMarkup) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]


def test_brand_list_is_a_two_column_grid_paged_by_sixteen() -> None:
    brands = [f"Brand {n:02d}" for n in range(40)]
    markup = brands_keyboard(brands, page=0, locale="en")
    first = texts(markup)
    assert first[:16] == brands[:16] and first[16:] == ["Next »", "« Back"]
    assert [len(row) for row in markup.inline_keyboard[:8]] == [2] * 8
    middle = texts(brands_keyboard(brands, page=1, locale="ru"))
    assert middle[:16] == brands[16:32]
    assert middle[16:] == ["« Пред.", "След. »", "« Назад"]


async def test_quantity_buttons_follow_the_allowed_maximum(h: Harness) -> None:
    product = await h.product("steam-us-20")
    assert texts(card_keyboard(product, max_quantity=0, locale="en")) == ["🔄 Refresh", "« Back"]
    full = texts(card_keyboard(product, max_quantity=10, locale="en"))
    assert full[0] == "🛒 Buy" and full[1:10] == [f"×{n}" for n in range(2, 11)]


async def test_products_with_unpackable_skus_are_left_out(h: Harness) -> None:
    product = await h.product("steam-us-20")
    odd = dataclasses.replace(product, sku="a:b")
    markup = products_keyboard([product, odd], brand="Steam", page=0, locale="en")
    assert texts(markup) == ["🇺🇸 $20.00", "« Back"]


async def test_set_bot_commands_in_english_and_russian(h: Harness) -> None:
    await set_bot_commands(h.bot)
    calls = h.session.of(SetMyCommands)
    by_language = {c.language_code: c.commands for c in calls}
    assert set(by_language) == {None, "en", "ru"}
    assert [c.command for c in by_language[None]][:3] == ["start", "catalog", "orders"]
    assert {c.command for c in by_language["ru"]} >= {"terms", "paysupport", "help"}
    ru = {c.command: c.description for c in by_language["ru"]}
    assert ru["paysupport"] == "Поддержка по оплате"


def test_regions_suggested_first_then_by_localised_name() -> None:
    markup = regions_keyboard(["US", "BR", "DE"], suggested="US", page=0, locale="ru", back=False)
    assert texts(markup) == ["🇺🇸 Соединенные Штаты", "🇧🇷 Бразилия", "🇩🇪 Германия"]
    english = regions_keyboard(["US", "BR", "DE"], suggested=None, page=0, locale="en", back=True)
    assert texts(english) == ["🇧🇷 Brazil", "🇩🇪 Germany", "🇺🇸 United States", "« Back"]


def test_home_keyboard_shows_the_region() -> None:
    assert "🇺🇸 Region: US" in texts(home_keyboard("US", "en"))
    assert "🌍 Выбрать регион" in texts(home_keyboard(None, "ru"))


async def test_denominations_of_equal_value_are_told_apart_by_name(h: Harness) -> None:
    product = await h.product("steam-us-20")
    twin = dataclasses.replace(product, sku="steam-us-20-b", name="Steam 20 USD (gift edition)")
    markup = products_keyboard([product, twin], brand="Steam", page=0, locale="en")
    assert texts(markup) == [product.name, twin.name, "« Back"]
    assert [len(row) for row in markup.inline_keyboard] == [1, 1, 1]
