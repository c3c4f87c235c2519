"""Small pieces of the bot's process life: periodic jobs and a pre-bound HTTP socket."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(
    seconds: float, job: Callable[[], Awaitable[object]], name: str, *, first_delay: float = 0
) -> None:
    """Run `job` after `first_delay`, then every `seconds`, surviving its failures;
    cancel to stop."""
    await asyncio.sleep(first_delay)
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; next try in %.0f s", name, seconds)
        await asyncio.sleep(seconds)


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before anything starts, so that port 0 resolves to a known port early
    (the embedded supplier sandbox needs our webhook URL when it starts)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock
