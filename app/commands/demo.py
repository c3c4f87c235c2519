"""`giftbot demo`: both sandboxes and the bot in one process; prints the web chat URL."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from app.settings import AppSettings, load_app_settings
from app.storage_errors import storage_errors_as_config_errors

# Any well-formed token is a bot of its own in the Telegram sandbox.
DEMO_TOKEN = "7000000001:DEMO-giftbot-sandbox-token-00000000"
DEMO_ADMIN_ID = 1000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the shop offline: sandboxes + bot, with a web chat to try it",
        description=(
            "Start the Telegram sandbox, the sandbox supplier and the bot together, "
            "with data in ./data/, and print the web chat URL. Ctrl+C stops everything."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="web chat host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8082, help="web chat port (default 8082)")
    parser.set_defaults(handler=demo)


def demo(args: argparse.Namespace) -> int:
    # Validate what the environment says before anything starts.
    settings = load_app_settings(bot={"BOT_TOKEN": DEMO_TOKEN}, supplier={"SUPPLIER_URL": None})
    asyncio.run(_demo(args.host, args.port, settings))
    return 0


async def _demo(host: str, port: int, settings: AppSettings) -> None:
    # aiogram takes seconds to import, and the sandboxes are this command's alone.
    from app.composition import run_bot
    from app.demo_suppliers import demo_suppliers, free_port
    from app.web.app import SUPPLIER_WEBHOOK_PATH
    from sandbox.telegram.config import TelegramSandboxConfig
    from sandbox.telegram.server import start_telegram_sandbox
    from storage.database import database_path

    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    # The demo bot is known to the sandbox from the start: a message written in the web chat
    # while the bot is still starting waits for it instead of being refused.
    demo_bot = int(DEMO_TOKEN.split(":", 1)[0])
    telegram = await start_telegram_sandbox(
        TelegramSandboxConfig(bot_ids=(demo_bot,)), host=host, port=port
    )
    bot_settings = settings.bot.model_copy(
        update={
            "telegram_api_url": telegram.url,
            "admin_ids": settings.bot.admin_ids or frozenset({DEMO_ADMIN_ID}),
            "http_port": settings.bot.http_port or free_port(),
        }
    )
    # Two sandbox suppliers (the second 5 % dearer) through a generated SUPPLIERS_FILE.
    webhooks = f"http://127.0.0.1:{bot_settings.http_port}{SUPPLIER_WEBHOOK_PATH}"
    data_dir = database_path(settings.storage.database_url).parent
    stack = contextlib.AsyncExitStack()
    suppliers_file = await stack.enter_async_context(demo_suppliers(data_dir, webhooks))
    supplier_settings = settings.supplier.model_copy(update={"suppliers_file": suppliers_file})
    started = asyncio.Event()
    bot_task = asyncio.create_task(
        run_bot(
            AppSettings(bot=bot_settings, supplier=supplier_settings, storage=settings.storage),
            started=started,
        )
    )
    announce = asyncio.create_task(_announce(started, telegram.url))
    try:
        with storage_errors_as_config_errors(), contextlib.suppress(asyncio.CancelledError):
            await bot_task
    finally:
        for task in (announce, bot_task):
            task.cancel()
        await asyncio.gather(announce, bot_task, return_exceptions=True)
        await stack.aclose()
        await telegram.close()


async def _announce(started: asyncio.Event, url: str) -> None:
    await started.wait()
    print(
        f"\n  giftbot demo is running. Open the web chat: {url}/\n"
        f"  (user {DEMO_ADMIN_ID} is the shop's admin; Ctrl+C stops everything)\n",
        flush=True,
    )
