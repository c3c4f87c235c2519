"""Two real `giftbot supplier-sandbox` processes as two suppliers of one real bot, through a
SUPPLIERS_FILE: alpha (cheaper) and beta (5 % dearer), each with its own key and secret."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import (
    BOT_TOKEN,
    Stack,
    _base_env,
    _spawn,
    bot_environment,
    free_port,
    stop,
    wait_until_ready,
)
from tests.support.two_suppliers import SUPPLIERS, Network, SupplierHttp, key, secret


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    workdir = tmp_path_factory.mktemp("routing")
    telegram_port, bot_port = free_port(), free_port()
    stack = Stack(
        telegram_url=f"http://127.0.0.1:{telegram_port}",
        supplier_url="",  # two of them: see Network.urls
        bot_url=f"http://127.0.0.1:{bot_port}",
        workdir=workdir,
    )
    net = Network(stack, {name: f"http://127.0.0.1:{free_port()}" for name in SUPPLIERS})
    try:
        _spawn(
            stack,
            "telegram",
            ["telegram-sandbox", "--port", str(telegram_port), "--no-flood-limit"],
            _base_env(),
        )
        for name in SUPPLIERS:
            net.start_supplier(name)
        wait_until_ready(
            f"{stack.telegram_url}/sandbox/users", stack.processes["telegram"], "telegram"
        )
        tables = [
            f'[[supplier]]\nname = "{name}"\nurl = "{net.urls[name]}"\napi_key = "{key(name)}"\n'
            f'webhook_secret = "{secret(name)}"\npriority = {priority}\n'
            for priority, name in enumerate(SUPPLIERS)
        ]
        (workdir / "suppliers.toml").write_text("\n".join(tables))
        stack.bot_env = {
            "BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_API_URL": stack.telegram_url,
            "SUPPLIERS_FILE": str(workdir / "suppliers.toml"),
            "HTTP_PORT": str(bot_port),
            "DATABASE_URL": f"sqlite:///{workdir}/giftbot.db",
            "CODES_KEY": base64.b64encode(b"r" * 32).decode(),
            "PURCHASES_PER_MINUTE": "30",
            "THROTTLE_PER_SECOND": "20",
        }
        _spawn(stack, "bot", ["run"], bot_environment(stack))
        wait_until_ready(f"{stack.bot_url}/health", stack.processes["bot"], "bot")
        yield net
    finally:
        stop(stack)


@pytest.fixture
async def telegram(network: Network) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(network.stack.telegram_url) as client:
        yield client


@pytest.fixture
async def suppliers(network: Network) -> AsyncIterator[dict[str, SupplierHttp]]:
    sessions = {
        name: aiohttp.ClientSession(base_url=url, headers={"Authorization": f"Bearer {key(name)}"})
        for name, url in network.urls.items()
    }
    yield {name: SupplierHttp(session) for name, session in sessions.items()}
    for session in sessions.values():
        await session.close()
