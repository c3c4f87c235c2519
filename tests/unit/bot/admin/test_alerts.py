"""Operations alerts: once per crossing, to every admin, through the outbox; en and ru texts."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from bot.rendering.ops_alerts import render_ops_alert
from bot.services.alerts import AlertKind
from bot.services.catalog import CatalogService
from bot.services.ops_monitor import OpsCounters, OpsMonitor
from storage.store import Storage
from supplier.errors import SupplierServerError
from supplier.port import SupplierPort
from supplier.router import SupplierRouter
from supplier.settings import SupplierConfig
from tests.support.fake_supplier import FakeSupplier
from tests.unit.bot.harness import NOW

K = AlertKind
ADMINS = (1, 2)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def supplier() -> FakeSupplier:
    # Its catalog sync always fails: the sync-failure alert needs failures to count.
    catalog_down = SupplierServerError(503, "upstream_unavailable", "down", retryable=True)
    return FakeSupplier(now=NOW, failing={"iter_catalog": catalog_down})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def counters(clock: Clock) -> OpsCounters:
    return OpsCounters(monotonic=clock)


def monitor(
    storage: Storage, supplier: SupplierPort, counters: OpsCounters, **kw: Any
) -> tuple[OpsMonitor, CatalogService]:
    catalog = CatalogService(storage.db, supplier)
    ops = OpsMonitor(
        storage.db,
        supplier,
        catalog,
        counters,
        ADMINS,
        low_balance_alert=Decimal(100),
        signature_threshold=3,
        supplier_error_threshold=3,
        **kw,
    )
    return ops, catalog


async def alerts(storage: Storage) -> list[tuple[int, dict[str, Any]]]:
    async with storage.db.read() as conn:
        cursor = await conn.execute(
            "SELECT chat_id, payload FROM outbox WHERE kind = 'alert' ORDER BY id"
        )
        return [(row[0], json.loads(row[1])) for row in await cursor.fetchall()]


async def test_low_balance_alerts_once_per_crossing_and_on_recovery(
    storage: Storage, supplier: FakeSupplier, counters: OpsCounters
) -> None:
    woken: list[int] = []
    ops, _ = monitor(storage, supplier, counters, on_outbox=lambda: woken.append(1))
    assert await ops.check() == []  # fine at the first look: nothing crossed
    supplier.available = 9_999
    assert await ops.check() == [K.LOW_BALANCE]
    assert await ops.check() == []  # still low: no repeat
    restarted, _ = monitor(storage, supplier, counters)
    assert await restarted.check() == []  # nor after a restart
    supplier.available = 10_000
    assert await restarted.check() == [K.BALANCE_RECOVERED]
    supplier.available = 5_000
    assert await restarted.check() == [K.LOW_BALANCE]
    sent = await alerts(storage)
    assert [chat for chat, _ in sent] == [1, 2, 1, 2, 1, 2]
    assert [p["alert"] for _, p in sent[::2]] == ["low_balance", "balance_recovered", "low_balance"]
    assert sent[0][1] == {
        "alert": "low_balance",
        "subject": "supplier",
        "available": 9_999,
        "threshold": 10_000,
        "currency": "USD",
    }
    assert woken == [1]


async def test_a_supplier_that_does_not_answer_changes_no_state(
    storage: Storage, supplier: FakeSupplier, counters: OpsCounters
) -> None:
    ops, _ = monitor(storage, supplier, counters)
    supplier.available, supplier.down = 1, True
    assert await ops.check() == []
    supplier.down = False
    assert await ops.check() == [K.LOW_BALANCE]


def two_suppliers(primary: FakeSupplier, backup: FakeSupplier) -> SupplierRouter:
    return SupplierRouter(
        [
            (
                SupplierConfig(
                    name=name, url=None, api_key=SecretStr("k"), webhook_secrets=[], priority=n
                ),
                fake,
            )
            for n, (name, fake) in enumerate((("primary", primary), ("backup", backup)))
        ]
    )


async def test_low_balance_alerts_per_supplier_once_per_crossing_each(
    storage: Storage, counters: OpsCounters
) -> None:
    primary, backup = FakeSupplier(now=NOW), FakeSupplier(now=NOW)
    router = two_suppliers(primary, backup)
    ops, _ = monitor(storage, router, counters)
    assert await ops.check() == []
    # The backup runs dry while the primary has plenty: its orders would fail on failover.
    backup.available = 9_999
    assert await ops.check() == [K.LOW_BALANCE]
    assert await ops.check() == []  # still low: no repeat
    primary.available, primary.down = 1, True
    assert await ops.check() == [], "an unanswered look changes nothing"
    primary.down = False
    assert await ops.check() == [K.LOW_BALANCE]  # now the primary too, once
    restarted, _ = monitor(storage, router, counters)
    assert await restarted.check() == [], "each side of the line survives a restart"
    breaker = router.member("backup").breaker
    breaker.open_until = NOW.replace(year=9999)  # open for good: whatever the clock says
    backup.available = 20_000
    assert await restarted.check() == [], "a supplier skipped by its breaker is not asked"
    breaker.open_until = None
    backup.available = 20_000
    assert await restarted.check() == [K.BALANCE_RECOVERED]
    sent = [p for chat, p in await alerts(storage) if chat == 1]
    assert [(p["alert"], p["supplier"], p["subject"]) for p in sent] == [
        ("low_balance", "backup", "supplier:backup"),
        ("low_balance", "primary", "supplier:primary"),
        ("balance_recovered", "backup", "supplier:backup"),
    ]
    text = render_ops_alert(sent[0], "en")
    assert text is not None and text.startswith("🔴 <b>backup</b>: Supplier balance is low")


async def test_sync_failing_twice_in_a_row_alerts_once(
    storage: Storage, supplier: FakeSupplier, counters: OpsCounters
) -> None:
    ops, catalog = monitor(storage, supplier, counters)
    with pytest.raises(SupplierServerError):
        await catalog.sync()
    assert await ops.check() == []  # once is not yet a pattern
    for _ in range(2):
        with pytest.raises(SupplierServerError):
            await catalog.sync()
        assert await ops.check() == ([K.SYNC_FAILING] if _ == 0 else [])
    [(_, payload), _] = await alerts(storage)
    assert payload["failures"] == 2 and payload["error"] == "SupplierServerError"
    catalog.failures_in_a_row = 0  # a sync went through
    assert await ops.check() == []
    catalog.failures_in_a_row = 2
    assert await ops.check() == [K.SYNC_FAILING]  # a new streak alerts again


@pytest.mark.parametrize("kind", [K.WEBHOOK_SIGNATURES, K.SUPPLIER_ERRORS])
async def test_error_rates_alert_once_above_the_threshold_in_five_minutes(
    storage: Storage, supplier: FakeSupplier, counters: OpsCounters, clock: Clock, kind: AlertKind
) -> None:
    ops, _ = monitor(storage, supplier, counters)
    window = (
        counters.signature_failures if kind is K.WEBHOOK_SIGNATURES else counters.supplier_errors
    )
    window.add()
    window.add()
    assert await ops.check() == []
    clock.now = 200.0
    window.add()  # three within 5 minutes
    assert await ops.check() == [kind]
    window.add()
    assert await ops.check() == []  # still above: no repeat
    clock.now = 401.0  # the first two have left the window: below again
    assert await ops.check() == []
    window.add()
    assert await ops.check() == [kind]
    sent = await alerts(storage)
    assert [p["count"] for _, p in sent[::2]] == [3, 3] and sent[0][1]["minutes"] == 5


def test_alert_texts_in_english_and_russian() -> None:
    low = {
        "alert": "low_balance",
        "subject": "supplier",
        "available": 9_999,
        "threshold": 10_000,
        "currency": "USD",
    }
    assert render_ops_alert(low, "en") == (
        "🔴 Supplier balance is low: $99.99 available, below the alert threshold of $100.00."
        " Top up the supplier account: orders fail once it runs out.\n/balance"
    )
    assert "Баланс у поставщика низкий" in (render_ops_alert(low, "ru") or "")
    sync = {"alert": "sync_failing", "subject": "catalog", "failures": 2, "error": "<Timeout>"}
    assert "failed 2 times in a row (last: &lt;Timeout&gt;)" in (render_ops_alert(sync, "en") or "")
    for kind in ("webhook_signatures", "supplier_errors"):
        text = render_ops_alert({"alert": kind, "count": 7, "minutes": 5}, "ru") or ""
        assert "7" in text and "5 мин." in text
    recovered = {**low, "alert": "balance_recovered"}
    assert "снова выше порога" in (render_ops_alert(recovered, "ru") or "")
    assert render_ops_alert({"alert": "needs_attention", "subject": "GB1"}, "en") is None
    assert render_ops_alert({"alert": "nonsense"}, "en") is None
