"""Opening the store: connect, migrate, and load the codes key (checked against the data)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.cipher import KEY_CHECK_CONTEXT, CodeCipher, load_or_create_key
from storage.database import Database, database_path
from storage.errors import CodesKeyError
from storage.migrate import Migration, migrate
from storage.repositories.meta import MetaRepository
from storage.settings import StorageSettings

_KEY_CHECK = "codes_key_check"


@dataclass(frozen=True, slots=True)
class Storage:
    db: Database
    cipher: CodeCipher
    applied: tuple[Migration, ...]

    async def close(self) -> None:
        await self.db.close()


async def open_storage(settings: StorageSettings) -> Storage:
    """Every command starts here; a wrong codes key stops it before any code is read."""
    path = database_path(settings.database_url)
    configured = settings.codes_key.get_secret_value() if settings.codes_key else None
    cipher = CodeCipher(load_or_create_key(configured, path))
    db = await Database.open(settings.database_url)
    try:
        applied = await migrate(db)
        await _check_key(db, cipher)
    except BaseException:
        await db.close()
        raise
    return Storage(db=db, cipher=cipher, applied=tuple(applied))


async def _check_key(db: Database, cipher: CodeCipher) -> None:
    async with db.transaction() as conn:
        meta = MetaRepository(conn)
        stored = await meta.find_value(_KEY_CHECK)
        if stored is None:
            sealed = cipher.seal(KEY_CHECK_CONTEXT.encode(), order_id=KEY_CHECK_CONTEXT)
            await meta.set_value(_KEY_CHECK, sealed.hex())
            return
    try:
        cipher.open(bytes.fromhex(stored), order_id=KEY_CHECK_CONTEXT)
    except CodesKeyError:
        raise CodesKeyError(
            f"CODES_KEY does not match the key {db.path} was written with; "
            "codes stored there cannot be decrypted with it"
        ) from None
