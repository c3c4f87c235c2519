"""The shop with Telegram updates by webhook: the real processes, JSON logs at DEBUG."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.processes import Stack, running_stack

# The shop suite's driver fixtures, resolved against this package's `stack`.
from tests.e2e.shop.conftest import supplier, telegram

__all__ = ["supplier", "telegram"]

WEBHOOK_PATH = "/telegram/updates"
# Ids the sandbox never hands out, for updates the tests post themselves.
_own_update_ids = itertools.count(2_000_000_000)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        tmp_path_factory.mktemp("webhook"),
        webhook_path=WEBHOOK_PATH,
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    ) as running:
        yield running


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
