"""The storage error tree: what callers of the repositories catch."""


class StorageError(Exception):
    """Root of every storage error."""


class NotFound(StorageError):
    """A `get_*` found no row."""


class AlreadyExists(StorageError):
    """A unique constraint refused the row (duplicate payment charge, duplicate event...)."""


class ConcurrentUpdate(StorageError):
    """A row changed between read and write (optimistic version check failed)."""


class InvalidDatabaseURL(StorageError):
    """DATABASE_URL is not a `sqlite:///path` URL."""


class MigrationError(StorageError):
    """A migration failed or the database is newer than this code."""


class CodesKeyError(StorageError):
    """The codes encryption key is missing, malformed or not the one the data was written with."""


class DatabaseInUse(StorageError):
    """Another process holds the database (one running bot per database)."""
