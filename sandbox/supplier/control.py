"""The /sandbox control routes: only the sandbox has them, behind the same API key."""

from __future__ import annotations

from aiohttp import web

from sandbox.supplier.errors import SandboxError
from sandbox.supplier.http import json_response, read_body
from sandbox.supplier.pricing import ACCOUNT_CURRENCY
from sandbox.supplier.service import SERVICE_KEY
from supplier.models import (
    AdjustmentRequest,
    Money,
    SetBalanceRequest,
    SetStockRequest,
    WebhookDeliveries,
)

routes = web.RouteTableDef()


def _account_amount(money: Money) -> int:
    if money.currency != ACCOUNT_CURRENCY:
        raise SandboxError("invalid_request", f"amount must be in {ACCOUNT_CURRENCY}")
    return money.amount


@routes.post("/sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    request.app[SERVICE_KEY].reset()
    return json_response(request.app[SERVICE_KEY].state.balance())


@routes.post("/sandbox/balance")
async def set_balance(request: web.Request) -> web.Response:
    body = await read_body(request, SetBalanceRequest)
    amount = _account_amount(body.amount)
    if amount < 0:
        raise SandboxError("invalid_request", "amount must not be negative")
    service = request.app[SERVICE_KEY]
    balance = service.state.set_balance(amount)
    service.changed()
    return json_response(balance)


@routes.post("/sandbox/stock")
async def set_stock(request: web.Request) -> web.Response:
    body = await read_body(request, SetStockRequest)
    service = request.app[SERVICE_KEY]
    stock = service.state.set_stock(body.sku, body.available)
    service.changed()
    return json_response(stock)


@routes.post("/sandbox/adjustment")
async def adjustment(request: web.Request) -> web.Response:
    body = await read_body(request, AdjustmentRequest)
    amount = _account_amount(body.amount)
    if amount == 0:
        raise SandboxError("invalid_request", "amount must not be zero")
    service = request.app[SERVICE_KEY]
    entry = service.state.ledger.post("adjustment", amount, note=body.note)
    service.changed()
    return json_response(entry, status=201)


@routes.get("/sandbox/webhook-deliveries")
async def webhook_deliveries(request: web.Request) -> web.Response:
    deliveries = request.app[SERVICE_KEY].webhooks.deliveries
    return json_response(WebhookDeliveries(items=list(deliveries)))
