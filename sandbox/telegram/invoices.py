"""sendInvoice and createInvoiceLink, with Telegram's limits and the Stars (XTR) rules."""

from __future__ import annotations

import secrets

from sandbox.telegram.errors import bad_request
from sandbox.telegram.keyboards import inline_markup
from sandbox.telegram.methods_messages import sent, target_chat
from sandbox.telegram.registry import Call, api_method
from sandbox.telegram.state import JSON

STARS = "XTR"


def invoice_params(call: Call) -> JSON:
    """The checked invoice; kept on the message for pre-checkout and payment."""
    params = call.params
    title = params.text("title") or ""
    description = params.text("description") or ""
    payload = params.text("payload") or ""
    currency = (params.text("currency") or "").upper()
    prices = params.json("prices")
    if not 1 <= len(title) <= 32:
        raise bad_request("invoice title length must be 1-32 characters")
    if not 1 <= len(description) <= 255:
        raise bad_request("invoice description length must be 1-255 characters")
    if not 1 <= len(payload.encode("utf-8")) <= 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if len(currency) != 3:
        raise bad_request("CURRENCY_INVALID")
    if not isinstance(prices, list) or not prices:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    for price in prices:
        if not isinstance(price, dict) or not isinstance(price.get("amount"), int):
            raise bad_request("can't parse prices JSON object")
    total = sum(int(price["amount"]) for price in prices)
    if currency == STARS:
        # aiogram leaves out an empty provider_token, which is what Stars require.
        if params.text("provider_token") or len(prices) != 1:
            raise bad_request("STARS_INVOICE_INVALID")
    elif not params.text("provider_token"):
        raise bad_request("PAYMENT_PROVIDER_INVALID")
    if total <= 0:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    return {
        "title": title,
        "description": description,
        "payload": payload,
        "currency": currency,
        "prices": prices,
        "total_amount": total,
        "start_parameter": params.text("start_parameter") or "",
    }


def _pay_button(invoice: JSON) -> JSON:
    amount = invoice["total_amount"]
    label = f"Pay ⭐️{amount}" if invoice["currency"] == STARS else "Pay"
    return {"inline_keyboard": [[{"text": label, "pay": True}]]}


@api_method("sendInvoice")
async def send_invoice(call: Call) -> JSON:
    chat = target_chat(call)
    invoice = invoice_params(call)
    markup = inline_markup(call.params.json("reply_markup"))
    if markup is None:
        markup = _pay_button(invoice)
    elif not markup["inline_keyboard"][0][0].get("pay"):
        raise bad_request("REPLY_MARKUP_BUY_EMPTY")
    fields: JSON = {
        "invoice": {
            "title": invoice["title"],
            "description": invoice["description"],
            "start_parameter": invoice["start_parameter"],
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
        },
        "reply_markup": markup,
    }
    return sent(call, chat, fields, invoice=invoice)


@api_method("createInvoiceLink")
async def create_invoice_link(call: Call) -> str:
    invoice = invoice_params(call)
    slug = secrets.token_urlsafe(16)
    call.bot.invoice_links[slug] = invoice
    return f"https://t.me/${slug}"
