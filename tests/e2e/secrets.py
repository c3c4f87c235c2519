"""What must never appear in a log line: the codes sold and every secret the bot holds."""

from __future__ import annotations

from collections.abc import Iterable

SECRET_SETTINGS = (
    "BOT_TOKEN",
    "CODES_KEY",
    "SUPPLIER_API_KEY",
    "SUPPLIER_WEBHOOK_SECRET",
    "BOT_WEBHOOK_SECRET",
)


def leaked(logs: str, bot_env: dict[str, str], codes: Iterable[str]) -> list[str]:
    """Names of what appears in `logs` (a secret by its setting's name, a code as 'code')."""
    found = [name for name in SECRET_SETTINGS if bot_env.get(name) and bot_env[name] in logs]
    # The token's secret half alone (after "<bot id>:") must not appear either.
    token_secret = bot_env["BOT_TOKEN"].split(":", 1)[1]
    if token_secret in logs and "BOT_TOKEN" not in found:
        found.append("BOT_TOKEN (secret half)")
    found += [f"code {code[:2]}…" for code in codes if code in logs]
    return found
