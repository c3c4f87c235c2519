from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage.clock import from_db, to_db


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 6, 1, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=3))),
    ],
)
def test_timestamps_round_trip_as_aware_utc(moment: datetime) -> None:
    back = from_db(to_db(moment))
    assert back == moment
    assert back.tzinfo is UTC


@pytest.mark.parametrize("text", ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000000", "x" * 27])
def test_anything_but_the_stored_format_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        from_db(text)
