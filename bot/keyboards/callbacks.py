"""Callback data of every inline button. Telegram allows 64 bytes packed; the longest
here, `buy:<40-byte SKU>:10`, takes 47. Field constraints turn forged values into a
failed filter (the fallback router answers it), never into a handler call."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

MAX_SKU_BYTES = 40
MAX_PAGE = 9999


class MenuAction(StrEnum):
    HOME = "home"
    CATALOG = "catalog"
    REGION = "region"
    LANGUAGE = "language"
    ORDERS = "orders"
    HELP = "help"


class Menu(CallbackData, prefix="m"):
    action: MenuAction


class RegionPage(CallbackData, prefix="rp"):
    page: int = Field(ge=0, le=MAX_PAGE)


class RegionPick(CallbackData, prefix="r"):
    region: str = Field(pattern=r"^(?:[A-Z]{2}|EU|GLOBAL)$")


class LanguagePick(CallbackData, prefix="l"):
    code: str = Field(pattern=r"^[a-z]{2}$")


class BrandPage(CallbackData, prefix="bp"):
    page: int = Field(ge=0, le=MAX_PAGE)


class BrandOpen(CallbackData, prefix="b"):
    """A brand by a short digest of its name: brand names are free text of any length."""

    key: str = Field(pattern=r"^[0-9a-f]{10}$")
    page: int = Field(ge=0, le=MAX_PAGE)


class ProductOpen(CallbackData, prefix="p"):
    sku: str = Field(min_length=1, max_length=MAX_SKU_BYTES)


class Buy(CallbackData, prefix="buy"):
    sku: str = Field(min_length=1, max_length=MAX_SKU_BYTES)
    quantity: int = Field(ge=1, le=99)


class PayWithCredit(CallbackData, prefix="pc"):
    """Confirm a quote that store credit covers whole (no invoice is sent for it)."""

    order_id: str = Field(pattern=r"^[A-Z0-9]{1,24}$")


class CreditHistory(CallbackData, prefix="cr"):
    """The store credit screen, opened from the orders list page `page`."""

    page: int = Field(ge=0, le=MAX_PAGE)


class OrdersPage(CallbackData, prefix="op"):
    page: int = Field(ge=0, le=MAX_PAGE)


class OrderOpen(CallbackData, prefix="o"):
    order_id: str = Field(pattern=r"^[A-Z0-9]{1,24}$")
    page: int = Field(ge=0, le=MAX_PAGE)


def brand_key(brand: str) -> str:
    return hashlib.sha256(brand.encode()).hexdigest()[:10]


def packable_sku(sku: str) -> bool:
    """Whether `sku` fits the SKU-carrying buttons (length, no separator)."""
    return 0 < len(sku.encode()) <= MAX_SKU_BYTES and ":" not in sku
