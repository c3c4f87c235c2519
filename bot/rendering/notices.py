"""Short order notices the outbox sends: processing, refunds, failures."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot.i18n import translator
from bot.rendering.formatting import format_money
from bot.rendering.message import OutgoingMessage
from bot.services.pricing import STARS
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
    if order.is_topup:
        return "⏳ " + escape(
            _("The supplier is crediting the player's account. A confirmation will follow here.")
        )
    return "⏳ " + escape(
        _("The supplier is preparing your codes. They will arrive in this chat shortly.")
    )


def _refunded(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    paid = order.paid_amount or 0
    amount = format_money(paid, order.currency, locale)
    credit = format_money(order.credit_used, order.currency, locale)
    if paid and order.credit_used:
        text = _(
            "We could not fulfil this order. {amount} has been refunded and {credit}"
            " returned to your store credit."
        )
    elif order.credit_used:
        text = _("We could not fulfil this order. {credit} has been returned to your store credit.")
    else:
        text = _("We could not fulfil this order. {amount} has been refunded.")
    return "↩️ " + escape(text.format(amount=amount, credit=credit))


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


def _delayed(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    return "⏳ " + escape(
        _(
            "This order is taking longer than it should. Our team is on it and will make sure"
            " you get your codes or your money back; no action is needed on your side."
        )
    )


def _support(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    return "🛟 " + escape(
        _(
            "We could not refund this order automatically. Our support team is on it and"
            " will get your money back to you; no action is needed on your side."
        )
    )


def _voided(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    amount = format_money(order.paid_amount or 0, order.currency, locale)
    if order.currency == STARS:
        text = _(
            "The supplier revoked the codes of this order, so they no longer work."
            " Your payment of {amount} is being refunded."
        )
    else:
        text = _(
            "The supplier revoked the codes of this order, so they no longer work."
            " Your payment of {amount} has been added to your store credit."
        )
    return "↩️ " + escape(text.format(amount=amount))


def _refunded_by_support(order: Order, locale: str) -> str:
    _ = translator(locale).gettext
    amount = format_money(order.paid_amount or 0, order.currency, locale)
    if order.currency == STARS:
        text = _("Support refunded this order: {amount} has been returned to you.")
    else:
        text = _("Support refunded this order: {amount} has been added to your store credit.")
    return "↩️ " + escape(text.format(amount=amount))


_NOTICES: dict[str, Callable[[Order, str], str]] = {
    "processing": _processing,
    "refunded": _refunded,
    "refund_due": _refund_due,
    "failed": _failed,
    "unmatched_refund": _unmatched_refund,
    "delayed": _delayed,
    "support": _support,
    "voided": _voided,
    "refunded_by_support": _refunded_by_support,
}
NOTICE_KINDS = frozenset(_NOTICES)
