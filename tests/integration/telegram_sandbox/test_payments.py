"""Stars payments end to end: a real Dispatcher polls the sandbox while a user pays."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import LabeledPrice, Message, PreCheckoutQuery, TransactionPartnerUser

from sandbox.telegram.driver import ChatUser, SandboxClient, SandboxError
from tests.support.telegram_sandbox import ALICE, polling


def shop() -> Dispatcher:
    """`/buy <payload>` sends a 25 ⭐ invoice; payloads decide how pre-checkout goes."""
    dispatcher = Dispatcher()

    @dispatcher.message(Command("buy"))
    async def buy(message: Message, command: CommandObject) -> None:
        await message.answer_invoice(
            title="Steam 10 USD",
            description="A Steam gift card",
            payload=command.args or "order-1",
            currency="XTR",
            prices=[LabeledPrice(label="Steam 10 USD", amount=25)],
        )

    @dispatcher.pre_checkout_query()
    async def pre_checkout(query: PreCheckoutQuery) -> None:
        if query.invoice_payload.startswith("silent"):
            return  # never answered: the sandbox times the payment out
        if query.invoice_payload.startswith("decline"):
            await query.answer(ok=False, error_message="Out of stock")
        else:
            await query.answer(ok=True)

    @dispatcher.message(F.successful_payment)
    async def paid(message: Message) -> None:
        assert message.successful_payment is not None
        await message.answer(f"Paid {message.successful_payment.invoice_payload}")

    return dispatcher


@pytest.fixture
async def running_shop(bot: Bot, alice: ChatUser) -> AsyncIterator[None]:
    async with polling(shop(), bot):
        yield


async def invoice_for(alice: ChatUser, payload: str) -> int:
    sent = await alice.send(f"/buy {payload}")
    message = await alice.wait_for(lambda m: m.get("invoice") is not None, after=sent["message_id"])
    return int(message["message_id"])


async def test_paid_invoice(
    bot: Bot, alice: ChatUser, client: SandboxClient, running_shop: None
) -> None:
    invoice_id = await invoice_for(alice, "order-7")
    invoice = (await alice.chat())[-1]
    assert invoice["invoice"] == {
        "title": "Steam 10 USD",
        "description": "A Steam gift card",
        "start_parameter": "",
        "currency": "XTR",
        "total_amount": 25,
    }
    assert invoice["reply_markup"]["inline_keyboard"][0][0]["pay"] is True
    assert invoice["paid"] is False  # the sandbox's own field, for a chat read again

    result = await alice.pay(invoice_id)
    assert result.status == "paid" and result.charge_id and result.error_message is None
    await alice.wait_for(lambda m: m.get("text") == "Paid order-7")
    assert next(m for m in await alice.chat() if m["message_id"] == invoice_id)["paid"] is True
    payment = next(m for m in await alice.chat() if "successful_payment" in m)
    assert payment["from_bot"] is False
    assert payment["successful_payment"]["telegram_payment_charge_id"] == result.charge_id
    assert payment["successful_payment"]["total_amount"] == 25

    history = await bot.get_star_transactions()
    assert [(t.id, t.amount) for t in history.transactions] == [(result.charge_id, 25)]
    source = history.transactions[0].source
    assert isinstance(source, TransactionPartnerUser) and source.invoice_payload == "order-7"
    assert [t["id"] for t in await client.star_transactions()] == [result.charge_id]

    with pytest.raises(SandboxError) as paid_twice:
        await alice.pay(invoice_id)
    assert paid_twice.value.status == 409


async def test_charge_ids_are_unique(alice: ChatUser, running_shop: None) -> None:
    first = await alice.pay(await invoice_for(alice, "a"))
    second = await alice.pay(await invoice_for(alice, "b"))
    assert first.charge_id != second.charge_id


async def test_declined_by_the_bot(
    alice: ChatUser, client: SandboxClient, running_shop: None
) -> None:
    result = await alice.pay(await invoice_for(alice, "decline-1"))
    assert (result.status, result.charge_id, result.error_message) == (
        "declined",
        None,
        "Out of stock",
    )
    assert await client.star_transactions() == []
    chat = await alice.chat()
    assert not any("successful_payment" in m for m in chat)
    assert [m["paid"] for m in chat if "invoice" in m] == [False]


async def test_unanswered_pre_checkout_times_out(
    alice: ChatUser, client: SandboxClient, running_shop: None
) -> None:
    await client.set_config(payment_answer_timeout=0.3)
    result = await alice.pay(await invoice_for(alice, "silent-1"))
    assert result.status == "timeout" and result.charge_id is None
    assert await client.star_transactions() == []


async def test_refund_once(
    bot: Bot, alice: ChatUser, client: SandboxClient, running_shop: None
) -> None:
    charge = (await alice.pay(await invoice_for(alice, "order-9"))).charge_id
    assert charge is not None
    assert await bot.refund_star_payment(ALICE, charge)
    with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
        await bot.refund_star_payment(ALICE, charge)
    with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
        await bot.refund_star_payment(ALICE, "stxe-no-such-charge")
    refund = (await bot.get_star_transactions()).transactions[-1]
    receiver = refund.receiver
    assert isinstance(receiver, TransactionPartnerUser) and receiver.user.id == ALICE
    kinds = [("source" in t, "receiver" in t) for t in await client.star_transactions()]
    assert kinds == [(True, False), (False, True)]


async def test_paying_a_message_that_is_not_an_invoice(bot: Bot, alice: ChatUser) -> None:
    sent = await bot.send_message(ALICE, "not an invoice")
    with pytest.raises(SandboxError) as rejected:
        await alice.pay(sent.message_id)
    assert rejected.value.status == 400
    with pytest.raises(SandboxError) as missing:
        await alice.pay(999)
    assert missing.value.status == 404


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"prices": [LabeledPrice(label="a", amount=1)] * 2}, "STARS_INVOICE_INVALID"),
        ({"provider_token": "284685063:TEST:abc"}, "STARS_INVOICE_INVALID"),
        ({"payload": "p" * 129}, "INVOICE_PAYLOAD_INVALID"),
        ({"title": "t" * 33}, "title"),
        ({"description": "d" * 256}, "description"),
    ],
)
async def test_invoice_limits(
    bot: Bot, alice: ChatUser, changes: dict[str, object], error: str
) -> None:
    fields: dict[str, Any] = {
        "title": "t" * 32,
        "description": "d" * 255,
        "payload": "p" * 128,
        "currency": "XTR",
        "prices": [LabeledPrice(label="a", amount=1)],
    }
    assert await bot.send_invoice(ALICE, **fields)
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.send_invoice(ALICE, **{**fields, **changes})


async def test_invoice_link(bot: Bot, alice: ChatUser) -> None:
    link = await bot.create_invoice_link(
        title="Steam",
        description="Card",
        payload="x",
        currency="XTR",
        prices=[LabeledPrice(label="Steam", amount=5)],
    )
    assert link.startswith("https://t.me/$")
