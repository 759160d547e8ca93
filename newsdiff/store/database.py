"""The store's SQLite connection, with sqlite-utils loaded only when a command writes or migrates.

Importing sqlite-utils (with click, pluggy and dateutil behind it) costs more than everything `newsdiff
list` or `log` does on a database of a thousand articles (scripts/bench_startup.py). Reads need none of
it: `execute` and `query` here are sqlite-utils' own two lines over the connection. Nor do the rows a
poll writes: `insert_row` and `update_row` are one plain statement each. Everything else (`atomic()`,
migrations, `create_view()`, ...) is sqlite-utils' Database on the same connection, made on first use.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    import sqlite_utils
    from sqlite_utils.db import Table

    _DatabaseBase = sqlite_utils.Database  # to type checkers, this is the sqlite-utils Database it stands for
else:
    _DatabaseBase = object

MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils' Migrations records each one applied


Migration = TypeVar("Migration", bound=Callable[..., None])


class Database(_DatabaseBase):
    """A connection that reads with plain sqlite3 and is a sqlite-utils Database for everything else."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        # Typed as sqlite-utils types it (any iterable); every caller passes what sqlite3 takes.
        return self.conn.execute(sql, cast("Sequence[Any] | Mapping[str, Any]", parameters))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def query(self, sql: str,
              params: Iterable[Any] | dict[str, Any] | None = None) -> Generator[dict[str, Any], None, None]:
        """Each row as a dict of column name to value, as sqlite-utils' `query` gives it."""
        cursor = self.execute(sql, params or ())
        keys = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(keys, row, strict=True))

    def insert_row(self, table: str, row: Mapping[str, Any], *, ignore: bool = False) -> int | None:
        """Add one row with one plain INSERT; its id (None when `ignore` and the row was there already).
        sqlite-utils' `db[table].insert` asks the schema what tables, views and columns there are first:
        five statements around each one a poll writes per article."""
        verb = "INSERT OR IGNORE" if ignore else "INSERT"
        cursor = self.conn.execute(f"{verb} INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                                   list(row.values()))
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def update_row(self, table: str, row_id: int, changes: Mapping[str, Any]) -> None:
        """Set these columns of the row with this id, with one plain UPDATE (sqlite-utils' `update` reads
        the schema and the row back)."""
        if changes:
            self.conn.execute(f"UPDATE {table} SET {', '.join(f'{column} = ?' for column in changes)} WHERE id = ?",
                              [*changes.values(), row_id])

    def close(self) -> None:
        self.conn.close()

    @cached_property
    def utils(self) -> sqlite_utils.Database:
        """sqlite-utils' Database over this connection. Its plugins are not run: newsdiff's database
        must behave the same whatever other sqlite-utils plugins are installed."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn, execute_plugins=False)

    def __getitem__(self, table: str) -> Table:
        """The table (sqlite-utils' `db[name]` may also be a view, which newsdiff never writes through)."""
        return self.utils.table(table)

    def __getattr__(self, name: str) -> Any:  # reached only for what this class does not define
        return getattr(self.utils, name)


def new_row(db: Database, table: str, row: Mapping[str, Any]) -> int:
    """Add a row to a table keyed by `id` (on either engine's database); its id."""
    row_id = db.insert_row(table, row)
    assert row_id is not None  # a plain insert adds its row or raises
    return row_id


def preload_writer() -> None:
    """Load what writes need (sqlite-utils) now rather than at the first write: a poll calls this as it
    loads, so no request waiting on the event loop pays for the import."""
    import sqlite_utils  # noqa: F401


class MigrationSet:
    """A named list of migrations, applied by sqlite-utils' `Migrations` (same decorator, same record of
    what was applied), which loads only when one is pending: telling that takes one query."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.functions: list[Callable[..., None]] = []

    def __call__(self) -> Callable[[Migration], Migration]:
        """`@migrations()` above a function `mNNN_what(db)` adds it, in order of definition."""
        def register(function: Migration) -> Migration:
            self.functions.append(function)
            return function
        return register

    def pending(self, db: Database | sqlite_utils.Database) -> list[str]:
        """The names of the migrations not yet applied to `db`."""
        found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE])
        if not found.fetchone():
            applied: set[str] = set()
        else:
            applied = {name for (name,) in db.execute(
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [self.name])}
        return [f.__name__ for f in self.functions if f.__name__ not in applied]

    def apply(self, db: Database | sqlite_utils.Database, *, stop_before: str | None = None) -> None:
        """Apply the pending migrations in order (all, or those before `stop_before`)."""
        from sqlite_utils.migrations import Migrations

        migrations = Migrations(self.name)
        for function in self.functions:
            migrations()(function)
        migrations.apply(db.utils if isinstance(db, Database) else db, stop_before=stop_before)
