"""The composition root: builds every long-lived object once and runs the bot."""

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp import web

from app.client_session import BotSession
from app.runtime import bind_socket, every
from app.settings import AppSettings
from app.supplier_network import (
    build_supplier_router,
    embedded_sandbox,
    load_suppliers,
    webhook_verifiers,
)
from app.update_source import UpdateSource
from app.web.app import SUPPLIER_WEBHOOK_PATH, Readiness, create_app
from app.web.metrics import mount_metrics
from bot.handlers import build_router, set_admin_commands, set_bot_commands
from bot.i18n import create_i18n
from bot.metrics import Metrics
from bot.middlewares import setup_middlewares
from bot.middlewares.retry_after import install_flood_control
from bot.services.catalog import CatalogService
from bot.services.checkout import CheckoutService
from bot.services.console import console_services
from bot.services.fulfilment import FulfilmentService
from bot.services.fulfilment_rules import deadlines
from bot.services.held_alerts import HeldStockMonitor
from bot.services.ops_monitor import CHECK_SECONDS, OpsCounters, OpsMonitor
from bot.services.order_queries import OrderQueries
from bot.services.outbox_sender import OutboxSender
from bot.services.payment_ledger import PaymentLedger
from bot.services.payments import PaymentIntake
from bot.services.pricing import PriceRules
from bot.services.refunds import TelegramRefunder
from bot.services.supplier_events import SupplierEvents
from bot.services.topups import TopupService
from bot.services.users import UserService
from bot.settings import BotSettings
from storage.database import database_path
from storage.lease import database_lease
from storage.store import open_storage
from supplier.settings import DEFAULT_SUPPLIER

log = logging.getLogger(__name__)

RECOVERY_INTERVAL_SECONDS = 10.0
LEDGER_INTERVAL_SECONDS = 60.0
FIRST_SYNC_TIMEOUT_SECONDS = 30.0
RETRY_SYNC_SECONDS = 30.0
BALANCE_READ_SECONDS = 300.0  # keeps the balance gauge fresh when nobody is buying


def create_bot(settings: BotSettings) -> Bot:
    base = str(settings.telegram_api_url).rstrip("/")
    api = (
        TelegramAPIServer(
            base=f"{base}/bot{{token}}/test/{{method}}",
            file=f"{base}/file/bot{{token}}/test/{{path}}",
        )
        if settings.telegram_test_env
        else TelegramAPIServer.from_base(base)
    )
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=BotSession(api=api),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def _new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


@asynccontextmanager
async def _supplier_endpoint(
    settings: AppSettings, webhook_url: str, secrets: list[str]
) -> AsyncIterator[str]:
    """The supplier's base URL: the configured one, or the embedded sandbox's."""
    if settings.supplier.url is not None:
        yield str(settings.supplier.url).rstrip("/")
        return
    # Loaded only here: a configured supplier never imports sandbox code.
    from sandbox.supplier.config import SandboxConfig
    from sandbox.supplier.server import start_sandbox

    state_file = database_path(settings.storage.database_url).parent / "supplier-sandbox.json"
    sandbox = await start_sandbox(
        SandboxConfig(
            api_key=settings.supplier.api_key,
            webhook_url=webhook_url,
            webhook_secret=secrets[0],
            state_file=state_file,
        )
    )
    log.info("no SUPPLIER_URL: sandbox supplier runs in-process at %s", sandbox.url)
    try:
        yield sandbox.url
    finally:
        await sandbox.close()


async def run_bot(settings: AppSettings, *, started: asyncio.Event | None = None) -> None:
    """Run until cancelled or interrupted; every resource is released on the way out."""
    # A bad SUPPLIERS_FILE stops the start before anything is opened.
    suppliers = load_suppliers(settings.supplier)
    async with AsyncExitStack() as stack:
        # One running bot per database (its per-order locks are per process): taken
        # before anything else touches the database or the ports.
        stack.enter_context(database_lease(settings.storage.database_url))
        storage = await open_storage(settings.storage)
        stack.push_async_callback(storage.close)

        sock = bind_socket(settings.bot.http_host, settings.bot.http_port)
        stack.callback(sock.close)
        port = sock.getsockname()[1]
        secrets = [s.get_secret_value() for s in settings.supplier.webhook_secrets]
        embedded_url = None
        if embedded_sandbox(suppliers):
            secrets = secrets or [_new_webhook_secret()]
            webhook_url = f"http://127.0.0.1:{port}{SUPPLIER_WEBHOOK_PATH}"
            embedded_url = await stack.enter_async_context(
                _supplier_endpoint(settings, webhook_url, secrets)
            )
        metrics = Metrics()
        # Operations alerts count supplier errors on the clients' sessions (and bad
        # webhook signatures at the listener); the metrics time every request there too.
        counters = OpsCounters()
        # Several suppliers (SUPPLIERS_FILE) or one (`default`): one router either way.
        supplier = build_supplier_router(
            suppliers, metrics, traces=[counters.supplier_trace()], embedded_url=embedded_url
        )
        stack.push_async_callback(supplier.close)

        bot = create_bot(settings.bot)
        stack.push_async_callback(bot.session.close)
        install_flood_control(bot, metrics)
        i18n = create_i18n(settings.bot.default_language)
        rules = PriceRules(
            payment_currency=settings.bot.payment_currency,
            markup_percent=settings.bot.markup_percent,
            star_usd_rate=settings.bot.star_usd_rate,
        )
        catalog = CatalogService(storage.db, supplier)
        orders = OrderQueries(storage.db, storage.cipher)
        outbox = OutboxSender(storage.db, orders, bot, i18n, admins=settings.bot.admin_ids)
        fulfilment = FulfilmentService(
            storage.db,
            storage.cipher,
            supplier,
            TelegramRefunder(bot),
            admins=settings.bot.admin_ids,
            deadlines=deadlines(settings.bot),
            on_outbox=outbox.wake,
        )
        stack.push_async_callback(fulfilment.close)
        events = SupplierEvents(storage.db, fulfilment)
        stack.push_async_callback(events.close)
        checkout = CheckoutService(
            storage.db,
            supplier,
            catalog,
            rules,
            purchases_per_minute=settings.bot.purchases_per_minute,
        )

        # Every payment, from the live update or Telegram's ledger, goes through one intake.
        payments = PaymentIntake(
            storage.db,
            TelegramRefunder(bot),
            admin_ids=settings.bot.admin_ids,
            on_outbox=outbox.wake,
        )
        ledger = PaymentLedger(
            storage.db, bot, payments, fulfilment, currency=settings.bot.payment_currency
        )

        dispatcher = Dispatcher(
            settings=settings.bot,
            catalog=catalog,
            checkout=checkout,
            topups=TopupService(supplier),
            users=UserService(storage.db),
            orders=orders,
            fulfilment=fulfilment,
            payments=payments,
            i18n=i18n,
            **console_services(
                storage,
                settings.bot,
                supplier=supplier,
                catalog=catalog,
                fulfilment=fulfilment,
                on_outbox=outbox.wake,
            ),
        )
        dispatcher.include_router(build_router())
        setup_middlewares(dispatcher, i18n=i18n, settings=settings.bot)

        verifiers = webhook_verifiers(suppliers, secrets)
        readiness = Readiness()
        app = create_app(
            verifiers.get(DEFAULT_SUPPLIER),
            events,
            readiness,
            partial(_supplier_webhook_refused, metrics, counters),
            verifiers=verifiers,
        )
        mount_metrics(app, metrics, storage.db, payment_currency=settings.bot.payment_currency)
        # Telegram updates: by webhook on this server when BOT_WEBHOOK_URL is set, else polling.
        updates = UpdateSource(dispatcher, bot, settings.bot)
        updates_path = updates.mount(
            app, storage.db, lambda why: metrics.webhook_rejected("telegram", why)
        )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.SockSite(runner, sock).start()
        log.info("HTTP on %s:%s (/health, %s)", settings.bot.http_host, port, SUPPLIER_WEBHOOK_PATH)
        if updates_path is not None:
            log.info("Telegram updates by webhook at %s", updates_path)

        synced = await _first_sync(catalog)
        await set_bot_commands(bot)
        await set_admin_commands(bot, settings.bot.admin_ids)
        await fulfilment.recover()
        await _settle_lost_payments(ledger)

        sync_interval = settings.bot.catalog_sync_minutes * 60
        tasks = [
            asyncio.create_task(outbox.run(), name="outbox"),
            asyncio.create_task(
                every(RECOVERY_INTERVAL_SECONDS, fulfilment.recover, "recovery"), name="recovery"
            ),
            asyncio.create_task(
                every(
                    LEDGER_INTERVAL_SECONDS,
                    ledger.reconcile,
                    "payment ledger",
                    first_delay=LEDGER_INTERVAL_SECONDS,
                ),
                name="payment-ledger",
            ),
            asyncio.create_task(
                every(
                    sync_interval,
                    catalog.sync,
                    "catalog sync",
                    # A failed first sync is retried soon, not in half an hour.
                    first_delay=sync_interval if synced else RETRY_SYNC_SECONDS,
                ),
                name="catalog-sync",
            ),
            asyncio.create_task(
                every(BALANCE_READ_SECONDS, supplier.get_balance, "supplier balance"),
                name="supplier-balance",
            ),
        ]
        # Operations alerts: each crossing reaches the admins within CHECK_SECONDS.
        monitor = OpsMonitor(
            storage.db,
            supplier,
            catalog,
            counters,
            settings.bot.admin_ids,
            low_balance_alert=settings.bot.low_balance_alert,
            on_outbox=outbox.wake,
        )
        tasks.append(
            asyncio.create_task(
                every(CHECK_SECONDS, monitor.check, "ops alerts"), name="ops-alerts"
            )
        )
        held = HeldStockMonitor(
            storage.db, settings.bot.admin_ids, settings.bot.held_stock_alert, on_outbox=outbox.wake
        )
        tasks.append(
            asyncio.create_task(
                every(CHECK_SECONDS, held.check, "held stock alerts"), name="held-stock-alerts"
            )
        )
        tasks.append(
            asyncio.create_task(
                every(CHECK_SECONDS, fulfilment.report_suppliers, "supplier breakers"),
                name="supplier-breakers",
            )
        )
        stack.push_async_callback(_cancel, tasks)
        me = await bot.get_me()
        await updates.prepare()
        # What start-up built lives as long as the process: out of the collector's
        # sight, a full collection no longer walks it (issue 11: ~180 ms each, 3-7 ms
        # of every purchase).
        gc.collect()
        gc.freeze()
        log.info("bot @%s is up", me.username)
        readiness.ready = True
        if started is not None:
            started.set()
        await updates.run_until_cancelled()


def _supplier_webhook_refused(metrics: Metrics, counters: OpsCounters, reason: str) -> None:
    """A refused supplier webhook counts in the metrics; a bad signature also counts
    towards the operations alert."""
    metrics.webhook_rejected("supplier", reason)
    if reason == "signature":
        counters.signature_failures.add()


async def _first_sync(catalog: CatalogService) -> bool:
    """Sync before taking updates, so the first /start sees a catalog; but a supplier
    that is down must not keep the bot from starting."""
    try:
        async with asyncio.timeout(FIRST_SYNC_TIMEOUT_SECONDS):
            await catalog.sync()
    except Exception as exc:
        log.warning("catalog not synced at start-up (%s); retrying in the background", exc)
        return False
    return True


async def _settle_lost_payments(ledger: PaymentLedger) -> None:
    """Before updates are taken: a payment whose update a crash lost is fulfilled now, not
    a minute later. No live update can race this pass, so it waits for none (grace 0).
    Telegram being unreachable must not keep the bot down: the timer tries again."""
    try:
        async with asyncio.timeout(FIRST_SYNC_TIMEOUT_SECONDS):
            taken = await ledger.reconcile(grace=timedelta(0))
    except Exception as exc:
        log.warning("payment ledger not read at start-up (%r); retrying in the background", exc)
        return
    log.log(
        logging.WARNING if taken else logging.INFO,
        "payment ledger read at start-up: %d payments taken",
        taken,
    )


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
