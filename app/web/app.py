"""The bot's own HTTP server: /health, and the supplier webhook listener."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from bot.services.supplier_events import SupplierEvents
from supplier.settings import DEFAULT_SUPPLIER
from supplier.webhooks import InvalidSignature, InvalidWebhookPayload, WebhookVerifier

log = logging.getLogger(__name__)

SUPPLIER_WEBHOOK_PATH = "/supplier/webhook"
MAX_WEBHOOK_BYTES = 64 * 1024


@dataclass
class Readiness:
    """Flipped once the bot takes updates; until then /health says 503 "starting"."""

    ready: bool = False


RejectionHook = Callable[[str], None]  # told the reason of each refused webhook (metrics)

VERIFIER = web.AppKey("verifier", WebhookVerifier)
# Several suppliers: /supplier/webhook/<name>, each verified with its own secret(s).
VERIFIERS = web.AppKey("verifiers", dict[str, WebhookVerifier])
ON_REJECTED = web.AppKey[RejectionHook]("on_rejected")
EVENTS = web.AppKey("events", SupplierEvents)
READINESS = web.AppKey("readiness", Readiness)


async def health(request: web.Request) -> web.Response:
    if not request.app[READINESS].ready:
        return web.json_response({"status": "starting"}, status=503)
    return web.json_response({"status": "ok"})


async def supplier_webhook(request: web.Request) -> web.Response:
    """/supplier/webhook: the supplier named `default`."""
    return await _verified(request, request.app[VERIFIER], DEFAULT_SUPPLIER)


async def named_supplier_webhook(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    verifier = request.app[VERIFIERS].get(name)
    if verifier is None:
        return _error(404, "no such supplier")
    return await _verified(request, verifier, name)


async def _verified(request: web.Request, verifier: WebhookVerifier, name: str) -> web.Response:
    # Verify over the raw bytes before parsing anything.
    body = await request.read()
    try:
        event = verifier.verify(body, request.headers)
    except InvalidSignature:
        log.warning("supplier webhook with a bad signature from %s", request.remote)
        request.app[ON_REJECTED]("signature")
        return _error(401, "invalid signature")
    except InvalidWebhookPayload:
        request.app[ON_REJECTED]("payload")
        return _error(400, "not a webhook event")
    event_id = request.headers["webhook-id"]
    is_new = await request.app[EVENTS].accept(event_id, event, supplier=name)
    return web.json_response({"received": True, "duplicate": not is_new})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def create_app(
    verifier: WebhookVerifier | None,
    events: SupplierEvents,
    readiness: Readiness | None = None,
    on_rejected: RejectionHook | None = None,
    verifiers: Mapping[str, WebhookVerifier] | None = None,
) -> web.Application:
    """Without a verifier (no SUPPLIER_WEBHOOK_SECRET) there is no webhook endpoint:
    the recovery pass polls the supplier instead. `verifiers`: by supplier name, served
    at /supplier/webhook/<name>."""
    app = web.Application(client_max_size=MAX_WEBHOOK_BYTES)
    app[EVENTS] = events
    app[READINESS] = readiness if readiness is not None else Readiness(ready=True)
    app[ON_REJECTED] = on_rejected or (lambda reason: None)
    app.router.add_get("/health", health)
    if verifier is not None:
        app[VERIFIER] = verifier
        app.router.add_post(SUPPLIER_WEBHOOK_PATH, supplier_webhook)
    if verifiers:
        app[VERIFIERS] = dict(verifiers)
        app.router.add_post(SUPPLIER_WEBHOOK_PATH + "/{name}", named_supplier_webhook)
    return app
