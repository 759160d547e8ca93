"""The schema, as the migrations that make it: a new database runs them all, an older one the ones it lacks.

Each runs once, inside the write transaction that opens the database (see `SQLiteStore.open`); a
database made by a newer newsdiff, with migrations this one does not know, is refused.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..lazy import sha256
from ..model import content_hash
from .database import Database, MigrationSet
from .errors import DamagedHistory

if TYPE_CHECKING:
    import sqlite_utils

# Lookups by SHA-256 go through the first 16 hex digits (an index a quarter the size of one on the
# whole digest) and then compare the whole digest, written `+column = ?` so that SQLite still picks the
# prefix index (an equality on the column itself hides it from the planner).
HASH_PREFIX = 16
# A SHA-256 is kept as its 32 bytes, not 64 hex digits (raws' since m011, versions' content hashes since
# m013), and looked up by its first 8.
DIGEST_PREFIX = HASH_PREFIX // 2

migrations = MigrationSet("newsdiff")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("sources").create({"id": int, "name": str, "created_at": str}, pk="id", not_null={"name", "created_at"})
    db.table("sources").create_index(["name"], unique=True)

    db.table("feeds").create(
        {
            "id": int, "url": str, "source_id": int, "added_at": str, "etag": str, "last_modified": str,
            "last_checked_at": str, "last_status": int, "last_error": str,
        },
        pk="id", not_null={"url", "added_at"}, foreign_keys=[("source_id", "sources", "id")],
    )
    db.table("feeds").create_index(["url"], unique=True)

    db.table("articles").create(
        {
            "id": int, "key": str, "url": str, "source_id": int, "title": str, "created_at": str,
            "tracked": int, "status": str, "last_changed_at": str, "last_checked_at": str, "next_check_at": str,
        },
        pk="id", not_null={"key", "created_at", "status", "tracked"},
        defaults={"status": "active", "tracked": 0},
        foreign_keys=[("source_id", "sources", "id")],
    )
    db.table("articles").create_index(["key"], unique=True)
    db.table("articles").create_index(["source_id"])
    db.table("articles").create_index(["tracked", "status", "next_check_at"])

    # Every URL an article has been seen under (canonical, redirects, feed links) points at it.
    db.table("article_urls").create(
        {"url": str, "article_id": int, "added_at": str},
        pk="url", foreign_keys=[("article_id", "articles", "id")],
    )
    db.table("article_urls").create_index(["article_id"])

    db.table("raws").create(
        {"id": int, "sha256": str, "size": int, "content_type": str, "compression": str, "data": bytes},
        pk="id", not_null={"sha256", "size", "compression"},
    )
    db.table("raws").create_index(["sha256"], unique=True)

    db.table("versions").create(
        {
            "id": int, "article_id": int, "number": int, "captured_at": str, "title": str, "byline": str,
            "standfirst": str, "published": str, "text": str, "content_hash": str, "word_count": int,
            "format": str, "extractor": str, "extractor_version": str, "label": str, "meta": str, "raw_id": int,
        },
        pk="id",
        not_null={"article_id", "number", "captured_at", "text", "content_hash", "word_count"},
        foreign_keys=[("article_id", "articles", "id"), ("raw_id", "raws", "id")],
    )
    # These two make a duplicate version impossible, whoever races to write it.
    db.table("versions").create_index(["article_id", "number"], unique=True)
    db.table("versions").create_index(["article_id", "content_hash"], unique=True)
    db.table("versions").create_index(["content_hash"])

    db.table("fetches").create(
        {
            "id": int, "at": str, "url": str, "article_id": int, "feed_id": int, "status_code": int,
            "outcome": str, "error": str, "duration_ms": int, "raw_id": int,
        },
        pk="id", not_null={"at", "url", "outcome"},
        foreign_keys=[("article_id", "articles", "id"), ("feed_id", "feeds", "id"), ("raw_id", "raws", "id")],
    )
    db.table("fetches").create_index(["article_id"])

    db.table("events").create(
        {"id": int, "at": str, "article_id": int, "version_id": int, "kind": str, "detail": str},
        pk="id", not_null={"at", "article_id", "kind"},
        foreign_keys=[("article_id", "articles", "id"), ("version_id", "versions", "id")],
    )
    db.table("events").create_index(["article_id"])

    # Derived data computed once per version (sentence segmentation, ...), keyed by what computed it.
    db.table("derived").create(
        {"version_id": int, "kind": str, "data": str},
        pk=("version_id", "kind"), foreign_keys=[("version_id", "versions", "id")],
    )


@migrations()
def m002_tracking_validators(db: sqlite_utils.Database) -> None:
    """Article pages are fetched conditionally too; feeds keep their title for `feeds list`."""
    db.table("articles").add_column("etag", str)
    db.table("articles").add_column("last_modified", str)
    db.table("feeds").add_column("title", str)


@migrations()
def m003_compact_history(db: sqlite_utils.Database) -> None:
    """Older versions become reverse deltas (see compact_history.py) and a full-text index of passages appears.

    Every version is rebuilt and compared with its old plain text before the migration commits.
    """
    from . import compact_history
    from . import passage_index
    from .compact_history import compact_previous

    db.table("versions").add_column("storage", str, not_null_default=compact_history.PLAIN)
    db.table("versions").add_column("data", bytes)
    db.table("versions").add_column("text_size", int)
    passage_index.create(db)
    for (article_id,) in db.execute("SELECT id FROM articles ORDER BY id").fetchall():
        index = passage_index.PassageIndex(article_id)
        digests: dict[int, str] = {}
        previous: tuple[int, str] | None = None
        for version_id, number in db.execute(
            "SELECT id, number FROM versions WHERE article_id = ? ORDER BY number", [article_id]
        ).fetchall():
            title, text = db.execute("SELECT title, text FROM versions WHERE id = ?", [version_id]).fetchone()
            db.execute("UPDATE versions SET text_size = ? WHERE id = ?", [compact_history.text_size(text), version_id])
            digests[number] = sha256(text.encode("utf-8")).hexdigest()
            if previous is not None and previous[0] == number - 1:
                compact_previous(db, article_id, previous[0], text)
            previous = (number, text)
            index.add(number, title, text)
        index.write(db)
        rows = db.query("SELECT * FROM versions WHERE article_id = ? ORDER BY number", [article_id])
        for item in compact_history.rebuild(rows):
            if item.text is None or sha256(item.text.encode("utf-8")).hexdigest() != digests[item.number]:
                raise RuntimeError(f"compacting article {article_id} would change version {item.number}; "
                                   "nothing migrated")


@migrations()
def m004_readable_views(db: sqlite_utils.Database) -> None:
    """Views a person can read in Datasette: outlet names and URLs instead of ids, no compressed blobs."""
    db.create_view("article_list", """
        SELECT a.id AS article_id, s.name AS source, a.url, a.key, a.title, a.status, a.tracked,
               count(v.id) AS versions, min(v.captured_at) AS first_captured_at,
               max(v.captured_at) AS last_captured_at
        FROM articles a LEFT JOIN sources s ON s.id = a.source_id LEFT JOIN versions v ON v.article_id = a.id
        GROUP BY a.id""")
    db.create_view("article_versions", """
        SELECT v.article_id, s.name AS source, a.url, a.key, v.number AS version, v.title, v.captured_at,
               v.published, v.byline, v.word_count, v.format, v.label, v.content_hash
        FROM versions v JOIN articles a ON a.id = v.article_id LEFT JOIN sources s ON s.id = a.source_id""")


@migrations()
def m005_config_feeds(db: sqlite_utils.Database) -> None:
    """Feeds copied in from the config file are marked, so that one taken out of the file stops being polled."""
    db.table("feeds").add_column("from_config", int, not_null_default=0)


@migrations()
def m006_raw_bases(db: sqlite_utils.Database) -> None:
    """Raw inputs may be packed against an earlier raw of their article (see raws.py); older rows stay zlib.

    A plain ALTER TABLE: sqlite-utils' foreign-key helper would copy the whole table, every page stored."""
    db.execute('ALTER TABLE "raws" ADD COLUMN "base_id" INTEGER REFERENCES "raws"("id")')


@migrations()
def m007_alerts(db: sqlite_utils.Database) -> None:
    """Alerts: when each `[[alerts]]` rule first appeared (only versions captured since then alert), and one
    queued alert per rule and new version, written with the version (see alerts/queue.py). A rule is
    named, never its URL: URLs hold secrets."""
    db.table("alert_rules").create({"name": str, "first_seen_at": str}, pk="name", not_null={"first_seen_at"})
    db.table("alerts").create(
        {
            "id": int, "rule": str, "article_id": int, "version_id": int, "queued_at": str, "status": str,
            "attempts": int, "next_attempt_at": str, "not_before": str, "last_error": str, "sent_at": str,
        },
        pk="id", not_null={"rule", "article_id", "version_id", "queued_at", "status", "attempts"},
        defaults={"status": "pending", "attempts": 0},
        foreign_keys=[("article_id", "articles", "id"), ("version_id", "versions", "id")],
    )
    db.table("alerts").create_index(["rule", "version_id"], unique=True)
    db.table("alerts").create_index(["status", "next_attempt_at"])


@migrations()
def m008_compact_store(db: sqlite_utils.Database) -> None:
    """A smaller file for the same history (scripts/bench_size.py): each article's latest version compressed
    (it was plain text), a plain-text raw input that is exactly its version's text kept as a mark instead
    of a copy, the search index rebuilt with 8-byte passage keys and grouped figures' digits, and the
    lookups by content hash and raw sha256 indexed by a prefix of the digest (HASH_PREFIX).

    Only what reads back intact is converted: a damaged version or raw stays as it was, for `check` to
    name. `newsdiff vacuum` afterwards gives the freed pages back to the disk."""
    from . import compact_history
    from . import passage_index
    from . import raws

    for version_id, text, title, digest in db.execute(
        "SELECT id, text, title, content_hash FROM versions WHERE storage = ?", [compact_history.PLAIN]
    ).fetchall():
        if content_hash(title, text) == digest:
            db.execute("UPDATE versions SET storage = ?, data = ?, text = '' WHERE id = ?",
                       [compact_history.KEYFRAME, compact_history.encode_keyframe(text), version_id])
    from .sqlite import (
        SQLiteStore,  # the store reads what it migrates: imported here, where it is complete
    )

    store = SQLiteStore(Database(db.conn))  # the store's own reader, on the migration's connection
    for raw_id, compression in db.execute(  # only raws of a version's size can be its text: pages are not read
        "SELECT DISTINCT r.id, r.compression FROM raws r JOIN versions v ON v.raw_id = r.id "
        "WHERE r.size BETWEEN v.text_size AND v.text_size + length(CAST(coalesce(v.title, '') AS BLOB)) + 3"
    ).fetchall():
        if compression == raws.AS_TEXT:
            continue
        try:
            data = store.raw_bytes(raw_id)
            texts = [store.version_row(a, n) for a, n in db.execute(
                "SELECT article_id, number FROM versions WHERE raw_id = ?", [raw_id]).fetchall()]
        except (ValueError, DamagedHistory):
            continue
        if any(data in raws.text_forms(row["title"], row["text"]) for row in texts):
            db.execute("UPDATE raws SET compression = ?, data = NULL, base_id = NULL WHERE id = ?",
                       [raws.AS_TEXT, raw_id])
    db.execute("DROP INDEX IF EXISTS idx_versions_content_hash")
    db.execute(f"CREATE INDEX idx_versions_hash_prefix ON versions(substr(content_hash, 1, {HASH_PREFIX}))")
    db.execute("DROP INDEX IF EXISTS idx_raws_sha256")
    db.execute(f"CREATE INDEX idx_raws_sha256_prefix ON raws(substr(sha256, 1, {HASH_PREFIX}))")
    passage_index.drop(db)
    passage_index.create(db)
    for (article_id,) in db.execute("SELECT id FROM articles ORDER BY id").fetchall():
        index = passage_index.PassageIndex(article_id)
        for item in store.rebuilt_versions(article_id):
            if item.text is not None:
                index.add(item.number, item.row["title"], item.text)
        index.write(db)


@migrations()
def m009_one_version_hash_index(db: sqlite_utils.Database) -> None:
    """One index on versions' content hashes instead of two: the unique (article_id, content_hash) index
    held each 64-digit digest whole (1.5% of a plain-text history's raw bytes, scripts/bench_size.py)
    beside a prefix index for lookups across articles. A unique index on (hash prefix, article_id) does
    both jobs: it still makes a duplicate version of an article impossible, whoever races to write it
    (two texts of one article whose digests share 64 bits would be refused: a chance of 2^-64 a pair)."""
    db.execute("DROP INDEX IF EXISTS idx_versions_article_id_content_hash")
    db.execute("DROP INDEX IF EXISTS idx_versions_hash_prefix")
    db.execute(f"CREATE UNIQUE INDEX idx_versions_hash_prefix_article ON versions("
               f"substr(content_hash, 1, {HASH_PREFIX}), article_id)")


@migrations()
def m010_search_index_leaves(db: sqlite_utils.Database) -> None:
    """Search index leaves of passage_index.LEAF_BYTES: the index is rewritten at the next `vacuum`."""
    from . import passage_index

    passage_index.set_leaf_bytes(db)


@migrations()
def m011_raw_digests_as_bytes(db: sqlite_utils.Database) -> None:
    """Raw inputs' SHA-256 kept as 32 bytes instead of 64 hex digits, and indexed by the first 8 bytes:
    the rows of a plain-text import's raws (kept as their version's text) were mostly digest. A digest
    that is not hex (damaged) is left as it is, for `check` to name."""
    for raw_id, digest in db.execute("SELECT id, sha256 FROM raws").fetchall():
        if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest):
            db.execute("UPDATE raws SET sha256 = ? WHERE id = ?", [bytes.fromhex(digest), raw_id])
    db.execute("DROP INDEX IF EXISTS idx_raws_sha256_prefix")
    db.execute(f"CREATE INDEX idx_raws_sha256_prefix ON raws(substr(sha256, 1, {DIGEST_PREFIX}))")


@migrations()
def m012_versions_by_capture_time(db: sqlite_utils.Database) -> None:
    """Versions indexed by capture time (as PostgreSQL's from its start): a feed reads the newest edits
    first, page by page, instead of sorting every pair of a large archive (scripts/bench_scale.py)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_versions_captured_at ON versions(captured_at, id)")


@migrations()
def m013_compact_version_rows(db: sqlite_utils.Database) -> None:
    """What a plain-text history paid for per version beside its text (scripts/bench_size.py): a 'version'
    event per version, read by nothing, which repeated the version row's number; versions' content hashes
    as 64 hex digits (now their 32 bytes, indexed by the first 8 with the article, as raws' since m011); and
    the digest of each raw kept as its version's text, with its index entry (RAWS_WITH_DATA): those bytes
    are rebuilt from the version, which its own content hash checks (raws.NO_DIGEST). A content hash that
    is not hex (damaged) is left as it is, for `check` to name."""
    from . import raws
    from .raws import RAWS_WITH_DATA

    db.execute("DELETE FROM events WHERE kind = 'version'")
    db.execute("UPDATE raws SET sha256 = ? WHERE compression = ?", [raws.NO_DIGEST, raws.AS_TEXT])
    db.execute("DROP INDEX IF EXISTS idx_raws_sha256_prefix")
    db.execute(f"CREATE INDEX idx_raws_sha256_prefix ON raws(substr(sha256, 1, {DIGEST_PREFIX})) "
               f"WHERE {RAWS_WITH_DATA}")
    db.execute("DROP INDEX IF EXISTS idx_versions_hash_prefix_article")
    for version_id, digest in db.execute("SELECT id, content_hash FROM versions").fetchall():
        if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest):
            db.execute("UPDATE versions SET content_hash = ? WHERE id = ?", [bytes.fromhex(digest), version_id])
    db.execute(f"CREATE UNIQUE INDEX idx_versions_hash_prefix_article ON versions("
               f"substr(content_hash, 1, {DIGEST_PREFIX}), article_id)")
    db.execute("DROP VIEW IF EXISTS article_versions")  # m004's, which showed the hash as it is stored
    db.create_view("article_versions", """
        SELECT v.article_id, s.name AS source, a.url, a.key, v.number AS version, v.title, v.captured_at,
               v.published, v.byline, v.word_count, v.format, v.label, lower(hex(v.content_hash)) AS content_hash
        FROM versions v JOIN articles a ON a.id = v.article_id LEFT JOIN sources s ON s.id = a.source_id""")


@migrations()
def m014_derived_pruned(db: sqlite_utils.Database) -> None:
    """The code version whose cached reports were last kept when the others were dropped (`Reports.prune`):
    while it is the running one, `feed` and `publish` need not read every cached report to find stale ones."""
    db.execute("CREATE TABLE derived_pruned (prefix TEXT PRIMARY KEY, engine TEXT NOT NULL)")


@migrations()
def m015_page_digest(db: sqlite_utils.Database) -> None:
    """An article's page as last read into its latest version, as a SHA-256 of the page with what read it
    (track/poll.py): a poll that gets those very bytes again records them unchanged without extracting."""
    db.execute("ALTER TABLE articles ADD COLUMN page_digest BLOB")


@migrations()
def m016_reader_change(db: sqlite_utils.Database) -> None:
    """What read an article's latest version, and which versions differ from the one before only in how
    newsdiff reads the same page (track/poll.py): an upgrade or a changed site rule that reads pages
    differently gives such a version, kept in the history but never alerted or put in a feed as an edit.

    `articles.read_by`: the first 8 bytes of the SHA-256 of the reader (`sources.reader`) that read the
    latest version, NULL when unknown (stored before this, or by an import). `versions.reader_change`: 1
    for such a version, else NULL. The `article_versions` view shows it."""
    db.execute("ALTER TABLE articles ADD COLUMN read_by BLOB")
    db.execute("ALTER TABLE versions ADD COLUMN reader_change INTEGER")
    db.execute("DROP VIEW IF EXISTS article_versions")
    db.create_view("article_versions", """
        SELECT v.article_id, s.name AS source, a.url, a.key, v.number AS version, v.title, v.captured_at,
               v.published, v.byline, v.word_count, v.format, v.label, lower(hex(v.content_hash)) AS content_hash,
               coalesce(v.reader_change, 0) AS reader_change
        FROM versions v JOIN articles a ON a.id = v.article_id LEFT JOIN sources s ON s.id = a.source_id""")
