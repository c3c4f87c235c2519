"""Short order notices the outbox sends: processing, refunds, failures."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot.i18n import translator
from bot.rendering.formatting import format_money
from bot.rendering.message import OutgoingMessage
from storage.models import Order, Product


def render_notice(kind: str, order: Order, product: Product, *, locale: str) -> OutgoingMessage:
    """One notice about `order`; `kind` is one of NOTICE_KINDS (ValueError otherwise)."""
    try:
        render = _NOTICES[kind]
    except KeyError:
        raise ValueError(f"unknown notice kind {kind!r}") from None
    t = translator(locale)
    title = "<b>" + escape(t.gettext("Order {order_id}").format(order_id=order.id)) + "</b>"
    subject = f"{escape(product.name)} × {order.quantity}"
    return OutgoingMessage(text=f"{title}\n{subject}\n\n{render(order, locale)}")


def _processing(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    return "⏳ " + escape(
        _("The supplier is preparing your codes. They will arrive in this chat shortly.")
    )


def _refunded(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    amount = format_money(order.paid_amount or order.total_price, order.currency, locale)
    return "↩️ " + escape(
        _("We could not fulfil this order. {amount} has been refunded.").format(amount=amount)
    )


def _refund_due(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    return "↩️ " + escape(
        _(
            "We could not fulfil this order. Support will refund your payment;"
            " no action is needed on your side."
        )
    )


def _failed(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    return "⚠️ " + escape(_("Something went wrong with this order. Your refund is under way."))


def _unmatched_refund(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    return "↩️ " + escape(
        _("We received a payment we could not match to an order, so it has been refunded.")
    )


_NOTICES: dict[str, Callable[[Order, str], str]] = {
    "processing": _processing,
    "refunded": _refunded,
    "refund_due": _refund_due,
    "failed": _failed,
    "unmatched_refund": _unmatched_refund,
}
NOTICE_KINDS = frozenset(_NOTICES)
