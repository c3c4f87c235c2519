"""Pieces every keyboard shares: paging and the Back button."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translator

PAGE_SIZE = 8
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    pages: int


def paginate(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> Page[T]:
    """The `page`-th slice of `items`, with `page` clamped into range."""
    pages = max(1, -(-len(items) // size))
    page = min(max(0, page), pages - 1)
    return Page(items[page * size : (page + 1) * size], page, pages)


def nav_row(
    page: int, pages: int, make: Callable[[int], CallbackData], locale: str
) -> list[InlineKeyboardButton]:
    """« Prev / Next » for a paged list; empty when it fits on one page."""
    _ = translator(locale).gettext
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(text="« " + _("Prev"), callback_data=make(page - 1).pack()))
    if page < pages - 1:
        row.append(InlineKeyboardButton(text=_("Next") + " »", callback_data=make(page + 1).pack()))
    return row


def paged_list(
    buttons: Sequence[InlineKeyboardButton],
    *,
    page: int,
    pages: int,
    make: Callable[[int], CallbackData],
    back: CallbackData | None,
    locale: str,
    columns: int = 1,
) -> InlineKeyboardMarkup:
    """`columns` buttons per row, then « Prev / Next », then Back."""
    rows = [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]
    nav = nav_row(page, pages, make, locale)
    if nav:
        rows.append(nav)
    if back is not None:
        rows.append([back_button(back, locale)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_button(target: CallbackData, locale: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text="« " + translator(locale).gettext("Back"), callback_data=target.pack()
    )
