"""Getting updates: long polling with offsets, webhooks with the secret header and retries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from sandbox.telegram.driver import ChatUser
from sandbox.telegram.server import RunningTelegramSandbox
from tests.support.telegram_sandbox import ALICE, eventually, poll_waiting


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    bot: Bot, alice: ChatUser, sandbox: RunningTelegramSandbox
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await eventually(poll_waiting(sandbox, bot))
    assert not poll.done()
    sent = await alice.send("/start")
    updates = await asyncio.wait_for(poll, 10)
    assert time.monotonic() - started < 10
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.from_user is not None and message.from_user.id == ALICE
    assert [(e.type, e.offset, e.length) for e in message.entities or []] == [("bot_command", 0, 6)]


async def test_empty_poll_times_out_with_no_updates(bot: Bot, alice: ChatUser) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_offset_confirms_and_limit_caps(bot: Bot, alice: ChatUser) -> None:
    ids = [(await alice.send(f"m{i}"))["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates()] == ids  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2] + 1)] == []
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == []


async def test_allowed_updates_filters_new_updates(bot: Bot, alice: ChatUser) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    assert (await alice.send("ignored"))["update_id"] == 0
    assert await bot.get_updates() == []
    await bot.get_updates(allowed_updates=[])
    assert (await alice.send("kept"))["update_id"] > 0


class WebhookReceiver:
    """A local HTTP endpoint that fails its first `failures` deliveries with 500."""

    def __init__(self, failures: int, reply: dict[str, object] | None = None) -> None:
        self.failures = failures
        self.reply = reply
        self.received: asyncio.Queue[tuple[str | None, dict[str, object]]] = asyncio.Queue()

    async def handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((secret, await request.json()))
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        if self.reply is not None:
            return web.json_response(self.reply)
        return web.Response()


async def serve(receiver: WebhookReceiver) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> WebhookReceiver:
    options = getattr(request, "param", {"failures": 2})
    return WebhookReceiver(**options)


@pytest.fixture
async def hook_url(receiver: WebhookReceiver) -> AsyncIterator[str]:
    async for url in serve(receiver):
        yield url


async def test_webhook_delivers_with_secret_and_retries(
    bot: Bot, alice: ChatUser, receiver: WebhookReceiver, hook_url: str
) -> None:
    assert await bot.set_webhook(hook_url, secret_token="s3cret_token-1")
    sent = await alice.send("hello")
    deliveries = [await asyncio.wait_for(receiver.received.get(), 10) for _ in range(3)]
    assert [secret for secret, _ in deliveries] == ["s3cret_token-1"] * 3
    assert {update["update_id"] for _, update in deliveries} == {sent["update_id"]}
    info = await bot.get_webhook_info()
    assert info.url == hook_url
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.parametrize(
    "receiver",
    [{"failures": 0, "reply": {"method": "sendMessage", "chat_id": ALICE, "text": "hi"}}],
    indirect=True,
)
async def test_webhook_reply_may_carry_a_method_call(
    bot: Bot, alice: ChatUser, hook_url: str
) -> None:
    await bot.set_webhook(hook_url)
    await alice.send("hello")
    reply = await alice.wait_for(lambda m: m.get("text") == "hi")
    assert reply["from_bot"]


async def test_webhook_rejects_bad_secret(bot: Bot, alice: ChatUser) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces allowed")


async def test_a_newer_poll_terminates_the_older_one(
    bot: Bot, alice: ChatUser, sandbox: RunningTelegramSandbox
) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=20))
    await eventually(poll_waiting(sandbox, bot))
    newer = asyncio.create_task(bot.get_updates(timeout=20))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 10)
    await alice.send("wake")
    assert len(await asyncio.wait_for(newer, 10)) == 1


async def test_aiogram_webhook_answering_in_its_response(bot: Bot, alice: ChatUser) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> SendMessage:
        # Returned, not awaited: aiogram puts the call in the webhook response as a form.
        return message.answer(f"echo {message.text}")

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token="tok").register(
        app, path="/webhook"
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(
            f"http://127.0.0.1:{runner.addresses[0][1]}/webhook", secret_token="tok"
        )
        sent = await alice.send("ping")
        reply = await alice.wait_for(
            lambda m: m.get("text") == "echo ping", after=sent["message_id"]
        )
        assert reply["from_bot"]
    finally:
        await runner.cleanup()
