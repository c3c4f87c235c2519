"""Two real `giftbot supplier-sandbox` processes as two suppliers of one real bot, through a
SUPPLIERS_FILE: alpha (cheaper) and beta (5 % dearer), each with its own key and secret."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aiohttp
import pytest

from bot.sandbox.driver import SandboxClient
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

JSON = dict[str, object]
SUPPLIERS = {"alpha": 1.0, "beta": 1.05}  # name -> price factor; file order = priority


def key(name: str) -> str:
    return f"sk_e2e_{name}"


def secret(name: str) -> str:
    return "whsec_" + base64.b64encode(f"e2e-{name}-webhook-secret".encode()).decode()


@dataclass
class Network:
    stack: Stack
    urls: dict[str, str]  # supplier name -> base URL

    def start_supplier(self, name: str) -> None:
        """(Re)start supplier `name` on its port and wait until it answers."""
        port = self.urls[name].rsplit(":", 1)[1]
        args = ["supplier-sandbox", "--port", port, "--api-key", key(name)]
        args += ["--webhook-url", f"{self.stack.bot_url}/supplier/webhook/{name}"]
        args += ["--webhook-secret", secret(name), "--price-factor", str(SUPPLIERS[name])]
        args += ["--state-file", str(self.stack.workdir / f"{name}.json")]
        env = {**_base_env(), "SANDBOX_PENDING_DELAY_SECONDS": "1"}
        _spawn(self.stack, name, args, env | {"SANDBOX_WEBHOOK_TIME_SCALE": "100"})
        wait_until_ready(f"{self.urls[name]}/openapi.json", self.stack.processes[name], name)


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


class SupplierHttp:
    """One supplier as it says itself, over HTTP with its own key."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def order(self, reference: str) -> JSON | None:
        async with self._session.get("/v1/orders", params={"reference": reference}) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return dict(await response.json())

    async def price(self, sku: str) -> int:
        async with self._session.get(f"/v1/prices/{sku}") as response:
            response.raise_for_status()
            return int((await response.json())["unit_price"]["amount"])

    async def set_stock(self, sku: str, available: int) -> None:
        body = {"sku": sku, "available": available}
        async with self._session.post("/sandbox/stock", json=body) as response:
            response.raise_for_status()

    async def webhook_deliveries(self) -> list[JSON]:
        async with self._session.get("/sandbox/webhook-deliveries") as response:
            response.raise_for_status()
            return list((await response.json())["items"])


@pytest.fixture
async def suppliers(network: Network) -> AsyncIterator[dict[str, SupplierHttp]]:
    sessions = {
        name: aiohttp.ClientSession(base_url=url, headers={"Authorization": f"Bearer {key(name)}"})
        for name, url in network.urls.items()
    }
    yield {name: SupplierHttp(session) for name, session in sessions.items()}
    for session in sessions.values():
        await session.close()
