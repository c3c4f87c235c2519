"""Verification of the supplier's signed webhooks (Standard Webhooks).

The signature is checked over the raw body before anything parses it. `standardwebhooks`
computes the HMAC, the same code the sandbox signs with; the header parsing and the
timestamp window are done here because the package's own `verify` has a fixed 5-minute
tolerance and lets malformed headers escape as `ValueError`/`binascii.Error`, and a
receiver must answer every bad request with one predictable exception.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from pydantic import ValidationError
from standardwebhooks import Webhook

from supplier.models import WebhookEvent

__all__ = ["InvalidSignature", "InvalidWebhookPayload", "WebhookError", "WebhookVerifier"]

_SIGNATURE_VERSION = "v1"
# Bounds that no genuine header comes near; they keep a hostile request cheap to reject.
_MAX_ID_LENGTH = 256
_MAX_SIGNATURES = 16
_MAX_TIMESTAMP_DIGITS = 12


class WebhookError(Exception):
    """A webhook request that must be refused."""


class InvalidSignature(WebhookError):
    """Missing, malformed, forged or stale signature headers."""


class InvalidWebhookPayload(WebhookError):
    """Authentic request whose body is not a webhook event of the contract."""


class WebhookVerifier:
    """Checks `webhook-id`/`webhook-timestamp`/`webhook-signature` against one or more secrets.

    Several secrets are accepted at once so a secret can be rotated without downtime: a
    request is genuine when any signature in its header matches any of them.
    """

    def __init__(
        self,
        secrets: Sequence[str],
        tolerance: int = 300,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secrets:
            raise ValueError("at least one webhook secret is required")
        if tolerance < 0:
            raise ValueError("tolerance must not be negative")
        try:
            self._signers = [Webhook(secret) for secret in secrets]
        except Exception as exc:  # the package raises several types for a bad secret
            # The secret itself stays out of the message: it may end up in a log.
            raise ValueError("invalid webhook secret (expected whsec_<base64>)") from exc
        self._tolerance = tolerance
        self._clock = clock

    def verify(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Return the event of an authentic request, or raise a `WebhookError`."""
        msg_id, timestamp, signatures = self._read_headers(headers)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # The package signs text; a genuine sender's JSON body is always UTF-8.
            raise InvalidSignature("body is not UTF-8") from None
        signed_at = datetime.fromtimestamp(timestamp, tz=UTC)
        expected = [
            _decode(signer.sign(msg_id=msg_id, timestamp=signed_at, data=text))
            for signer in self._signers
        ]
        # Every pair is compared, so the time taken does not tell which secret matched.
        matches = [
            hmac.compare_digest(candidate, wanted)
            for candidate in signatures
            for wanted in expected
            if wanted is not None
        ]
        if not any(matches):
            raise InvalidSignature("no matching signature")
        try:
            return WebhookEvent.model_validate_json(body)
        except ValidationError as exc:
            raise InvalidWebhookPayload(
                f"not a webhook event ({exc.error_count()} problems)"
            ) from None

    def _read_headers(self, headers: Mapping[str, str]) -> tuple[str, int, list[bytes]]:
        lowered = {key.lower(): value for key, value in headers.items()}
        msg_id = lowered.get("webhook-id", "")
        raw_timestamp = lowered.get("webhook-timestamp", "").strip()
        raw_signature = lowered.get("webhook-signature", "")
        if not msg_id or not raw_timestamp or not raw_signature:
            raise InvalidSignature("missing webhook headers")
        if len(msg_id) > _MAX_ID_LENGTH:
            raise InvalidSignature("webhook-id too long")
        # Only plain unix seconds: int() alone would also take "+1_700_000_000" or "١٢".
        if (
            len(raw_timestamp) > _MAX_TIMESTAMP_DIGITS
            or not raw_timestamp.isascii()
            or not raw_timestamp.isdigit()
        ):
            raise InvalidSignature("webhook-timestamp is not unix seconds")
        timestamp = int(raw_timestamp)
        if abs(self._clock() - timestamp) > self._tolerance:
            raise InvalidSignature("webhook-timestamp outside the tolerance")
        signatures = [
            signature
            for item in raw_signature.split()[:_MAX_SIGNATURES]
            if (signature := _decode(item)) is not None
        ]
        if not signatures:
            raise InvalidSignature("no well-formed v1 signature")
        return msg_id, timestamp, signatures


def _decode(versioned: str) -> bytes | None:
    """The raw HMAC of a `v1,<base64>` signature, or None for other versions and garbage."""
    version, comma, encoded = versioned.partition(",")
    if not comma or version != _SIGNATURE_VERSION:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
