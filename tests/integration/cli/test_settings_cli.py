"""The real `giftbot` command: settings errors are one line and exit 2, never a traceback."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from storage.lease import database_lease
from tests.support.cli import TOKEN, run


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "BOT_TOKEN: required but not set"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN: must look like"),
        ({"BOT_TOKEN": TOKEN, "HTTP_PORT": "99999"}, "HTTP_PORT"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": TOKEN, "STAR_USD_RATE": "-1"}, "STAR_USD_RATE"),
        ({"BOT_TOKEN": TOKEN, "PAYMENT_CURRENCY": "USD"}, "PAYMENT_PROVIDER_TOKEN"),
        ({"BOT_TOKEN": TOKEN, "PAYMENT_CURRENCY": "EUR"}, "PAYMENT_CURRENCY"),
        ({"BOT_TOKEN": TOKEN, "DATABASE_URL": "postgres://x"}, "DATABASE_URL"),
        ({"BOT_TOKEN": TOKEN, "CODES_KEY": "too-short"}, "CODES_KEY"),
        ({"BOT_TOKEN": TOKEN, "SUPPLIER_URL": "not a url"}, "SUPPLIER_URL"),
        ({"BOT_TOKEN": TOKEN, "SUPPLIER_WEBHOOK_SECRET": "plain"}, "SUPPLIER_WEBHOOK_SECRET"),
        (
            {"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_URL": "https://shop.example/tg"},
            "BOT_WEBHOOK_SECRET: required when BOT_WEBHOOK_URL is set",
        ),
        ({"BOT_TOKEN": TOKEN, "BOT_WEBHOOK_SECRET": "has spaces"}, "BOT_WEBHOOK_SECRET"),
    ],
)
def test_bad_setting_is_one_line_naming_it(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = run(tmp_path, "check-config", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists(), "a refused start must change nothing"


def test_secret_values_never_echoed(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", BOT_TOKEN="123:secret-value-here")
    assert result.returncode == 2
    assert "secret-value-here" not in result.stderr + result.stdout


def test_check_config_prints_masked_settings(tmp_path: Path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    result = run(
        tmp_path,
        "check-config",
        BOT_TOKEN=TOKEN,
        CODES_KEY=key,
        ADMIN_IDS="5, 7",
        SUPPLIER_URL="https://supplier.example",
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout and key not in result.stdout
    assert "BOT_TOKEN" in result.stdout and "********" in result.stdout
    assert "ADMIN_IDS                = 5,7" in result.stdout
    assert "configuration OK" in result.stdout


def test_wrong_codes_key_is_a_config_error(tmp_path: Path) -> None:
    first = base64.b64encode(os.urandom(32)).decode()
    assert run(tmp_path, "migrate", CODES_KEY=first).returncode == 0
    second = base64.b64encode(os.urandom(32)).decode()
    result = run(tmp_path, "migrate", CODES_KEY=second)
    assert result.returncode == 2
    assert "CODES_KEY does not match" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_says_what_it_applied(tmp_path: Path) -> None:
    first = run(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "applied 0001_initial" in first.stdout
    assert "generated" in first.stderr  # the development key warning, once
    second = run(tmp_path, "migrate")
    assert "nothing to apply" in second.stdout
    assert "generated" not in second.stderr
    assert (tmp_path / "data" / "giftbot.db").exists()


def test_help_lists_commands(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    assert "check-config" in result.stdout and "migrate" in result.stdout


REAL = {"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "https://api.telegram.org"}
KEY = base64.b64encode(os.urandom(32)).decode()


@pytest.mark.parametrize("command", ["run", "check-config"])
@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CODES_KEY": KEY}, "SUPPLIER_URL: required with the real Telegram"),
        ({"SUPPLIER_URL": "https://supplier.example"}, "CODES_KEY: required with the real"),
        ({}, "SUPPLIER_URL: required with the real Telegram"),
        (
            {
                "CODES_KEY": KEY,
                "SUPPLIER_URL": "https://supplier.example",
                "BOT_WEBHOOK_URL": "http://shop.example/tg",
                "BOT_WEBHOOK_SECRET": "s3cret",
            },
            "BOT_WEBHOOK_URL: must be https:// with the real Telegram",
        ),
    ],
)
def test_sandbox_defaults_are_refused_against_the_real_telegram(
    tmp_path: Path, command: str, env: dict[str, str], named: str
) -> None:
    # An unroutable proxy: any network call would hang or fail, not exit 2 at once.
    result = run(tmp_path, command, **REAL, **env, HTTPS_PROXY="http://192.0.2.1:9")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert not (tmp_path / "data").exists(), "a refused start must change nothing"


def test_sandbox_telegram_keeps_the_embedded_defaults(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:1")
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout


def test_log_format_json_writes_one_object_a_line(tmp_path: Path) -> None:
    result = run(tmp_path, "migrate", LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    warning = next(line for line in lines if "generated" in line["message"])
    assert warning["level"] == "WARNING" and warning["logger"] == "storage.cipher"
    assert {"time", "level", "logger", "message"} <= warning.keys()


def test_log_level_setting_and_the_cli_override(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    quiet = run(tmp_path / "a", "migrate", LOG_LEVEL="error")
    assert quiet.returncode == 0 and "generated" not in quiet.stderr
    loud = run(tmp_path / "b", "--log-level", "INFO", "migrate", LOG_LEVEL="ERROR")
    assert loud.returncode == 0 and "generated" in loud.stderr


@pytest.mark.parametrize(
    ("env", "named"), [("LOG_LEVEL", "LOG_LEVEL"), ("LOG_FORMAT", "LOG_FORMAT")]
)
def test_bad_log_setting_is_one_line_naming_it(tmp_path: Path, env: str, named: str) -> None:
    result = run(tmp_path, "migrate", **{env: "loud"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert not (tmp_path / "data").exists()


def test_migrate_is_refused_while_another_process_holds_the_database(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    with database_lease(f"sqlite:///{tmp_path}/data/giftbot.db"):  # a running bot's hold
        refused = run(tmp_path, "migrate")
    assert refused.returncode == 2
    assert "in use by another giftbot" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run(tmp_path, "migrate").returncode == 0  # released: it works again
