"""Operator screens for /stats and /export."""

from __future__ import annotations

from html import escape

from bot.rendering.admin_supply import money
from bot.services.reconciliation import Reconciliation
from bot.services.stats import Stats


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def stats_text(stats: Stats) -> str:
    cur = stats.currency
    return "\n".join(
        [
            f"📊 <b>Stats, {escape(stats.period)}</b> "
            f"({stats.start:%Y-%m-%d %H:%M} → {stats.end:%Y-%m-%d %H:%M} UTC)",
            f"Paid orders: {stats.orders}",
            f"Revenue: {escape(money(stats.revenue, cur))} kept of "
            f"{escape(money(stats.gross, cur))} (≈ ${stats.revenue_usd})",
            f"Wholesale cost: {escape(money(stats.wholesale, stats.wholesale_currency))}",
            f"Margin: ≈ ${stats.margin_usd}",
            f"Failure rate: {stats.rate(stats.failed)} % ({stats.failed}) · "
            f"refund rate: {stats.rate(stats.refunded)} % ({stats.refunded})",
            f"Payment → delivery: median {_seconds(stats.p50_seconds)}, "
            f"95th percentile {_seconds(stats.p95_seconds)}",
        ]
    )


def export_caption(rec: Reconciliation) -> str:
    kinds: dict[str, int] = {}
    for row in rec.discrepancies:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    found = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none"
    return (
        f"📤 Reconciliation {rec.start:%Y-%m-%d} → {rec.end:%Y-%m-%d} (end excluded)\n"
        f"Orders: {len(rec.orders)} · supplier entries: {len(rec.supplier_entries)}\n"
        f"Discrepancies: {escape(found)}"
    )
