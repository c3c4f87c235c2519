"""Low held stock: HELD_STOCK_ALERT parsed strictly; admins alerted once per crossing, in
English and Russian, and again only after a refill."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.rendering.alerts import render_alert
from bot.services.held_alerts import HeldStockMonitor
from bot.services.held_import import import_held_codes
from bot.services.held_thresholds import parse_held_alert
from bot.settings import BotSettings
from storage.repositories import HeldCodeRepository, OrderRepository, ProductRepository
from storage.store import Storage
from tests.support.orders import NOW, new_order, product

SKU = "steam-us-20"
ADMINS = (1, 2)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("", {}),
        ("5", {"*": 5}),
        ("steam-us-20=10, psn-de-25=3", {"steam-us-20": 10, "psn-de-25": 3}),
        ("5,steam-us-20=10", {"*": 5, "steam-us-20": 10}),
    ],
)
def test_thresholds_parse(text: str, parsed: dict[str, int]) -> None:
    assert parse_held_alert(text) == parsed


@pytest.mark.parametrize("text", ["x", "sku=", "=3", "5,6", "a=1,a=2", "a=-1", "a b=1"])
def test_bad_thresholds_are_refused_naming_the_setting(text: str) -> None:
    with pytest.raises(ValueError, match="HELD_STOCK_ALERT"):
        BotSettings(BOT_TOKEN="123456:" + "A" * 35, HELD_STOCK_ALERT=text, _env_file=None)


@pytest.fixture
async def store(storage: Storage) -> Storage:
    from storage.repositories import UserRepository

    async with storage.db.transaction() as conn:
        await ProductRepository(conn).upsert_product(product(SKU), NOW)
        await UserRepository(conn).upsert_user(1, "Ann", "en", NOW)
        for n in range(3):
            await OrderRepository(conn).create_order(new_order(f"GB{n}"), NOW)
    return storage


async def stock(store: Storage, *codes: str) -> None:
    text = "code\n" + "".join(f"{c}\n" for c in codes)
    await import_held_codes(
        store.db,
        store.cipher,
        sku=SKU,
        data=text.encode(),
        cost=None,
        currency="USD",
        batch="t",
        now=NOW,
    )


async def sell(store: Storage, order_id: str, quantity: int) -> None:
    async with store.db.transaction() as conn:
        assert await HeldCodeRepository(conn, store.cipher).claim(SKU, quantity, order_id, NOW)


async def alerts(store: Storage) -> list[tuple[int, dict[str, object]]]:
    async with store.db.read() as conn:
        cursor = await conn.execute(
            "SELECT chat_id, payload FROM outbox WHERE kind = 'alert' ORDER BY id"
        )
        return [(row[0], json.loads(row[1])) for row in await cursor.fetchall()]


async def test_alerted_once_per_crossing_and_again_after_a_refill(store: Storage) -> None:
    woken: list[bool] = []
    monitor = HeldStockMonitor(
        store.db, ADMINS, {SKU: 2}, on_outbox=lambda: woken.append(True), clock=lambda: NOW
    )
    await stock(store, "A", "B", "C")
    assert await monitor.check() == []  # 3 held, threshold 2
    await sell(store, "GB0", 2)
    assert await monitor.check() == [SKU]  # 1 held: crossed
    assert await monitor.check() == []  # still low: not again
    sent = await alerts(store)
    assert [chat for chat, _ in sent] == list(ADMINS)
    assert sent[0][1]["held"] == 1 and sent[0][1]["threshold"] == 2
    # A restart (a new monitor) does not repeat it: the side of the line is stored.
    later = NOW + timedelta(minutes=5)
    again = HeldStockMonitor(store.db, ADMINS, {SKU: 2}, clock=lambda: later)
    assert await again.check() == []
    await stock(store, "D", "E")  # 3 held: back above
    assert await again.check() == []
    await sell(store, "GB1", 2)
    assert await again.check() == [SKU]
    assert len(await alerts(store)) == 2 * len(ADMINS)
    assert woken == [True]


async def test_no_setting_no_alert_and_a_default_covers_unnamed_skus(store: Storage) -> None:
    await stock(store, "A")
    assert await HeldStockMonitor(store.db, ADMINS, {}, clock=lambda: NOW).check() == []
    assert await HeldStockMonitor(store.db, ADMINS, {"other": 5}, clock=lambda: NOW).check() == []
    assert await HeldStockMonitor(store.db, ADMINS, {"*": 5}, clock=lambda: NOW).check() == [SKU]


def test_alert_text_in_english_and_russian() -> None:
    payload = {"alert": "held_stock_low", "subject": SKU, "sku": SKU, "held": 1, "threshold": 2}
    english = render_alert(payload, locale="en").text
    russian = render_alert(payload, locale="ru").text
    assert english.startswith(f"📦 Pre-purchased codes of {SKU} are running low: 1 left")
    assert russian.startswith(f"📦 Заранее купленных кодов {SKU} осталось мало: 1")
    assert english.endswith(f"/stock {SKU}")
