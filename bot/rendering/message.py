"""What a renderer hands to whoever sends it."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup

# Telegram's limit on a message's text (after entity parsing; the HTML is longer, so a
# text measured in HTML under it is under it once parsed).
MAX_TEXT_LENGTH = 4096


@dataclass(frozen=True)
class OutgoingMessage:
    """HTML text (sent with parse_mode HTML) and an optional inline keyboard."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
