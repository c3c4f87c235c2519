"""Refusals that keep sandbox conveniences out of production.

The embedded sandbox supplier and the development codes key file are for the sandboxes:
against the real Telegram they would sell sandbox codes for real Stars, or keep the codes'
key beside the codes it protects (same volume, same backups). Decided from the settings
alone, before any network call, so the refusal is immediate even with no network.
"""

from __future__ import annotations

import ipaddress

from app.errors import ConfigError
from app.settings import AppSettings
from bot.settings import BotSettings

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def talks_to_sandbox(settings: BotSettings) -> bool:
    """A loopback Bot API server (the Telegram sandbox) or Telegram's test environment."""
    if settings.telegram_test_env:
        return True
    host = (settings.telegram_api_url.host or "").strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_production(settings: AppSettings) -> None:
    """Against the real Telegram, SUPPLIER_URL and CODES_KEY must be set and a webhook must
    be HTTPS: ConfigError otherwise."""
    if talks_to_sandbox(settings.bot):
        return
    webhook = settings.bot.webhook_url
    if webhook is not None and webhook.scheme != "https":
        raise ConfigError("BOT_WEBHOOK_URL: must be https:// with the real Telegram")
    if settings.supplier.url is None and settings.supplier.suppliers_file is None:
        raise ConfigError(
            "SUPPLIER_URL: required with the real Telegram (the embedded sandbox supplier "
            "is only for `giftbot demo` and a sandbox TELEGRAM_API_URL)"
        )
    if settings.storage.codes_key is None:
        raise ConfigError(
            "CODES_KEY: required with the real Telegram (a key file beside the database "
            "protects nothing: it sits in the same volume and the same backups)"
        )
