"""The store on a PostgreSQL server: the SQLite store's logic and statements, over a server connection.

Every decision (where a version goes, whether it is the same, a revert or a suspect, how texts are
compacted, what the search index holds) is the SQLite store's own code: this class runs it over
`PgDatabase` (which takes the statements as PostgreSQL spells them) and replaces only what is an
engine's own: transactions, the search index's terms (a tsvector in `passages` instead of FTS5), the
report cache's upsert, size on disk, and the checks SQLite runs on its file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any

from ..dburl import ServerUrl
from . import usage
from .full_text import check_expression
from .pg_database import PgDatabase, server_errors
from .pg_pages import page_damage
from .pg_search import NOTHING, Part, translate
from .postgres import (
    DEFAULT_LEASE_S,
    SEARCH_CONFIG,
    claim_due,
    claim_feeds,
    end_host_turn,
    open_server,
    take_host_turn,
)
from .records import Damage
from .sqlite import SQLiteStore


def insert_terms(db: PgDatabase, article_id: int, kind: str, digest: int, versions: str, text: str) -> int:
    """A new passage with its words as a tsvector (no copy of the text, as SQLite's contentless index)."""
    row = db.conn.execute(
        f"INSERT INTO passages (article_id, kind, hash, versions, terms) "
        f"VALUES (%s, %s, %s, %s, to_tsvector('{SEARCH_CONFIG}', %s)) RETURNING id",
        [article_id, kind, digest, versions, text]).fetchone()
    assert row is not None
    return int(row[0])


WRITE_LOCK = 0x6E657778  # the advisory lock key write transactions take turns on ("newx")
_ALL = 2**31 - 1  # a claim without a limit: every due article (or feed) no other poll holds
_TRANSLATIONS_KEPT = 256  # search expressions a store keeps translated (a search uses one per word, and two)

def _dict_row() -> Any:
    from psycopg.rows import dict_row

    return dict_row


class PostgresStore(SQLiteStore):
    """A newsdiff database on a PostgreSQL server. Open with `PostgresStore.connect(server)`."""

    _insert_passage = staticmethod(insert_terms)
    _PACKED = ""  # derived data is JSON text: the server compresses large values itself
    db: PgDatabase  # type: ignore[assignment]
    shared = True

    def __init__(self, db: PgDatabase, server: ServerUrl) -> None:
        super().__init__(db, None)  # type: ignore[arg-type]
        self.server = server
        # Who holds the leases this store takes: one name per open store, unique across hosts.
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._translations: dict[str, Part | None] = {}

    # -- the work queue: every poll process shares it through leases (postgres.claim_due) ------------

    def due_articles(self, due_by: str | None, limit: int | None, *, skip: Collection[int] = (),
                     checked_since: str | None = None, again: Collection[int] = (),
                     lease_s: float = DEFAULT_LEASE_S) -> list[dict[str, Any]]:
        """Due articles, as SQLite's store orders them, each leased to this store until its check is
        recorded (`update_article`) or the lease runs out: another poll running meanwhile skips them."""
        claimed = claim_due(self.db.conn, self.worker, due_by=due_by, limit=_ALL if limit is None else limit,
                            lease_s=lease_s, skip=sorted(skip), checked_since=checked_since, again=sorted(again))
        return [dataclasses.asdict(article) for article in claimed]

    def update_article(self, article_id: int, changes: dict[str, Any]) -> None:
        """Set these columns; a recorded check (its next check time) gives this store's lease back."""
        if "next_check_at" in changes:
            self._end_lease("articles", article_id)
        super().update_article(article_id, changes)

    def feeds_to_poll(self, limit: int | None = None, *, skip: Collection[int] = (),
                      lease_s: float = DEFAULT_LEASE_S) -> list[dict[str, Any]]:
        """Feeds no other poll is reading now, in the order added, each leased to this store until it is
        read (`update_feed`)."""
        claimed = claim_feeds(self.db.conn, self.worker, read_before="9999", limit=_ALL if limit is None else limit,
                              lease_s=lease_s, skip=sorted(skip))
        return [dataclasses.asdict(feed) for feed in claimed]

    def take_host_turn(self, host: str, *, per_host: int, delay_s: float, lease_s: float) -> tuple[int | None, float]:
        """A turn shared with every poll on this database, through its `host_slots` (postgres.take_host_turn)."""
        with server_errors(str(self.server)):
            return take_host_turn(self.db.conn, self.worker, host, per_host=per_host, delay_s=delay_s, lease_s=lease_s)

    def end_host_turn(self, host: str, slot: int) -> None:
        """Give the slot back for the next request to `host`, from this poll or another."""
        with server_errors(str(self.server)):
            end_host_turn(self.db.conn, self.worker, host, slot)

    def update_feed(self, feed_id: int, changes: dict[str, Any]) -> None:
        """Set these columns; a feed read (its last check time) gives this store's lease back."""
        if "last_checked_at" in changes:
            self._end_lease("feeds", feed_id)
        super().update_feed(feed_id, changes)

    def _end_lease(self, table: str, row_id: int) -> None:
        """Give back this store's lease on an article or feed (none if it ran out and another took it)."""
        self.db.conn.execute(f"UPDATE {table} SET claimed_by = NULL, lease_until = NULL "
                             "WHERE id = %s AND claimed_by = %s", [row_id, self.worker])

    @classmethod
    def connect(cls, server: ServerUrl) -> PostgresStore:
        """The store on `server`, migrated; ServerError when it cannot be reached, SchemaError when a newer
        newsdiff made it."""
        return cls(PgDatabase(open_server(server), str(server)), server)

    @contextmanager
    def write(self) -> Iterator[PgDatabase]:  # type: ignore[override]
        """One write transaction; nested calls are savepoints in the outer one.

        Writers take turns, as on SQLite (a transaction-scoped advisory lock, taken up front): the shared
        logic reads before it writes (the next version number, whether a URL or outlet is known), which
        two workers storing at once could otherwise both act on. A write is short (fetching and
        extraction happen outside it), so workers still fetch in parallel."""
        from psycopg.pq import TransactionStatus

        outermost = self.db.conn.info.transaction_status == TransactionStatus.IDLE
        with server_errors(str(self.server)), self.db.conn.transaction():
            if outermost:
                self.db.conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            yield self.db

    @contextmanager
    def snapshot(self) -> Iterator[PgDatabase]:  # type: ignore[override]
        """One repeatable-read transaction, so a long read sees one state while workers write."""
        from psycopg.pq import TransactionStatus

        if self.db.conn.info.transaction_status != TransactionStatus.IDLE:
            yield self.db
            return
        with self.db.conn.transaction():
            self.db.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield self.db

    def _named(self, row: dict[str, Any]) -> dict[str, Any]:
        """As SQLite's store names an article row, without the work queue's own columns (its lease)."""
        row.pop("claimed_by", None)
        row.pop("lease_until", None)
        return super()._named(row)

    @contextmanager
    def one_at_a_time(self, purpose: str) -> Iterator[None]:
        """A session advisory lock named after `purpose`, waited for: polls on many hosts send in turn."""
        self.db.conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"newsdiff:{purpose}"])
        try:
            yield
        finally:
            self.db.conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"newsdiff:{purpose}"])

    def size_on_disk(self) -> int | None:
        """Bytes the server's database takes."""
        row = self.db.conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return None if row is None else int(row[0])

    def vacuum(self) -> tuple[int | None, int | None]:
        """Rewrite the tables without dead rows (VACUUM FULL): (bytes before, bytes after)."""
        before = self.size_on_disk()
        self.db.conn.execute("VACUUM FULL")
        return before, self.size_on_disk()

    def cached(self, version_id: int, kind: str, compute: Callable[[], Any]) -> Any:
        """Derived data (JSON-serialisable) computed once per version and kept; `kind` names what made it."""
        value = self.derived(version_id, kind)
        if value is not None:
            return value
        value = compute()
        with self.write():
            self.db.conn.execute("INSERT INTO derived (version_id, kind, data) VALUES (%s, %s, %s) "
                                 "ON CONFLICT (version_id, kind) DO UPDATE SET data = excluded.data",
                                 [version_id, kind, json.dumps(value, ensure_ascii=False)])
        return value

    def has_alert_queue(self) -> bool:
        return True  # the server's migrations always run on open

    def integrity_damage(self) -> list[Damage]:
        """The server's own check of its pages and indexes (amcheck: see pg_pages), as SQLite's store runs
        `integrity_check`."""
        return page_damage(self.db.conn)

    def _remove_passages(self, article_id: int, known: dict[tuple[str, int], str]) -> int:
        """An article's passages go with their terms: no text is needed to forget them."""
        return self.db.conn.execute("DELETE FROM passages WHERE article_id = %s", [article_id]).rowcount

    def _references(self) -> list[tuple[str, str, str]]:
        """Every foreign key of the schema, as (table, column, parent table)."""
        return [tuple(row) for row in self.db.conn.execute(
            "SELECT k.table_name, k.column_name, u.table_name FROM information_schema.referential_constraints r "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = r.constraint_name "
            "AND k.constraint_schema = r.constraint_schema "
            "JOIN information_schema.constraint_column_usage u ON u.constraint_name = r.unique_constraint_name "
            "AND u.constraint_schema = r.unique_constraint_schema "
            "WHERE k.constraint_schema = current_schema() ORDER BY 1, 2")]

    def _database_usage(self) -> dict[str, Any]:
        """The `database` part of `stats`: the server's database and each table's bytes (indexes and
        TOAST included), biggest first; pages are the server's business, so those figures are None."""
        tables = {name: int(size) for name, size in self.db.conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace ORDER BY 2 DESC, 1")}
        parts = {part: sum(tables.get(t, 0) for t in names) for part, names in usage.PARTS.items()}
        return {"path": str(self.server), "bytes_on_disk": self.size_on_disk(), "page_bytes": None,
                "free_bytes": None, "unused_bytes": None,
                "parts": {**parts, "other": sum(tables.values()) - sum(parts.values())}, "tables": tables}

    def search_statement(self, columns: str, fts: str, ranked: bool,
                         article_id: int | None = None) -> tuple[str, list[Any]] | None:
        """The statement finding the passages that match the FTS5 expression `fts` (pg_search translates
        it; SQLite's own parser words the error for a malformed one), of one article only with
        `article_id` (then in the order they were first written), best-ranked first when `ranked`; None
        when nothing can match."""
        part = self._translated(fts)
        if part is None or part is NOTHING:
            return None
        where, params = part.condition()
        if article_id is not None:  # one article's, as first written: ranked would weigh them over all again
            return (f"SELECT {columns} FROM passages WHERE ({where}) AND article_id = %s ORDER BY id",
                    [*params, article_id])
        order = " ORDER BY ts_rank(terms, %s::tsquery, 2) DESC, id" if ranked else ""
        return f"SELECT {columns} FROM passages WHERE {where}{order}", [*params, *([part.tsquery] if ranked else [])]

    def _translated(self, fts: str) -> Part | None:
        """`fts` as a condition on the server's index, kept: a search asks for its expressions again for each
        article it reads, and each translation is a round trip to the server for the words' lexemes."""
        if fts not in self._translations:
            check_expression(fts)
            if len(self._translations) >= _TRANSLATIONS_KEPT:
                self._translations.clear()
            self._translations[fts] = translate(self.db.conn, SEARCH_CONFIG, fts)
        return self._translations[fts]

    def _search(self, columns: str, fts: str, ranked: bool, article_id: int | None = None) -> Any:
        statement = self.search_statement(columns, fts, ranked, article_id)
        if statement is None:
            return []
        return self.db.conn.cursor(row_factory=_dict_row()).execute(*statement)

    def matching_passages(self, fts: str, article_id: int | None = None) -> list[dict[str, Any]]:
        """Passages (id, article_id, kind, hash, versions) matching `fts`, best-ranked first: ts_rank over the
        passage's length (normalisation 2): like SQLite's bm25 it favours short passages, so results come
        in the same order on the tests' archives (not guaranteed on every archive: the formulas differ).
        With `article_id`, that article's only, in the order they were first written, as on SQLite."""
        return list(self._search("id, article_id, kind, hash, versions", fts, ranked=True, article_id=article_id))

    def passages_matching(self, fts: str, article_id: int | None = None) -> set[int]:
        """The ids of the passages matching `fts` (of one article only with `article_id`)."""
        return {row["id"] for row in self._search("id", fts, ranked=False, article_id=article_id)}

    def ranked_articles(self, fts: str) -> list[int]:
        """The articles with a passage matching `fts`, in the order of their best-ranked one."""
        return list(dict.fromkeys(row["article_id"] for row in self._search("id, article_id", fts, ranked=True)))

    def orphan_damage(self) -> list[Damage]:
        """The server enforces every reference, and a passage's terms are in its own row: only raw inputs
        nothing uses are left to find."""
        return self._unused_raws()
