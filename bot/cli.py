"""The `giftbot` console script: one subcommand per job, each registered by its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot.config import load_settings
from bot.errors import ConfigError
from bot.logs import LogSettings, configure_logging

# Each module exposes `register(subparsers)`, which adds its subcommands and sets
# `handler(args) -> int` as a default. Only commands that work are listed here.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.commands.run",
    "bot.commands.demo",
    "bot.sandbox.cli",
    "supplier.sandbox.cli",
    "bot.commands.migrate",
    "bot.commands.config",
    "bot.commands.export",
    "bot.commands.stock",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="giftbot",
        description="Telegram shop for gift cards and game codes, paid with Telegram Stars.",
    )
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="overrides LOG_LEVEL (default INFO)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        configure_logging(load_settings(LogSettings), level_override=args.log_level)
        return int(args.handler(args))
    except ConfigError as exc:
        # One line naming the setting; a traceback here would only bury it.
        print(f"giftbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
