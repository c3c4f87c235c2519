"""The control API: users, buttons, the transcript, the event stream and bad input."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from sandbox.telegram.driver import ChatUser, SandboxClient, SandboxError
from sandbox.telegram.server import RunningTelegramSandbox, start_telegram_sandbox
from tests.support.telegram_sandbox import ALICE, make_bot, polling

MENU = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Catalog", callback_data="catalog")],
        [InlineKeyboardButton(text="Site", url="https://example.com")],
        [InlineKeyboardButton(text="Copy", copy_text=CopyTextButton(text="CODE"))],
    ]
)


def menu_bot() -> Dispatcher:
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Welcome", reply_markup=MENU)

    @dispatcher.callback_query(F.data == "catalog")
    async def catalog(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("Catalog: Steam, PSN")
        await query.answer("Loaded")

    return dispatcher


async def test_press_edit_and_answer(bot: Bot, alice: ChatUser) -> None:
    async with polling(menu_bot(), bot):
        await alice.send("/start")
        menu = await alice.wait_for(lambda m: m.get("text") == "Welcome")
        pressed = await alice.press(menu["message_id"], text="Catalog")
        assert pressed.answer == "Loaded" and pressed.update_id > 0
        edited = await alice.wait_for(lambda m: m.get("text", "").startswith("Catalog:"))
    assert edited["message_id"] == menu["message_id"]
    assert "reply_markup" not in edited and edited["edit_date"] >= edited["date"]
    assert await alice.last_bot_message() == edited


async def test_wait_for_follows_the_event_stream(bot: Bot, alice: ChatUser) -> None:
    waiting = asyncio.create_task(alice.wait_for(lambda m: m.get("text") == "later"))
    await bot.send_message(ALICE, "earlier")
    await bot.send_message(ALICE, "later")
    message = await asyncio.wait_for(waiting, 10)
    assert message["text"] == "later" and message["from_bot"] is True


async def test_wait_for_times_out_with_the_last_message(bot: Bot, alice: ChatUser) -> None:
    await bot.send_message(ALICE, "only this")
    with pytest.raises(TimeoutError, match="only this"):
        await alice.wait_for(lambda m: m.get("text") == "never", timeout=0.2)


async def test_event_stream_replays_since(bot: Bot, alice: ChatUser, client: SandboxClient) -> None:
    sent = await bot.send_message(ALICE, "to delete")
    await bot.delete_message(ALICE, sent.message_id)
    seen = []
    async for event in client.events(user_id=ALICE, since=0):
        seen.append(event)
        if event["type"] == "delete":
            break
    assert [e["type"] for e in seen] == ["message", "delete"]
    assert seen[0]["message"]["text"] == "to delete"
    assert seen[1]["message_id"] == sent.message_id
    assert seen[0]["seq"] < seen[1]["seq"]


async def test_bad_control_input(bot: Bot, alice: ChatUser, client: SandboxClient) -> None:
    sent = await bot.send_message(ALICE, "menu", reply_markup=MENU)
    rejections = {
        "unknown user": client.user({"id": 4242}).send("hi"),
        "no such button": alice.press(sent.message_id, data="nope"),
        "url button": alice.press(sent.message_id, text="Site"),
        "copy button": alice.press(sent.message_id, text="Copy"),
        "unknown message": alice.press(999, data="catalog"),
    }
    statuses = {}
    for name, call in rejections.items():
        with pytest.raises(SandboxError) as rejected:
            await call
        statuses[name] = rejected.value.status
    assert statuses == {
        "unknown user": 404,
        "no such button": 400,
        "url button": 400,
        "copy button": 400,
        "unknown message": 404,
    }


async def test_malformed_bodies_are_400(sandbox: RunningTelegramSandbox, alice: ChatUser) -> None:
    async with aiohttp.ClientSession() as http:
        for path, body in [
            ("/sandbox/users", {"id": "x", "first_name": "A"}),
            ("/sandbox/users", {"id": 5}),
            (f"/sandbox/users/{ALICE}/send", {"text": ""}),
            (f"/sandbox/users/{ALICE}/pay", {}),
            ("/sandbox/faults", {"method": "sendMessage", "status": 200}),
            ("/sandbox/config", {"flood_limit": "yes"}),
        ]:
            async with http.post(sandbox.url + path, json=body) as response:
                assert response.status == 400, path
                assert "error" in await response.json()


async def test_users_and_reset(bot: Bot, alice: ChatUser, client: SandboxClient) -> None:
    await client.create_user(1002, "Bob", language_code="de")
    users = await client.users()
    assert [(u["id"], u.get("language_code")) for u in users] == [(ALICE, "en"), (1002, "de")]
    await bot.send_message(ALICE, "hello")
    await client.reset()
    assert await client.users() == []
    assert await bot.get_updates() == []


async def test_serves_the_web_chat(sandbox: RunningTelegramSandbox) -> None:
    async with aiohttp.ClientSession() as http, http.get(sandbox.url + "/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert "<html" in (await response.text()).lower()


async def test_several_bots_are_addressed_by_id(
    sandbox: RunningTelegramSandbox, bot: Bot, client: SandboxClient
) -> None:
    other = make_bot(sandbox.url, "987654321:" + "B" * 35)
    await bot.get_me()
    await other.get_me()
    await client.create_user(ALICE, "Alice")
    async with SandboxClient(sandbox.url, bot_id=bot.id) as first:
        await first.user({"id": ALICE}).send("to the first")
    assert [u.message.text for u in await bot.get_updates() if u.message] == ["to the first"]
    assert await other.get_updates() == []
    # Without ?bot= the control API talks to the bot that called the Bot API last.
    await client.user({"id": ALICE}).send("to the last")
    assert [u.message.text for u in await other.get_updates() if u.message] == ["to the last"]
    # A malformed id is refused; a well-formed one not seen yet is an offline bot
    # (tests/integration/telegram_sandbox/test_offline_bot.py).
    async with SandboxClient(sandbox.url, bot_id="x5") as malformed:  # type: ignore[arg-type]  # bad on purpose
        with pytest.raises(SandboxError) as rejected:
            await malformed.user({"id": ALICE}).send("x")
    assert rejected.value.status == 400 and "numeric id" in rejected.value.reason
    assert len(sandbox.sandbox.bots) == 2
    await other.session.close()


async def test_forged_callback_data_reaches_the_bot(bot: Bot, alice: ChatUser) -> None:
    seen: list[str] = []
    dispatcher = menu_bot()

    @dispatcher.callback_query()
    async def record(query: CallbackQuery) -> None:
        seen.append(query.data or "")
        await query.answer("forged seen")

    async with polling(dispatcher, bot):
        await alice.send("/start")
        menu = await alice.wait_for(lambda m: m.get("text") == "Welcome")
        with pytest.raises(SandboxError, match="no such button"):
            await alice.press(menu["message_id"], data="order:someone-else")
        pressed = await alice.press(menu["message_id"], data="order:someone-else", forged=True)
    assert seen == ["order:someone-else"] and pressed.answer == "forged seen"
    with pytest.raises(SandboxError, match="1-64 bytes"):
        await alice.press(menu["message_id"], data="x" * 65, forged=True)


async def test_an_update_can_be_delivered_again(
    bot: Bot, alice: ChatUser, client: SandboxClient
) -> None:
    texts: list[tuple[int, str]] = []
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def record(message: Message) -> None:
        texts.append((message.message_id, message.text or ""))
        if len(texts) == 2:
            await message.answer("twice")

    async with polling(dispatcher, bot):
        sent = await alice.send("hello")
        copy = await client.redeliver(sent["update_id"])
        await alice.wait_for(lambda m: m.get("text") == "twice")
    assert copy > sent["update_id"]
    assert texts == [(sent["message_id"], "hello")] * 2
    with pytest.raises(SandboxError, match="no such update"):
        await client.redeliver(10_000)


async def test_the_transcript_names_the_sandbox_instance(
    sandbox: RunningTelegramSandbox, alice: ChatUser, client: SandboxClient
) -> None:
    first = await client.request("GET", f"/sandbox/users/{ALICE}/chat")
    again = await client.request("GET", f"/sandbox/users/{ALICE}/chat")
    assert first["instance"] == again["instance"] == sandbox.sandbox.instance
    # A restarted sandbox is told apart by it (a web chat resets rather than resumes).
    other = await start_telegram_sandbox()
    try:
        assert other.sandbox.instance != first["instance"]
    finally:
        await other.close()
