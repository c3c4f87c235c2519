"""The bot's own HTTP server: /health, and the supplier webhook listener."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.services.supplier_events import SupplierEvents
from supplier.webhooks import InvalidSignature, InvalidWebhookPayload, WebhookVerifier

log = logging.getLogger(__name__)

SUPPLIER_WEBHOOK_PATH = "/supplier/webhook"
MAX_WEBHOOK_BYTES = 64 * 1024


@dataclass
class Readiness:
    """Flipped once the bot takes updates; until then /health says 503 "starting"."""

    ready: bool = False


VERIFIER = web.AppKey("verifier", WebhookVerifier)
EVENTS = web.AppKey("events", SupplierEvents)
READINESS = web.AppKey("readiness", Readiness)
# Called on each bad signature: the operations alerts count them.
BAD_SIGNATURE: web.AppKey[Callable[[], None]] = web.AppKey("bad_signature")


async def health(request: web.Request) -> web.Response:
    if not request.app[READINESS].ready:
        return web.json_response({"status": "starting"}, status=503)
    return web.json_response({"status": "ok"})


async def supplier_webhook(request: web.Request) -> web.Response:
    # Verify over the raw bytes before parsing anything.
    body = await request.read()
    try:
        event = request.app[VERIFIER].verify(body, request.headers)
    except InvalidSignature:
        log.warning("supplier webhook with a bad signature from %s", request.remote)
        request.app[BAD_SIGNATURE]()
        return _error(401, "invalid signature")
    except InvalidWebhookPayload:
        return _error(400, "not a webhook event")
    event_id = request.headers["webhook-id"]
    is_new = await request.app[EVENTS].accept(event_id, event)
    return web.json_response({"received": True, "duplicate": not is_new})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def create_app(
    verifier: WebhookVerifier | None,
    events: SupplierEvents,
    readiness: Readiness | None = None,
    *,
    on_bad_signature: Callable[[], None] = lambda: None,
) -> web.Application:
    """Without a verifier (no SUPPLIER_WEBHOOK_SECRET) there is no webhook endpoint:
    the recovery pass polls the supplier instead."""
    app = web.Application(client_max_size=MAX_WEBHOOK_BYTES)
    app[EVENTS] = events
    app[READINESS] = readiness if readiness is not None else Readiness(ready=True)
    app[BAD_SIGNATURE] = on_bad_signature
    app.router.add_get("/health", health)
    if verifier is not None:
        app[VERIFIER] = verifier
        app.router.add_post(SUPPLIER_WEBHOOK_PATH, supplier_webhook)
    return app
