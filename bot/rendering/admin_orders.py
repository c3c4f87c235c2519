"""Operator screens about orders: lists, details with the timeline, refund and resolve prompts.
Codes arrive here already masked (bot.services.admin_orders.mask_code)."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from bot.rendering.admin_supply import money
from bot.services.admin_orders import AdminOrderDetails, AdminOrderPage
from bot.services.order_actions import REFUND_PLANS, ActionResult, Outcome
from bot.services.pricing import STARS
from storage.models import Order, OrderStatus
from storage.repositories.supplier_attempts import SupplierAttempt

_ICONS = {
    OrderStatus.NEEDS_ATTENTION: "🛟",
    OrderStatus.REFUND_DUE: "↩️",
    OrderStatus.FAILED: "⚠️",
    OrderStatus.VOIDED: "❌",
    OrderStatus.DELIVERED: "✅",
    OrderStatus.PARTIAL: "🟡",
    OrderStatus.REFUNDED: "↩️",
}


def _at(order: Order) -> str:
    return f"{order.created_at:%m-%d %H:%M}"


def orders_text(page: AdminOrderPage) -> str:
    which = page.status.value if page.status else "all paid"
    head = f"🧾 <b>Orders</b> ({escape(which)}) · {page.total} · page {page.page + 1}/{page.pages}"
    if not page.orders:
        return head + "\nNone."
    lines = [head]
    for order in page.orders:
        lines.append(
            f"{_ICONS.get(order.status, '•')} <code>{order.id}</code> {order.status.value} · "
            f"{escape(order.sku)} × {order.quantity} · "
            f"{escape(money(order.total_price, order.currency))} · user {order.user_id} · "
            f"{_at(order)}"
        )
    return "\n".join(lines)


def usd_of(order: Order, star_usd_rate: Decimal) -> str:
    if order.currency == STARS:
        usd = (Decimal(order.total_price) * star_usd_rate).quantize(Decimal("0.01"))
        return f"≈ ${usd}"
    return money(order.total_price, order.currency)


def order_text(details: AdminOrderDetails, star_usd_rate: Decimal) -> str:
    order = details.order
    name = details.product.name if details.product else order.sku
    wholesale = order.wholesale_unit_price * order.quantity
    lines = [
        f"🧾 <b>Order <code>{order.id}</code></b> — {order.status.value}"
        f" since {order.status_since:%Y-%m-%d %H:%M} UTC",
        f"{escape(name)} (<code>{escape(order.sku)}</code>) × {order.quantity}",
        f"Customer: <code>{order.user_id}</code>",
        f"Price: {escape(money(order.total_price, order.currency))} "
        f"({escape(usd_of(order, star_usd_rate))})",
        f"Paid: {escape(money(order.paid_amount or 0, order.currency))} · credit used: "
        f"{escape(money(order.credit_used, order.currency))}"
        + (
            f" · credited back: {escape(money(order.credited_amount, order.currency))}"
            if order.credited_amount
            else ""
        ),
        f"Wholesale: {escape(money(wholesale, order.wholesale_currency))} "
        f"({escape(money(order.wholesale_unit_price, order.wholesale_currency))} each)",
        f"Supplier order: <code>{escape(order.supplier_order_id or '—')}</code>"
        f" ({escape(order.supplier_status or 'none')}, filled {order.fulfilled_quantity})",
        f"Charge id: <code>{escape(order.telegram_payment_charge_id or '—')}</code>",
    ]
    if order.attention_reason:
        lines.append(
            f"🛟 Needs attention: {escape(order.attention_reason)} "
            f"(stopped in {escape(str(order.attention_from))})"
        )
    if order.failure_reason:
        lines.append(f"Failure: {escape(order.failure_reason)}")
    if order.player_id:  # top-ups: the game account credited
        player = escape(order.player_name or "?")
        lines.append(f"Player: {player} (<code>{escape(order.player_id)}</code>)")
    if details.codes:
        codes = ", ".join(f"<code>{escape(c.code)}</code>" for c in details.codes)
        lines.append(f"Codes ({len(details.codes)}): {codes}")
    if details.attempts:
        lines.append("<b>Supplier attempts</b>")
        lines += [attempt_line(a) for a in details.attempts]
    lines.append("<b>Timeline</b>")
    for step in details.timeline:
        origin = step.from_status.value if step.from_status else "created"
        reason = f" — {escape(step.reason)}" if step.reason else ""
        lines.append(f"{step.at:%m-%d %H:%M:%S} {origin} → {step.to_status.value}{reason}")
    return "\n".join(lines)


def attempt_line(attempt: SupplierAttempt) -> str:
    error = f" ({escape(attempt.error)})" if attempt.error else ""
    return (
        f"{attempt.n}. {escape(attempt.supplier)} <code>{escape(attempt.reference)}</code>"
        f" {attempt.status}{error} {attempt.started_at:%m-%d %H:%M:%S}"
    )


def refund_prompt(order: Order) -> str:
    plan = REFUND_PLANS.get(order.status)
    head = (
        f"↩️ <b>Refund order <code>{order.id}</code>?</b>\n"
        f"{order.status.value} · {escape(money(order.total_price, order.currency))} · "
        f"user {order.user_id}"
    )
    if plan is None:
        return head + f"\nA {order.status.value} order has nothing to refund."
    return head + "\n" + escape(plan)


def resolve_prompt(order: Order) -> str:
    return (
        f"🛟 <b>Order <code>{order.id}</code> needs attention</b>\n"
        f"Reason: {escape(order.attention_reason or '')}\n"
        f"Stopped in: {escape(str(order.attention_from))}\n"
        "Retry from there, refund, or close it as settled by hand "
        "(add a note: /resolve &lt;id&gt; refunded|delivered &lt;note&gt;)."
    )


def action_text(result: ActionResult) -> str:
    order = result.order
    if result.outcome is Outcome.NOT_FOUND or order is None:
        return "No such order."
    ref = f"<code>{order.id}</code>"
    if result.outcome is Outcome.STALE:
        return f"ℹ️ Nothing done: order {ref} is now {order.status.value}."
    if result.outcome is Outcome.REFUSED:
        return f"⛔ Order {ref}: {escape(result.detail)}."
    if result.outcome is Outcome.DONE:
        return f"✅ Order {ref} is {order.status.value}."
    if order.status is OrderStatus.REFUND_DUE:
        return (
            f"↩️ Order {ref} is refund_due: a card payment. Refund it outside Telegram, "
            f"then /refund {order.id} to record it."
        )
    if order.status is OrderStatus.NEEDS_ATTENTION:
        return f"🛟 Order {ref} needs attention: {escape(order.attention_reason or '')}."
    retry = f"; next try {order.next_attempt_at:%H:%M:%S} UTC" if order.next_attempt_at else ""
    return f"⏳ Order {ref} is {order.status.value}; the bot carries on by itself{retry}."
