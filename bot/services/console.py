"""The operations console's services, built once and handed to the Dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from bot.services.admin_credit import CreditAdjustments
from bot.services.admin_orders import AdminOrders
from bot.services.admin_supply import BalanceSource, SupplyService
from bot.services.audit import AuditTrail
from bot.services.catalog import CatalogService
from bot.services.held_import import HeldImporter
from bot.services.order_actions import Fulfiller, OrderActions
from bot.services.reconciliation import LedgerSource, Reconciler
from bot.services.stats import StatsService
from bot.settings import BotSettings
from storage.clock import utcnow
from storage.store import Storage


class SupplierPort(BalanceSource, LedgerSource, Protocol):
    """What the console asks of the supplier."""


def console_services(
    storage: Storage,
    settings: BotSettings,
    *,
    supplier: SupplierPort,
    catalog: CatalogService,
    fulfilment: Fulfiller,
    on_outbox: Callable[[], None] = lambda: None,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, Any]:
    """Keyword arguments for `Dispatcher(**...)`: each reaches the admin handlers by name."""
    return {
        "audit": AuditTrail(storage.db, clock=clock),
        "supply": SupplyService(
            storage.db, supplier, catalog, low_balance_alert=settings.low_balance_alert, clock=clock
        ),
        "admin_orders": AdminOrders(storage.db, storage.cipher),
        "actions": OrderActions(storage.db, fulfilment, on_outbox=on_outbox, clock=clock),
        "stats": StatsService(storage.db, star_usd_rate=settings.star_usd_rate, clock=clock),
        "reconciler": Reconciler(storage.db, supplier, clock=clock),
        "credits": CreditAdjustments(storage.db, currency=settings.payment_currency, clock=clock),
        "held_import": HeldImporter(storage.db, storage.cipher, clock=clock),
    }
