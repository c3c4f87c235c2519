"""Sandbox-wide control calls: reset, Star history, faults, config, files, bots, the web chat."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from sandbox.telegram.config import RateLimit
from sandbox.telegram.control_common import ControlError, json_body, sandbox_of
from sandbox.telegram.state import JSON

STATIC_DIR = Path(__file__).with_name("static")
routes = web.RouteTableDef()


@routes.post("/sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    sandbox.reset()
    sandbox.flood.reset()
    return web.json_response({"ok": True})


@routes.get("/sandbox/stars/transactions")
async def star_transactions(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    raw = request.query.get("bot")
    bots = [b for b in sandbox.bots.values() if raw is None or str(b.id) == raw]
    transactions = [{**t, "bot_id": bot.id} for bot in bots for t in bot.transactions]
    transactions.sort(key=lambda t: t["date"])
    return web.json_response({"transactions": transactions})


@routes.get("/sandbox/bots")
async def list_bots(request: web.Request) -> web.Response:
    bots = [
        {
            **bot.user,
            # False for a bot known only by the id users wrote to: its updates wait for it.
            "connected": bot.connected,
            "webhook_url": bot.webhook.url if bot.webhook else None,
            "pending_update_count": len(bot.updates),
        }
        for bot in sandbox_of(request).bots.values()
    ]
    return web.json_response({"bots": bots})


@routes.post("/sandbox/faults")
async def add_fault(request: web.Request) -> web.Response:
    body = await json_body(request)
    method, count, status = body.get("method"), body.get("count", 1), body.get("status", 500)
    description, retry_after = body.get("description"), body.get("retry_after")
    if not isinstance(method, str) or not method:
        raise ControlError(400, "method must be a Bot API method name")
    if not isinstance(count, int) or count < 1:
        raise ControlError(400, "count must be a positive integer")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ControlError(400, "status must be an HTTP error status (400-599)")
    if description is not None and not isinstance(description, str):
        raise ControlError(400, "description must be a string")
    if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 1):
        raise ControlError(400, "retry_after must be a positive integer")
    faults = sandbox_of(request).faults
    faults.add(method, count, status, description, retry_after)
    return web.json_response({"pending": faults.pending()})


@routes.get("/sandbox/config")
async def get_config(request: web.Request) -> web.Response:
    return web.json_response(_config_view(request))


@routes.post("/sandbox/config")
async def set_config(request: web.Request) -> web.Response:
    body = await json_body(request)
    config = sandbox_of(request).config
    floats = ("payment_answer_timeout", "callback_answer_timeout", "webhook_retry_initial")
    for key, value in body.items():
        if key == "flood_limit" and isinstance(value, bool):
            config.flood_limit = value
        elif key in floats and isinstance(value, int | float) and value > 0:
            setattr(config, key, float(value))
        elif key in ("per_chat_limit", "global_limit") and _is_limit(value):
            setattr(config, key, RateLimit(float(value["rate"]), int(value["burst"])))
        else:
            raise ControlError(400, f"cannot set {key} to {value!r}")
    return web.json_response(_config_view(request))


def _is_limit(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("rate"), int | float)
        and value["rate"] > 0
        and isinstance(value.get("burst"), int)
        and value["burst"] >= 1
    )


def _config_view(request: web.Request) -> JSON:
    config = sandbox_of(request).config
    return {
        "flood_limit": config.flood_limit,
        "per_chat_limit": asdict(config.per_chat_limit),
        "global_limit": asdict(config.global_limit),
        "payment_answer_timeout": config.payment_answer_timeout,
        "callback_answer_timeout": config.callback_answer_timeout,
        "webhook_retry_initial": config.webhook_retry_initial,
    }


@routes.get("/sandbox/files/{file_id}")
async def download(request: web.Request) -> web.Response:
    stored = sandbox_of(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise ControlError(404, "unknown file")
    ascii_name = stored.file_name.encode("ascii", "replace").decode().replace('"', "")
    disposition = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.file_name)}"
    )
    return web.Response(
        body=stored.content,
        content_type=stored.mime_type,
        headers={"Content-Disposition": disposition},
    )


@routes.get("/")
async def index(request: web.Request) -> web.StreamResponse:
    page = STATIC_DIR / "index.html"
    if not page.is_file():
        raise ControlError(404, "the web chat is not installed")
    return web.FileResponse(page)
