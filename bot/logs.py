"""Logging: LOG_LEVEL / LOG_FORMAT, per-update context (update, user, order) and JSON lines.

The context lives in a contextvar: an aiogram outer middleware opens one per update
(`bot.middlewares.log_context`: update, user, and the order when the update names one), and
`bind_order` adds an order id. A filter copies it onto every record, so any module's plain
`log.info(...)` carries it without passing it around.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


@dataclass(slots=True)
class LogContext:
    update_id: int | None = None
    user_id: int | None = None
    order_id: str | None = None


_context: ContextVar[LogContext | None] = ContextVar("log_context", default=None)

_EMPTY = LogContext()
CONTEXT_FIELDS = ("update_id", "user_id", "order_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"
# aiogram says this at INFO for every update; an operator needs none of it.
_PER_UPDATE_PREFIX = "Update id="


class LogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LOG_LEVEL", description="DEBUG, INFO, WARNING or ERROR"
    )
    format: Literal["text", "json"] = Field(
        default="text", alias="LOG_FORMAT", description="text, or json (one object a line)"
    )

    @field_validator("level", "format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.strip().upper() if info.field_name == "level" else value.strip().lower()


def current_context() -> LogContext | None:
    return _context.get()


@contextmanager
def log_context(
    *, update_id: int | None = None, user_id: int | None = None, order_id: str | None = None
) -> Iterator[LogContext]:
    """A context for the block, inheriting what the enclosing one knows."""
    outer = _context.get() or LogContext()
    context = LogContext(
        update_id=update_id if update_id is not None else outer.update_id,
        user_id=user_id if user_id is not None else outer.user_id,
        order_id=order_id if order_id is not None else outer.order_id,
    )
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


@contextmanager
def bind_order(order_id: str) -> Iterator[None]:
    """Log lines written inside the block carry `order_id`. Inside an update the order
    stays bound for the rest of it, so the error line of a failing update names it too."""
    current = _context.get()
    if current is not None and current.update_id is not None:
        current.order_id = order_id
        yield
        return
    with log_context(order_id=order_id):
        yield


class ContextFilter(logging.Filter):
    """Puts the bound update, user and order ids on the record (None when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or _EMPTY
        record.update_id = context.update_id
        record.user_id = context.user_id
        record.order_id = context.order_id
        parts = [f"{n}={getattr(record, n)}" for n in CONTEXT_FIELDS if getattr(record, n)]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


class PerUpdateToDebug(logging.Filter):
    """Demotes aiogram's "Update id=... is handled" INFO lines to DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith(_PER_UPDATE_PREFIX):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the context when known."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(settings: LogSettings, *, level_override: str | None = None) -> None:
    """Root handler on stderr; `level_override` (the CLI's --log-level) wins over LOG_LEVEL."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_override or settings.level)
    event_log = logging.getLogger("aiogram.event")
    if not any(isinstance(f, PerUpdateToDebug) for f in event_log.filters):
        event_log.addFilter(PerUpdateToDebug())
