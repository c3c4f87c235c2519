"""Messaging methods through a real aiogram Bot: shapes, limits and Telegram's error texts."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    ReplyParameters,
)

from sandbox.telegram.driver import ChatUser
from sandbox.telegram.server import RunningTelegramSandbox
from tests.support.telegram_sandbox import ALICE, TOKEN, make_bot


def keyboard(**button: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Go", **button)]])


async def test_get_me_derives_the_bot_from_its_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.is_bot
    assert me.username == "sandbox_123456789_bot"


async def raw_call(url: str) -> tuple[int, object]:
    """A Bot API call without aiogram, to see the status and body exactly."""
    async with aiohttp.ClientSession() as http, http.post(url) as response:
        return response.status, await response.json()


async def test_malformed_token_is_unauthorized(sandbox: RunningTelegramSandbox) -> None:
    status, body = await raw_call(f"{sandbox.url}/bot123:short/getMe")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_another_secret_for_a_known_bot_id_is_unauthorized(
    bot: Bot, sandbox: RunningTelegramSandbox
) -> None:
    await bot.get_me()
    impostor = make_bot(sandbox.url, TOKEN[:-1] + "B")
    with pytest.raises(TelegramUnauthorizedError):
        await impostor.get_me()
    await impostor.session.close()


async def test_unknown_method_is_not_found(bot: Bot, sandbox: RunningTelegramSandbox) -> None:
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot.send_sticker(ALICE, "CAACAgIAAxkBAAE")
    status, body = await raw_call(f"{sandbox.url}/bot{TOKEN}/noSuchMethod")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_send_message_parses_html_into_utf16_entities(bot: Bot, alice: ChatUser) -> None:
    sent = await bot.send_message(
        ALICE, "😀 <b>Bold</b> <tg-spoiler>secret</tg-spoiler>", parse_mode="HTML"
    )
    assert sent.text == "😀 Bold secret"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.chat.id == ALICE and sent.chat.type == "private"
    entities = [(e.type, e.offset, e.length) for e in sent.entities or []]
    assert entities == [("bold", 3, 4), ("spoiler", 8, 6)]
    transcript = await alice.chat()
    assert transcript[-1]["text"] == "😀 Bold secret"
    assert transcript[-1]["from_bot"] is True


async def test_markdown_v2_and_its_reserved_characters(bot: Bot, alice: ChatUser) -> None:
    sent = await bot.send_message(ALICE, "*bold* _it_ `x` \\.", parse_mode="MarkdownV2")
    assert sent.text == "bold it x ."
    assert [e.type for e in sent.entities or []] == ["bold", "italic", "code"]
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(ALICE, "1.5", parse_mode="MarkdownV2")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await bot.send_message(ALICE, "<b>open", parse_mode="HTML")


async def test_text_limits(bot: Bot, alice: ChatUser) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ALICE, "<b></b>  ", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    # The limit applies after entity parsing: markup does not count.
    sent = await bot.send_message(ALICE, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text or "") == 4096


async def test_unknown_chat(bot: Bot, alice: ChatUser) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hello")


async def test_button_limits_and_echo(bot: Bot, alice: ChatUser) -> None:
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "x", reply_markup=keyboard(callback_data="é" * 33))
    sent = await bot.send_message(ALICE, "x", reply_markup=keyboard(callback_data="d" * 64))
    assert _buttons(sent.reply_markup) == [[{"text": "Go", "callback_data": "d" * 64}]]
    with pytest.raises(TelegramBadRequest, match="BUTTON_COPY_TEXT_INVALID"):
        await bot.send_message(ALICE, "x", reply_markup=_copy_keyboard("c" * 257))
    copied = await bot.send_message(ALICE, "x", reply_markup=_copy_keyboard("CODE-1"))
    assert copied.reply_markup is not None


def _buttons(markup: InlineKeyboardMarkup | None) -> list[list[dict[str, object]]]:
    assert markup is not None
    return [[b.model_dump(exclude_none=True) for b in row] for row in markup.inline_keyboard]


def _copy_keyboard(text: str) -> InlineKeyboardMarkup:
    from aiogram.types import CopyTextButton

    button = InlineKeyboardButton(text="Copy", copy_text=CopyTextButton(text=text))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def test_edits_and_deletions(bot: Bot, alice: ChatUser) -> None:
    sent = await bot.send_message(ALICE, "one", reply_markup=keyboard(callback_data="a"))
    edited = await bot.edit_message_text("two", chat_id=ALICE, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "two" and edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without a keyboard removes it
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await bot.edit_message_text("two", chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=999)
    marked = await bot.edit_message_reply_markup(
        chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard(callback_data="b")
    )
    assert not isinstance(marked, bool)
    assert _buttons(marked.reply_markup) == [[{"text": "Go", "callback_data": "b"}]]
    assert await bot.delete_message(ALICE, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)
    assert all(m["message_id"] != sent.message_id for m in await alice.chat())


async def test_documents_are_kept_for_download(
    bot: Bot, alice: ChatUser, sandbox: RunningTelegramSandbox
) -> None:
    upload = BufferedInputFile(b"CODE-1\nCODE-2\n", filename="codes.txt")
    sent = await bot.send_document(ALICE, upload, caption="<i>Your codes</i>", parse_mode="HTML")
    assert sent.document is not None
    assert sent.document.file_name == "codes.txt"
    assert sent.document.mime_type == "text/plain"
    assert sent.document.file_size == 14
    assert sent.caption == "Your codes"
    again = await bot.send_document(ALICE, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    url = f"{sandbox.url}/sandbox/files/{sent.document.file_id}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert await response.read() == b"CODE-1\nCODE-2\n"
        assert 'filename="codes.txt"' in response.headers["Content-Disposition"]
    transcript = await alice.chat()
    assert transcript[-1]["document"]["file_id"] == sent.document.file_id


async def test_commands_and_menu_button(bot: Bot, alice: ChatUser) -> None:
    commands = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]
    assert await bot.set_my_commands(commands)
    listed = await bot.get_my_commands()
    assert [(c.command, c.description) for c in listed] == [("start", "Start"), ("help", "Help")]
    assert await bot.get_my_commands(language_code="de") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    assert await bot.set_chat_menu_button(chat_id=ALICE, menu_button=MenuButtonCommands())


async def test_replies_carry_the_replied_message(bot: Bot, alice: ChatUser) -> None:
    asked = await alice.send("how much?")
    answer = await bot.send_message(
        ALICE, "25 stars", reply_parameters=ReplyParameters(message_id=asked["message_id"])
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "how much?"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(ALICE, "x", reply_parameters=ReplyParameters(message_id=999))
