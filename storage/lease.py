"""One running bot per database: an exclusive OS lock on a file beside it.

The per-order locks that keep the live path, webhooks and recovery from acting on one
order at once live in one process's memory, so two `giftbot run` on one database could
both place or refund the same order. The first to start holds `<database>.lock`; any
other is refused with a line naming the database and the holder.

Why an OS lock (flock) rather than a lease row with an expiry in the database:
- the kernel releases it the instant its holder dies, kill -9 included: a restart never
  waits for a lease to run out;
- it cannot be lost by a holder that is alive but stalled (suspended, swapping, paused in
  a debugger) past an expiry, which would let a second process in while the first one
  resumes believing it still owns the database;
- no renewal task, no writes every few seconds, no dependence on clocks;
- it covers every process that can share the database: SQLite's WAL mode (which the
  store uses) requires all of them to be on one host, and containers sharing a volume
  share the host's kernel locks.
The file holds the holder's pid, host and start time, only to name it in the refusal.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from storage.database import database_path
from storage.errors import DatabaseInUse

LOCK_SUFFIX = ".lock"
_MAX_HOLDER_BYTES = 4096


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + LOCK_SUFFIX)


@contextlib.contextmanager
def database_lease(url: str) -> Iterator[Path]:
    """Hold the database for this process until the block ends; DatabaseInUse if another
    process holds it. Yields the lock file's path."""
    database = database_path(url)
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Never truncated on open: the holder's details must survive a refused contender.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"DATABASE_URL: {database.resolve()} is in use by another giftbot "
                f"({_holder(fd)}); only one may run on a database: stop it, or point "
                "DATABASE_URL elsewhere"
            ) from None
        _write_holder(fd)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # a clean exit names no holder
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _write_holder(fd: int) -> None:
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
    os.fsync(fd)


def _holder(fd: int) -> str:
    """The holder as its lock file names it (it may be starting and not have written yet)."""
    try:
        holder = json.loads(os.pread(fd, _MAX_HOLDER_BYTES, 0) or b"{}")
        return f"pid {int(holder['pid'])} on host {holder['host']}, since {holder['since']}"
    except (ValueError, KeyError, TypeError, OSError):
        return "holder not known yet"
