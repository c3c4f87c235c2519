"""Admin alerts as short chat messages, in the admin's language.

An alert's payload is what `bot.services.alerts.queue_alert` stored: the kind, a subject
(an order id or a charge id) and a few details. Only the details named here are shown,
so whatever a caller puts in the payload, an alert never carries a code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from bot.i18n import translator
from bot.rendering.formatting import format_money
from bot.rendering.message import OutgoingMessage
from bot.rendering.ops_alerts import render_ops_alert
from bot.services.alerts import AlertKind


def N_(message: str) -> str:
    """Marks a string for extraction (`pybabel extract -k N_`); translated where used."""
    return message


# Reasons the money paths give for needs_attention, translated when shown; any other
# reason is shown as given.
KNOWN_REASONS = (
    N_("codes message dead"),
    N_("refund rejected by Telegram"),
    N_("deadline passed"),
    N_("supplier order does not match ours"),
    N_("unmatched payment"),
)


def render_alert(payload: Mapping[str, object], *, locale: str) -> OutgoingMessage:
    """One alert for one admin. A kind this build does not know still reaches them."""
    try:
        operations = render_ops_alert(dict(payload), locale)
    except (KeyError, TypeError, ValueError):
        operations = None  # details missing: the generic line below still gets it out
    if operations is not None:
        return OutgoingMessage(text=operations)
    _ = translator(locale).gettext
    kind = str(payload.get("alert", ""))
    subject = escape(str(payload.get("subject", "?")))
    headline = _HEADLINES.get(kind, _unknown)(kind, subject, payload, _)
    lines = [headline, *_detail_lines(payload, locale)]
    return OutgoingMessage(text="\n".join(lines))


Gettext = Callable[[str], str]


def _needs_attention(kind: str, subject: str, payload: Mapping[str, object], _: Gettext) -> str:
    reason = payload.get("reason")
    if not reason:
        return "⚠️ " + escape(_("Order {order_id} needs attention")).format(order_id=_code(subject))
    return "⚠️ " + escape(_("Order {order_id} needs attention: {reason}")).format(
        order_id=_code(subject), reason=escape(_(str(reason)))
    )


def _unmatched_payment(kind: str, subject: str, payload: Mapping[str, object], _: Gettext) -> str:
    return "💸 " + escape(_("Payment {charge_id} matches no order")).format(
        charge_id=_code(subject)
    )


def _voided(kind: str, subject: str, payload: Mapping[str, object], _: Gettext) -> str:
    return "↩️ " + escape(_("Order {order_id} voided by the supplier")).format(
        order_id=_code(subject)
    )


def _refund_due(kind: str, subject: str, payload: Mapping[str, object], _: Gettext) -> str:
    return "🧾 " + escape(_("Order {order_id} needs a card refund")).format(order_id=_code(subject))


def _refund_failed(kind: str, subject: str, payload: Mapping[str, object], _: Gettext) -> str:
    return "❗ " + escape(_("Telegram refused to refund payment {charge_id}")).format(
        charge_id=_code(subject)
    )


def _late_fulfilment(kind: str, subject: str, payload: Mapping[str, object], _: Gettext) -> str:
    text = escape(
        _(
            "Order {order_id} was bought twice: supplier {supplier} took attempt {reference}"
            " after all (its order {supplier_order_id}, {status}), after its lookup had found"
            " nothing and the order had gone on to another supplier. The customer is not"
            " affected; claim this one back from {supplier} or keep its codes."
        )
    )
    return "⚠️ " + text.format(
        order_id=_code(subject),
        supplier=escape(str(payload.get("supplier", "?"))),
        reference=_code(escape(str(payload.get("reference", "?")))),
        supplier_order_id=_code(escape(str(payload.get("supplier_order_id", "?")))),
        status=escape(str(payload.get("status", "?"))),
    )


def _unknown(kind: str, subject: str, payload: Mapping[str, object], _: Gettext) -> str:
    return "⚠️ " + escape(_("Alert {kind}: {subject}")).format(
        kind=escape(kind), subject=_code(subject)
    )


_HEADLINES: dict[str, Callable[[str, str, Mapping[str, object], Gettext], str]] = {
    AlertKind.NEEDS_ATTENTION: _needs_attention,
    AlertKind.UNMATCHED_PAYMENT: _unmatched_payment,
    AlertKind.VOIDED: _voided,
    AlertKind.REFUND_DUE: _refund_due,
    AlertKind.REFUND_FAILED: _refund_failed,
    AlertKind.LATE_FULFILMENT: _late_fulfilment,
}


def _detail_lines(payload: Mapping[str, object], locale: str) -> list[str]:
    _ = translator(locale).gettext
    lines = []
    user = payload.get("user")
    if isinstance(user, int) and not isinstance(user, bool):
        lines.append(escape(_("User {user_id}")).format(user_id=_code(str(user))))
    amount, currency = payload.get("amount"), payload.get("currency")
    if isinstance(amount, int) and not isinstance(amount, bool):
        if isinstance(currency, str) and len(currency) == 3:
            shown = format_money(amount, currency, locale)
        else:
            shown = str(amount)
        lines.append(escape(_("Amount: {amount}")).format(amount=escape(shown)))
    error = payload.get("error")
    if isinstance(error, str) and error:
        lines.append(escape(_("Telegram said: {error}")).format(error=escape(error[:200])))
    return lines


def _code(text: str) -> str:
    """An id admins copy into a command: already escaped, set in monospace."""
    return f"<code>{text}</code>"
