"""A Python driver for the sandbox's control API, for end-to-end tests and benchmarks.

client = SandboxClient(sandbox_url)
alice = await client.create_user(1001, "Alice")
await alice.send("/start")
menu = await alice.wait_for(lambda m: "Welcome" in m.get("text", ""))
await alice.press(menu["message_id"], text="Catalog")
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

JSON = dict[str, Any]
Predicate = Callable[[JSON], bool]


class SandboxError(Exception):
    """The control API refused a call (unknown user, no such button, paid twice...)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PressResult:
    update_id: int
    # answerCallbackQuery's text, or None when the bot answered without text or not at all.
    answer: str | None


@dataclass(frozen=True, slots=True)
class PaymentResult:
    status: str  # "paid" | "declined" | "timeout"
    charge_id: str | None
    error_message: str | None
    update_id: int | None = None  # the successful_payment update, when paid


class SandboxClient:
    """One sandbox; `bot_id` names the bot (several connected, or one not connected yet:
    what users send it then waits for it, as Telegram keeps updates for an offline bot).

    A session passed in should have no connection limit (`TCPConnector(limit=0)`) when many
    users wait at once: each `wait_for` keeps one connection for its event stream.
    """

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession | None = None,
        *,
        bot_id: int | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None
        self.bot_id = bot_id

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # Every waiting `wait_for` holds a connection open; a pool limit would let
            # many of them starve the sends they are waiting on.
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self._session

    def _params(self, **extra: Any) -> dict[str, str]:
        params = {k: str(v) for k, v in extra.items() if v is not None}
        if self.bot_id is not None:
            params["bot"] = str(self.bot_id)
        return params

    async def request(self, method: str, path: str, body: JSON | None = None) -> JSON:
        async with self.session.request(
            method, self.base_url + path, json=body, params=self._params()
        ) as response:
            payload = await response.json(content_type=None)
            if response.status >= 400:
                raise SandboxError(response.status, str(payload.get("error", payload)))
            result: JSON = payload
            return result

    async def create_user(
        self, id: int, first_name: str, language_code: str = "en", **extra: str
    ) -> ChatUser:
        body = {"id": id, "first_name": first_name, "language_code": language_code, **extra}
        return ChatUser(self, await self.request("POST", "/sandbox/users", body))

    def user(self, user: JSON) -> ChatUser:
        """A handle for a user created earlier (by this or another client)."""
        return ChatUser(self, user)

    async def users(self) -> list[JSON]:
        users: list[JSON] = (await self.request("GET", "/sandbox/users"))["users"]
        return users

    async def reset(self) -> None:
        await self.request("POST", "/sandbox/reset")

    async def redeliver(self, update_id: int) -> int:
        """Have the bot receive an earlier update again; returns the copy's update_id."""
        result = await self.request("POST", f"/sandbox/updates/{update_id}/redeliver")
        return int(result["update_id"])

    async def star_transactions(self) -> list[JSON]:
        result = await self.request("GET", "/sandbox/stars/transactions")
        transactions: list[JSON] = result["transactions"]
        return transactions

    async def inject_fault(
        self, method: str, *, count: int = 1, status: int = 500, description: str | None = None
    ) -> None:
        body: JSON = {"method": method, "count": count, "status": status}
        if description is not None:
            body["description"] = description
        await self.request("POST", "/sandbox/faults", body)

    async def set_config(self, **values: Any) -> JSON:
        return await self.request("POST", "/sandbox/config", values)

    async def events(
        self, *, user_id: int | None = None, since: int | None = None
    ) -> AsyncIterator[JSON]:
        """Sandbox events as they happen (with `since`, the ones after that seq first)."""
        params = self._params(user_id=user_id, since=since)
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        async with self.session.get(
            self.base_url + "/sandbox/events", params=params, timeout=timeout
        ) as response:
            if response.status >= 400:
                raise SandboxError(response.status, await response.text())
            async for raw in response.content:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("data:"):
                    yield json.loads(line[5:])


class ChatUser:
    """A test user in their private chat with the bot."""

    def __init__(self, client: SandboxClient, user: JSON) -> None:
        self.client = client
        self.user = user
        self.id: int = user["id"]

    def _path(self, action: str) -> str:
        return f"/sandbox/users/{self.id}/{action}"

    async def send(self, text: str) -> JSON:
        """Send a text (or a /command) to the bot: `{"message_id", "update_id"}`."""
        return await self.client.request("POST", self._path("send"), {"text": text})

    async def press(
        self,
        message_id: int,
        *,
        data: str | None = None,
        text: str | None = None,
        forged: bool = False,
    ) -> PressResult:
        """Press an inline button by its callback_data or text; waits for the bot's answer.
        `forged=True` sends `data` whether or not such a button exists, as a modified
        client could."""
        body: JSON = {"message_id": message_id, "forged": forged}
        if data is not None:
            body["data"] = data
        if text is not None:
            body["text"] = text
        result = await self.client.request("POST", self._path("press"), body)
        return PressResult(update_id=result["update_id"], answer=result["answer"])

    async def pay(self, message_id: int) -> PaymentResult:
        result = await self.client.request("POST", self._path("pay"), {"message_id": message_id})
        return PaymentResult(
            result["status"], result["charge_id"], result["error_message"], result["update_id"]
        )

    async def chat(self) -> list[JSON]:
        messages: list[JSON] = (await self._transcript())["messages"]
        return messages

    async def _transcript(self) -> JSON:
        return await self.client.request("GET", self._path("chat"))

    async def last_bot_message(self) -> JSON | None:
        return next((m for m in reversed(await self.chat()) if m["from_bot"]), None)

    async def wait_for(
        self,
        predicate: Predicate,
        timeout: float = 10,  # noqa: ASYNC109 - the driver's interface, like asyncio.wait_for
        *,
        after: int | None = None,
    ) -> JSON:
        """The newest bot message (sent or edited) matching `predicate`, already there or to come.

        Reads the transcript, then follows the event stream from the transcript's sequence
        number, so a message that arrives in between is not missed. `after` skips messages
        with ids up to it (pass the id `send` returned to wait for a reply to it).
        """
        if after is not None:
            matches, predicate = predicate, lambda m: m["message_id"] > after and matches(m)
        last_seen: JSON | None = None
        try:
            async with asyncio.timeout(timeout):
                transcript = await self._transcript()
                seen: JSON
                for seen in reversed(transcript["messages"]):
                    if seen["from_bot"]:
                        last_seen = last_seen or seen
                        if predicate(seen):
                            return seen
                events = self.client.events(user_id=self.id, since=transcript["last_seq"])
                async for event in events:
                    message: JSON | None = event.get("message")
                    if event["type"] in {"message", "edit"} and message and message["from_bot"]:
                        last_seen = message
                        if predicate(message):
                            return message
        except TimeoutError:
            raise TimeoutError(
                f"no bot message matched in {timeout} s; the last one was {last_seen!r}"
            ) from None
        raise SandboxError(0, "the event stream ended")

    async def wait_for_text(self, fragment: str, timeout: float = 10) -> JSON:  # noqa: ASYNC109
        return await self.wait_for(lambda m: fragment in _text_of(m), timeout)


def _text_of(message: JSON) -> str:
    return str(message.get("text") or message.get("caption") or "")
