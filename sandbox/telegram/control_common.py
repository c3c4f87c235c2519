"""Shared pieces of the control API: its error type, JSON bodies, bot and user lookup."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from sandbox.telegram.bot_api import SANDBOX
from sandbox.telegram.payments import PaymentRejected
from sandbox.telegram.state import JSON, BotState, Sandbox


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


# Telegram bot ids are positive and fit the token's 1-19 digits.
_BOT_ID = re.compile(r"[1-9]\d{0,18}")


def selected_bot(request: web.Request) -> BotState:
    """The bot a control call talks to.

    `?bot=<id>` names it, connected or not: a bot that has not called the Bot API yet gets
    the updates queued until it does, as Telegram keeps them for an offline bot. Without
    `?bot=`: the bot that called the Bot API last, else the only bot known; with no bot
    known, or several known and none connected, the call must name one.
    """
    sandbox = sandbox_of(request)
    bot_id = _named_bot_id(request)
    if bot_id is not None:
        return sandbox.bot_by_id(bot_id)
    if sandbox.last_bot_id is not None:
        return sandbox.bots[sandbox.last_bot_id]
    if len(sandbox.bots) == 1:
        return next(iter(sandbox.bots.values()))
    if not sandbox.bots:
        raise ControlError(409, "no bot has called the Bot API yet: name one with ?bot=<id>")
    raise ControlError(409, "several bots are known and none has connected: name one with ?bot=")


def known_bot(request: web.Request) -> BotState | None:
    """As `selected_bot`, for reads: None where no bot is known yet, and none is added."""
    sandbox = sandbox_of(request)
    bot_id = _named_bot_id(request)
    if bot_id is not None:
        return sandbox.bots.get(bot_id)
    return selected_bot(request) if sandbox.bots else None


def _named_bot_id(request: web.Request) -> int | None:
    raw = request.query.get("bot")
    if raw is None:
        return None
    if not _BOT_ID.fullmatch(raw):
        raise ControlError(400, "bot must be a bot's numeric id (the digits before ':')")
    return int(raw)


def user_of(request: web.Request) -> JSON:
    raw = request.match_info["user_id"]
    user = sandbox_of(request).users.get(int(raw)) if raw.lstrip("-").isdigit() else None
    if user is None:
        raise ControlError(404, f"unknown user {raw}")
    return user
