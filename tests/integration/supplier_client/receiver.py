"""A webhook endpoint for tests: verifies every delivery with `WebhookVerifier`, records it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from supplier.models import WebhookEvent
from supplier.webhooks import WebhookError, WebhookVerifier

WAIT_LIMIT = 10.0


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]
    event: WebhookEvent | None  # None: the verifier refused it
    error: WebhookError | None


@dataclass
class WebhookReceiver:
    verifier: WebhookVerifier
    deliveries: list[Delivery] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/supplier", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            event: WebhookEvent | None = self.verifier.verify(body, headers)
            error = None
        except WebhookError as exc:
            event, error = None, exc
        async with self.changed:
            self.deliveries.append(Delivery(body, headers, event, error))
            self.changed.notify_all()
        return web.Response(status=204 if event is not None else 400)

    async def wait_for(self, predicate: Callable[[WebhookReceiver], bool]) -> None:
        """Return once `predicate` holds; bounded so a lost event fails instead of hanging."""
        async with asyncio.timeout(WAIT_LIMIT), self.changed:
            await self.changed.wait_for(lambda: predicate(self))

    def events(self, reference: str) -> list[WebhookEvent]:
        """Verified events of one order, one per webhook-id (repeats are already handled)."""
        seen: dict[str, WebhookEvent] = {}
        for delivery in self.deliveries:
            if delivery.event is not None and delivery.event.data.reference == reference:
                seen.setdefault(delivery.headers["webhook-id"], delivery.event)
        return list(seen.values())

    def has(self, reference: str, event_type: str) -> bool:
        return any(event.type == event_type for event in self.events(reference))
