from __future__ import annotations

import pytest

from bot.services.users import UserService
from storage.store import Storage
from tests.support.reads import count_reads


async def test_ensure_user_creates_keeps_choices_and_follows_renames(storage: Storage) -> None:
    users = UserService(storage.db)
    created = await users.ensure_user(5, "Ann", "en")
    await users.set_region(5, "TR")
    chosen = await users.find_user(5)
    again = await users.ensure_user(5, "Ann", "ru")
    assert (created.region, again.region, again.language) == (None, "TR", "en")
    assert again == chosen, "a repeat contact with the same name writes nothing"
    renamed = await users.ensure_user(5, "Anna", "en")
    assert (renamed.first_name, renamed.region) == ("Anna", "TR")
    assert renamed.updated_at > again.updated_at


async def test_known_users_are_served_from_memory_and_match_the_stored_record(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = UserService(storage.db)
    await users.ensure_user(6, "Bo", "en")
    await users.set_region(6, "DE")
    await users.set_language(6, "ru")
    reads = count_reads(storage.db, monkeypatch)
    for _ in range(3):
        cached = await users.ensure_user(6, "Bo", "en")
    assert reads.count == 0, "a known user with the same name costs no database read"
    # What memory holds is what a fresh process reads from the database.
    stored = await UserService(storage.db).find_user(6)
    assert reads.count == 1
    assert cached == stored
    assert (cached.region, cached.language) == ("DE", "ru")
