"""Cross-cutting HTTP concerns: request ids, the error envelope, auth, rate limits, latency."""

from __future__ import annotations

import asyncio
import hmac
import logging
import uuid
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.supplier.errors import SandboxError
from sandbox.supplier.ratelimit import RateInfo, RateLimiter
from sandbox.supplier.service import SERVICE_KEY
from supplier.models import ErrorBody, ErrorEnvelope

logger = logging.getLogger(__name__)

LIMITER_KEY: Final = web.AppKey("sandbox_rate_limiter", RateLimiter)
PUBLIC_PATHS: Final = frozenset({"/openapi.json", "/health"})
_RATE_INFO: Final = web.RequestKey("sandbox_rate_info", RateInfo)
_ANONYMOUS: Final = "-"
MAX_REQUEST_ID: Final = 128


def error_response(error: SandboxError, request_id: str) -> web.Response:
    body = ErrorEnvelope(
        error=ErrorBody(
            code=error.code,
            message=error.message,
            retryable=error.retryable,
            request_id=request_id,
        )
    )
    return web.Response(
        status=error.status,
        text=body.model_dump_json(),
        content_type="application/json",
        headers=error.headers,
    )


def _from_http(exc: web.HTTPException) -> SandboxError:
    # aiohttp's own refusals (unknown route, wrong method, body too large) keep their
    # status; the contract has no code for them, so they are all invalid requests.
    return SandboxError("invalid_request", exc.reason, status=exc.status)


@web.middleware
async def envelope_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: every response, including errors, gets the envelope and the headers."""
    request_id = request.headers.get("X-Request-Id", "")
    if not 0 < len(request_id) <= MAX_REQUEST_ID or not request_id.isprintable():
        request_id = f"req_{uuid.uuid4().hex}"
    try:
        response = await handler(request)
    except SandboxError as exc:
        response = error_response(exc, request_id)
    except web.HTTPException as exc:
        response = error_response(_from_http(exc), request_id)
    except Exception:
        logger.exception("sandbox request %s failed", request_id)
        response = error_response(SandboxError("internal_error", "internal error"), request_id)
    info = request.get(_RATE_INFO)
    if info is None:
        info = request.app[LIMITER_KEY].peek(_ANONYMOUS)
    response.headers.update(info.headers())
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def gate_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Auth on everything but the public paths; rate limit and latency on /v1."""
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    service = request.app[SERVICE_KEY]
    config = service.config
    expected = f"Bearer {config.api_key.get_secret_value()}"
    supplied = request.headers.get("Authorization", "")
    if not hmac.compare_digest(supplied.encode(), expected.encode()):
        raise SandboxError("unauthorized", "missing or wrong API key")
    if request.path.startswith("/v1/"):
        info = request.app[LIMITER_KEY].hit(config.api_key.get_secret_value())
        request[_RATE_INFO] = info
        if not info.allowed:
            raise SandboxError(
                "rate_limited",
                "rate limit exceeded",
                headers={"Retry-After": str(max(1, info.reset_seconds))},
            )
        if config.latency_max_ms:
            await asyncio.sleep(
                service.rng.uniform(config.latency_min_ms, config.latency_max_ms) / 1000
            )
    return await handler(request)
