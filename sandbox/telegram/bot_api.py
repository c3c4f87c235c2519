"""`/bot{token}/{method}`: request decoding and Telegram's response envelope."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiohttp import web

# Imported for their @api_method registrations.
from sandbox.telegram import (  # noqa: F401
    invoices,
    methods_bot,
    methods_messages,
    payments,
    updates,
)
from sandbox.telegram.errors import ApiError, bad_request, unauthorized
from sandbox.telegram.registry import Params, Upload, dispatch, read_form
from sandbox.telegram.state import Sandbox

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"(\d{1,19}):[A-Za-z0-9_-]{35}")
SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)


async def handle_bot_api(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    token = request.match_info["token"]
    method = request.match_info["method"]
    match = TOKEN.fullmatch(token)
    bot = sandbox.bot_for_token(int(match.group(1)), token) if match else None
    try:
        if bot is None:
            raise unauthorized()
        params = await read_params(request)
        result = await dispatch(sandbox, bot, method, params)
    except ApiError as exc:
        if exc.code >= 500:
            logger.info("bot %s: %s answered %s", bot.id if bot else "?", method, exc.code)
        return web.json_response(exc.payload(), status=exc.code)
    return web.json_response({"ok": True, "result": result})


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return Params(values, uploads)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        values.update(body)
    elif content_type == "multipart/form-data":
        form = await read_form(await request.multipart())
        values.update(form.values)
        uploads.update(form.uploads)
    else:
        values.update(await request.post())
    return Params(values, uploads)
