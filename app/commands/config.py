"""`giftbot check-config`: print the effective configuration, secrets masked."""

from __future__ import annotations

import argparse
import asyncio

from pydantic_settings import BaseSettings

from app.safety import check_production
from app.settings import describe_settings, load_app_settings, load_settings
from app.storage_errors import storage_errors_as_config_errors
from app.supplier_network import describe_suppliers, load_suppliers
from bot.logs import LogSettings
from storage.settings import StorageSettings
from storage.store import open_storage


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate the settings and print them (secrets masked)",
        description="Validate every setting (environment and .env) and print the result.",
    )
    parser.set_defaults(handler=check_config)


def check_config(args: argparse.Namespace) -> int:
    app = load_app_settings()
    suppliers = load_suppliers(app.supplier)  # a bad SUPPLIERS_FILE: one line, exit 2
    check_production(app)
    sections: dict[str, BaseSettings] = {
        "bot": app.bot,
        "supplier": app.supplier,
        "storage": app.storage,
        "logging": load_settings(LogSettings),
    }
    for title, settings in sections.items():
        print(f"[{title}]")
        for name, value, meaning in describe_settings(settings):
            print(f"  {name:<24} = {value:<32} # {meaning}")
    print("[suppliers]")
    for line in describe_suppliers(suppliers):
        print(f"  {line}")
    version = asyncio.run(_check_storage(app.storage))
    print(f"database schema version {version}; codes key matches the data")
    print("configuration OK")
    return 0


async def _check_storage(settings: StorageSettings) -> int:
    """Like every command, migrate; and prove CODES_KEY opens what is stored."""
    with storage_errors_as_config_errors():
        storage = await open_storage(settings)
    try:
        return await storage.db.user_version()
    finally:
        await storage.close()
