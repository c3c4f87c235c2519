"""Paying invoices as a user (pre_checkout_query → successful_payment), refunds, Star history."""

from __future__ import annotations

import asyncio
import secrets
import time

from sandbox.telegram.errors import bad_request
from sandbox.telegram.methods_messages import QUERY_TOO_OLD
from sandbox.telegram.registry import Call, api_method
from sandbox.telegram.state import JSON, BotState, Charge, PendingQuery, Sandbox

PAID, DECLINED, TIMEOUT = "paid", "declined", "timeout"


class PaymentRejected(Exception):
    """The control API refused to start a payment; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def pay(sandbox: Sandbox, bot: BotState, user_id: int, message_id: int) -> JSON:
    """A user pays an invoice message as Telegram runs it: pre_checkout_query, the bot's
    answer within the deadline, then a successful_payment message and a Star transaction."""
    chat = bot.chats.get(user_id)
    stored = chat.messages.get(message_id) if chat else None
    if chat is None or stored is None:
        raise PaymentRejected(404, f"message {message_id} not found in the chat")
    invoice = stored.invoice
    if invoice is None:
        raise PaymentRejected(400, f"message {message_id} is not an invoice")
    if stored.paid_charge_id is not None:
        raise PaymentRejected(409, f"invoice {message_id} is already paid")
    if any(
        q.message_id == message_id and q.chat_id == user_id
        for q in bot.pre_checkout_queries.values()
    ):
        raise PaymentRejected(409, f"invoice {message_id} is being paid")
    query_id = str(secrets.randbits(63))
    query = PendingQuery(chat_id=user_id, message_id=message_id)
    bot.pre_checkout_queries[query_id] = query
    bot.push_update(
        "pre_checkout_query",
        {
            "id": query_id,
            "from": chat.user,
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
            "invoice_payload": invoice["payload"],
        },
    )
    try:
        async with asyncio.timeout(sandbox.config.payment_answer_timeout):
            answer = await asyncio.shield(query.answer)
    except TimeoutError:
        return _outcome(sandbox, bot, query, TIMEOUT)
    finally:
        bot.pre_checkout_queries.pop(query_id, None)
    if not answer["ok"]:
        return _outcome(sandbox, bot, query, DECLINED, error=answer.get("error_message"))
    charge_id = "stxe" + secrets.token_urlsafe(48)
    stored.paid_charge_id = charge_id
    payment = {
        "currency": invoice["currency"],
        "total_amount": invoice["total_amount"],
        "invoice_payload": invoice["payload"],
        "telegram_payment_charge_id": charge_id,
        "provider_payment_charge_id": f"{user_id}_{message_id}_{secrets.token_hex(6)}",
    }
    message = sandbox.add_message(bot, chat, {"successful_payment": payment}, from_bot=False)
    update_id = bot.push_update("message", message.data)
    # Only Star payments can be refunded through the Bot API or appear in its history.
    if invoice["currency"] == "XTR":
        bot.charges[charge_id] = Charge(user_id, invoice["total_amount"], invoice["payload"])
        bot.transactions.append(
            {
                "id": charge_id,
                "amount": invoice["total_amount"],
                "date": int(time.time()),
                "source": _partner(chat.user, invoice["payload"]),
            }
        )
    return _outcome(sandbox, bot, query, PAID, charge_id=charge_id, update_id=update_id)


def _outcome(
    sandbox: Sandbox,
    bot: BotState,
    query: PendingQuery,
    status: str,
    *,
    charge_id: str | None = None,
    error: str | None = None,
    update_id: int | None = None,
) -> JSON:
    sandbox.events.publish(
        "payment",
        query.chat_id,
        bot.id,
        message_id=query.message_id,
        status=status,
        charge_id=charge_id,
    )
    # update_id: the successful_payment update, for tests that have it delivered again.
    return {
        "status": status,
        "charge_id": charge_id,
        "error_message": error,
        "update_id": update_id,
    }


def _partner(user: JSON, payload: str) -> JSON:
    return {
        "type": "user",
        "transaction_type": "invoice_payment",
        "user": user,
        "invoice_payload": payload,
    }


@api_method("answerPreCheckoutQuery")
async def answer_pre_checkout_query(call: Call) -> bool:
    params = call.params
    query = call.bot.pre_checkout_queries.get(params.required_text("pre_checkout_query_id"))
    if query is None or query.answer.done():
        raise bad_request(QUERY_TOO_OLD)
    ok = params.flag("ok")
    error = params.text("error_message")
    if not ok and not error:
        raise bad_request("error_message is empty")
    query.answer.set_result({"ok": ok, "error_message": None if ok else error})
    return True


@api_method("refundStarPayment")
async def refund_star_payment(call: Call) -> bool:
    bot, sandbox = call.bot, call.sandbox
    user_id = call.params.required_integer("user_id")
    charge_id = call.params.required_text("telegram_payment_charge_id")
    charge = bot.charges.get(charge_id)
    if charge is None or charge.user_id != user_id:
        raise bad_request("CHARGE_NOT_FOUND")
    if charge.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    charge.refunded = True
    chat = sandbox.chat_for(bot, user_id)
    bot.transactions.append(
        {
            "id": charge_id,
            "amount": charge.amount,
            "date": int(time.time()),
            "receiver": _partner(chat.user, charge.payload),
        }
    )
    refunded = {
        "currency": "XTR",
        "total_amount": charge.amount,
        "invoice_payload": charge.payload,
        "telegram_payment_charge_id": charge_id,
    }
    message = sandbox.add_message(bot, chat, {"refunded_payment": refunded}, from_bot=False)
    bot.push_update("message", message.data)
    sandbox.events.publish("refund", user_id, bot.id, charge_id=charge_id)
    return True


@api_method("getStarTransactions")
async def get_star_transactions(call: Call) -> JSON:
    offset = max(call.params.integer("offset", default=0) or 0, 0)
    limit = min(max(call.params.integer("limit", default=100) or 100, 1), 100)
    return {"transactions": call.bot.transactions[offset : offset + limit]}
