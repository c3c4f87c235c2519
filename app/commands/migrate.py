"""`giftbot migrate`: bring the database schema up to date and say what was applied."""

from __future__ import annotations

import argparse
import asyncio

from app.settings import load_settings
from app.storage_errors import storage_errors_as_config_errors
from storage.lease import database_lease
from storage.settings import StorageSettings
from storage.store import open_storage


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="apply database migrations",
        description="Apply the pending schema migrations to DATABASE_URL.",
    )
    parser.set_defaults(handler=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    settings = load_settings(StorageSettings)
    return asyncio.run(_migrate(settings))


async def _migrate(settings: StorageSettings) -> int:
    # A running bot is refused, as a second bot would be: its caches and open statements
    # assume the schema it started with.
    with storage_errors_as_config_errors(), database_lease(settings.database_url):
        return await _apply(settings)


async def _apply(settings: StorageSettings) -> int:
    storage = await open_storage(settings)
    try:
        version = await storage.db.user_version()
        if storage.applied:
            for migration in storage.applied:
                print(f"applied {migration.version:04d}_{migration.name}")
        else:
            print("nothing to apply")
        print(f"database {storage.db.path} is at schema version {version}")
    finally:
        await storage.close()
    return 0
