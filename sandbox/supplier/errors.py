"""The one exception the sandbox's logic raises; the app turns it into the error envelope."""

from __future__ import annotations

import base64
import binascii

from supplier.models import ERROR_CODES


class SandboxError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.status, self.retryable = ERROR_CODES[code]
        if status is not None:
            self.status = status


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """Offset encoded in an opaque cursor; None or empty starts at the beginning."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SandboxError("invalid_request", "cursor is not valid") from None
    if prefix != "o" or offset < 0:
        raise SandboxError("invalid_request", "cursor is not valid")
    return offset
