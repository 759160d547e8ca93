"""What a store raises, whatever the backend: the layers above catch these, never a driver's own errors."""

from __future__ import annotations


class StoreError(Exception):
    """The database could not do what was asked; the message is one line."""


class StoreBusy(StoreError):
    """Another process held the write lock for longer than the store waits; the message names it."""


class SchemaError(StoreError):
    """A database this version of newsdiff must not touch; the message is one line naming the file."""


class SearchError(StoreError, ValueError):
    """A query the index cannot run; the message is one line."""


class StoreDamaged(StoreError):
    """Part of the database cannot be read back as written (a corrupt page, a broken index)."""


class DamagedHistory(Exception):
    """A stored version that cannot be rebuilt, or rebuilds to text that does not match its hash. Here, not
    with the compact history that raises it, so that a command can catch it without loading that module."""

    def __init__(self, article_id: int, number: int, problem: str) -> None:
        super().__init__(f"article {article_id} version {number}: {problem}")
        self.article_id, self.number, self.problem = article_id, number, problem


# A PostgreSQL store's (store/postgres.py); here so that a command can catch them without loading that module.
class ServerError(StoreError):
    """The server could not be reached or refused us; the message names it (never its password)."""


class ServerLost(ServerError):
    """The connection went away mid-command: what was under way is rolled back; the next run completes."""


def _driver_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    return (sqlite3.DatabaseError,)


# Everything a store call may raise about the database itself: the store's own errors and its drivers'
# (a backend adds its driver's base error here), so callers catch one name and import no driver.
STORE_ERRORS: tuple[type[Exception], ...] = (StoreError, *_driver_errors())


def is_damage(exc: BaseException) -> bool:
    """Whether an error from STORE_ERRORS says the file is damaged (`check` can say where), rather than
    busy, read-only or otherwise unavailable for now."""
    import sqlite3

    return isinstance(exc, StoreDamaged) or (isinstance(exc, sqlite3.DatabaseError)
                                             and not isinstance(exc, sqlite3.OperationalError))
