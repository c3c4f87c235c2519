"""Supplier webhooks signed as the supplier signs them (Standard Webhooks)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from standardwebhooks import Webhook

from tests.support.shop import WEBHOOK_SECRET


def signed_headers(
    body: bytes, msg_id: str, secret: str = WEBHOOK_SECRET, at: float | None = None
) -> dict[str, str]:
    moment = datetime.fromtimestamp(at if at is not None else time.time(), tz=UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
