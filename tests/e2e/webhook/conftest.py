"""The shop with Telegram updates by webhook: the real processes, JSON logs at DEBUG."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.processes import Stack, running_stack

# The shop suite's driver fixtures, resolved against this package's `stack`.
from tests.e2e.shop.conftest import supplier, telegram
from tests.support.webhook_updates import WEBHOOK_PATH

__all__ = ["supplier", "telegram"]


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        tmp_path_factory.mktemp("webhook"),
        webhook_path=WEBHOOK_PATH,
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    ) as running:
        yield running
