"""Operator screens about supply: balance, stock, catalog sync, and the console's menu.
Operators read English; HTML-escaped like every screen."""

from __future__ import annotations

from html import escape

from bot.rendering.formatting import format_money
from bot.services.admin_supply import BalanceReport, StockReport
from bot.services.catalog import SyncResult

EN = "en"
_STOCK_ICONS = {"out_of_stock": "❌", "low": "⚠️", "in_stock": "✅", "unknown": "❔"}

MENU = (
    "🛠 <b>Operations</b>\n"
    "/balance — supplier balance and days of cover\n"
    "/stock [text] — stock of matching products\n"
    "/sync — catalog sync now\n"
    "/import &lt;sku&gt; [cost [currency]] — caption of a CSV of pre-purchased codes\n"
    "/orders [status] — recent orders, needs_attention first\n"
    "/order &lt;id&gt; — one order in full\n"
    "/refund &lt;id&gt; — refund an order (asks to confirm)\n"
    "/resolve &lt;id&gt; [retry|refund|refunded|delivered] [note] — settle needs_attention\n"
    "/credit &lt;user id&gt; &lt;±stars&gt; &lt;reason&gt; — adjust store credit\n"
    "/stats [today|7d|30d] — sales, margin, rates, delivery times\n"
    "/export [from] [to] — reconciliation as CSV and JSON (YYYY-MM-DD)"
)


def money(amount: int, currency: str) -> str:
    return format_money(amount, currency, EN)


def balance_text(report: BalanceReport) -> str:
    cur = report.currency
    if report.days_of_cover is None:
        cover = "no wholesale spend in the last 7 days"
    else:
        cover = f"{report.days_of_cover} days at the last 7 days' pace"
    status = "🔴 below the alert threshold" if report.below_threshold else "🟢 above the threshold"
    return "\n".join(
        [
            "💰 <b>Supplier balance</b>",
            f"Available: <b>{escape(money(report.available, cur))}</b>",
            f"Reserved: {escape(money(report.reserved, cur))}",
            f"Alert threshold (LOW_BALANCE_ALERT): {escape(money(report.threshold, cur))} — "
            + status,
            f"Wholesale spend, last 7 days: {escape(money(report.spend_7d, cur))}",
            f"Cover: {escape(cover)}",
            f"As of {report.updated_at:%Y-%m-%d %H:%M} UTC",
            *_by_supplier(report),
        ]
    )


def _by_supplier(report: BalanceReport) -> list[str]:
    """Several suppliers: the figures above are the first's; each one's here."""
    if not report.suppliers:
        return []
    lines = ["<b>By supplier</b>"]
    for s in report.suppliers:
        if s.available is None or s.currency is None:
            figure = f"unavailable ({escape(s.error or '?')})"
        else:
            figure = escape(money(s.available, s.currency))
        skipped = " · ⛔ skipped (circuit open)" if s.skipped else ""
        lines.append(f"{escape(s.name)}: {figure}{skipped}")
    return lines


def stock_text(report: StockReport, query: str, page: int) -> str:
    title = f"📦 <b>Stock</b> — “{escape(query)}”" if query else "📦 <b>Stock</b>"
    if not report.lines:
        return title + "\nNo product on sale matches."
    lines = [title + f" · page {page + 1}/{report.pages}"]
    for line in report.page(page):
        product, stock = line.product, line.stock
        if stock.available is None:
            amount = stock.status.replace("_", " ")
        else:
            amount = f"{stock.status.replace('_', ' ')}, {stock.available} available"
        if stock.held:  # pre-purchased codes, counted in `available` and shown apart
            amount += f" ({stock.held} held)"
        lines.append(
            f"{_STOCK_ICONS.get(stock.status, '❔')} <code>{escape(product.sku)}</code> "
            f"{escape(product.name)} · {escape(product.region)} · {escape(amount)}"
        )
    if report.matched > len(report.lines):
        lines.append(
            f"Showing the first {len(report.lines)} of {report.matched} matches; "
            "narrow it with /stock &lt;text&gt;."
        )
    return "\n".join(lines)


def sync_text(result: SyncResult) -> str:
    if result.seen == 0:
        return "🔄 The supplier returned an empty catalog; the current one is kept."
    return (
        f"🔄 <b>Catalog synced</b>: {result.seen} products listed\n"
        f"Added: {result.added} · changed: {result.changed} · deactivated: {result.deactivated}"
    )


def sync_failed_text(error: str) -> str:
    return f"⚠️ Catalog sync failed: {escape(error)}. The current catalog is kept."
