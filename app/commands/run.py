"""`giftbot run`: the bot, its HTTP endpoints and (with no SUPPLIER_URL) the sandbox supplier."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from app.safety import check_production
from app.settings import AppSettings, load_app_settings
from app.storage_errors import storage_errors_as_config_errors


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the bot (long polling, or webhook with BOT_WEBHOOK_URL) on HTTP_PORT",
        description="Run the bot. With no SUPPLIER_URL the sandbox supplier runs in-process.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_app_settings()
    check_production(settings)
    _event_loop_runner()(serve(settings))
    return 0


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    """uvloop's event loop where it is installed (it is a dependency on Linux and
    macOS): its loop, sockets and timers cost less CPU per update than asyncio's
    (bench/README.md, issue 11)."""
    try:
        import uvloop
    except ImportError:  # Windows: uvloop does not build there
        return asyncio.run
    return uvloop.run


async def serve(settings: AppSettings) -> None:
    """Run until SIGINT or SIGTERM, then shut down cleanly."""
    from app.composition import run_bot  # aiogram takes seconds to import: only when it runs

    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    with contextlib.suppress(asyncio.CancelledError), storage_errors_as_config_errors():
        await run_bot(settings)
