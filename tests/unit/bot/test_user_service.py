from __future__ import annotations

from bot.services.users import UserService
from storage.store import Storage


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
