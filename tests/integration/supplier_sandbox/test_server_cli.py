"""start_sandbox (the bot's embedded mode), the state file, and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app.cli import main
from sandbox.supplier.cli import _config
from sandbox.supplier.server import start_sandbox
from supplier.models import WebhookEvent
from tests.support.supplier_sandbox import AUTH, Receiver, fast_config


async def post_order(session: aiohttp.ClientSession, url: str, sku: str, ref: str) -> Any:
    body = {"sku": sku, "quantity": 2, "reference": ref}
    async with session.post(f"{url}/v1/orders", json=body) as resp:
        assert resp.status == 201
        return await resp.json()


async def get(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox.json"
    config = fast_config(state_file=state_file)
    async with aiohttp.ClientSession(headers=AUTH) as session:
        sandbox = await start_sandbox(config)
        assert sandbox.url.startswith("http://127.0.0.1:")
        first = await post_order(session, sandbox.url, "psn-gb-25", "keep")
        stock = {"sku": "steam-tr-250", "available": 4}
        async with session.post(f"{sandbox.url}/sandbox/stock", json=stock) as resp:
            assert resp.status == 200
        balance = await get(session, f"{sandbox.url}/v1/balance")
        await sandbox.close()
        assert state_file.exists()

        again = await start_sandbox(config)
        try:
            assert await get(session, f"{again.url}/v1/orders?reference=keep") == first
            restored = await get(session, f"{again.url}/v1/stock/steam-tr-250")
            assert restored["available"] == 4
            after = await get(session, f"{again.url}/v1/balance")
            assert after["available"] == balance["available"]
            # Same seed, but the issued set is restored: new codes never repeat old ones.
            second = await post_order(session, again.url, "psn-gb-25", "next")
            assert second["order_id"] != first["order_id"]
            old = {c["code"] for c in first["codes"]}
            assert old.isdisjoint(c["code"] for c in second["codes"])
        finally:
            await again.close()


async def test_pending_order_is_finished_after_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    state_file = tmp_path / "s.json"
    async with aiohttp.ClientSession(headers=AUTH) as session:
        sandbox = await start_sandbox(fast_config(state_file=state_file, pending_delay_seconds=60))
        await post_order(session, sandbox.url, "test-pending", "interrupted")
        await sandbox.close()
        restarted = await start_sandbox(
            fast_config(state_file=state_file, webhook_url=receiver.url)
        )
        try:
            (fulfilled,) = await receiver.wait_for_count(1)
            assert WebhookEvent.model_validate_json(fulfilled.body).type == "order.fulfilled"
            order = await get(session, f"{restarted.url}/v1/orders?reference=interrupted")
            assert order["status"] == "completed" and len(order["codes"]) == 2
        finally:
            await restarted.close()


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["supplier-sandbox", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--host", "--port", "--api-key", "--webhook-url", "--webhook-secret",
                 "--state-file", "--webhook-time-scale", "--rate-limit-per-minute"):  # fmt: skip
        assert flag in out


def test_cli_flags_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli import parse_args

    monkeypatch.setenv("SANDBOX_API_KEY", "from-env")
    monkeypatch.setenv("SANDBOX_RATE_LIMIT_PER_MINUTE", "12")
    args = parse_args(["supplier-sandbox", "--api-key", "from-flag"])
    config = _config(args)
    assert config.api_key.get_secret_value() == "from-flag"
    assert config.rate_limit_per_minute == 12
    assert config.webhook_secret.get_secret_value().startswith("whsec_")


def test_cli_refuses_a_corrupt_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_file = tmp_path / "broken.json"
    state_file.write_text('{"orders": 5}')
    assert main(["supplier-sandbox", "--port", "0", "--state-file", str(state_file)]) == 1
    assert "not a sandbox state file" in capsys.readouterr().err
    assert state_file.read_text() == '{"orders": 5}'  # left alone for the operator


@pytest.mark.parametrize(
    ("flag", "value", "setting"),
    [
        ("--webhook-secret", "plain", "SANDBOX_WEBHOOK_SECRET"),
        ("--webhook-secret", "whsec_", "SANDBOX_WEBHOOK_SECRET"),
        ("--webhook-url", "ftp://example.test/hooks", "SANDBOX_WEBHOOK_URL"),
        ("--latency-min-ms", "-1", "SANDBOX_LATENCY_MIN_MS"),
    ],
)
def test_cli_names_the_bad_setting(
    flag: str, value: str, setting: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["supplier-sandbox", flag, value]) == 2
    assert setting in capsys.readouterr().err
