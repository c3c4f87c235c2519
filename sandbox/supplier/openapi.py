"""GET /openapi.json: an OpenAPI 3.1 document whose schemas come from supplier.models."""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Final, Literal

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from sandbox.supplier.catalog import SCENARIO_SKUS
from sandbox.supplier.topups import PLAYER_SCENARIOS
from supplier import models as m

Json = dict[str, Any]
_REF: Final = "#/components/schemas/{model}"
_RESPONSES: Final[tuple[type[BaseModel], ...]] = (
    m.CatalogPage,
    m.Stock,
    m.Price,
    m.Order,
    m.Player,
    m.Balance,
    m.Reconciliation,
    m.LedgerEntry,
    m.ErrorEnvelope,
    m.WebhookEvent,
    m.WebhookDeliveries,
)
_REQUESTS: Final[tuple[type[BaseModel], ...]] = (
    m.OrderRequest,
    m.TopupValidation,
    m.SetBalanceRequest,
    m.SetStockRequest,
    m.AdjustmentRequest,
)


def _ref(model: type[BaseModel]) -> Json:
    return {"$ref": _REF.format(model=model.__name__)}


def _json(model: type[BaseModel], description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _param(name: str, where: Literal["query", "path"], description: str) -> Json:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": {"type": "string"},
    }


def _op(
    summary: str,
    ok: type[BaseModel],
    *,
    status: str = "200",
    params: list[Json] | None = None,
    body: type[BaseModel] | None = None,
    errors: tuple[str, ...] = ("400", "401", "429"),
) -> Json:
    responses: Json = {status: _json(ok, "Success")}
    for code in errors:
        responses[code] = _json(m.ErrorEnvelope, "Error envelope")
    op: Json = {"summary": summary, "parameters": params or [], "responses": responses}
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return op


def _reconciliation_op() -> Json:
    params = [
        _param(name, "query", text)
        for name, text in (
            ("from", "RFC 3339, inclusive"),
            ("to", "RFC 3339, exclusive"),
            ("format", "json (default) or csv"),
            ("cursor", "next_cursor of the previous page"),
            ("limit", "Page size, 1..1000 (default 1000)"),
        )
    ]
    op = _op("Ledger page; opening + sum(amounts) = closing", m.Reconciliation, params=params)
    # The CSV form: same columns, Money split into minor units + currency; balances in headers.
    op["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    return op


def _validate_op() -> Json:
    op = _op("Validate a player id for a top-up SKU", m.Player, body=m.TopupValidation,
             errors=("400", "401", "404", "422", "429"))  # fmt: skip
    op["description"] = "Sandbox scenario player ids (see docs/supplier-api.md): " + ", ".join(
        PLAYER_SCENARIOS
    )
    op["x-scenario-player-ids"] = list(PLAYER_SCENARIOS)
    return op


def _paths() -> Json:
    sku = _param("sku", "path", "Catalog SKU")
    order_errors = ("400", "401", "402", "404", "409", "422", "429", "502", "503")
    created = _op("Place an order (reference = idempotency key)", m.Order, status="201",
                  body=m.OrderRequest, errors=order_errors)  # fmt: skip
    created["responses"]["200"] = _json(m.Order, "Same reference and body: the original order")
    # The sandbox's scenario SKUs (brand Sandbox), each a failure mode to try; what each
    # does is in docs/supplier-api.md.
    created["description"] = "Sandbox scenario SKUs (see docs/supplier-api.md): " + ", ".join(
        SCENARIO_SKUS
    )
    created["x-scenario-skus"] = list(SCENARIO_SKUS)
    return {
        "/v1/catalog": {"get": _op("List products", m.CatalogPage, params=[
            _param("region", "query", "ISO 3166-1 alpha-2, EU or GLOBAL"),
            _param("brand", "query", "Brand name, case-insensitive"),
            _param("kind", "query", "code or topup (default: both)"),
            _param("cursor", "query", "next_cursor of the previous page"),
            _param("limit", "query", "Page size, 1..100 (default 50)")])},
        "/v1/stock/{sku}": {"get": _op("Stock of a SKU", m.Stock, params=[sku],
                                       errors=("401", "404", "429"))},
        "/v1/prices/{sku}": {"get": _op("Current wholesale price", m.Price, params=[sku],
                                        errors=("401", "404", "429"))},
        "/v1/orders": {
            "post": created,
            "get": _op("Find an order by reference", m.Order,
                       params=[_param("reference", "query", "The reseller's reference")],
                       errors=("400", "401", "404", "429")),
        },
        "/v1/topups/validate": {"post": _validate_op()},
        "/v1/orders/{order_id}": {"get": _op("An order", m.Order,
                                  params=[_param("order_id", "path", "Supplier order id")],
                                  errors=("401", "404", "429"))},
        "/v1/balance": {"get": _op("Account balance", m.Balance, errors=("401", "429"))},
        "/v1/reconciliation": {"get": _reconciliation_op()},
        "/sandbox/reset": {"post": _op("Reset the sandbox", m.Balance)},
        "/sandbox/balance": {"post": _op("Set the available balance", m.Balance,
                                         body=m.SetBalanceRequest)},
        "/sandbox/stock": {"post": _op("Set a SKU's stock", m.Stock, body=m.SetStockRequest,
                                       errors=("400", "401", "404"))},
        "/sandbox/adjustment": {"post": _op("Book a manual ledger correction", m.LedgerEntry,
                                            status="201", body=m.AdjustmentRequest)},
        "/sandbox/webhook-deliveries": {"get": _op("Every webhook attempt", m.WebhookDeliveries)},
    }  # fmt: skip


def _webhook_op() -> Json:
    return {
        "summary": "Order events, signed per Standard Webhooks",
        "requestBody": {"content": _json(m.WebhookEvent, "")["content"]},
        "responses": {"200": {"description": "Any 2xx acknowledges"}},
    }


@cache
def openapi_document() -> str:
    pairs = [(model, "serialization") for model in _RESPONSES]
    pairs += [(model, "validation") for model in _REQUESTS]
    _, schema = models_json_schema(pairs, ref_template=_REF)  # type: ignore[arg-type]
    document: Json = {
        "openapi": "3.1.0",
        "info": {
            "title": "Supplier API (giftbot sandbox)",
            "version": "1.0.0",
            "description": "See docs/supplier-api.md. Webhooks follow Standard Webhooks.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "webhooks": {"order": {"post": _webhook_op()}},
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    return json.dumps(document)


async def openapi_json(request: web.Request) -> web.Response:
    return web.Response(text=openapi_document(), content_type="application/json")
