"""Texts of the operations alerts (bot/services/ops_monitor.py) for the admins, en and ru.

`render_ops_alert` is what the outbox sender calls for an 'alert' row; it answers None
for alert kinds that are not the operations ones, which have renderers of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

from bot.i18n import translator
from bot.rendering.formatting import format_money
from bot.services.alerts import AlertKind

Payload = Mapping[str, Any]


def render_ops_alert(payload: dict[str, Any], locale: str) -> str | None:
    """The alert's message text (HTML), or None if `payload` is not an operations alert."""
    try:
        render = _ALERTS[AlertKind(payload.get("alert", ""))]
    except (ValueError, KeyError):
        return None
    return render(payload, locale)


def _money(payload: Payload, field: str, locale: str) -> str:
    return format_money(int(payload[field]), str(payload["currency"]), locale)


def _which(payload: Payload) -> str:
    """The supplier's name first when there are several (its name is not translated)."""
    name = payload.get("supplier")
    return f"<b>{escape(str(name))}</b>: " if name else ""


def _low_balance(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _(
        "Supplier balance is low: {available} available, below the alert threshold of"
        " {threshold}. Top up the supplier account: orders fail once it runs out."
    ).format(
        available=_money(payload, "available", locale),
        threshold=_money(payload, "threshold", locale),
    )
    return "🔴 " + _which(payload) + escape(text) + "\n/balance"


def _balance_recovered(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _("Supplier balance is back above the alert threshold: {available} available.").format(
        available=_money(payload, "available", locale)
    )
    return "🟢 " + _which(payload) + escape(text)


def _sync_failing(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _(
        "Catalog sync failed {count} times in a row (last: {error}). Customers see the"
        " last synced catalog. Check the supplier's status, SUPPLIER_URL and SUPPLIER_API_KEY,"
        " then run /sync."
    ).format(count=int(payload["failures"]), error=str(payload.get("error", "")))
    return "⚠️ " + escape(text)


def _webhook_signatures(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _(
        "{count} supplier webhooks with a bad signature in {minutes} minutes. Check"
        " SUPPLIER_WEBHOOK_SECRET (was the secret rotated?) and who posts to the webhook URL."
    ).format(count=int(payload["count"]), minutes=int(payload["minutes"]))
    return "⚠️ " + escape(text)


def _supplier_errors(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _(
        "{count} supplier errors (5xx answers, timeouts, failed connections) in {minutes}"
        " minutes. Orders wait and are retried by themselves; check the supplier's status."
    ).format(count=int(payload["count"]), minutes=int(payload["minutes"]))
    return "⚠️ " + escape(text)


def _held_stock_low(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _(
        "Pre-purchased codes of {sku} are running low: {held} left, below the alert threshold"
        " of {threshold} (HELD_STOCK_ALERT). Import more with /import, or the supplier"
        " serves the rest."
    ).format(
        sku=str(payload["sku"]), held=int(payload["held"]), threshold=int(payload["threshold"])
    )
    return "📦 " + escape(text) + "\n/stock " + escape(str(payload["sku"]))


def _supplier_skipped(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _(
        "Supplier {supplier} failed {failures} times in a row: orders skip it for"
        " {seconds} s and go to the other suppliers, then it is tried again."
    ).format(
        supplier=str(payload["subject"]),
        failures=int(payload["failures"]),
        seconds=int(payload["seconds"]),
    )
    return "🔴 " + escape(text)


def _supplier_back(payload: Payload, locale: str) -> str:
    _ = translator(locale).gettext
    text = _("Supplier {supplier} answers again: orders go to it as before.").format(
        supplier=str(payload["subject"])
    )
    return "🟢 " + escape(text)


_ALERTS: dict[AlertKind, Callable[[Payload, str], str]] = {
    AlertKind.LOW_BALANCE: _low_balance,
    AlertKind.BALANCE_RECOVERED: _balance_recovered,
    AlertKind.SYNC_FAILING: _sync_failing,
    AlertKind.WEBHOOK_SIGNATURES: _webhook_signatures,
    AlertKind.SUPPLIER_ERRORS: _supplier_errors,
    AlertKind.HELD_STOCK_LOW: _held_stock_low,
    AlertKind.SUPPLIER_SKIPPED: _supplier_skipped,
    AlertKind.SUPPLIER_BACK: _supplier_back,
}
OPS_ALERT_KINDS = frozenset(_ALERTS)
