"""`giftbot stock import`: load pre-purchased codes from a CSV into the held stock.

It does not take the database lock (storage/lease.py) and is safe beside a running bot:
it writes only `held_codes`, in one short BEGIN IMMEDIATE transaction, which SQLite orders
with the bot's own writes (WAL, busy timeout); the bot keeps no copy of held stock in
memory, so its next purchase or card sees the new codes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

PROG = "giftbot stock import"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("stock", help="pre-purchased (held) codes")
    actions = parser.add_subparsers(dest="stock_action", metavar="ACTION", required=True)
    importer = actions.add_parser(
        "import",
        help="import pre-purchased codes from a CSV",
        description="Columns: code (required), pin, expires_at (YYYY-MM-DD or RFC 3339). "
        "A bad file imports nothing (exit 2); a code already held or sold, or repeated in "
        "the file, is refused by row number and the rest imported (exit 1).",
    )
    importer.add_argument("file", type=Path, metavar="FILE.csv")
    importer.add_argument("--sku", required=True, help="the catalog SKU these codes are for")
    importer.add_argument("--cost", help="what one code cost, e.g. 9.50 (for the export)")
    importer.add_argument("--currency", default="USD", help="currency of --cost (default USD)")
    importer.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    from bot.services.held_import import HeldImportError, parse_cost, parse_currency

    try:
        cost = parse_cost(args.cost) if args.cost is not None else None
        currency = parse_currency(args.currency)
        data = args.file.read_bytes()
    except HeldImportError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{PROG}: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    return asyncio.run(_import(args, data, cost, currency))


async def _import(args: argparse.Namespace, data: bytes, cost: int | None, currency: str) -> int:
    from app.settings import load_settings
    from app.storage_errors import storage_errors_as_config_errors
    from bot.services.held_import import HeldImportError, import_held_codes
    from storage.clock import to_db, utcnow
    from storage.settings import StorageSettings
    from storage.store import open_storage

    with storage_errors_as_config_errors():
        storage = await open_storage(load_settings(StorageSettings))
    now = utcnow()
    try:
        result = await import_held_codes(
            storage.db,
            storage.cipher,
            sku=args.sku,
            data=data,
            cost=cost,
            currency=currency,
            batch=f"cli:{args.file.name}@{to_db(now)}",  # which file, when
            now=now,
        )
    except HeldImportError as exc:
        print(f"{PROG}: nothing imported: {exc}", file=sys.stderr)
        return 2
    finally:
        await storage.close()
    print(result.summary())
    return 1 if result.refused else 0
