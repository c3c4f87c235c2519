"""The `giftbot` console script: one subcommand per job, each registered by its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app.errors import ConfigError
from app.settings import load_settings
from bot.logs import LogSettings, configure_logging

# Each module exposes `register(subparsers)`, which adds its subcommands and sets
# `handler(args) -> int` as a default. Only commands that work are listed here.
COMMAND_MODULES: tuple[str, ...] = (
    "app.commands.run",
    "app.commands.demo",
    "app.commands.migrate",
    "app.commands.config",
    "app.commands.export",
    "app.commands.stock",
)


# The sandboxes' own commands: listed in --help, their modules imported only when chosen,
# so no other command (`giftbot run` above all) loads sandbox code.
SANDBOX_COMMANDS: dict[str, tuple[str, str]] = {
    "telegram-sandbox": (
        "sandbox.telegram.cli",
        "run the local Telegram Bot API sandbox (with Stars payments and a web chat)",
    ),
    "supplier-sandbox": ("sandbox.supplier.cli", "run the sandbox supplier API"),
}


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; `chosen` names the sandbox command being run, if one is."""
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
    for command, (module, help_text) in SANDBOX_COMMANDS.items():
        if command == chosen:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(command, help=help_text, add_help=False)
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    chosen = next((arg for arg in argv if arg in SANDBOX_COMMANDS), None)
    return build_parser(chosen).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
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
