"""The period of an export, from dates as people write them: both ends whole UTC days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

DEFAULT_DAYS = 7
MAX_DAYS = 400


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2026-11-01") from None


def export_period(start: str | None, end: str | None, *, today: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after `end` 00:00) in UTC: `end` is included. No start: the
    last 7 days; no end: up to today, included. ValueError for a bad or backwards period."""
    last = parse_day(end) if end else today
    first = parse_day(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValueError("the period ends before it starts")
    if (last - first).days >= MAX_DAYS:
        raise ValueError(f"a period is at most {MAX_DAYS} days")
    begin = datetime(first.year, first.month, first.day, tzinfo=UTC)
    stop = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    return begin, stop
