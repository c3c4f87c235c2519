"""Storage failures that a person fixes in the settings or the data, not in the code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.errors import ConfigError
from storage.errors import CodesKeyError, DatabaseInUse, InvalidDatabaseURL, MigrationError


@contextmanager
def storage_errors_as_config_errors() -> Iterator[None]:
    try:
        yield
    except (CodesKeyError, DatabaseInUse, InvalidDatabaseURL, MigrationError) as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(f"DATABASE_URL: cannot open the database: {exc}") from None
