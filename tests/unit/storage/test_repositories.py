from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from storage.errors import AlreadyExists, ConcurrentUpdate, NotFound
from storage.models import Code, OrderStatus
from storage.repositories import (
    AuditRepository,
    CodeRepository,
    CreditRepository,
    OrderRepository,
    OutboxRepository,
    ProductRepository,
    SupplierEventRepository,
    TelegramUpdateRepository,
    UserRepository,
)
from storage.store import Storage
from tests.support.orders import NOW, new_order, product


async def test_user_keeps_choices_across_contacts(storage: Storage) -> None:
    async with storage.db.transaction() as conn:
        users = UserRepository(conn)
        await users.upsert_user(7, "Ann", "en", NOW)
        await users.set_region(7, "TR", NOW)
        await users.set_language(7, "ru", NOW)
        again = await users.upsert_user(7, "Anna", "en", NOW + timedelta(days=1))
        assert (again.first_name, again.region, again.language) == ("Anna", "TR", "ru")
        assert await users.find_user(8) is None
        with pytest.raises(NotFound):
            await users.get_user(8)
        with pytest.raises(NotFound):
            await users.set_region(8, "US", NOW)


async def test_catalog_sync_deactivates_vanished_products(storage: Storage) -> None:
    async with storage.db.transaction() as conn:
        products = ProductRepository(conn)
        for data in (
            product("steam-us-20"),
            product("steam-us-50", value=5000),
            product("psn-tr-100", "TR", "PlayStation", 10000),
            product("apple-global-10", "GLOBAL", "Apple", 1000),
        ):
            await products.upsert_product(data, NOW)
        assert (
            await products.deactivate_missing(["steam-us-20", "psn-tr-100", "apple-global-10"]) == 1
        )
        assert await products.list_regions() == ["GLOBAL", "TR", "US"]
        assert await products.list_brands(["US", "GLOBAL"]) == ["Apple", "Steam"]
        listed = await products.list_products(["US", "GLOBAL"], "Steam")
        assert [p.sku for p in listed] == ["steam-us-20"]
        vanished = await products.get_product("steam-us-50")
        assert vanished.active is False
        assert await products.deactivate_missing([]) == 3


async def test_order_lifecycle_and_guards(seeded: Storage) -> None:
    async with seeded.db.transaction() as conn:
        orders = OrderRepository(conn)
        created = await orders.create_order(new_order(), NOW)
        assert (created.status, created.total_price, created.version) == (
            OrderStatus.QUOTED,
            3400,
            1,
        )
        with pytest.raises(AlreadyExists):
            await orders.create_order(new_order(), NOW)
        paid = await orders.mark_paid(
            "GB1", telegram_charge_id="ch-1", provider_charge_id=None, amount=3400, now=NOW
        )
        assert paid.status is OrderStatus.PAID and paid.version == 2
        with pytest.raises(ConcurrentUpdate):
            await orders.mark_paid(
                "GB1", telegram_charge_id="ch-2", provider_charge_id=None, amount=3400, now=NOW
            )
        ordering = await orders.transition(
            "GB1", expected=[OrderStatus.PAID], to=OrderStatus.ORDERING, now=NOW
        )
        assert ordering.status is OrderStatus.ORDERING
        with pytest.raises(ConcurrentUpdate):
            await orders.transition(
                "GB1", expected=[OrderStatus.PAID], to=OrderStatus.ORDERING, now=NOW
            )
        done = await orders.transition(
            "GB1",
            expected=[OrderStatus.ORDERING],
            to=OrderStatus.DELIVERED,
            now=NOW,
            supplier_order_id="sup-1",
            fulfilled_quantity=2,
            finished_at=NOW,
        )
        assert (done.supplier_order_id, done.finished_at, done.status.is_final) == (
            "sup-1",
            NOW,
            True,
        )
        with pytest.raises(ValueError, match="not settable"):
            await orders.transition(
                "GB1", expected=[OrderStatus.DELIVERED], to=OrderStatus.PAID, now=NOW, user_id=2
            )
        with pytest.raises(NotFound):
            await orders.get_order("nope")


async def test_duplicate_charge_id_is_already_exists(seeded: Storage) -> None:
    async with seeded.db.transaction() as conn:
        orders = OrderRepository(conn)
        await orders.create_order(new_order("GB1"), NOW)
        await orders.create_order(new_order("GB2"), NOW)
        await orders.mark_paid(
            "GB1", telegram_charge_id="ch-1", provider_charge_id=None, amount=3400, now=NOW
        )
        with pytest.raises(AlreadyExists):
            await orders.mark_paid(
                "GB2", telegram_charge_id="ch-1", provider_charge_id=None, amount=3400, now=NOW
            )
    async with seeded.db.read() as conn:
        assert (await OrderRepository(conn).get_order("GB2")).status is OrderStatus.QUOTED


async def test_constraints_reject_bad_rows(seeded: Storage) -> None:
    import sqlite3

    async with seeded.db.transaction() as conn:
        orders = OrderRepository(conn)
        with pytest.raises(sqlite3.IntegrityError):
            await orders.create_order(new_order(quantity=0), NOW)
        with pytest.raises(sqlite3.IntegrityError):  # unknown user: foreign key
            await orders.create_order(new_order("GB9", user_id=99), NOW)


async def test_listing_and_expiry(seeded: Storage) -> None:
    async with seeded.db.transaction() as conn:
        orders = OrderRepository(conn)
        for index in range(3):
            await orders.create_order(new_order(f"GB{index}"), NOW + timedelta(seconds=index))
        await orders.mark_paid(
            "GB0", telegram_charge_id="c0", provider_charge_id=None, amount=3400, now=NOW
        )
        assert await orders.expire_quotes(NOW + timedelta(minutes=16)) == 2
        listed = await orders.list_orders_for_user(1, limit=10)
        assert [o.id for o in listed] == ["GB0"]
        everything = await orders.list_orders_for_user(1, limit=10, include_quotes=True)
        assert [o.id for o in everything] == ["GB2", "GB1", "GB0"]
        assert await orders.count_orders_for_user(1) == 1
        assert await orders.count_orders_created_since(1, NOW + timedelta(seconds=1)) == 2
        stuck = await orders.list_orders_in_status([OrderStatus.PAID])
        assert [o.id for o in stuck] == ["GB0"]
        # A payment for a lapsed quote is still honoured.
        late = await orders.mark_paid(
            "GB1", telegram_charge_id="c1", provider_charge_id=None, amount=3400, now=NOW
        )
        assert late.status is OrderStatus.PAID


async def test_a_quote_approved_at_pre_checkout_keeps_its_hold_past_expiry(
    seeded: Storage,
) -> None:
    """Telegram may deliver a payment approved just before the quote lapsed: until the
    hold lapses too, the quote is not expired and its units and credit stay promised."""
    lapsed = NOW + timedelta(minutes=16)
    async with seeded.db.transaction() as conn:
        orders = OrderRepository(conn)
        await CreditRepository(conn).add_credit(
            user_id=1, amount=1000, currency="XTR", reason="adjustment", now=NOW
        )
        held = dataclasses.replace(new_order("GBHELD"), credit_used=1000)
        await orders.create_order(held, NOW)
        await orders.reserve_stock("GBHELD", lapsed + timedelta(minutes=1))
        assert await orders.expire_quotes(lapsed) == 0
        assert await orders.units_held("steam-us-20", lapsed) == 2
        assert await orders.credit_reserved(1, "XTR", lapsed) == 1000
        after_hold = lapsed + timedelta(minutes=2)
        assert await orders.expire_quotes(after_hold) == 1
        assert await orders.units_held("steam-us-20", after_hold) == 0
        assert await orders.credit_reserved(1, "XTR", after_hold) == 0


async def test_codes_round_trip_in_order(seeded: Storage) -> None:
    codes = [Code("AAAA", pin="1234"), Code("BBBB", serial="S-2", redemption_url="https://r")]
    async with seeded.db.transaction() as conn:
        await OrderRepository(conn).create_order(new_order(), NOW)
        repo = CodeRepository(conn, seeded.cipher)
        await repo.add_codes("GB1", codes, NOW)
        with pytest.raises(AlreadyExists):
            await repo.add_codes("GB1", codes, NOW)
    async with seeded.db.read() as conn:
        repo = CodeRepository(conn, seeded.cipher)
        assert await repo.list_codes("GB1") == codes
        assert await repo.count_codes("GB1") == 2


async def test_event_inbox_dedupes_per_supplier(storage: Storage) -> None:
    async with storage.db.transaction() as conn:
        events = SupplierEventRepository(conn)
        fields: dict[str, Any] = {
            "supplier": "primary",
            "event_id": "msg_1",
            "event_type": "order.fulfilled",
            "supplier_order_id": "o1",
            "reference": "GB1",
            "order_version": 3,
            "now": NOW,
        }
        assert await events.record_event(**fields) is True
        assert await events.record_event(**fields) is False
        # Webhook-ids are each sender's own: the same id from another supplier is news.
        assert await events.record_event(**(fields | {"supplier": "backup"})) is True
        unprocessed = [(e.supplier, e.event_id) for e in await events.list_unprocessed()]
        assert sorted(unprocessed) == [("backup", "msg_1"), ("primary", "msg_1")]
        await events.mark_processed("primary", "msg_1", NOW)
        assert [e.supplier for e in await events.list_unprocessed()] == ["backup"]


async def test_outbox_once_per_key_and_retry(seeded: Storage) -> None:
    async with seeded.db.transaction() as conn:
        outbox = OutboxRepository(conn)
        assert await outbox.enqueue(chat_id=1, kind="deliver", dedupe_key="d:GB1", now=NOW)
        assert not await outbox.enqueue(chat_id=1, kind="deliver", dedupe_key="d:GB1", now=NOW)
        (message,) = await outbox.list_due(NOW)
        await outbox.mark_failed(message.id, error="boom", retry_at=NOW + timedelta(seconds=30))
        assert await outbox.list_due(NOW) == []
        (retry,) = await outbox.list_due(NOW + timedelta(seconds=30))
        assert (retry.attempts, retry.last_error) == (1, "boom")
        await outbox.mark_failed(retry.id, error="gone", retry_at=None)
        assert await outbox.list_due(NOW + timedelta(days=1)) == []
        await outbox.enqueue(chat_id=1, kind="note", dedupe_key="n:1", now=NOW)
        (note,) = await outbox.list_due(NOW)
        await outbox.mark_sent(note.id, NOW)
        assert await outbox.list_due(NOW + timedelta(days=1)) == []


async def test_credit_ledger_once_per_order_reason(seeded: Storage) -> None:
    async with seeded.db.transaction() as conn:
        await OrderRepository(conn).create_order(new_order(), NOW)
        credits = CreditRepository(conn)
        await credits.add_credit(
            user_id=1, amount=1700, currency="XTR", reason="partial_fill", order_id="GB1", now=NOW
        )
        with pytest.raises(AlreadyExists):
            await credits.add_credit(
                user_id=1,
                amount=1700,
                currency="XTR",
                reason="partial_fill",
                order_id="GB1",
                now=NOW,
            )
        await credits.add_credit(user_id=1, amount=-700, currency="XTR", reason="spent", now=NOW)
        assert await credits.balance(1, "XTR") == 1000
        assert await credits.balance(2, "XTR") == 0
        assert len(await credits.list_credits(1)) == 2


async def test_audit_log_records_admin_actions(storage: Storage) -> None:
    async with storage.db.transaction() as conn:
        audit = AuditRepository(conn)
        await audit.record(admin_id=9, action="refund", target="GB1", details={"why": "x"}, now=NOW)
        (entry,) = await audit.list_recent()
        assert (entry.admin_id, entry.action, entry.target) == (9, "refund", "GB1")


async def test_telegram_update_ids_are_recognised_and_forgotten_after_a_day(
    storage: Storage,
) -> None:
    async with storage.db.transaction() as conn:
        updates = TelegramUpdateRepository(conn)
        assert await updates.record_update(501, NOW) is True
        assert await updates.record_update(501, NOW + timedelta(hours=1)) is False
        assert await updates.record_update(502, NOW + timedelta(hours=25)) is True
        assert await updates.forget_before(NOW + timedelta(hours=24)) == 1
        assert await updates.record_update(501, NOW + timedelta(hours=26)) is True
        assert await updates.record_update(502, NOW + timedelta(hours=26)) is False
