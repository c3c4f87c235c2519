"""The Bot API method table and the typed view of a call's parameters."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp

from sandbox.telegram.errors import bad_request, not_found
from sandbox.telegram.state import BotState, Sandbox

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    content: bytes
    filename: str
    content_type: str


class Params:
    """Parameters from the query string, a form or JSON; forms carry nested objects as JSON."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None if value is None else ""
        return value if isinstance(value, str) else json.dumps(value)

    def required_text(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def integer(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        return self._converted(name, int, required=required, default=default)

    def required_integer(self, name: str) -> int:
        value = self.integer(name, required=True)
        assert value is not None
        return value

    def number(self, name: str, default: float) -> float:
        value = self._converted(name, float, required=False, default=default)
        assert value is not None
        return value

    def _converted(
        self, name: str, convert: Callable[[Any], T], *, required: bool, default: T | None
    ) -> T | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        try:
            return convert(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in {"true", "1", "yes"}
        return bool(value)

    def json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def file(self, name: str) -> Upload | str | None:
        """An uploaded part (aiogram refers to it as `attach://<part>`), a file_id or a URL."""
        value = self.values.get(name)
        if isinstance(value, Upload):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {name} not found in the request")
            return upload
        if value is None and name in self.uploads:
            return self.uploads[name]
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Call:
    sandbox: Sandbox
    bot: BotState
    params: Params


Handler = Callable[[Call], Awaitable[Any]]
# Keys are lower case: Telegram matches method names case-insensitively.
METHODS: dict[str, Handler] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = handler
        return handler

    return register


async def dispatch(sandbox: Sandbox, bot: BotState, method: str, params: Params) -> Any:
    """Run one Bot API method, with injected faults taking precedence over the real answer."""
    handler = METHODS.get(method.lower())
    if handler is None:
        raise not_found()
    sandbox.faults.check(method)
    return await handler(Call(sandbox, bot, params))


async def read_form(reader: aiohttp.MultipartReader) -> Params:
    """A multipart form: plain parts are values, parts with a filename are uploads."""
    values: dict[str, Any] = {}
    uploads: dict[str, Upload] = {}
    async for part in reader:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            content = bytes(await part.read())
            content_type = part.headers.get("Content-Type", "")
            uploads[part.name] = Upload(content, part.filename, content_type)
        else:
            values[part.name] = await part.text()
    return Params(values, uploads)
