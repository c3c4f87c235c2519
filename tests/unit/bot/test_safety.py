"""Sandbox conveniences are refused against the real Telegram, allowed against a sandbox."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest

from app.errors import ConfigError
from app.safety import check_production, talks_to_sandbox
from app.settings import AppSettings
from bot.settings import BotSettings
from storage.settings import StorageSettings
from supplier.settings import SupplierSettings

TOKEN = "123456:" + "A" * 35
KEY = base64.b64encode(os.urandom(32)).decode()


def app(bot: dict[str, Any], supplier: dict[str, Any], codes_key: str | None) -> AppSettings:
    return AppSettings(
        bot=BotSettings(BOT_TOKEN=TOKEN, _env_file=None, **bot),
        supplier=SupplierSettings(_env_file=None, **supplier),
        storage=StorageSettings(CODES_KEY=codes_key, _env_file=None),
    )


@pytest.mark.parametrize(
    ("bot", "sandbox"),
    [
        ({}, False),
        ({"TELEGRAM_API_URL": "https://api.telegram.org"}, False),
        ({"TELEGRAM_API_URL": "http://bot-api.internal:8081"}, False),
        ({"TELEGRAM_API_URL": "http://10.0.0.5:8081"}, False),
        ({"TELEGRAM_API_URL": "http://127.0.0.1:8082"}, True),
        ({"TELEGRAM_API_URL": "http://127.5.0.1:8082"}, True),
        ({"TELEGRAM_API_URL": "http://localhost:8082"}, True),
        ({"TELEGRAM_API_URL": "http://[::1]:8082"}, True),
        ({"TELEGRAM_TEST_ENV": "true"}, True),
    ],
)
def test_what_counts_as_a_sandbox(bot: dict[str, Any], sandbox: bool) -> None:
    assert talks_to_sandbox(BotSettings(BOT_TOKEN=TOKEN, _env_file=None, **bot)) is sandbox


def test_real_telegram_without_supplier_url_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"^SUPPLIER_URL: required with the real Telegram"):
        check_production(app({}, {}, KEY))


def test_real_telegram_without_codes_key_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"^CODES_KEY: required with the real Telegram"):
        check_production(app({}, {"SUPPLIER_URL": "https://supplier.example"}, None))


def test_real_telegram_with_both_set_passes() -> None:
    check_production(app({}, {"SUPPLIER_URL": "https://supplier.example"}, KEY))


@pytest.mark.parametrize(
    "bot", [{"TELEGRAM_API_URL": "http://127.0.0.1:8082"}, {"TELEGRAM_TEST_ENV": "true"}]
)
def test_sandbox_keeps_the_embedded_defaults(bot: dict[str, Any]) -> None:
    check_production(app(bot, {}, None))
