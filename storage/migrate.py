"""Numbered `.sql` migrations tracked with `PRAGMA user_version`, each in its own transaction."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

from storage.database import Database
from storage.errors import MigrationError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# A migration that rebuilds a referenced table says so on a line of its own.
_FOREIGN_KEYS_OFF = "-- giftbot: foreign_keys=off"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise MigrationError("migration numbers must run 0001, 0002, ... without gaps")
    return found


async def migrate(db: Database) -> list[Migration]:
    """Apply what is missing; return what was applied. Refuses a database newer than the code."""
    migrations = available_migrations()
    latest = migrations[-1].version if migrations else 0
    current = await db.user_version()
    if current > latest:
        raise MigrationError(
            f"database {db.path} is at schema version {current}, newer than this code "
            f"({latest}); upgrade giftbot instead of running an older version on it"
        )
    applied: list[Migration] = []
    for migration in migrations:
        if migration.version <= current:
            continue
        # user_version is written inside the same transaction: all of it lands or none.
        script = f"{migration.sql}\n;PRAGMA user_version = {migration.version};"
        try:
            await db.executescript_in_transaction(
                script, foreign_keys=_FOREIGN_KEYS_OFF not in migration.sql
            )
        except Exception as exc:
            raise MigrationError(
                f"migration {migration.version:04d}_{migration.name} failed: {exc}"
            ) from exc
        log.info("applied migration %04d_%s", migration.version, migration.name)
        applied.append(migration)
    return applied
