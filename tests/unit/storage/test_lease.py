"""One running bot per database: the lock refuses a second holder, names the first, and
is released by the kernel when its holder dies, kill -9 included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from storage.errors import DatabaseInUse
from storage.lease import database_lease, lock_path


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/data/giftbot.db"


def test_a_second_holder_is_refused_with_the_database_and_the_holder(
    url: str, tmp_path: Path
) -> None:
    with database_lease(url) as path:
        assert path == tmp_path / "data" / "giftbot.db.lock"
        with pytest.raises(DatabaseInUse) as refused, database_lease(url):
            pytest.fail("two holders at once")
    message = str(refused.value)
    assert str(tmp_path / "data" / "giftbot.db") in message
    assert f"pid {os.getpid()} on host " in message
    assert "\n" not in message


def test_a_clean_release_lets_the_next_one_in(url: str) -> None:
    with database_lease(url) as path:
        assert path.read_text()  # names its holder while held
    assert path.read_text() == ""
    with database_lease(url):
        pass


def test_another_database_is_another_lock(url: str, tmp_path: Path) -> None:
    with database_lease(url), database_lease(f"sqlite:///{tmp_path}/other.db"):
        pass


def test_a_holder_that_never_wrote_its_name_is_still_refused(url: str, tmp_path: Path) -> None:
    with database_lease(url) as path:
        path.write_text("not json")
        with pytest.raises(DatabaseInUse, match="holder not known yet"), database_lease(url):
            pass


def test_a_killed_holder_releases_the_database_at_once(url: str, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from storage.lease import database_lease\n"
            f"with database_lease({url!r}):\n"
            "    print('held', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with pytest.raises(DatabaseInUse, match=f"pid {holder.pid} "), database_lease(url):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # No expiry to wait for: the kernel dropped the lock with the process.
    with database_lease(url):
        assert lock_path(tmp_path / "data" / "giftbot.db").exists()
