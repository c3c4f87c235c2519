"""Fixtures every integration package shares."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from app.runtime import bind_socket


@pytest.fixture
def listener_socket() -> Iterator[socket.socket]:
    # Bound first, as `giftbot run` does, so the sandbox knows our URL when it starts.
    sock = bind_socket("127.0.0.1", 0)
    yield sock
    sock.close()
