"""Shared pieces of the control API: its error type, JSON bodies, bot and user lookup."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox.bot_api import SANDBOX
from bot.sandbox.payments import PaymentRejected
from bot.sandbox.state import JSON, BotState, Sandbox


class ControlError(Exception):
    """A refused control call: answered as `{"error": reason}` with `status`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except (ControlError, PaymentRejected) as exc:
        return web.json_response({"error": exc.reason}, status=exc.status)
    return response


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX]


async def json_body(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except (ValueError, json.JSONDecodeError):
        raise ControlError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def int_field(body: JSON, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, f"{name} must be an integer")
    return value


def selected_bot(request: web.Request) -> BotState:
    """`?bot=<id>`, or else the bot that called the API last."""
    sandbox = sandbox_of(request)
    raw = request.query.get("bot")
    if raw is not None:
        bot = sandbox.bots.get(int(raw)) if raw.isdigit() else None
        if bot is None:
            raise ControlError(404, f"unknown bot {raw}")
        return bot
    if sandbox.last_bot_id is None:
        raise ControlError(409, "no bot has called the Bot API yet")
    return sandbox.bots[sandbox.last_bot_id]


def user_of(request: web.Request) -> JSON:
    raw = request.match_info["user_id"]
    user = sandbox_of(request).users.get(int(raw)) if raw.lstrip("-").isdigit() else None
    if user is None:
        raise ControlError(404, f"unknown user {raw}")
    return user
