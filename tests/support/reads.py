"""Counting the read transactions a piece of code begins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from storage.database import Database


@dataclass
class Reads:
    count: int = 0


def count_reads(db: Database, monkeypatch: pytest.MonkeyPatch) -> Reads:
    """From now on, every `db.read()` adds one to the returned counter."""
    reads = Reads()
    real_read = db.read

    def counted_read() -> Any:
        reads.count += 1
        return real_read()

    monkeypatch.setattr(db, "read", counted_read)
    return reads
