"""The command menu is best effort: a Bot API server without setMyCommands stops nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.handlers.commands import set_bot_commands
from bot.i18n import LOCALES

TOKEN = "123456:" + "A" * 35
Answer = Callable[[], web.Response]


def _ok() -> web.Response:
    return web.json_response({"ok": True, "result": True})


def _json_not_found() -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
    )


def _html_not_found() -> web.Response:
    return web.Response(
        status=404, text="<html><body>404 page</body></html>", content_type="text/html"
    )


class StubApi:
    """A Bot API server that answers every call the same way, and counts them."""

    def __init__(self) -> None:
        self.answer: Answer = _ok
        self.methods: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.methods.append(request.match_info["method"])
        return self.answer()


@pytest.fixture
async def api() -> AsyncIterator[tuple[StubApi, Bot]]:
    stub = StubApi()
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", stub.handle)
    # No access log: the stub's own request lines carry the token in the URL, and the
    # test below checks that the bot never logs it (whatever logging earlier tests set).
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log=None)
    async with server:
        base = str(server.make_url("")).rstrip("/")
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base)))
        yield stub, bot
        await bot.session.close()


async def test_the_menu_is_set_in_every_language(api: tuple[StubApi, Bot]) -> None:
    stub, bot = api
    assert await set_bot_commands(bot) is True
    assert stub.methods == ["setMyCommands"] * (1 + len(LOCALES))


@pytest.mark.parametrize(
    ("answer", "error"),
    [(_json_not_found, "TelegramNotFound"), (_html_not_found, "ClientDecodeError")],
)
async def test_a_server_without_set_my_commands_gets_a_warning(
    api: tuple[StubApi, Bot], answer: Answer, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    stub, bot = api
    stub.answer = answer
    assert await set_bot_commands(bot) is False
    assert stub.methods == ["setMyCommands"]  # the rest would fail the same way
    [record] = [r for r in caplog.records if r.name == "bot.handlers.commands"]
    assert record.levelname == "WARNING" and error in record.getMessage()
    # The bot's own lines only: the stub server's access log shows the URL it was called at.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp")]
    assert not [line for line in ours if TOKEN in line]
