"""The /v1 routes of the supplier contract."""

from __future__ import annotations

import asyncio
from typing import Final

from aiohttp import web

from sandbox.supplier.errors import SandboxError
from sandbox.supplier.http import json_response, query_datetime, query_int, read_body
from sandbox.supplier.ledger import RECONCILIATION_PAGE_MAX, reconciliation_csv
from sandbox.supplier.service import SERVICE_KEY, SandboxService
from sandbox.supplier.topups import SLOW_PLAYER, look_up_player, topup_item
from supplier.models import OrderRequest, Reconciliation, TopupValidation

CATALOG_PAGE_DEFAULT: Final = 50

routes = web.RouteTableDef()


def _scenario_gate(service: SandboxService, sku: str) -> None:
    """Refuse unknown SKUs, and every other call naming test-429."""
    service.state.item(sku)
    if sku == "test-429" and service.throttle_429():
        retry_after = f"{service.config.retry_after_seconds:g}"
        raise SandboxError(
            "rate_limited", "scenario test-429: retry later", headers={"Retry-After": retry_after}
        )


@routes.get("/v1/catalog")
async def catalog(request: web.Request) -> web.Response:
    q = request.query
    page = request.app[SERVICE_KEY].state.catalog_page(
        q.get("region"),
        q.get("brand"),
        q.get("cursor"),
        query_int(request, "limit", CATALOG_PAGE_DEFAULT),
        q.get("kind"),
    )
    return json_response(page)


def _sku_call(request: web.Request) -> tuple[SandboxService, str]:
    service = request.app[SERVICE_KEY]
    sku = request.match_info["sku"]
    _scenario_gate(service, sku)
    return service, sku


@routes.get("/v1/stock/{sku}")
async def stock(request: web.Request) -> web.Response:
    service, sku = _sku_call(request)
    return json_response(service.state.stock_of(sku))


@routes.get("/v1/prices/{sku}")
async def price(request: web.Request) -> web.Response:
    service, sku = _sku_call(request)
    quote = service.state.read_price(sku)
    service.changed()
    return json_response(quote)


@routes.post("/v1/orders")
async def create_order(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    body = await read_body(request, OrderRequest)
    _scenario_gate(service, body.sku)
    placement = service.place_order(body)
    order = placement.order
    if placement.created and order.sku == "test-500-committed":
        raise SandboxError(
            "upstream_unavailable",
            "scenario test-500-committed: order taken, reply lost",
            status=502,
        )
    if placement.created and order.sku == "test-slow":
        await asyncio.sleep(service.config.slow_delay_seconds)
    response = json_response(order, status=201 if placement.created else 200)
    response.headers["Location"] = f"/v1/orders/{order.order_id}"
    return response


@routes.post("/v1/topups/validate")
async def validate_topup(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    body = await read_body(request, TopupValidation)
    player = look_up_player(topup_item(service.state.item(body.sku)), body.player_id)
    if body.player_id == SLOW_PLAYER:
        await asyncio.sleep(service.config.slow_delay_seconds)
    return json_response(player)


@routes.get("/v1/orders/{order_id}")
async def get_order(request: web.Request) -> web.Response:
    state = request.app[SERVICE_KEY].state
    return json_response(state.order(request.match_info["order_id"]))


@routes.get("/v1/orders")
async def find_order(request: web.Request) -> web.Response:
    reference = request.query.get("reference")
    if not reference:
        raise SandboxError("invalid_request", "the reference query parameter is required")
    return json_response(request.app[SERVICE_KEY].state.order_by_reference(reference))


@routes.get("/v1/balance")
async def balance(request: web.Request) -> web.Response:
    return json_response(request.app[SERVICE_KEY].state.balance())


@routes.get("/v1/reconciliation")
async def reconciliation(request: web.Request) -> web.Response:
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise SandboxError("invalid_request", "format must be json or csv")
    limit = query_int(request, "limit", RECONCILIATION_PAGE_MAX)
    if not 1 <= limit <= RECONCILIATION_PAGE_MAX:
        raise SandboxError("invalid_request", f"limit must be 1..{RECONCILIATION_PAGE_MAX}")
    page: Reconciliation = request.app[SERVICE_KEY].state.ledger.reconcile(
        query_datetime(request, "from"),
        query_datetime(request, "to"),
        request.query.get("cursor"),
        limit,
    )
    if fmt == "json":
        return json_response(page)
    headers = {
        "X-Opening-Balance": str(page.opening_balance.amount),
        "X-Closing-Balance": str(page.closing_balance.amount),
        "X-Currency": page.opening_balance.currency,
    }
    if page.next_cursor:
        headers["X-Next-Cursor"] = page.next_cursor
    return web.Response(
        text=reconciliation_csv(page), content_type="text/csv", charset="utf-8", headers=headers
    )
