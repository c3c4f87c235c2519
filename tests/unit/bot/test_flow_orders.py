"""/orders, order details with codes for the owner only, and /paysupport."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, SendMessage

from bot.keyboards.callbacks import Buy, OrderOpen
from storage.models import Code, OrderStatus
from storage.repositories import CodeRepository, OrderRepository
from storage.store import Storage
from tests.unit.bot.harness import NOW, Harness, choose_us, product_data

CODE = "SECRET-CODE-<1>"


async def delivered_order(h: Harness) -> str:
    await choose_us(h)
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    order_id = h.session.of(SendMessage)[-1].text.split("Order ")[1].split(":")[0]
    async with h.storage.db.transaction() as conn:
        orders = OrderRepository(conn)
        order = await orders.mark_paid(
            order_id, telegram_charge_id="c1", provider_charge_id=None, amount=1693, now=NOW
        )
        await CodeRepository(conn, h.storage.cipher).add_codes(
            order.id, [Code(code=CODE, pin="1234")], NOW
        )
        await orders.transition(
            order.id, expected=[OrderStatus.PAID], to=OrderStatus.ORDERING, now=NOW
        )
        await orders.transition(
            order.id, expected=[OrderStatus.ORDERING], to=OrderStatus.DELIVERED, now=NOW
        )
    h.clear()
    return order_id


async def test_orders_list_and_details_resend_codes_to_the_owner(h: Harness) -> None:
    order_id = await delivered_order(h)
    await h.send("/orders")
    text, _ = h.last_screen()
    assert f"<code>{order_id}</code>" in text and "✅ Delivered" in text
    assert h.buttons()[f"{order_id} · ⭐ 1 693"] == OrderOpen(order_id=order_id, page=0).pack()
    h.clear()
    await h.press(OrderOpen(order_id=order_id, page=0).pack())
    details, delivery = h.texts()
    assert "Status: ✅ Delivered" in details and CODE not in details
    assert "<tg-spoiler><code>SECRET-CODE-&lt;1&gt;</code></tg-spoiler>" in delivery
    [message] = h.session.of(SendMessage)
    assert message.chat_id == 42


async def test_someone_elses_order_is_not_shown(h: Harness) -> None:
    order_id = await delivered_order(h)
    await h.send("/start", user_id=77)
    await h.press(OrderOpen(order_id=order_id, page=0).pack(), user_id=77)
    assert not any(CODE in t or "SECRET" in t for t in h.texts())
    assert h.session.of(AnswerCallbackQuery)[-1].text == "We could not find that order."


async def test_empty_orders(h: Harness) -> None:
    await h.send("/orders")
    assert "You have no orders yet." in h.last_screen()[0]


async def test_paysupport_forwards_to_every_admin(storage: Storage) -> None:
    h = Harness(storage, admin_ids="1,2")
    await h.add_products(product_data("steam-us-20"))
    await h.send("/paysupport")
    await h.send("GB123 <b>")
    await h.send("Paid but got nothing & no reply")
    forwarded = [m for m in h.session.of(SendMessage) if m.chat_id in (1, 2)]
    assert sorted(m.chat_id for m in forwarded) == [1, 2]
    report = forwarded[0].text
    assert "id <code>42</code>" in report and "Ann" in report
    assert "GB123 &lt;b&gt;" in report and "Paid but got nothing &amp; no reply" in report
    assert "Support will contact you here." in h.session.of(SendMessage)[-1].text


async def test_paysupport_without_admins_says_unavailable(h: Harness) -> None:
    await h.send("/paysupport")
    assert "unavailable" in h.last_screen()[0]
    await h.send("hello")  # no conversation was started: the fallback answers
    assert "I didn&#x27;t get that" in h.last_screen()[0]


async def test_terms_and_help(h: Harness) -> None:
    await h.send("/terms")
    assert "Terms of sale" in h.last_screen()[0]
    await h.send("/help", language="ru", user_id=43)  # a new user: Telegram's language
    assert "/paysupport" in h.last_screen()[0] and "Помощь" in h.last_screen()[0]
