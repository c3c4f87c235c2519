"""Webhook mode end to end: a purchase, forged and repeated updates, flood control, logs."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sandbox.telegram.driver import ChatUser, SandboxClient
from tests.e2e.processes import TELEGRAM_WEBHOOK_SECRET, Stack
from tests.e2e.secrets import leaked
from tests.support.shopper import Shopper, Supplier, buy_instant, text_of
from tests.support.webhook_updates import WEBHOOK_PATH, text_update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def post_update(stack: Stack, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(stack.bot_url + WEBHOOK_PATH, json=update, headers=headers) as response,
    ):
        return response.status


def bot_lines(stack: Stack) -> list[dict[str, Any]]:
    """The bot's log, one JSON object a line (LOG_FORMAT=json)."""
    return [json.loads(line) for line in stack.log("bot").splitlines() if line.strip()]


async def replies(user: ChatUser, after: int = 0) -> list[dict[str, Any]]:
    return [m for m in await user.chat() if m["from_bot"] and m["message_id"] > after]


async def wait_replies(user: ChatUser, count: int) -> list[dict[str, Any]]:
    """The bot's messages in the chat once there are at least `count` of them."""
    while len(got := await replies(user)) < count:
        await user.wait_for(lambda m: True, after=got[-1]["message_id"] if got else 0)
    return got


async def test_the_bot_set_its_webhook_with_the_updates_it_handles(
    telegram: SandboxClient, stack: Stack
) -> None:
    bots = (await telegram.request("GET", "/sandbox/bots"))["bots"]
    (ours,) = [b for b in bots if b["webhook_url"]]
    assert ours["webhook_url"] == stack.bot_url + WEBHOOK_PATH
    info = await telegram.request("GET", "/sandbox/config")
    assert info["flood_limit"] is False  # the stack's sandbox; flood is turned on per test


async def test_whole_purchase_in_webhook_mode(
    telegram: SandboxClient, supplier: Supplier, stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox")
    assert (await shopper.pay(checkout)).status == "paid"
    delivery = await shopper.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None and issued["status"] == "completed"
    assert issued["codes"][0]["code"] in text_of(delivery)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
async def test_forged_update_is_refused_and_not_processed(
    telegram: SandboxClient, stack: Stack, secret: str | None
) -> None:
    shopper = await Shopper.join(telegram)
    forged = text_update(shopper.user.id, "/help")
    assert await post_update(stack, forged, secret) == 401
    # A real message after it: once its reply is there, a processed forgery would be too.
    await shopper.user.send("/help")
    assert len(await wait_replies(shopper.user, 1)) == 1, "only the real /help was answered"
    assert not [line for line in bot_lines(stack) if line.get("update_id") == forged["update_id"]]


async def test_repeated_update_is_acknowledged_but_not_processed_again(
    telegram: SandboxClient, stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    sent = await shopper.user.send("/help")
    await wait_replies(shopper.user, 1)
    # Telegram redelivers an update it got no 2xx for, under the same id.
    again = text_update(shopper.user.id, "/help", update_id=sent["update_id"])
    assert await post_update(stack, again, TELEGRAM_WEBHOOK_SECRET) == 200
    # The same message under a new id is processed: the check above could have failed.
    fresh = text_update(shopper.user.id, "/help")
    assert await post_update(stack, fresh, TELEGRAM_WEBHOOK_SECRET) == 200
    assert len(await wait_replies(shopper.user, 2)) == 2, "the repeated update got no reply"
    said = [line for line in bot_lines(stack) if line.get("update_id") == sent["update_id"]]
    assert any("received again" in line["message"] for line in said)


async def test_replies_over_the_per_chat_limit_wait_and_arrive(
    telegram: SandboxClient, stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    await telegram.set_config(flood_limit=True, per_chat_limit={"rate": 1, "burst": 1})
    try:
        started = time.monotonic()
        for _ in range(2):
            await shopper.user.send("/help")
        assert len(await wait_replies(shopper.user, 2)) == 2
        took = time.monotonic() - started
    finally:
        await telegram.set_config(flood_limit=False)
    assert took >= 0.9, "the second reply waited out Telegram's retry_after"
    assert "Traceback" not in stack.log("bot")


async def test_logs_are_json_lines_with_no_code_or_secret(
    telegram: SandboxClient, supplier: Supplier, stack: Stack
) -> None:
    checkout, codes = await buy_instant(telegram, supplier)
    assert leaked(stack.logs(), stack.bot_env, codes) == []
    lines = bot_lines(stack)
    assert any(line.get("order_id") == checkout.order_id for line in lines)
    assert any(line.get("update_id") and line.get("user_id") for line in lines)
    per_update = [line for line in lines if line["message"].startswith("Update id=")]
    assert per_update and {line["level"] for line in per_update} == {"DEBUG"}


async def test_metrics_count_the_purchase_and_the_refused_request(
    telegram: SandboxClient, supplier: Supplier, stack: Stack
) -> None:
    forged = text_update(1, "/start")
    assert await post_update(stack, forged, "not-the-secret") == 401
    await buy_instant(telegram, supplier, quantity=1)
    async with aiohttp.ClientSession() as http, http.get(stack.bot_url + "/metrics") as response:
        assert response.status == 200
        text = await response.text()
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples.get((name, frozenset(labels.items())), 0.0)

    supplier_calls = "giftbot_supplier_request_duration_seconds_count"
    assert value(supplier_calls, supplier="default", method="POST", endpoint="/v1/orders") >= 1
    failed = "giftbot_webhook_verifications_failed_total"
    assert value(failed, source="telegram", reason="secret") >= 1
    assert [k for k in samples if k[0] == "giftbot_supplier_balance"], "balance read"
    assert ("giftbot_outbox_messages", frozenset({("status", "pending")})) in samples
