"""A scripted stand-in for the supplier: each route answers from a queue of behaviours.

Unlike the sandbox it fails exactly when a test says so, which is what retry tests need.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Behaviour = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The key clients under test send; tests assert it never reaches a log line.
API_KEY = "sk_test_do_not_log_me"


@dataclass
class Recorded:
    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]


@dataclass
class ScriptedSupplier:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    _routes: dict[tuple[str, str], list[Behaviour]] = field(default_factory=dict)

    def on(self, method: str, path: str, *behaviours: Behaviour) -> None:
        """Answer the next requests with these behaviours in turn; the last one repeats."""
        self._routes[(method, path)] = list(behaviours)

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if (r.method, r.path) == (method, path)]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
            Recorded(
                request.method,
                request.path,
                request.raw_path,
                dict(request.query),
                await request.read(),
                dict(request.headers),
            )
        )
        queue = self._routes.get((request.method, request.path))
        if not queue:
            return await error(404, "not_routed")(request)
        behaviour = queue.pop(0) if len(queue) > 1 else queue[0]
        return await behaviour(request)

    def hang(self) -> Behaviour:
        """Never answer (until the test ends): the client's timeout must fire."""

        async def behaviour(request: web.Request) -> web.StreamResponse:
            await self.release.wait()
            return web.Response(status=599)

        return behaviour


def reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Behaviour:
    async def behaviour(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=status, headers=headers)

    return behaviour


def error(status: int, code: str, headers: dict[str, str] | None = None) -> Behaviour:
    envelope = {
        "error": {
            "code": code,
            "message": code.replace("_", " "),
            "retryable": status == 429 or status >= 500,
            "request_id": "req_test",
        }
    }
    return reply(status, envelope, headers)


def raw(
    status: int, text: str, content_type: str = "text/plain", headers: dict[str, str] | None = None
) -> Behaviour:
    async def behaviour(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text=text, content_type=content_type, headers=headers)

    return behaviour


def drop() -> Behaviour:
    """Close the connection after reading the request, as a crashed proxy would."""

    async def behaviour(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    return behaviour


def then(effect: Callable[[], None], behaviour: Behaviour) -> Behaviour:
    """Run `effect` (e.g. commit an order) before answering with `behaviour`."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        effect()
        return await behaviour(request)

    return wrapped


def order_json(reference: str = "ref_1", *, status: str = "completed", **extra: Any) -> Any:
    order = {
        "order_id": f"ord_{reference}",
        "reference": reference,
        "sku": "test-instant",
        "quantity": 1,
        "status": status,
        "unit_price": {"amount": 950, "currency": "USD"},
        "total": {"amount": 950, "currency": "USD"},
        "fulfilled_quantity": 1 if status == "completed" else 0,
        "codes": [{"code": "SECRET-CODE-1"}] if status == "completed" else [],
        "failure_reason": None,
        "created_at": "2026-11-26T10:00:00Z",
        "updated_at": "2026-11-26T10:00:00Z",
        "version": 1,
    }
    return order | extra
