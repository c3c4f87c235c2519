"""What every repository shares: the connection it works in and error mapping."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import aiosqlite

from storage.errors import AlreadyExists


class Repository:
    """Works inside the caller's transaction (`Database.transaction()` / `.read()`)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn


@contextmanager
def unique_violation_as(message: str) -> Iterator[None]:
    """Turn a UNIQUE/PRIMARY KEY violation into AlreadyExists; other integrity errors pass."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "UNIQUE constraint failed" in str(exc):
            raise AlreadyExists(message) from exc
        raise
