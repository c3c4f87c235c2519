"""Printing the benchmarks' figures: giftbot and the floor side by side, and their ratio."""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path
from typing import Any

# (key, label, format): the rows of the purchases table, in order.
PURCHASE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("purchases_per_s", "purchases/s", "{:.1f}"),
    ("failed_purchases", "purchases not completed (all rounds)", "{:.0f}"),
    ("bot_cpu_ms", "bot CPU per purchase (ms)", "{:.1f}"),
    ("click_p50_ms", "click → next screen p50 (ms)", "{:.0f}"),
    ("click_p95_ms", "click → next screen p95 (ms)", "{:.0f}"),
    ("click_p99_ms", "click → next screen p99 (ms)", "{:.0f}"),
    ("pay_p50_ms", "pay → code p50 (ms)", "{:.0f}"),
    ("pay_p95_ms", "pay → code p95 (ms)", "{:.0f}"),
    ("pay_p99_ms", "pay → code p99 (ms)", "{:.0f}"),
    ("sql_statements", "SQL statements per purchase", "{:.1f}"),
    ("sql_transactions", "SQL transactions per purchase", "{:.1f}"),
    ("sql_write_transactions", "  of which write (BEGIN IMMEDIATE)", "{:.1f}"),
    ("supplier_calls", "supplier calls per purchase", "{:.1f}"),
    ("bot_api_calls", "Bot API calls per purchase", "{:.1f}"),
    ("bot_api_calls_no_getupdates", "  of which not getUpdates", "{:.1f}"),
    ("peak_rss_mib", "bot peak RSS (MiB)", "{:.0f}"),
    ("telegram_cpu_ms", "Telegram sandbox CPU per purchase (ms)", "{:.1f}"),
    ("driver_cpu_ms", "driver CPU per purchase (ms)", "{:.1f}"),
    ("supplier_cpu_ms", "supplier sandbox CPU per purchase (ms)", "{:.1f}"),
    ("elapsed_s", "load duration (s)", "{:.1f}"),
    ("other_load_cores", "other processes' load meanwhile (cores)", "{:.2f}"),
)

WEBHOOK_ROWS: tuple[tuple[str, str, str], ...] = (
    ("events_per_s", "events/s accepted", "{:.0f}"),
    ("server_cpu_ms", "server CPU per event (ms)", "{:.2f}"),
    ("latency_p50_ms", "request latency p50 (ms)", "{:.1f}"),
    ("latency_p99_ms", "request latency p99 (ms)", "{:.1f}"),
    ("sender_cpu_ms", "sender CPU per event (ms)", "{:.2f}"),
    ("elapsed_s", "load duration (s)", "{:.1f}"),
    ("other_load_cores", "other processes' load meanwhile (cores)", "{:.2f}"),
)


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "loadavg_at_end": " ".join(load),
    }


def _cell(value: Any, form: str) -> str:
    return "—" if value is None else form.format(value)


def print_table(
    result: dict[str, Any], rows: tuple[tuple[str, str, str], ...] = PURCHASE_ROWS
) -> None:
    left, right = "giftbot", "floor" if "floor" in result else "bare"
    m = result["machine"]
    print(
        f"{result['benchmark']}: {result['load']}, "
        f"{result['rounds']} round(s), medians; {m['nproc']} × {m['cpu']}, Python {m['python']}, "
        f"load average at end {m['loadavg_at_end']}"
    )
    width = max(len(label) for _, label, _ in rows)
    print(f"{'':<{width}}  {left:>10}  {right:>10}  {'ratio':>7}")
    for key, label, form in rows:
        ratio = result["ratio"].get(key)
        print(
            f"{label:<{width}}  {_cell(result[left].get(key), form):>10}  "
            f"{_cell(result[right].get(key), form):>10}  {_cell(ratio, '{:.2f}'):>7}"
        )


def markdown_table(result: dict[str, Any]) -> str:
    """The same table in Markdown, for bench/README.md."""
    rows = PURCHASE_ROWS if "floor" in result else WEBHOOK_ROWS
    right = "floor" if "floor" in result else "bare"
    lines = [f"| {result['load']} | giftbot | {right} | ratio |", "|---|---:|---:|---:|"]
    for key, label, form in rows:
        cells = [
            _cell(result["giftbot"].get(key), form),
            _cell(result[right].get(key), form),
            _cell(result["ratio"].get(key), "{:.2f}"),
        ]
        lines.append(f"| {label.strip()} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.report RESULT.json`: a saved `--json` result as a Markdown table."""
    parser = argparse.ArgumentParser(description=(main.__doc__ or "").split(":")[0])
    parser.add_argument("result", type=Path, help="the output of a --json run")
    args = parser.parse_args(argv)
    print(markdown_table(json.loads(args.result.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
