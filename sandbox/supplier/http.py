"""Small helpers the sandbox handlers share: JSON bodies in and out, query parsing."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError

from sandbox.supplier.errors import SandboxError

M = TypeVar("M", bound=BaseModel)
_DATETIME: TypeAdapter[datetime] = TypeAdapter(AwareDatetime)


def json_response(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(
        status=status, text=model.model_dump_json(), content_type="application/json"
    )


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


async def read_body(request: web.Request, model: type[M]) -> M:
    """The request body as `model`; anything malformed is a 400, never a 500."""
    raw = await request.read()  # raises 413 past the app's client_max_size
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise SandboxError("invalid_request", _describe(exc)) from None


def query_int(request: web.Request, name: str, default: int) -> int:
    value = request.query.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise SandboxError("invalid_request", f"{name} must be an integer") from None


def query_datetime(request: web.Request, name: str) -> datetime | None:
    value = request.query.get(name)
    if not value:
        return None
    try:
        return _DATETIME.validate_python(value)
    except ValidationError:
        raise SandboxError("invalid_request", f"{name} must be an RFC 3339 timestamp") from None
