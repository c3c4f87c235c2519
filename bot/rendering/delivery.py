"""An order's codes as chat messages: spoilers, copy buttons, split under Telegram's limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from aiogram.types import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date

from bot.i18n import translator
from bot.rendering.formatting import format_stars, region_lock_line
from bot.rendering.message import MAX_TEXT_LENGTH, OutgoingMessage
from bot.services.order_queries import OrderDetails
from storage.models import Code

MAX_COPY_TEXT = 256  # CopyTextButton.text takes 1-256 characters
MAX_BUTTONS = 100  # Telegram's limit on an inline keyboard
_PART_RESERVE = 96  # room for the "part i of n" line
_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    number: int = 0  # the code's number (1-based); 0 for a block that is not a code
    copy: str | None = None  # the code, when a copy button can carry it


def render_delivery(details: OrderDetails, *, locale: str) -> list[OutgoingMessage]:
    """The messages that deliver an order's codes to its owner; [] when it has none."""
    if not details.codes:
        return []
    t = translator(locale)
    order, product = details.order, details.product
    header = (
        "🎁 <b>" + escape(t.gettext("Your order {order_id}").format(order_id=order.id)) + "</b>\n"
        f"{escape(product.name)} × {order.quantity}\n" + region_lock_line(product.region, locale)
    )
    revoked = order.voided_at is not None
    if revoked:
        header += (
            "\n\n❌ <b>"
            + escape(t.gettext("The supplier revoked these codes: they no longer work."))
            + "</b>"
        )
    blocks = [_Block(header)]
    blocks += [
        _code_block(code, n, locale, revoked=revoked)
        for n, code in enumerate(details.codes, start=1)
    ]
    unfilled = order.quantity - len(details.codes)
    if unfilled > 0 and order.credited_amount > 0:
        credit = t.ngettext(
            "{n} unit could not be supplied: {amount} added to your store credit.",
            "{n} units could not be supplied: {amount} added to your store credit.",
            unfilled,
        ).format(n=unfilled, amount=format_stars(order.credited_amount))
        blocks.append(_Block("⚠️ " + escape(credit)))
    instructions = product.redemption_instructions.strip()
    if instructions:
        title = "<b>" + escape(t.gettext("How to redeem")) + "</b>\n"
        budget = MAX_TEXT_LENGTH - _PART_RESERVE - len(title)
        chunks = _split_plain(instructions, budget)
        blocks.append(_Block(title + escape(chunks[0])))
        blocks += [_Block(escape(chunk)) for chunk in chunks[1:]]
    parts = _pack(blocks)
    messages = []
    for index, part in enumerate(parts, start=1):
        text = _SEPARATOR.join(block.text for block in part)
        if len(parts) > 1:
            marker = t.gettext("Order {order_id}: part {i} of {n}").format(
                order_id=order.id, i=index, n=len(parts)
            )
            text += f"{_SEPARATOR}<i>{escape(marker)}</i>"
        messages.append(OutgoingMessage(text=text, reply_markup=_copy_keyboard(part, locale)))
    return messages


def _code_block(code: Code, number: int, locale: str, *, revoked: bool = False) -> _Block:
    _ = translator(locale).gettext
    lines = [
        "<b>" + escape(_("Code {n}").format(n=number)) + "</b>",
        f"<tg-spoiler><code>{escape(code.code)}</code></tg-spoiler>",
    ]
    if code.pin:
        lines.append(
            escape(_("PIN")) + f": <tg-spoiler><code>{escape(code.pin)}</code></tg-spoiler>"
        )
    if code.serial:
        lines.append(escape(_("Serial")) + f": <code>{escape(code.serial)}</code>")
    if code.redemption_url:
        lines.append(escape(_("Redeem at")) + ": " + escape(code.redemption_url))
    if code.expires_at:
        lines.append(escape(_("Valid until")) + ": " + escape(_date(code.expires_at, locale)))
    copyable = not revoked and 1 <= len(code.code) <= MAX_COPY_TEXT
    return _Block("\n".join(lines), number=number, copy=code.code if copyable else None)


def _date(value: str, locale: str) -> str:
    """The supplier's ISO 8601 timestamp as a date in the customer's locale."""
    try:
        return format_date(datetime.fromisoformat(value), "long", locale=locale)
    except ValueError:
        return value


def _pack(blocks: list[_Block]) -> list[list[_Block]]:
    """Greedy packing of whole blocks: a code is never cut between two messages."""
    budget = MAX_TEXT_LENGTH - _PART_RESERVE
    parts: list[list[_Block]] = [[]]
    length = buttons = 0
    for block in blocks:
        added = len(block.text) + (len(_SEPARATOR) if parts[-1] else 0)
        button = 1 if block.copy is not None else 0
        if parts[-1] and (length + added > budget or buttons + button > MAX_BUTTONS):
            parts.append([])
            length = buttons = 0
            added = len(block.text)
        parts[-1].append(block)
        length += added
        buttons += button
    return parts


def _split_plain(text: str, limit: int) -> list[str]:
    """Cut plain text into chunks whose HTML-escaped form fits in `limit`, at line ends
    where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(escape(line)) > limit:  # one line longer than a message: cut it hard
            cut = limit
            # A character escapes to at most 6 (&quot;): dropping excess/6 of them at a
            # time never cuts more than needed.
            while (excess := len(escape(line[:cut])) - limit) > 0:
                cut -= -(-excess // 6)
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        if current and len(escape(current + line)) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current or not chunks:
        chunks.append(current)
    return [chunk.rstrip("\n") for chunk in chunks]


def _copy_keyboard(part: list[_Block], locale: str) -> InlineKeyboardMarkup | None:
    _ = translator(locale).gettext
    buttons = [
        InlineKeyboardButton(
            text="📋 " + _("Copy code {n}").format(n=block.number),
            copy_text=CopyTextButton(text=block.copy),
        )
        for block in part
        if block.copy is not None
    ]
    if not buttons:
        return None
    width = 1 if len(buttons) <= 5 else 3
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    return InlineKeyboardMarkup(inline_keyboard=rows)
