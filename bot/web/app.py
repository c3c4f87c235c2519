"""The bot's own HTTP server: /health, and the supplier webhook listener."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.services.supplier_events import SupplierEvents
from supplier.webhooks import InvalidSignature, InvalidWebhookPayload, WebhookVerifier

log = logging.getLogger(__name__)

SUPPLIER_WEBHOOK_PATH = "/supplier/webhook"
MAX_WEBHOOK_BYTES = 64 * 1024

VERIFIER = web.AppKey("verifier", WebhookVerifier)
EVENTS = web.AppKey("events", SupplierEvents)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def supplier_webhook(request: web.Request) -> web.Response:
    # Verify over the raw bytes before parsing anything.
    body = await request.read()
    try:
        event = request.app[VERIFIER].verify(body, request.headers)
    except InvalidSignature:
        log.warning("supplier webhook with a bad signature from %s", request.remote)
        return _error(401, "invalid signature")
    except InvalidWebhookPayload:
        return _error(400, "not a webhook event")
    event_id = request.headers["webhook-id"]
    is_new = await request.app[EVENTS].accept(event_id, event)
    return web.json_response({"received": True, "duplicate": not is_new})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def create_app(verifier: WebhookVerifier, events: SupplierEvents) -> web.Application:
    app = web.Application(client_max_size=MAX_WEBHOOK_BYTES)
    app[VERIFIER] = verifier
    app[EVENTS] = events
    app.router.add_get("/health", health)
    app.router.add_post(SUPPLIER_WEBHOOK_PATH, supplier_webhook)
    return app
