"""Reading a CSV of pre-purchased codes: every way a file is wrong is one clear error that
names rows, never codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.held_csv import MAX_ROWS, HeldCsvError, parse_expiry, parse_held_csv

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def parse(text: str) -> list[tuple[int, str, str | None, datetime | None]]:
    return [
        (row.row, row.code.code, row.code.pin, row.expires_at)
        for row in parse_held_csv(text.encode(), NOW)
    ]


def refusal(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(HeldCsvError) as caught:
        parse_held_csv(raw, NOW)
    return str(caught.value)


def test_rows_with_optional_columns_in_any_order_and_a_bom() -> None:
    text = "\ufeffexpires_at,Code,pin\n2026-12-31,AAAA-1111,\n,BBBB-2222,9876\n\n"
    assert parse(text) == [
        (2, "AAAA-1111", None, datetime(2027, 1, 1, tzinfo=UTC)),
        (3, "BBBB-2222", "9876", None),
    ]


def test_code_alone_is_enough() -> None:
    assert parse("code\n  X1  \n") == [(2, "X1", None, None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("pin,expires_at\n1,2026-12-31\n", "missing column `code`"),
        ("code,serial\nA,1\n", "unknown column(s) serial"),
        ("code,code\nA,B\n", "a column appears twice"),
        ("code\n", "no codes in the file"),
        ("code,pin\nA\n", "row 2: 1 fields, the header has 2"),
        ("code,pin\n,1234\n", "row 2: empty code"),
        ('code\n"unclosed\n', "not a valid CSV"),
        ("code,expires_at\nA,tomorrow\n", "row 2: expires_at is not a date"),
        ("code,expires_at\nA,2026-12-31T10:00:00\n", "row 2: expires_at is not a date"),
    ],
)
def test_bad_files_are_refused_with_a_reason(text: str, expected: str) -> None:
    assert expected in refusal(text)


def test_expired_rows_refuse_the_file_by_row_number_without_the_code() -> None:
    message = refusal(
        "code,expires_at\nSECRET-1,2026-12-31\nSECRET-2,2026-05-31\nSECRET-3,2026-06-01T11:00Z\n"
    )
    assert message == "row 3: expired; row 4: expired"
    assert "SECRET" not in message


def test_a_code_expiring_today_is_still_good_until_the_day_ends() -> None:
    assert parse("code,expires_at\nA,2026-06-01\n")[0][3] == datetime(2026, 6, 2, tzinfo=UTC)


def test_not_utf8_is_refused() -> None:
    assert refusal(b"code\n\xff\xfe\n") == "the file is not UTF-8 text"


def test_too_many_rows_is_refused() -> None:
    text = "code\n" + "".join(f"C{n}\n" for n in range(MAX_ROWS + 1))
    assert f"more than {MAX_ROWS} rows" in refusal(text)


def test_unprintable_code_is_refused() -> None:
    assert "row 2: the code is not a printable text" in refusal("code\nA\x07B\n")


def test_expiry_with_offset_is_converted_to_utc() -> None:
    assert parse_expiry("2026-07-01T03:00:00+03:00") == datetime(2026, 7, 1, tzinfo=UTC)
