"""A PostgreSQL connection that answers the calls the store's SQL makes of `database.Database`.

The store's statements are written once, in the SQL both engines share; the few SQLite spellings in
them are turned into PostgreSQL's here, each for one reason:

- `?` placeholders become psycopg's `%s` (and a literal `%` is doubled);
- `+column` (SQLite's "do not use an index on this column" hint) is dropped: PostgreSQL plans by cost;
- `INSERT OR IGNORE` becomes `INSERT ... ON CONFLICT DO NOTHING`;
- `json_extract(column, '$.key')` becomes `(column::json ->> 'key')` (details are JSON text on both);
- `length(CAST(column AS BLOB))` (bytes of a text) becomes `octet_length(column)`;
- `instr(text, part)` becomes `strpos(text, part)` (the same 1-based position, 0 when absent);
- `lower(hex(column))` (a digest's bytes as hex digits) becomes `encode(column, 'hex')`.

Sums of integers come back as int, as SQLite gives them (PostgreSQL's are numeric).

Anything else SQLite-only (FTS5, PRAGMA, sqlite_master) is overridden by `PostgresStore`, not translated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

_INDEX_HINT = re.compile(r"(?<=\s)\+(?=[a-z_])")
_OR_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.IGNORECASE)
# Tables keyed by something other than an `id` column: an insert returns no key.
_JSON_EXTRACT = re.compile(r"json_extract\(([\w.]+), '\$\.(\w+)'\)")
_TEXT_BYTES = re.compile(r"length\(CAST\(([\w.]+) AS BLOB\)\)")
_HEX = re.compile(r"lower\(hex\(([\w.]+)\)\)")
_NO_ID = frozenset({"article_urls", "derived", "alert_rules", "host_pace", "host_slots"})


@contextmanager
def server_errors(server: str) -> Iterator[None]:
    """The connection lost or refused mid-command, as the store's one-line ServerLost naming the server
    (the transaction under way is rolled back by the server: nothing half-written)."""
    import psycopg

    from .errors import ServerLost
    from .postgres import _reason

    try:
        yield
    except psycopg.OperationalError as exc:
        raise ServerLost(f"lost the connection to {server}: {_reason(exc)}") from None


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """A statement written for SQLite, as PostgreSQL takes it (see the module's list)."""
    ignore = bool(_OR_IGNORE.match(sql))
    if ignore:
        sql = _OR_IGNORE.sub("INSERT INTO", sql, count=1) + " ON CONFLICT DO NOTHING"
    sql = sql.replace("instr(", "strpos(")
    sql = _TEXT_BYTES.sub(r"octet_length(\1)", sql)
    sql = _HEX.sub(r"encode(\1, 'hex')", sql)
    sql = _JSON_EXTRACT.sub(r"(\1::json ->> '\2')", sql)
    return _INDEX_HINT.sub("", sql.replace("%", "%%")).replace("?", "%s")


class Inserted:
    """What `Table.insert` gives back: the new row's key (None when an ignored insert added nothing)."""

    def __init__(self, last_pk: int | None) -> None:
        self.last_pk = last_pk


class Table:
    """The two row helpers of sqlite-utils' Table that tests use: insert a dict, update by id."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db, self.name = db, name

    def insert(self, record: dict[str, Any], *, ignore: bool = False) -> Inserted:
        return Inserted(self.db.insert_row(self.name, record, ignore=ignore))

    def update(self, pk: int, changes: dict[str, Any]) -> None:
        self.db.update_row(self.name, pk, changes)


class PgDatabase:
    """`execute`, `query`, `executemany`, `db[table]` and `atomic()` over one psycopg connection."""

    def __init__(self, conn: psycopg.Connection[Any], server: str) -> None:
        from psycopg.types.numeric import NumericLoader

        class WholeNumbers(NumericLoader):
            def load(self, data: Any) -> Any:
                value = super().load(data)
                return int(value) if value == value.to_integral_value() else float(value)

        conn.adapters.register_loader("numeric", WholeNumbers)
        self.conn, self.server = conn, server

    def execute(self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None) -> psycopg.Cursor[Any]:
        with server_errors(self.server):
            return self.conn.execute(translate(sql), None if parameters is None else list(parameters))

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(translate(sql), [list(row) for row in rows])

    def query(self, sql: str, params: Iterable[Any] | None = None) -> Iterator[dict[str, Any]]:
        """Each row as a dict of column name to value."""
        cursor = self.execute(sql, params or ())
        keys = [d.name for d in cursor.description or ()]
        for row in cursor:
            yield dict(zip(keys, row, strict=True))

    def insert_row(self, table: str, row: Mapping[str, Any], *, ignore: bool = False) -> int | None:
        """Add one row; its id (None for a table without one, or when `ignore` and the row was there)."""
        sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('%s' for _ in row)})" + (
            " ON CONFLICT DO NOTHING" if ignore else "")
        if table in _NO_ID:
            self.conn.execute(sql, list(row.values()))
            return None
        found = self.conn.execute(sql + " RETURNING id", list(row.values())).fetchone()
        return None if found is None else found[0]

    def update_row(self, table: str, row_id: int, changes: Mapping[str, Any]) -> None:
        """Set these columns of the row with this id."""
        if changes:
            assignments = ", ".join(f"{column} = %s" for column in changes)
            self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*changes.values(), row_id])

    def __getitem__(self, table: str) -> Table:
        return Table(self, table)

    def atomic(self) -> AbstractContextManager[Any]:
        """A savepoint inside the transaction under way (its own transaction when none is)."""
        return self.conn.transaction()

    def close(self) -> None:
        self.conn.close()
