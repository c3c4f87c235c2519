"""Store credit as the customer reads it: the balance line of /orders and the screen of
recent movements (earned, spent, returned, adjusted)."""

from __future__ import annotations

from html import escape

from babel.dates import format_date

from bot.i18n import translator
from bot.rendering.formatting import format_money
from bot.services.order_queries import CreditSummary
from storage.models import CreditEntry
from storage.repositories import CreditReason


def credit_line(summary: CreditSummary, *, locale: str) -> str:
    """`💳 Store credit: ⭐ 847` (one amount per currency held), for the orders list."""
    _ = translator(locale).gettext
    amounts = ", ".join(
        format_money(amount, currency, locale) for currency, amount in summary.balances.items()
    )
    return "💳 " + escape(_("Store credit: {amount}").format(amount=amounts))


def credit_screen(summary: CreditSummary, *, locale: str) -> str:
    _ = translator(locale).gettext
    lines = ["💳 <b>" + escape(_("Your store credit")) + "</b>", ""]
    if not summary.any:
        lines.append(escape(_("You have no store credit.")))
        return "\n".join(lines)
    for currency, amount in summary.balances.items():
        balance = format_money(amount, currency, locale)
        lines.append(escape(_("Balance")) + f": <b>{escape(balance)}</b>")
    lines += [
        escape(_("It is used automatically at your next purchase.")),
        "",
        "<b>" + escape(_("Recent movements")) + "</b>",
    ]
    lines += [_movement(entry, locale) for entry in summary.recent]
    return "\n".join(lines)


def _movement(entry: CreditEntry, locale: str) -> str:
    sign = "+" if entry.amount > 0 else "−"
    amount = sign + format_money(abs(entry.amount), entry.currency, locale)
    when = format_date(entry.created_at, "short", locale=locale)
    return " · ".join([escape(when), f"<b>{escape(amount)}</b>", escape(_why(entry, locale))])


def _why(entry: CreditEntry, locale: str) -> str:
    _ = translator(locale).gettext
    order = entry.order_id or "—"
    texts = {
        CreditReason.UNFILLED_UNITS: _("earned: units of order {order_id} not supplied"),
        CreditReason.SPENT: _("spent on order {order_id}"),
        CreditReason.RESTORED: _("returned: order {order_id} could not be fulfilled"),
        CreditReason.VOID_REVERSAL: _("taken back: order {order_id} was revoked"),
        CreditReason.VOID_CREDIT: _("refund of revoked order {order_id}"),
    }
    if entry.reason == CreditReason.ADJUSTMENT or entry.reason not in texts:
        # An admin's own note is for the books, not for the customer.
        return _("adjusted by support")
    return texts[CreditReason(entry.reason)].format(order_id=order)
