"""Updates posted to the bot's webhook by the tests themselves, as Telegram would push them."""

from __future__ import annotations

import itertools
import time
from typing import Any

WEBHOOK_PATH = "/telegram/updates"
# Ids the sandbox never hands out, for updates the tests post themselves.
_own_update_ids = itertools.count(2_000_000_000)


def text_update(user_id: int, text: str, update_id: int | None = None) -> dict[str, Any]:
    """A private-chat text message as Telegram would push it."""
    return {
        "update_id": update_id if update_id is not None else next(_own_update_ids),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "text": text,
        },
    }
