"""create_app(config): the sandbox supplier as an aiohttp application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

from aiohttp import web

from sandbox.supplier import api, control
from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.middleware import LIMITER_KEY, envelope_middleware, gate_middleware
from sandbox.supplier.openapi import openapi_json
from sandbox.supplier.ratelimit import RateLimiter
from sandbox.supplier.service import SERVICE_KEY, SandboxService

MAX_BODY_BYTES: Final = 64 * 1024


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _service_ctx(app: web.Application) -> AsyncIterator[None]:
    service = app[SERVICE_KEY]
    await service.start()
    yield
    await service.close()


def create_app(config: SandboxConfig) -> web.Application:
    app = web.Application(
        middlewares=[envelope_middleware, gate_middleware], client_max_size=MAX_BODY_BYTES
    )
    app[SERVICE_KEY] = SandboxService(config)
    app[LIMITER_KEY] = RateLimiter(config.rate_limit_per_minute)
    app.router.add_routes(api.routes)
    app.router.add_routes(control.routes)
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/health", _health)
    app.cleanup_ctx.append(_service_ctx)
    return app
