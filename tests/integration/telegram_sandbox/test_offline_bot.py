"""A bot that has not connected yet: users can write to it, the updates wait for it (a day)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.types import Message
from aiohttp import web

from app.cli import parse_args
from sandbox.telegram import TelegramSandboxConfig, start_telegram_sandbox, update_queue
from sandbox.telegram.driver import SandboxClient, SandboxError
from sandbox.telegram.server import RunningTelegramSandbox
from tests.support.telegram_sandbox import ALICE, TOKEN, make_bot, polling

BOT_ID = int(TOKEN.split(":")[0])


@pytest.fixture
async def early(sandbox: RunningTelegramSandbox) -> AsyncIterator[SandboxClient]:
    """A control client that names the bot by id before the bot has ever connected."""
    async with SandboxClient(sandbox.url, bot_id=BOT_ID) as client:
        yield client


def echo_bot() -> Dispatcher:
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo {message.text}")

    return dispatcher


async def bots_listed(sandbox: RunningTelegramSandbox) -> list[dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.get(f"{sandbox.url}/sandbox/bots") as r:
        bots: list[dict[str, object]] = (await r.json())["bots"]
        return bots


async def test_messages_wait_for_a_bot_that_connects_later(
    sandbox: RunningTelegramSandbox, early: SandboxClient
) -> None:
    alice = await early.create_user(ALICE, "Alice")
    first = await alice.send("/start")
    await alice.send("second")
    [listed] = await bots_listed(sandbox)
    assert listed["id"] == BOT_ID and listed["connected"] is False
    assert listed["pending_update_count"] == 2

    bot = make_bot(sandbox.url)
    try:
        async with polling(echo_bot(), bot):
            reply = await alice.wait_for(lambda m: m.get("text") == "echo second")
        echoes = [m["text"] for m in await alice.chat() if m["from_bot"]]
    finally:
        await bot.session.close()
    assert echoes == ["echo /start", "echo second"]
    assert reply["message_id"] > first["message_id"]
    [listed] = await bots_listed(sandbox)
    assert listed["connected"] is True and listed["pending_update_count"] == 0


async def test_a_webhook_set_later_receives_the_queued_updates(
    sandbox: RunningTelegramSandbox, early: SandboxClient
) -> None:
    alice = await early.create_user(ALICE, "Alice")
    sent = await alice.send("while offline")
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    bot = make_bot(sandbox.url)
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        update = await asyncio.wait_for(received.get(), 10)
    finally:
        await bot.session.close()
        await runner.cleanup()
    assert update["update_id"] == sent["update_id"]
    assert update["message"]["text"] == "while offline"


async def test_updates_older_than_a_day_are_dropped(
    sandbox: RunningTelegramSandbox, early: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(update_queue, "_now", lambda: now[0])
    alice = await early.create_user(ALICE, "Alice")
    await alice.send("stale")
    now[0] += 24 * 3600 - 1
    await alice.send("fresh")
    now[0] += 2  # "stale" is now a day and a second old, "fresh" one second
    bot = make_bot(sandbox.url)
    try:
        updates = await bot.get_updates()
    finally:
        await bot.session.close()
    assert [u.message.text for u in updates if u.message] == ["fresh"]


async def test_the_first_token_for_the_id_owns_the_queue(
    sandbox: RunningTelegramSandbox, early: SandboxClient
) -> None:
    await (await early.create_user(ALICE, "Alice")).send("for the real bot")
    real, impostor = make_bot(sandbox.url), make_bot(sandbox.url, f"{BOT_ID}:" + "Z" * 35)
    try:
        assert [u.message.text for u in await real.get_updates() if u.message] == [
            "for the real bot"
        ]
        with pytest.raises(TelegramUnauthorizedError):
            await impostor.get_updates()
    finally:
        await real.session.close()
        await impostor.session.close()


async def test_without_bot_id_the_only_known_bot_is_used(
    sandbox: RunningTelegramSandbox, early: SandboxClient, client: SandboxClient
) -> None:
    with pytest.raises(SandboxError) as none_yet:
        await (await client.create_user(ALICE, "Alice")).send("to nobody")
    assert none_yet.value.status == 409 and "?bot=<id>" in none_yet.value.reason
    assert await bots_listed(sandbox) == []  # the refused call added no bot

    assert await early.user({"id": ALICE}).chat() == []  # a read adds no bot either
    assert await bots_listed(sandbox) == []
    first = await early.user({"id": ALICE}).send("named")  # now the only bot known
    second = await client.user({"id": ALICE}).send("to the only bot")
    bot = make_bot(sandbox.url)
    try:
        updates = await bot.get_updates()
    finally:
        await bot.session.close()
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]


async def test_several_offline_bots_need_a_bot_id(
    sandbox: RunningTelegramSandbox, client: SandboxClient
) -> None:
    await client.create_user(ALICE, "Alice")
    for bot_id in (11, 12):
        async with SandboxClient(sandbox.url, bot_id=bot_id) as named:
            await named.user({"id": ALICE}).send(f"to {bot_id}")
    with pytest.raises(SandboxError) as ambiguous:
        await client.user({"id": ALICE}).send("to which?")
    assert ambiguous.value.status == 409 and "several bots" in ambiguous.value.reason
    assert [b["pending_update_count"] for b in await bots_listed(sandbox)] == [1, 1]


@pytest.mark.parametrize("raw", ["0", "-5", "abc", "1:token", "12345678901234567890"])
async def test_a_malformed_bot_id_is_refused_and_adds_nothing(
    sandbox: RunningTelegramSandbox, client: SandboxClient, raw: str
) -> None:
    await client.create_user(ALICE, "Alice")
    async with aiohttp.ClientSession() as http:
        url = f"{sandbox.url}/sandbox/users/{ALICE}/send"
        async with http.post(url, params={"bot": raw}, json={"text": "x"}) as response:
            assert response.status == 400
            assert "numeric id" in (await response.json())["error"]
    assert await bots_listed(sandbox) == []


async def test_a_bot_polling_across_a_sandbox_restart_gets_the_new_updates(
    sandbox_config: TelegramSandboxConfig,
) -> None:
    """Update ids only grow, across sandbox runs too: the bot's old offset drops nothing new."""
    offset = 0
    for run in ("first run", "second run"):
        running = await start_telegram_sandbox(sandbox_config)
        bot = make_bot(running.url)
        try:
            async with SandboxClient(running.url, bot_id=BOT_ID) as client:
                await (await client.create_user(ALICE, "Alice")).send(run)
            updates = await bot.get_updates(offset=offset)
        finally:
            await bot.session.close()
            await running.close()
        assert [u.message.text for u in updates if u.message] == [run]
        offset = updates[-1].update_id + 1


async def test_a_bot_known_from_the_start_takes_messages_without_bot_id(
    sandbox_config: TelegramSandboxConfig,
) -> None:
    sandbox_config.bot_ids = (BOT_ID,)
    running = await start_telegram_sandbox(sandbox_config)
    bot = make_bot(running.url)
    try:
        async with SandboxClient(running.url) as client:
            sent = await (await client.create_user(ALICE, "Alice")).send("/start")
        [listed] = await bots_listed(running)
        assert listed["id"] == BOT_ID and listed["connected"] is False
        assert [u.update_id for u in await bot.get_updates()] == [sent["update_id"]]
    finally:
        await bot.session.close()
        await running.close()


def test_the_cli_takes_bot_ids() -> None:
    args = parse_args(["telegram-sandbox", "--bot-id", "5", "--bot-id", "77"])
    assert args.bot_id == [5, 77]
    for bad in ("0", "x", "-3", "5:abc"):
        with pytest.raises(SystemExit) as refused:
            parse_args(["telegram-sandbox", "--bot-id", bad])
        assert refused.value.code == 2
