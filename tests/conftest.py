"""Fixtures shared by every test layer."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.settings import StorageSettings
from storage.store import Storage, open_storage


@pytest.fixture
def codes_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def storage_settings(tmp_path: Path, codes_key: str) -> StorageSettings:
    return StorageSettings(
        DATABASE_URL=f"sqlite:///{tmp_path}/giftbot.db",
        CODES_KEY=codes_key,
        _env_file=None,
    )


@pytest.fixture
async def storage(storage_settings: StorageSettings) -> AsyncIterator[Storage]:
    """A fresh, migrated database per test."""
    store = await open_storage(storage_settings)
    yield store
    await store.close()
