"""The optional state file: a JSON snapshot written atomically, at most a few times a second."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Final

from pydantic import ValidationError

from sandbox.supplier.state import Snapshot

logger = logging.getLogger(__name__)

FLUSH_DELAY: Final = 0.2  # coalesces a burst of orders into one write


class SnapshotError(Exception):
    """The state file exists but cannot be used; starting empty would silently lose it."""


def load_snapshot(path: Path) -> Snapshot | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SnapshotError(f"cannot read the state file {path}: {exc.strerror}") from exc
    try:
        return Snapshot.model_validate_json(raw)
    except ValidationError as exc:
        raise SnapshotError(
            f"{path} is not a sandbox state file ({exc.error_count()} errors)"
        ) from exc


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(snapshot.model_dump_json(), encoding="utf-8")
    os.replace(tmp, path)  # atomic on POSIX: readers see the old or the new file, never half


class SnapshotWriter:
    """Coalesces changes: `mark()` after each change, `close()` writes whatever is left."""

    def __init__(self, path: Path, take: Callable[[], Snapshot]) -> None:
        self._path = path
        self._take = take
        self._task: asyncio.Task[None] | None = None

    def mark(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(FLUSH_DELAY)
        self.flush()

    def flush(self) -> None:
        try:
            write_snapshot(self._path, self._take())
        except OSError:
            logger.exception("could not write the sandbox state file %s", self._path)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.flush()
