"""Getting updates: long polling, and webhooks pushed with retry and backoff."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import aiohttp

from sandbox.telegram.errors import ApiError, bad_request
from sandbox.telegram.registry import Call, Params, api_method, dispatch, read_form
from sandbox.telegram.state import JSON, BotState, Sandbox, WebhookState

logger = logging.getLogger(__name__)

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@api_method("getUpdates")
async def get_updates(call: Call) -> list[JSON]:
    bot, params, sandbox = call.bot, call.params, call.sandbox
    if bot.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = params.integer("offset")
    limit = min(max(params.integer("limit", default=100) or 100, 1), 100)
    timeout = min(max(params.number("timeout", 0.0), 0.0), sandbox.config.max_polling_timeout)
    allowed = params.json("allowed_updates")
    if allowed is not None:
        bot.allowed_updates = list(allowed) or None
    if offset is not None:
        bot.updates.confirm(offset)
    me = bot.poller = object()
    bot.updates_signal.fire()  # an older waiting poll learns it was superseded
    deadline = time.monotonic() + timeout
    try:
        while True:
            if bot.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if bot.poller is not me:
                raise ApiError(409, POLLING_CONFLICT)
            pending = bot.updates.take(limit)
            if pending:
                return pending
            remaining = deadline - time.monotonic()
            if remaining <= 0 or sandbox.closing.is_set():
                return []
            await bot.updates_signal.wait(remaining)
    finally:
        if bot.poller is me:
            bot.poller = None


@api_method("setWebhook")
async def set_webhook(call: Call) -> bool:
    params, bot = call.params, call.bot
    url = params.text("url") or ""
    if not url:
        _remove_webhook(bot, drop=params.flag("drop_pending_updates"))
        return True
    if not url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.text("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.integer("max_connections", default=40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = params.json("allowed_updates")
    _remove_webhook(bot, drop=params.flag("drop_pending_updates"))
    bot.webhook = WebhookState(
        url=url,
        secret_token=secret,
        max_connections=max_connections,
        allowed_updates=list(allowed) if allowed else bot.allowed_updates,
    )
    bot.webhook_task = asyncio.create_task(_deliver(call.sandbox, bot, bot.webhook))
    bot.updates_signal.fire()
    return True


@api_method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    _remove_webhook(call.bot, drop=call.params.flag("drop_pending_updates"))
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(call: Call) -> JSON:
    bot = call.bot
    info: JSON = {
        "url": bot.webhook.url if bot.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if bot.webhook is not None:
        hook = bot.webhook
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates:
            info["allowed_updates"] = hook.allowed_updates
    return info


def _remove_webhook(bot: BotState, *, drop: bool) -> None:
    if bot.webhook_task is not None:
        bot.webhook_task.cancel()
    bot.webhook = None
    bot.webhook_task = None
    if drop:
        bot.updates.clear()
    bot.updates_signal.fire()


async def stop_webhooks(sandbox: Sandbox) -> None:
    tasks = [bot.webhook_task for bot in sandbox.bots.values() if bot.webhook_task]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _deliver(sandbox: Sandbox, bot: BotState, hook: WebhookState) -> None:
    """Push updates one at a time, in order; a failed one is retried with backoff."""
    config = sandbox.config
    delay = config.webhook_retry_initial
    while bot.webhook is hook and not sandbox.closing.is_set():
        update = bot.updates.first()
        if update is None:
            await bot.updates_signal.wait(30.0)
            continue
        error = await _post(sandbox, bot, hook, update)
        if error is None:
            bot.updates.drop_first(update)
            delay = config.webhook_retry_initial
            continue
        hook.last_error_date = int(time.time())
        hook.last_error_message = error
        logger.info("webhook delivery failed, retrying in %.1f s: %s", delay, error)
        await asyncio.sleep(delay)
        delay = min(delay * 2, config.webhook_retry_max)


async def _post(sandbox: Sandbox, bot: BotState, hook: WebhookState, update: JSON) -> str | None:
    """POST one update; None on success, else the error getWebhookInfo reports."""
    assert sandbox.http is not None
    headers = {}
    if hook.secret_token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
    timeout = aiohttp.ClientTimeout(total=sandbox.config.webhook_timeout)
    try:
        async with sandbox.http.post(
            hook.url, json=update, headers=headers, timeout=timeout
        ) as response:
            if not 200 <= response.status < 300:
                return f"Wrong response from the webhook: {response.status} {response.reason}"
            reply = await _reply_params(response)
    except TimeoutError:
        return "Read timeout expired"
    except aiohttp.ClientError as exc:
        return f"Connection failed: {exc.__class__.__name__}"
    if reply is not None:
        await _run_reply(sandbox, bot, reply)
    return None


async def _reply_params(response: aiohttp.ClientResponse) -> Params | None:
    """A webhook may answer with a method call in its body (JSON or a form), as Telegram allows."""
    if response.content_type == "multipart/form-data":
        return await read_form(aiohttp.MultipartReader(response.headers, response.content))
    if response.content_type != "application/json":
        return None
    try:
        body = json.loads(await response.read() or b"null")
    except ValueError:
        return None
    return Params(body, {}) if isinstance(body, dict) else None


async def _run_reply(sandbox: Sandbox, bot: BotState, reply: Params) -> None:
    method = reply.values.pop("method", None)
    if not isinstance(method, str):
        return
    try:
        await dispatch(sandbox, bot, method, reply)
    except ApiError as exc:
        logger.info("method %s from a webhook reply failed: %s", method, exc.description)
