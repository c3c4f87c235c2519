"""`giftbot export`: the reconciliation of a period as CSV or JSON, from the command line.

It reads the database and the supplier's ledger. It runs without the bot, so Telegram's
own Stars ledger is not consulted: Stars payments are checked against the `payments`
table (every payment the bot saw, live or recovered), and `sources` in the output says
so. The chat's /export adds getStarTransactions.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from app.errors import ConfigError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="reconciliation export (orders vs supplier ledger and payments)",
        description="Every order paid in the period with its amounts, states, supplier order "
        "id and charge id, matched against the supplier's ledger, and the discrepancies. "
        "Dates are UTC days; --to is included.",
    )
    parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--output", type=Path, help="write here instead of stdout")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from bot.services.export_period import export_period
    from storage.clock import utcnow

    try:
        period = export_period(args.start, args.end, today=utcnow().date())
    except ValueError as exc:
        print(f"giftbot export: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_export(args, *period))


async def _export(args: argparse.Namespace, start: datetime, end: datetime) -> int:
    # Imported here: the CLI starts fast for every other command.
    from app.settings import load_settings
    from app.storage_errors import storage_errors_as_config_errors
    from app.supplier_network import embedded_sandbox, load_suppliers
    from bot.services.export_format import to_csv, to_json
    from bot.services.reconciliation import Reconciler
    from storage.settings import StorageSettings
    from storage.store import open_storage
    from supplier.client import SupplierClient
    from supplier.errors import SupplierError
    from supplier.router import SupplierRouter
    from supplier.settings import SupplierSettings

    suppliers = load_suppliers(load_settings(SupplierSettings))
    if embedded_sandbox(suppliers):
        raise ConfigError(
            "SUPPLIER_URL: export reads the supplier's ledger; the embedded sandbox "
            "lives only inside `giftbot run`"
        )
    with storage_errors_as_config_errors():
        storage = await open_storage(load_settings(StorageSettings))
    # Every supplier's ledger (SUPPLIERS_FILE), or the single SUPPLIER_URL's.
    supplier = SupplierRouter(
        [
            (config, SupplierClient(str(config.url).rstrip("/"), config.api_key.get_secret_value()))
            for config in suppliers
        ]
    )
    try:
        rec = await Reconciler(storage.db, supplier).build(start, end)
    except SupplierError as exc:
        print(f"giftbot export: the supplier's ledger is unavailable: {exc}", file=sys.stderr)
        return 1
    finally:
        await supplier.close()
        await storage.close()
    text = to_csv(rec) if args.format == "csv" else to_json(rec)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(
            f"wrote {args.output}: {len(rec.orders)} orders, "
            f"{len(rec.discrepancies)} discrepancies",
            file=sys.stderr,
        )
    return 0
