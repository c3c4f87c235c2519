"""Reading a CSV of pre-purchased codes: pure, so every way a file can be wrong is a test.

Columns: `code` (required), `pin` and `expires_at` (optional). A problem is reported by row
number (the header is row 1), never by code: codes do not belong in errors or logs.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from storage.models import Code

COLUMNS = frozenset({"code", "pin", "expires_at"})
MAX_ROWS = 10_000
MAX_CODE_CHARS = 200


class HeldCsvError(ValueError):
    """The file cannot be imported; the message says why (row numbers, no codes)."""


@dataclass(frozen=True, slots=True)
class HeldRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    code: Code
    expires_at: datetime | None


def parse_expiry(text: str) -> datetime:
    """RFC 3339 / ISO 8601 (a zone is required unless it is a bare date); a date means
    valid through the end of that UTC day."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day + timedelta(days=1), time(), UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("needs a time zone (e.g. Z)")
    return moment.astimezone(UTC)


def parse_held_csv(data: bytes, now: datetime) -> list[HeldRow]:
    """Every row of the file, or HeldCsvError listing each problem (nothing is partial)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HeldCsvError("the file is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise HeldCsvError("the file is empty")
        columns = [name.strip().lower() for name in header]
        if "code" not in columns:
            raise HeldCsvError("missing column `code` (columns: code, pin, expires_at)")
        unknown = sorted(set(columns) - COLUMNS)
        if unknown:
            raise HeldCsvError(
                f"unknown column(s) {', '.join(unknown)} (allowed: code, pin, expires_at)"
            )
        if len(set(columns)) != len(columns):
            raise HeldCsvError("a column appears twice in the header")
        rows: list[HeldRow] = []
        problems: list[str] = []
        for number, fields in enumerate(reader, start=2):
            if not any(field.strip() for field in fields):
                continue  # blank lines are not rows
            if len(rows) + len(problems) >= MAX_ROWS:
                raise HeldCsvError(f"more than {MAX_ROWS} rows; split the file")
            row, problem = _row(number, columns, fields, now)
            if problem:
                problems.append(problem)
            elif row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise HeldCsvError(f"not a valid CSV at line {reader.line_num}: {exc}") from None
    if problems:
        raise HeldCsvError("; ".join(problems))
    if not rows:
        raise HeldCsvError("no codes in the file")
    return rows


def _row(
    number: int, columns: list[str], fields: list[str], now: datetime
) -> tuple[HeldRow | None, str | None]:
    if len(fields) != len(columns):
        return None, f"row {number}: {len(fields)} fields, the header has {len(columns)}"
    values = {name: value.strip() for name, value in zip(columns, fields, strict=True)}
    code = values["code"]
    if not code:
        return None, f"row {number}: empty code"
    if len(code) > MAX_CODE_CHARS or not code.isprintable():
        return None, f"row {number}: the code is not a printable text of at most {MAX_CODE_CHARS}"
    expires_at = None
    if values.get("expires_at"):
        try:
            expires_at = parse_expiry(values["expires_at"])
        except ValueError:
            return None, f"row {number}: expires_at is not a date (YYYY-MM-DD or RFC 3339)"
        if expires_at <= now:
            return None, f"row {number}: expired"
    held = Code(
        code=code,
        pin=values.get("pin") or None,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return HeldRow(number, held, expires_at), None
