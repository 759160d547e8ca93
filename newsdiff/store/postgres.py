"""The store's tables on a PostgreSQL server, for archives and poll workers that outgrow one SQLite file.

psycopg is imported only here, and only when a `postgresql://` database is opened: a SQLite user never
pays for it, nor needs it installed. Every failure to reach the server (refused, unknown host, bad
password, no such database) is one ServerError naming the server without its password.

Migrations are versioned and transactional, like SQLite's: each runs in one transaction with its row in
`newsdiff_migrations`, under an advisory lock so that workers starting together migrate once.

Workers share the queue of due articles and feeds through row leases: `claim_due` takes a batch with
`SELECT ... FOR UPDATE SKIP LOCKED` and stamps each row with a lease; a worker that dies (SIGKILL, lost
host) holds its rows only until the lease runs out, then any worker claims them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..dburl import ServerUrl
from .errors import SchemaError, ServerError
from .interface import DEFAULT_LEASE_S

if TYPE_CHECKING:
    import psycopg

    from .interface import Store

CONNECT_TIMEOUT_S = 10
MIGRATIONS_TABLE = "newsdiff_migrations"
MIGRATION_LOCK = 0x6E657773  # "news": the advisory lock key taken while migrating
HOST_RETRY_S = 0.05  # how soon to ask again for a host whose requests in flight are all taken


def _reason(exc: Exception) -> str:
    """The server's or libpq's own reason, first line only, with the 'connection to server at ...' prefix
    (which names the address again) and any password removed."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "failed: " in text:
        text = text.rsplit("failed: ", 1)[1]
    return text.replace("FATAL:  ", "").strip()


def connect(server: ServerUrl, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    """A connection to `server`, or ServerError: one line that names it without its password."""
    try:
        import psycopg
    except ImportError:
        raise ServerError(f"cannot use {server}: PostgreSQL support is not installed "
                          "(pip install 'newsdiff[postgres]')") from None
    try:
        return psycopg.connect(server.url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        reason, password = _reason(exc), _password(server)
        if server.url in reason or (password and password in reason):  # libpq may echo what it was given
            reason = "connection failed"
        raise ServerError(f"cannot connect to {server}: {reason}") from None


def _password(server: ServerUrl) -> str | None:
    import urllib.parse

    password = urllib.parse.urlsplit(server.url).password
    return urllib.parse.unquote(password) if password else None


# -- migrations -------------------------------------------------------------------------------------

# Each (name, statements): the same tables as SQLite's store after its m008, so an archive copies over
# column for column; times stay ISO text, as SQLite's, so output is the same on both.
MIGRATIONS: list[tuple[str, str]] = [
    ("m001_initial", """
    CREATE TABLE sources (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
    CREATE TABLE feeds (
        id BIGSERIAL PRIMARY KEY, url TEXT NOT NULL UNIQUE, source_id BIGINT REFERENCES sources(id),
        added_at TEXT NOT NULL, etag TEXT, last_modified TEXT, last_checked_at TEXT, last_status INTEGER,
        last_error TEXT, title TEXT, from_config INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE articles (
        id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL UNIQUE, url TEXT, source_id BIGINT REFERENCES sources(id),
        title TEXT, created_at TEXT NOT NULL, tracked INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'active', last_changed_at TEXT, last_checked_at TEXT, next_check_at TEXT,
        etag TEXT, last_modified TEXT);
    CREATE INDEX idx_articles_source_id ON articles(source_id);
    CREATE INDEX idx_articles_due ON articles(tracked, status, next_check_at);
    CREATE TABLE article_urls (url TEXT PRIMARY KEY, article_id BIGINT REFERENCES articles(id), added_at TEXT);
    CREATE INDEX idx_article_urls_article_id ON article_urls(article_id);
    CREATE TABLE raws (
        id BIGSERIAL PRIMARY KEY, sha256 TEXT NOT NULL, size BIGINT NOT NULL, content_type TEXT,
        compression TEXT NOT NULL, data BYTEA, base_id BIGINT REFERENCES raws(id));
    CREATE INDEX idx_raws_sha256_prefix ON raws(substr(sha256, 1, 16));
    CREATE TABLE versions (
        id BIGSERIAL PRIMARY KEY, article_id BIGINT NOT NULL REFERENCES articles(id), number INTEGER NOT NULL,
        captured_at TEXT NOT NULL, title TEXT, byline TEXT, standfirst TEXT, published TEXT, text TEXT NOT NULL,
        content_hash TEXT NOT NULL, word_count INTEGER NOT NULL, format TEXT, extractor TEXT,
        extractor_version TEXT, label TEXT, meta TEXT, raw_id BIGINT REFERENCES raws(id),
        storage TEXT NOT NULL DEFAULT 'plain', data BYTEA, text_size INTEGER,
        UNIQUE (article_id, number), UNIQUE (article_id, content_hash));
    CREATE INDEX idx_versions_hash_prefix ON versions(substr(content_hash, 1, 16));
    CREATE INDEX idx_versions_captured_at ON versions(captured_at, id);  -- feeds: the newest edits first
    CREATE TABLE fetches (
        id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, url TEXT NOT NULL, article_id BIGINT REFERENCES articles(id),
        feed_id BIGINT REFERENCES feeds(id), status_code INTEGER, outcome TEXT NOT NULL, error TEXT,
        duration_ms INTEGER, raw_id BIGINT REFERENCES raws(id));
    CREATE INDEX idx_fetches_article_id ON fetches(article_id);
    CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, article_id BIGINT NOT NULL REFERENCES articles(id),
        version_id BIGINT REFERENCES versions(id), kind TEXT NOT NULL, detail TEXT);
    CREATE INDEX idx_events_article_id ON events(article_id);
    CREATE TABLE derived (
        version_id BIGINT NOT NULL REFERENCES versions(id), kind TEXT NOT NULL, data TEXT,
        PRIMARY KEY (version_id, kind));
    -- The search index: each distinct passage of an article once, as a tsvector (no copy of the text,
    -- like SQLite's contentless FTS5 table); 'simple' with unaccent-free folding keeps every word.
    CREATE TABLE passages (
        id BIGSERIAL PRIMARY KEY, article_id BIGINT NOT NULL REFERENCES articles(id), kind TEXT NOT NULL,
        hash BIGINT NOT NULL, versions TEXT NOT NULL, terms TSVECTOR NOT NULL);
    CREATE INDEX idx_passages_article_id ON passages(article_id);
    CREATE INDEX idx_passages_terms ON passages USING GIN (terms);
    CREATE TABLE alert_rules (name TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL);
    CREATE TABLE alerts (
        id BIGSERIAL PRIMARY KEY, rule TEXT NOT NULL, article_id BIGINT NOT NULL REFERENCES articles(id),
        version_id BIGINT NOT NULL REFERENCES versions(id), queued_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
        not_before TEXT, last_error TEXT, sent_at TEXT, UNIQUE (rule, version_id));
    CREATE INDEX idx_alerts_status ON alerts(status, next_attempt_at);
    """),
    ("m002_leases", """
    -- Who is checking an article or reading a feed, until when: a worker's claim (see claim_due).
    ALTER TABLE articles ADD COLUMN claimed_by TEXT, ADD COLUMN lease_until TIMESTAMPTZ;
    ALTER TABLE feeds ADD COLUMN claimed_by TEXT, ADD COLUMN lease_until TIMESTAMPTZ;
    """),
    ("m003_search_config", """
    -- Words as SQLite's index tokenizes them (unicode61 remove_diacritics): lower case, accents folded,
    -- no stemming and no stop words, so a search finds the same passages on both.
    CREATE EXTENSION IF NOT EXISTS unaccent;
    CREATE TEXT SEARCH CONFIGURATION newsdiff (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION newsdiff ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    """),
    ("m004_host_turns", """
    -- Politeness across workers: a host's requests in flight are its leased slots (a killed worker's
    -- slot frees when its lease runs out), and next_at is when the next request to it may start.
    CREATE TABLE host_slots (
        host TEXT NOT NULL, slot INTEGER NOT NULL, held_by TEXT, lease_until TIMESTAMPTZ, PRIMARY KEY (host, slot));
    CREATE TABLE host_pace (host TEXT PRIMARY KEY, next_at TIMESTAMPTZ NOT NULL);
    """),
    ("m005_raw_digests_as_bytes", """
    -- As SQLite's m011: a raw input's SHA-256 as its 32 bytes, looked up by the first 8.
    DROP INDEX idx_raws_sha256_prefix;
    ALTER TABLE raws ALTER COLUMN sha256 TYPE BYTEA USING decode(sha256, 'hex');
    CREATE INDEX idx_raws_sha256_prefix ON raws(substr(sha256, 1, 8));
    """),
    ("m006_compact_version_rows", """
    -- As SQLite's m013: a version is no longer also an event (the row repeated the version's number), its
    -- content hash is kept as 32 bytes, looked up by the first 8, and a raw kept as its version's text
    -- keeps no digest of its own (raws.NO_DIGEST).
    DELETE FROM events WHERE kind = 'version';
    UPDATE raws SET sha256 = ''::bytea WHERE compression = 'version-text';
    DROP INDEX idx_versions_hash_prefix;
    ALTER TABLE versions ALTER COLUMN content_hash TYPE BYTEA USING decode(content_hash, 'hex');
    CREATE INDEX idx_versions_hash_prefix ON versions(substr(content_hash, 1, 8));
    """),
    ("m007_passages_searched_serially", """
    -- A search is never split over parallel workers: it reads its matches from the GIN index in one
    -- process anyway, and on a busy server starting workers and sharing the bitmap of matches costs more
    -- CPU and time than the split saves (scripts/bench_scale.py: 1.7x the CPU for two words).
    ALTER TABLE passages SET (parallel_workers = 0);
    """),
    ("m008_derived_pruned", """
    -- As SQLite's m014: the code version whose cached reports were last kept when the others were dropped.
    CREATE TABLE derived_pruned (prefix TEXT PRIMARY KEY, engine TEXT NOT NULL);
    """),
    ("m009_page_digest", """
    -- As SQLite's m015: the SHA-256 of an article's page, with what read it, as last read into its latest version.
    ALTER TABLE articles ADD COLUMN page_digest BYTEA;
    """),
    ("m010_reader_change", """
    -- As SQLite's m016: what read an article's latest version, and the versions that differ from the one
    -- before only in how newsdiff reads the same page.
    ALTER TABLE articles ADD COLUMN read_by BYTEA;
    ALTER TABLE versions ADD COLUMN reader_change INTEGER;
    """),
]


def pending(conn: psycopg.Connection[Any]) -> list[str]:
    """The migrations not yet applied to the database `conn` is on."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [MIGRATIONS_TABLE]).fetchone()
    applied = set() if not (exists and exists[0]) else {
        name for (name,) in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}
    return [name for name, _ in MIGRATIONS if name not in applied]


def migrate(conn: psycopg.Connection[Any]) -> list[str]:
    """Apply the pending migrations, each in its own transaction with its record; the names applied.

    The advisory lock makes a second process wait, then find nothing left to do."""
    if not pending(conn):
        return []
    done: list[str] = []
    conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
                     "(name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        todo = set(pending(conn))
        for name, sql in MIGRATIONS:
            if name in todo:
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} (name) VALUES (%s)", [name])
                done.append(name)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
    return done


def open_server(server: ServerUrl) -> psycopg.Connection[Any]:
    """A connection to `server`'s database with every migration applied; ServerError when it cannot be
    reached, SchemaError when a newer newsdiff made it."""
    conn = connect(server)
    try:
        newer = newer_schema(conn)
        if newer:  # worded as the SQLite store words it
            raise SchemaError(f"{server}: made by a newer newsdiff (schema {max(map(_schema, newer))}, this one knows "
                              f"{max(_schema(name) for name, _ in MIGRATIONS)}): upgrade newsdiff")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _schema(name: str) -> int:
    """A migration's number: "m012_what" -> 12."""
    return int(name[1:4]) if name[1:4].isdigit() else 0


def newer_schema(conn: psycopg.Connection[Any]) -> list[str]:
    """Migrations recorded in the database that this newsdiff does not know (a newer one made them)."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [MIGRATIONS_TABLE]).fetchone()
    if not (exists and exists[0]):
        return []
    known = {name for name, _ in MIGRATIONS}
    return sorted(name for (name,) in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}") if name not in known)


# -- the work queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """An article this worker holds until `lease_until` (an ISO time on the server's clock)."""

    id: int
    key: str
    url: str
    title: str | None
    status: str
    etag: str | None
    last_modified: str | None
    last_checked_at: str | None
    source: str | None
    page_digest: bytes | None
    read_by: bytes | None


_CLAIMED_COLUMNS = ("a.id, a.key, a.url, a.title, a.status, a.etag, a.last_modified, a.last_checked_at, "
                    "s.name AS source, a.page_digest, a.read_by")


def claim_due(conn: psycopg.Connection[Any], worker: str, *, due_by: str | None, limit: int,
              lease_s: float = DEFAULT_LEASE_S, skip: Sequence[int] = (), checked_since: str | None = None,
              again: Sequence[int] = ()) -> list[Claimed]:
    """Take up to `limit` due articles (all tracked ones with `due_by` None) that no live lease holds,
    none of the ids in `skip`, none checked at or after `checked_since` but the ids in `again`.

    Never-checked articles first, then the most overdue, as a SQLite poll orders them. Rows another
    worker is claiming at this instant are skipped, not waited for: two workers never get one article,
    and neither blocks the other."""
    due = "" if due_by is None else "AND a.next_check_at <= %(due_by)s "
    if checked_since is not None:
        due += "AND (a.last_checked_at IS NULL OR a.last_checked_at < %(since)s OR a.id = ANY(%(again)s)) "
    rows = conn.execute(
        "WITH picked AS ("
        "  SELECT a.id FROM articles a WHERE a.tracked = 1 AND a.status IN ('active', 'gone') " + due +
        "  AND (a.lease_until IS NULL OR a.lease_until < now()) AND a.id <> ALL(%(skip)s) "
        "  ORDER BY a.last_checked_at IS NULL DESC, a.next_check_at, a.id LIMIT %(limit)s "
        "  FOR UPDATE SKIP LOCKED) "
        "UPDATE articles a SET claimed_by = %(worker)s, lease_until = now() + make_interval(secs => %(lease)s) "
        "FROM picked WHERE a.id = picked.id "
        "RETURNING a.id",
        {"due_by": due_by, "limit": limit, "worker": worker, "lease": lease_s, "skip": list(skip),
         "since": checked_since, "again": list(again)},
    ).fetchall()
    ids = [row[0] for row in rows]
    if not ids:
        return []
    found = conn.execute(
        f"SELECT {_CLAIMED_COLUMNS} FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
        "WHERE a.id = ANY(%s) ORDER BY a.last_checked_at IS NULL DESC, a.next_check_at, a.id", [ids]).fetchall()
    return [Claimed(*row) for row in found]


def release(conn: psycopg.Connection[Any], worker: str, article_id: int, *, checked_at: str,
            next_check_at: str | None, status: str) -> bool:
    """Record a check and give the article back to the queue; False when the lease had run out and
    another worker had claimed it meanwhile (its check stands, this one's schedule is dropped)."""
    cursor = conn.execute(
        "UPDATE articles SET claimed_by = NULL, lease_until = NULL, last_checked_at = %s, next_check_at = %s, "
        "status = %s WHERE id = %s AND claimed_by = %s",
        [checked_at, next_check_at, status, article_id, worker])
    return cursor.rowcount == 1




@dataclass(frozen=True)
class ClaimedFeed:
    """A feed this worker reads, held until its lease runs out."""

    id: int
    url: str
    source_id: int | None
    etag: str | None
    last_modified: str | None


def claim_feeds(conn: psycopg.Connection[Any], worker: str, *, read_before: str, limit: int,
                lease_s: float = DEFAULT_LEASE_S, skip: Sequence[int] = ()) -> list[ClaimedFeed]:
    """Take up to `limit` feeds not read since `read_before` that no live lease holds, none of the ids in
    `skip`, least recently read first: however many workers poll, each feed is read once per round."""
    found = conn.execute(
        "WITH picked AS ("
        "  SELECT id FROM feeds WHERE (last_checked_at IS NULL OR last_checked_at < %(before)s) "
        "  AND (lease_until IS NULL OR lease_until < now()) AND id <> ALL(%(skip)s) "
        "  ORDER BY last_checked_at IS NOT NULL, last_checked_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
        "UPDATE feeds f SET claimed_by = %(worker)s, lease_until = now() + make_interval(secs => %(lease)s) "
        "FROM picked WHERE f.id = picked.id RETURNING f.id, f.url, f.source_id, f.etag, f.last_modified",
        {"before": read_before, "limit": limit, "worker": worker, "lease": lease_s, "skip": list(skip)}).fetchall()
    return sorted((ClaimedFeed(*row) for row in found), key=lambda feed: feed.id)


def release_feed(conn: psycopg.Connection[Any], worker: str, feed_id: int, *, checked_at: str) -> bool:
    """Record that the feed was read and give it back; False when this worker's lease had run out."""
    cursor = conn.execute("UPDATE feeds SET claimed_by = NULL, lease_until = NULL, last_checked_at = %s "
                          "WHERE id = %s AND claimed_by = %s", [checked_at, feed_id, worker])
    return cursor.rowcount == 1


def take_host_turn(conn: psycopg.Connection[Any], worker: str, host: str, *, per_host: int, delay_s: float,
                   lease_s: float = DEFAULT_LEASE_S) -> tuple[int | None, float]:
    """A turn to send one request to `host`, shared by every worker: (slot, 0) when this worker may go
    now (give the slot back with `end_host_turn`), else (None, seconds to wait before asking again),
    because `per_host` requests are in flight or the last one started less than `delay_s` ago."""
    with conn.transaction():
        conn.execute("INSERT INTO host_slots (host, slot) SELECT %s, generate_series(0, %s - 1) "
                     "ON CONFLICT DO NOTHING", [host, per_host])
        conn.execute("INSERT INTO host_pace (host, next_at) VALUES (%s, now()) ON CONFLICT DO NOTHING", [host])
        wait = conn.execute("SELECT greatest(0, extract(epoch FROM next_at - now())) FROM host_pace "
                            "WHERE host = %s FOR UPDATE", [host]).fetchone()
        if wait and wait[0] > 0:
            return None, float(wait[0])
        free = conn.execute(
            "SELECT slot FROM host_slots WHERE host = %s AND slot < %s AND (held_by IS NULL OR lease_until < now()) "
            "ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED", [host, per_host]).fetchone()
        if free is None:
            return None, HOST_RETRY_S
        conn.execute("UPDATE host_slots SET held_by = %s, lease_until = now() + make_interval(secs => %s) "
                     "WHERE host = %s AND slot = %s", [worker, lease_s, host, free[0]])
        conn.execute("UPDATE host_pace SET next_at = now() + make_interval(secs => %s) WHERE host = %s",
                     [delay_s, host])
        return int(free[0]), 0.0


def end_host_turn(conn: psycopg.Connection[Any], worker: str, host: str, slot: int) -> None:
    """Give back a slot `take_host_turn` gave (a no-op if its lease ran out and another worker took it)."""
    conn.execute("UPDATE host_slots SET held_by = NULL, lease_until = NULL WHERE host = %s AND slot = %s "
                 "AND held_by = %s", [host, slot, worker])

def rows(conn: psycopg.Connection[Any], sql: str,
         params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    """Each row as a dict of column name to value."""
    cursor = conn.execute(sql, params)
    keys = [d.name for d in cursor.description or ()]
    return [dict(zip(keys, row, strict=True)) for row in cursor]


# -- copying a SQLite archive over ------------------------------------------------------------------

# Parents before children, so every reference points at a row already copied.
COPIED_TABLES = ("sources", "feeds", "articles", "article_urls", "raws", "versions", "fetches", "events", "derived",
                 "alert_rules", "alerts")
SEARCH_CONFIG = "newsdiff"


@dataclass
class Copied:
    """Rows copied per table, and the versions rebuilt from the copy and verified against their hashes."""

    rows: dict[str, int]
    verified: int
    problems: list[str]


def _columns(conn: psycopg.Connection[Any], table: str) -> list[str]:
    return [name for (name,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s ORDER BY ordinal_position", [table])]


def copy_archive(store: Store, conn: psycopg.Connection[Any]) -> Copied:
    """Copy every row of a SQLite store into the empty PostgreSQL database `conn` is on, in one
    transaction, ids kept; the search index is rebuilt from the history (SQLite's keeps no text).
    ValueError, nothing copied, when the target already holds articles."""
    from .passage_index import indexed_text, texts
    from .sqlite import SQLiteStore

    if not isinstance(store, SQLiteStore):  # its rows are read with SQLite's own queries
        raise TypeError(f"copy_archive copies a SQLite store, not a {type(store).__name__}")

    migrate(conn)
    copied: dict[str, int] = {}
    with conn.transaction():
        if conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone():
            raise ValueError("the target database already holds articles; copy into an empty one")
        for table in COPIED_TABLES:
            wanted = set(_columns(conn, table))
            columns = [d[0] for d in store.db.execute(f"SELECT * FROM {table} LIMIT 0").description if d[0] in wanted]
            names = ", ".join(columns)
            count = 0
            with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in store.db.execute(f"SELECT {names} FROM {table} ORDER BY rowid"):
                    copy.write_row(row)
                    count += 1
            copied[table] = count
            if "id" in columns:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
        count = 0
        for (article_id,) in store.db.execute("SELECT id FROM articles ORDER BY id").fetchall():
            known: dict[tuple[str, int], str] = {}
            for item in store.rebuilt_versions(article_id):
                if item.text is not None:
                    known.update(texts(item.row["title"], item.text))
            for pid, kind, digest, versions in store.db.execute(
                    "SELECT id, kind, hash, versions FROM passages WHERE article_id = ? ORDER BY id", [article_id]):
                conn.execute(
                    f"INSERT INTO passages (id, article_id, kind, hash, versions, terms) "
                    f"VALUES (%s, %s, %s, %s, %s, to_tsvector('{SEARCH_CONFIG}', %s))",
                    [pid, article_id, kind, digest, versions, indexed_text(known.get((kind, digest), ""))])
                count += 1
        copied["passages"] = count
        conn.execute("SELECT setval(pg_get_serial_sequence('passages', 'id'), "
                     "coalesce((SELECT max(id) FROM passages), 0) + 1, false)")
    verified, problems = verify_history(conn)
    return Copied(copied, verified, problems)


def verify_history(conn: psycopg.Connection[Any]) -> tuple[int, list[str]]:
    """Every version on the server rebuilt from its stored rows and checked against its content hash:
    (versions verified, one line per version that is not)."""
    from .compact_history import rebuild

    verified, problems = 0, []
    articles = [article_id for (article_id,) in conn.execute("SELECT id FROM articles ORDER BY id")]
    for article_id in articles:
        for item in rebuild(rows(conn, "SELECT * FROM versions WHERE article_id = %s ORDER BY number", [article_id])):
            if item.text is None or item.problem:
                problems.append(f"article {article_id} version {item.number}: {item.problem or 'cannot be rebuilt'}")
            else:
                verified += 1
    return verified, problems
