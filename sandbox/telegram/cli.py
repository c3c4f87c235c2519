"""`giftbot telegram-sandbox`: the Telegram sandbox on its own."""

from __future__ import annotations

import argparse
import asyncio
import signal

from sandbox.telegram.config import TelegramSandboxConfig
from sandbox.telegram.server import start_telegram_sandbox


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "telegram-sandbox",
        help="run the local Telegram Bot API sandbox (with Stars payments and a web chat)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument(
        "--no-flood-limit",
        action="store_true",
        help="never answer 429 (Telegram limits about 1 message/s per chat, 30/s overall)",
    )
    parser.add_argument(
        "--payment-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long a payment waits for answerPreCheckoutQuery (Telegram: 10)",
    )
    parser.add_argument(
        "--bot-id",
        type=_bot_id,
        action="append",
        default=[],
        metavar="ID",
        help="a bot to know from the start (the digits before ':' in its token): users can "
        "write to it before it connects, and its updates wait for it; repeatable",
    )
    parser.set_defaults(handler=run)


def _bot_id(raw: str) -> int:
    if not raw.isdigit() or int(raw) <= 0:
        raise argparse.ArgumentTypeError(f"not a bot id: {raw!r}")
    return int(raw)


def run(args: argparse.Namespace) -> int:
    config = TelegramSandboxConfig(
        flood_limit=not args.no_flood_limit,
        payment_answer_timeout=args.payment_timeout,
        bot_ids=tuple(args.bot_id),
    )
    asyncio.run(_serve(config, args.host, args.port))
    return 0


async def _serve(config: TelegramSandboxConfig, host: str, port: int) -> None:
    running = await start_telegram_sandbox(config, host=host, port=port)
    print(f"Telegram sandbox: TELEGRAM_API_URL={running.url}  web chat: {running.url}/", flush=True)
    stop = asyncio.Event()
    # SIGTERM (docker stop, process managers) shuts down as cleanly as Ctrl+C.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await running.close()
