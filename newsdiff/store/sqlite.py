"""The snapshot store: one SQLite file holding every distinct version of every article, once."""

from __future__ import annotations

import os
import re
import sqlite3
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..model import (
    LEDE_CHARS,
    NotFound,
    clean_text,
    display_title,
    hex_digest,
    plural,
    utc_now,
)
from ..lazy import sha256
from .alert_queue import AlertQueue
from .database import MIGRATIONS_TABLE, Database, new_row
from .edit_pairs import EditPairs
from .errors import DamagedHistory, SchemaError, StoreBusy
from .full_text import FullTextSearch
from .integrity import Integrity
from .interface import Store
from .migrations import DIGEST_PREFIX, migrations
from .tracking import Tracking

if TYPE_CHECKING:  # the records load with the first one made: `list` makes none of them
    from ..records import ArticleRecord
    from .passage_index import PassageInsert
    from .raws import RawDigests
    from .compact_history import Rebuilt
    from .records import AddResult, Event, RawInput, StoredVersion, VersionRef

BUSY_TIMEOUT_MS = 30_000  # a cron poll and a reader (datasette, a user's `log`) wait for each other, not fail
# Pages of a new database file. Most rows are small (deltas of tens of bytes, index entries), and every
# table and index fills at least one page: 1 KB pages keep a history 10% smaller than 4 KB ones
# (scripts/bench_size.py); SQLite fixes the size when the file is created.
PAGE_SIZE = 1024

# An article's row as `resolve` gives it to readers (`log --json` shows it): the same on every backend, without
# the bookkeeping of polls (the page digest, PostgreSQL's leases).
_ARTICLE_SHOWN = ("a.id, a.key, a.url, a.source_id, a.title, a.created_at, a.tracked, a.status, a.last_changed_at, "
                  "a.last_checked_at, a.next_check_at, a.etag, a.last_modified")

# Where SQLite's write lock lives: a byte of the -shm file in WAL mode, the RESERVED byte of the database
# file otherwise (src/os_unix.c, src/wal.c).
_WRITE_LOCKS = (("-shm", 120), ("", 0x40000001))


def write_lock_holder(path: Path) -> str | None:
    """Who holds a database's write lock ("pid 123, sqlite3"), or None when unknown; read from Linux's /proc/locks
    without opening the database files (closing any handle on them would drop this process's own SQLite locks)."""
    wanted = set()
    try:
        for suffix, offset in _WRITE_LOCKS:
            file = path.with_name(path.name + suffix)
            if file.exists():
                st = file.stat()  # /proc/locks names a file as major:minor:inode, in hex, hex, decimal
                wanted.add((f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}", str(offset)))
        lines = Path("/proc/locks").read_text(encoding="ascii").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()  # "1: POSIX  ADVISORY  WRITE 23131 fe:00:2146542 120 120"
        if len(fields) >= 8 and fields[3] == "WRITE" and (fields[5], fields[6]) in wanted:
            pid = fields[4]
            try:
                name = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                name = ""
            return f"pid {pid}, {name}" if name.isprintable() and name else f"pid {pid}"
    return None


class _Alike(NamedTuple):
    """A stored version with the same content as a record being added."""

    id: int
    number: int
    label: str | None
    raw_id: int | None


class _Head(NamedTuple):
    """A version's number and word count: what a new version is placed and judged against."""

    number: int
    word_count: int


def _labels(value: str | None) -> list[str]:
    """A version's page labels: "2", or "2,3" for one text shown under two page versions."""
    return value.split(",") if value else []


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write (`mode=ro`). In a folder this user cannot write (or a read-only
    file system), SQLite cannot make the shared-memory file a WAL reader needs; with no write-ahead log
    there, no writer is at work and every committed change is in the file, so it is read as it stands
    (`immutable=1`)."""
    uri = "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        cannot_share = getattr(exc, "sqlite_errorname", "") in ("SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN")
        if not cannot_share or not path.is_file() or Path(f"{path}-wal").exists():
            raise
        conn = sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)
    return conn


def _schema(name: str) -> int:
    """The schema number a migration brings the database to: `m006_raw_bases` -> 6."""
    match = re.match(r"m(\d+)_", name)
    return int(match.group(1)) if match else 0


def _refuse_newer(db: Database, path: Path) -> None:
    """SchemaError when the database holds migrations this version does not have: a newer newsdiff made it.
    The newest schema known is the last of `migrations`, so adding one needs no other change."""
    known = {f.__name__ for f in migrations.functions}
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]).fetchone():
        return
    applied = {name for (name,) in db.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [migrations.name])}
    if applied - known:
        raise SchemaError(f"{path}: made by a newer newsdiff (schema {max(map(_schema, applied))}, this one "
                          f"knows {max(map(_schema, known))}): upgrade newsdiff")


class SQLiteStore(AlertQueue, EditPairs, FullTextSearch, Integrity, Tracking, Store):
    """A newsdiff database in one SQLite file (WAL mode). Open with `Store.open(path)`; every write is one
    transaction."""

    # The end of a derived entry's kind when its data is compressed (see `cached`).
    _PACKED = "+zlib"

    # How a new passage enters the search index: None for FTS5's contentless table (`PassageIndex.write`).
    _insert_passage: PassageInsert | None = None

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        # Called inside the transaction that stores each new version: whatever they write (queued alerts)
        # commits or rolls back with the version itself.
        self.on_version: list[Callable[[StoredVersion], None]] = []

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> SQLiteStore:
        """Open (creating and migrating when needed) the database at `path`; `readonly` for commands that
        only read, which then work on a file or folder they may not write, and can never change it.

        SchemaError when the file was made by a newer newsdiff, for reads too: its texts may be stored in
        a way this version would misread, and report as damage."""
        path = Path(path)
        if readonly:
            conn = _connect_readonly(path)
        else:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # a no-op once the file has tables
        db.execute("PRAGMA foreign_keys = ON")
        try:
            _refuse_newer(db, path)
        except BaseException:
            conn.close()
            raise
        store = cls(db, path)
        if readonly:
            if migrations.pending(db):  # an older schema is upgraded once, through a writable open
                conn.close()
                try:
                    cls.open(path).close()
                except sqlite3.OperationalError as exc:
                    raise SchemaError(f"{path}: made by an older newsdiff; a command that can write it must "
                                      f"upgrade it first ({exc})") from None
                return cls.open(path, readonly=True)
            return store
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if migrations.pending(db):
            with store.write():  # inside the write lock, so racing first opens migrate once
                _refuse_newer(db, path)
                migrations.apply(db)
        return store

    def close(self) -> None:
        self.db.close()

    def size_on_disk(self) -> int | None:
        """Bytes of the database file and its write-ahead log."""
        if self.path is None:
            return None
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def vacuum(self) -> tuple[int | None, int | None]:
        """Rewrite the file without unused space: (bytes before, bytes after).

        Compaction turns each superseded version's text into a small delta in place, which leaves most of
        its page empty, and SQLite only fills pages that new rows land in: without a rewrite now and then,
        the file keeps the size of the plain text."""
        from . import passage_index

        before = self.size_on_disk()
        with self.write():  # the search index's segments merged into one: a tenth smaller
            passage_index.optimize(self.db)
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return before, self.size_on_disk()

    def stats(self, top: int = 10) -> dict[str, Any]:
        """Counts, edits per source, the most edited articles (`top` of them) and what the file holds, by
        part: the document `newsdiff stats` shows."""
        from . import usage

        return usage.stats(self, top)

    def one_at_a_time(self, purpose: str) -> AbstractContextManager[None]:
        """Nothing to take: every caller already holds the file's poll lock (track.poll.poll_lock)."""
        return nullcontext()

    def take_host_turn(self, host: str, *, per_host: int, delay_s: float, lease_s: float) -> tuple[int | None, float]:
        """Always a turn: one poll at a time runs on a file (its run lock), so its own per-host limits
        (track.fetch.Fetcher) are all there are."""
        return 0, 0.0

    def end_host_turn(self, host: str, slot: int) -> None:
        """Nothing was taken (see take_host_turn)."""

    def _database_usage(self) -> dict[str, Any]:
        """The `database` part of `stats`: what the file holds."""
        from . import usage

        return usage.file_usage(self)

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction, taken up front so racing writers queue instead of deadlocking.

        Nested calls join the outer transaction, so a caller can make several writes all-or-nothing.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorname != "SQLITE_BUSY" or self.path is None:
                raise
            holder = write_lock_holder(self.path.resolve())
            raise StoreBusy(f"another process{f' ({holder})' if holder else ''} has held the write lock on "
                            f"{self.path} for longer than {BUSY_TIMEOUT_MS / 1000:g} s: try again later") from None
        try:
            yield self.db
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Database]:
        """One read transaction, so a long read (check, export) sees one state while a poll writes."""
        conn = self.db.conn
        if conn.in_transaction:
            yield self.db
            return
        conn.execute("BEGIN")
        try:
            yield self.db
        finally:
            if conn.in_transaction:  # a corrupt page may already have ended it
                conn.execute("ROLLBACK")  # nothing was written: this only lets go of the snapshot

    # -- writing -----------------------------------------------------------------

    def _source_id(self, name: str | None) -> int | None:
        name = clean_text(name) if name else None  # an outlet name from a feed, a flag or a file: one clean line
        if not name:
            return None
        row = self.db.execute("SELECT id FROM sources WHERE name = ?", [name]).fetchone()
        if row:
            return row[0]
        return new_row(self.db, "sources", {"name": name, "created_at": utc_now()})

    def _raw_id(self, raw: bytes | None, content_type: str | None, article_id: int,
                record: ArticleRecord) -> int | None:
        """Raw inputs are kept compressed, each distinct one once, packed against an earlier raw of the
        same article (the base of its latest version's raw, or that raw itself) when that pays; a plain-text
        file that is exactly `record`'s headline and text is not kept twice (raws.AS_TEXT)."""
        from . import raws

        if raw is None:
            return None
        digest = sha256(raw).digest()
        row = self.db.execute(f"SELECT id FROM raws WHERE substr(sha256, 1, {DIGEST_PREFIX}) = ? AND +sha256 = ? "
                              f"AND {raws.RAWS_WITH_DATA}", [digest[:DIGEST_PREFIX], digest]).fetchone()
        if row:
            return row[0]
        if raw in raws.text_forms(record.title, record.text):
            return new_row(self.db, "raws", {"sha256": raws.NO_DIGEST, "size": len(raw), "content_type": content_type,
                                             "compression": raws.AS_TEXT, "data": None})
        latest = next(self.db.query(
            "SELECT r.id, r.compression, r.base_id FROM versions v JOIN raws r ON r.id = v.raw_id "
            "WHERE v.article_id = ? ORDER BY v.number DESC LIMIT 1", [article_id]), None)
        base_id = None if latest is None else latest["id"] if raws.worth_a_base(latest["compression"]) \
            else latest["base_id"]
        base = None
        if base_id is not None:
            try:
                base = self.raw_bytes(base_id, as_base=True)
            except ValueError:  # a damaged base (`check` names it) must not stop new captures: pack alone
                base = None
        compression, data = raws.pack(raw, base)
        return new_row(self.db, "raws", {"sha256": digest, "size": len(raw), "content_type": content_type,
                                         "compression": compression, "data": data,
                                         "base_id": base_id if compression == raws.AGAINST_BASE else None})

    def raw_bytes(self, raw_id: int, *, as_base: bool = False) -> bytes:
        """A stored raw input's bytes, checked against its SHA-256, or for one kept as its version's text,
        rebuilt from the version and checked by its content hash (ValueError if it cannot be read back)."""
        from . import raws

        row = next(self.db.query("SELECT sha256, compression, data, base_id, size FROM raws WHERE id = ?", [raw_id]),
                   None)
        if row is None:
            raise ValueError(f"raw input {raw_id} is missing")
        if row["compression"] == raws.AS_TEXT:
            return self._raw_from_version(raw_id, row["size"])
        if as_base and not raws.worth_a_base(row["compression"]):
            raise ValueError(f"raw input {raw_id} is packed against another, so cannot be a base")
        base = None
        if row["base_id"] is not None:
            try:
                base = self.raw_bytes(row["base_id"], as_base=True)
            except ValueError as exc:
                raise ValueError(f"raw input {raw_id} cannot be read: its base {exc}") from exc
        try:
            data = raws.unpack(row["compression"], row["data"], base)
        except ValueError as exc:
            raise ValueError(f"raw input {raw_id} {exc}") from exc
        if len(data) != row["size"] or sha256(data).hexdigest() != hex_digest(row["sha256"]):
            raise ValueError(f"raw input {raw_id} does not match its sha256 and size")
        return data

    def _raw_digest(self, raw_id: int) -> str:
        """A raw input's SHA-256 (hex): as stored, or that of its bytes rebuilt when it is kept as its version's
        text (raws.NO_DIGEST). ValueError if those cannot be rebuilt."""
        from . import raws

        stored = self.db.execute("SELECT sha256 FROM raws WHERE id = ?", [raw_id]).fetchone()[0]
        if stored == raws.NO_DIGEST:
            return sha256(self.raw_bytes(raw_id)).hexdigest()
        return hex_digest(stored)

    def _is_stored_input(self, raw_id: int, raw: bytes) -> bool:
        """Whether `raw` is the stored raw input `raw_id`; False when that cannot be read back (`check` names it),
        so damage does not stop an import."""
        try:
            return self._raw_digest(raw_id) == sha256(raw).hexdigest()
        except ValueError:
            return False

    def _raw_from_version(self, raw_id: int, size: int) -> bytes:
        """A raw kept as its version's text (raws.AS_TEXT): rebuilt from a version read from it."""
        from . import raws

        for article_id, number in self.db.execute(
            "SELECT article_id, number FROM versions WHERE raw_id = ? ORDER BY article_id, number", [raw_id]
        ).fetchall():
            try:
                row = self.version_row(article_id, number)
            except DamagedHistory as exc:
                raise ValueError(f"raw input {raw_id} is kept as the text of {exc}, which cannot be rebuilt") from exc
            form = raws.text_form(row["title"], row["text"], size)
            if form is not None:
                return form
        raise ValueError(f"raw input {raw_id} is kept as a version's text, but no version read from it rebuilds it")

    def _article_for(self, key: str, url: str | None, source_id: int | None, digest: str,
                     now: str) -> tuple[int, str]:
        """The article this record belongs to, created if new, and its key (maybe another spelling of `key`).

        Without a URL, a text already stored verbatim is taken to be that article: re-importing a file
        that was first imported with `--url` must not start a second copy of the article.
        """
        row = self.db.execute(
            "SELECT a.id, a.key FROM articles a WHERE a.key = ? UNION "
            "SELECT a.id, a.key FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.url = ? LIMIT 1",
            [key, url or key]).fetchone()
        if row is None and url is None:
            stored = bytes.fromhex(digest)
            row = self.db.execute(
                f"SELECT v.article_id, a.key FROM versions v JOIN articles a ON a.id = v.article_id "
                f"WHERE substr(v.content_hash, 1, {DIGEST_PREFIX}) = ? AND +v.content_hash = ? ORDER BY v.id LIMIT 1",
                [stored[:DIGEST_PREFIX], stored]).fetchone()
        if row:
            if source_id is not None:
                self.db.execute("UPDATE articles SET source_id = coalesce(source_id, ?) WHERE id = ?",
                                [source_id, row[0]])
            return row[0], row[1]
        article_id = new_row(self.db, "articles", {"key": key, "url": url, "source_id": source_id, "created_at": now,
                                                   "tracked": 0, "status": "active"})
        if url:
            self.db.insert_row("article_urls", {"url": url, "article_id": article_id, "added_at": now}, ignore=True)
        return article_id, key

    def add_version(
        self,
        record: ArticleRecord,
        *,
        key: str,
        raw: bytes | None = None,
        content_type: str | None = None,
        suspect_ratio: float | None = None,
        reread: bool = False,
        reader_change: bool = False,
    ) -> AddResult:
        """Store `record` as a version of article `key` unless its content is already stored.

        A record captured before the latest version (an archive imported late, dumps out of order) takes
        its place in capture order and the later versions are renumbered. A body much shorter than the
        latest version (below `suspect_ratio` of its words) is not stored: it is logged as a suspect
        fetch, because a half-extracted page is likelier than a gutted article. With `reread` (import),
        the very input an earlier version came from, given no capture time of its own, is that version
        read again, not a revert to it, and a new text read from the latest version's very input is that
        input read differently (`reader_change`). With `reader_change` (a poll), the record is the latest
        version's own input as newsdiff reads it now: stored as a version marked so
        (`versions.reader_change`), which neither alerts nor feeds count as an edit.
        """
        from .records import AddResult, StoredVersion

        now = utc_now()
        captured_at = record.captured_at or now
        with self.write():
            article_id, key = self._article_for(key, record.url, self._source_id(record.source), record.content_hash,
                                                now)
            alike = self._stored_alike(article_id, record.content_hash)
            number, latest = self._place(article_id, captured_at, record.label)
            if alike is not None and latest is not None:  # a text stored before: the article has versions
                reread_input = reread and record.captured_at is None and raw is not None \
                    and alike.raw_id is not None and self._is_stored_input(alike.raw_id, raw)
                again = alike.number == latest.number or number <= latest.number or reread_input
                return self._already_stored(article_id, key, alike, record.label, captured_at, again=again)
            reason = self._suspect_reason(article_id, record, number, latest, suspect_ratio)
            if reason is not None:
                self._event(article_id, None, "suspect", {"reason": reason, "captured_at": captured_at})
                return AddResult(article_id, key, "suspect", None, reason=reason)
            backdated = latest is not None and number <= latest.number
            if reread and raw is not None and latest is not None and not backdated and record.captured_at is None:
                reader_change = reader_change or self._read_from(article_id, latest.number, raw)
            version_id = self._place_version(article_id, number, record, captured_at, backdated=backdated,
                                             raw=raw, content_type=content_type, reader_change=reader_change)
            self._index_passages(article_id, number, record, backdated=backdated)
            self._record_new_version(StoredVersion(article_id, version_id, number, captured_at, reader_change),
                                     record.title, backdated=backdated)
        return AddResult(article_id, key, "new", number, backdated=backdated, reader_change=reader_change)

    def _read_from(self, article_id: int, number: int, raw: bytes) -> bool:
        """Whether version `number` of the article was read from this very input."""
        row = self.db.execute("SELECT raw_id FROM versions WHERE article_id = ? AND number = ?",
                              [article_id, number]).fetchone()
        return row is not None and row[0] is not None and self._is_stored_input(row[0], raw)

    def _stored_alike(self, article_id: int, digest: str) -> _Alike | None:
        """The version of the article whose content has this hash (hex), if one has."""
        stored = bytes.fromhex(digest)
        row = self.db.execute(
            "SELECT v.id, v.number, v.label, v.raw_id FROM versions v "
            f"WHERE substr(v.content_hash, 1, {DIGEST_PREFIX}) = ? AND v.article_id = ? AND +v.content_hash = ?",
            [stored[:DIGEST_PREFIX], article_id, stored]).fetchone()
        return None if row is None else _Alike(*row)

    def _head(self, article_id: int, number: int | None = None) -> _Head | None:
        """A version's number and word count: the latest, or version `number`."""
        where, params = ("", [article_id]) if number is None else ("AND number = ? ", [article_id, number])
        row = self.db.execute(f"SELECT number, word_count FROM versions WHERE article_id = ? {where}"
                              "ORDER BY number DESC LIMIT 1", params).fetchone()
        return None if row is None else _Head(*row)

    def _already_stored(self, article_id: int, key: str, alike: _Alike, label: str | None, captured_at: str, *,
                        again: bool) -> AddResult:
        """A text stored before: 'same' when met `again` (it is the latest, this capture is older than the
        latest, or the very input it was read from is read again), else a 'revert' to it (an event). A new
        page label is added to the version's."""
        from .records import AddResult

        if label and alike.label and label not in _labels(alike.label):
            # one text under several page versions (a dump of two identical versions): keep them all
            merged = sorted({*_labels(alike.label), label}, key=lambda x: (len(x), x))  # "2" < "10"
            self.db.execute("UPDATE versions SET label = ? WHERE id = ?", [",".join(merged), alike.id])
        if again:
            return AddResult(article_id, key, "same", None, existing=alike.number)
        self._event(article_id, None, "revert", {"to_version": alike.number, "captured_at": captured_at})
        return AddResult(article_id, key, "revert", None, existing=alike.number)

    def _suspect_reason(self, article_id: int, record: ArticleRecord, number: int, latest: _Head | None,
                        suspect_ratio: float | None) -> str | None:
        """Why a record looks half-extracted: far fewer words than the version it would follow (compared
        with that one, so an early stub backfilled before a grown story is no suspect); None if it does not."""
        if latest is None or suspect_ratio is None:
            return None
        before = latest if number > latest.number else self._head(article_id, number - 1)
        if before is None or record.word_count >= before.word_count * suspect_ratio:
            return None
        return f"{plural(record.word_count, 'word')} against {before.word_count} in version {before.number}"

    def _place_version(self, article_id: int, number: int, record: ArticleRecord, captured_at: str, *,
                       backdated: bool, raw: bytes | None, content_type: str | None, reader_change: bool) -> int:
        """Write the version as number `number` (the later ones moved up one when `backdated`), with its raw
        input, and re-store its neighbours as deltas against it; its id."""
        from . import compact_history
        from .compact_history import compact_previous
        import json

        if backdated:
            older = self.version_row(article_id, number - 1)["text"] if number > 1 else None
            newer = self.version_row(article_id, number)["text"]
            self._make_room(article_id, number)
        version_id = new_row(
            self.db, "versions", {
                "article_id": article_id, "number": number, "captured_at": captured_at,
                "title": record.title, "byline": record.byline, "standfirst": record.standfirst,
                "published": record.published, "text": "", "storage": compact_history.KEYFRAME,
                "data": compact_history.encode_keyframe(record.text),
                "content_hash": bytes.fromhex(record.content_hash),
                "word_count": record.word_count, "format": record.format, "extractor": record.extractor,
                "extractor_version": record.extractor_version, "label": record.label,
                "meta": json.dumps(record.meta, ensure_ascii=False, sort_keys=True) if record.meta else None,
                "raw_id": self._raw_id(raw, content_type, article_id, record),
                "text_size": compact_history.text_size(record.text), "reader_change": 1 if reader_change else None,
            })
        if backdated:
            compact_previous(self.db, article_id, number, newer)
            if older is not None:
                self.db.execute("UPDATE versions SET storage = ?, text = ?, data = NULL WHERE article_id = ? "
                                "AND number = ? AND storage = ?",
                                [compact_history.PLAIN, older, article_id, number - 1, compact_history.DELTA])
                compact_previous(self.db, article_id, number - 1, record.text)
        elif number > 1:
            compact_previous(self.db, article_id, number - 1, record.text)
        return version_id

    def _index_passages(self, article_id: int, number: int, record: ArticleRecord, *, backdated: bool) -> None:
        """Add the version's headline and paragraphs to the search index (renumbering when `backdated`)."""
        from . import passage_index

        index = passage_index.PassageIndex.load(self.db, article_id)
        if backdated:
            index.insert(number, record.title, record.text)
        else:
            index.add(number, record.title, record.text)
        index.write(self.db, self._insert_passage)

    def _record_new_version(self, stored: StoredVersion, title: str | None, *, backdated: bool) -> None:
        """The article's headline and last change follow its newest version, and the digest of the page last
        read into the latest version (m015) and what read it (m016) are dropped: whatever stored this one
        (an import, a poll) says which page it came from. The `on_version` hooks, in this transaction. No
        event: the version's own row says when it was captured (m013)."""
        if not backdated:
            self.db.execute("UPDATE articles SET title = ?, last_changed_at = ?, page_digest = NULL, read_by = NULL "
                            "WHERE id = ?",
                            [title, stored.captured_at, stored.article_id])
        for hook in self.on_version:
            hook(stored)

    def _place(self, article_id: int, captured_at: str, label: str | None) -> tuple[int, _Head | None]:
        """The number a new version takes: after every version captured before it (by the page's own
        version numbers when both carry one, as NewsSniffer dumps do; else by capture time), so after
        the latest unless it was captured earlier. With it, the latest version's number and word count
        (None for a new article), read in the same statement."""
        rows = self.db.execute("SELECT number, captured_at, label, word_count FROM versions WHERE article_id = ? "
                               "ORDER BY number", [article_id]).fetchall()
        latest = _Head(rows[-1][0], rows[-1][3]) if rows else None
        for number, their_time, their_label, _ in rows:
            theirs = [int(x) for x in _labels(their_label) if x.isdigit()]
            if label and label.isdigit() and theirs:
                if min(theirs) > int(label):
                    return number, latest
            elif their_time > captured_at:
                return number, latest
        return (latest.number if latest else 0) + 1, latest

    def _make_room(self, article_id: int, number: int) -> None:
        """Renumber versions `number` and up by one (through negatives, so the unique index never sees
        two at once); the reports cached for the article name versions by number, so they go."""
        self.db.execute("UPDATE versions SET number = -number - 1 WHERE article_id = ? AND number >= ?",
                        [article_id, number])
        self.db.execute("UPDATE versions SET number = -number WHERE article_id = ? AND number < 0", [article_id])
        self._invalidate_reports(article_id)

    def _invalidate_reports(self, article_id: int) -> None:
        """Drop the derived data (reports, segmentations) cached for an article's versions."""
        self.db.execute("DELETE FROM derived WHERE version_id IN (SELECT id FROM versions WHERE article_id = ?)",
                        [article_id])

    def _event(self, article_id: int, version_id: int | None, kind: str, detail: dict[str, Any]) -> None:
        import json

        self.db.insert_row("events", {"at": utc_now(), "article_id": article_id, "version_id": version_id,
                                      "kind": kind, "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True)})

    def forget(self, article_id: int) -> dict[str, int]:
        """Delete an article for good, with everything recorded about it: versions, raw inputs no other
        version or fetch uses, search index entries, cached reports, events, fetches and URLs. Counts of
        what went, by kind. Unlike `untrack`, nothing is kept. DamagedHistory (or ValueError), and nothing
        deleted, when a version cannot be rebuilt: a contentless search index forgets a passage only when
        given its exact text."""
        from . import passage_index

        known: dict[tuple[str, int], str] = {}
        for item in self.rebuilt_versions(article_id):
            if item.text is None:
                raise DamagedHistory(article_id, item.number, item.problem or "cannot rebuild")
            known.update(passage_index.texts(item.row["title"], item.text))
        db = self.db
        with self.write():
            versions = f"SELECT id FROM versions WHERE article_id = {int(article_id)}"
            used = {row[0] for row in db.execute(
                "SELECT raw_id FROM versions WHERE article_id = ? AND raw_id IS NOT NULL UNION "
                "SELECT raw_id FROM fetches WHERE article_id = ? AND raw_id IS NOT NULL", [article_id, article_id])}
            try:
                removed = {"passages": self._remove_passages(article_id, known)}
            except ValueError as exc:
                raise ValueError(f"article {article_id}: search index out of step with its history ({exc}); "
                                 "`newsdiff check` lists it, nothing was deleted") from None
            # Rows of any other table that point at the article or its versions go first (foreign keys).
            for table, column, parent in self._references():
                if table not in ("versions", "articles") and parent in ("versions", "articles"):
                    where = f"IN ({versions})" if parent == "versions" else f"= {int(article_id)}"
                    count = db.execute(f'DELETE FROM "{table}" WHERE "{column}" {where}').rowcount
                    removed[table] = removed.get(table, 0) + count
            removed["versions"] = db.execute("DELETE FROM versions WHERE article_id = ?", [article_id]).rowcount
            db.execute("DELETE FROM articles WHERE id = ?", [article_id])
            removed["raws"] = 0
            while True:  # a raw another raw is packed against goes once that one has gone
                gone = db.execute(
                    f"DELETE FROM raws WHERE id IN ({', '.join(map(str, used)) or 'NULL'}) "
                    "AND id NOT IN (SELECT raw_id FROM versions WHERE raw_id IS NOT NULL) "
                    "AND id NOT IN (SELECT raw_id FROM fetches WHERE raw_id IS NOT NULL) "
                    "AND id NOT IN (SELECT base_id FROM raws WHERE base_id IS NOT NULL)").rowcount
                removed["raws"] += gone
                if not gone:
                    break
        return removed

    def _remove_passages(self, article_id: int, known: dict[tuple[str, int], str]) -> int:
        """Take an article's passages out of the search index, given each one's text (`forget`); how many."""
        from . import passage_index

        return passage_index.remove(self.db, article_id, known)

    def _references(self) -> list[tuple[str, str, str]]:
        """Every foreign key of the schema, as (table, column, parent table)."""
        return [(table, fk[3], fk[2])
                for (table,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
                for fk in self.db.execute(f"PRAGMA foreign_key_list([{table}])").fetchall()]

    def source_id(self, name: str | None) -> int | None:
        """The id of outlet `name`, created on first use: feeds and tracked URLs name theirs up front."""
        return self._source_id(name)

    def event(self, article_id: int, kind: str, detail: dict[str, Any], version_id: int | None = None) -> None:
        """Record something that happened to an article besides a new version: gone, back, retired, or to
        one of its versions (saved to the Wayback Machine)."""
        self._event(article_id, version_id, kind, detail)

    # -- reading -----------------------------------------------------------------

    def resolve(self, ref: str) -> dict[str, Any]:
        """An article row from its id, key or any URL it was seen under, also as typed with tracking
        parameters or a fragment (URLs are stored without them)."""
        from ..urls import canonical_url, is_web_url

        ref = ref.strip()
        try:
            return self._resolve(ref)
        except NotFound:
            if not is_web_url(ref) or canonical_url(ref) == ref:
                raise
            try:
                return self._resolve(canonical_url(ref))
            except NotFound:
                raise NotFound(f"no article {ref!r} in the database") from None

    def _resolve(self, ref: str) -> dict[str, Any]:
        sql = (
            f"SELECT {_ARTICLE_SHOWN}, s.name AS source FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
            "WHERE a.key = ? OR a.url = ? OR a.id = (SELECT article_id FROM article_urls WHERE url = ?)"
        )
        params: list[Any] = [ref, ref, ref]
        if ref.isascii() and ref.isdigit() and int(ref) < 2**63:  # an id (a larger number is none: no overflow)
            sql += " OR a.id = ?"
            params.append(int(ref))
        rows = list(self.db.query(sql + " ORDER BY a.id", params))
        if not rows:
            raise NotFound(f"no article {ref!r} in the database")
        exact_id = [r for r in rows if str(r["id"]) == ref]
        return self._named((exact_id or rows)[0])

    def require_source(self, name: str) -> None:
        """NotFound, naming the sources there are, for an outlet name no article or feed has."""
        if self.db.execute("SELECT 1 FROM sources WHERE name = ?", [name]).fetchone():
            return
        known = [row[0] for row in self.db.execute("SELECT name FROM sources ORDER BY name LIMIT 21")]
        listed = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "") if known else "none yet"
        raise NotFound(f"no source {name!r} in the database (sources: {listed})")

    def articles(self, source: str | None = None) -> list[dict[str, Any]]:
        """Articles with their source, version count and latest capture, most recently changed first;
        NotFound for a source the database does not know (a typo is not an empty outlet)."""
        if source:
            self.require_source(source)
        sql = (
            "SELECT a.id, a.key, a.url, s.name AS source, a.title, a.status, a.tracked, "
            "count(v.id) AS versions, max(v.captured_at) AS last_captured_at "
            "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
            "LEFT JOIN versions v ON v.article_id = a.id "
        )
        params: list[Any] = []
        if source:
            sql += "WHERE s.name = ? "
            params.append(source)
        sql += "GROUP BY a.id, s.name ORDER BY last_captured_at DESC NULLS LAST, a.id DESC"
        return [self._named(row) for row in self.db.query(sql, params)]

    def article_source(self, article_id: int) -> str | None:
        """The outlet an article belongs to, if known."""
        row = self.db.execute("SELECT s.name FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.id = ?",
                              [article_id]).fetchone()
        return row[0] if row else None

    def lede(self, article_id: int) -> str | None:
        """The first words of an article's latest text (`model.display_title`), which name it when it has
        no headline; None without versions. The latest version stands alone: no delta is applied."""
        from . import compact_history

        row = next(self.db.query(
            f"SELECT storage, substr(text, 1, {LEDE_CHARS}) AS text, data FROM versions WHERE article_id = ? "
            "ORDER BY number DESC LIMIT 1", [article_id]), None)
        if row is None:
            return None
        try:
            text = compact_history.own_text(row)
        except (ValueError, zlib.error):  # damaged: `check` names it; the article is named by its URL meanwhile
            return None
        return display_title(None, text)

    def _named(self, row: dict[str, Any]) -> dict[str, Any]:
        """An article row with `display_title`: its headline, else its lede's first words (`lede`)."""
        row["display_title"] = row["title"] or self.lede(row["id"])
        return row

    def versions(self, article_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT id, number, captured_at, title, lower(hex(content_hash)) AS content_hash, word_count, "
                "format, extractor, "
                "extractor_version, label "
                "FROM versions WHERE article_id = ? ORDER BY number",
                [article_id],
            )
        )

    def events(self, article_id: int) -> list[dict[str, Any]]:
        """What happened to an article besides new versions (gone, back, moved, revert, suspect, ...), oldest first."""
        import json

        return [
            {**row, "detail": json.loads(row["detail"]) if row["detail"] else {}}
            for row in self.db.query(
                "SELECT at, kind, detail FROM events WHERE article_id = ? ORDER BY id",
                [article_id],
            )
        ]

    def events_of_kind(self, kind: str, *, article_id: int | None = None,
                       version_id: int | None = None) -> list[Event]:
        """Events of one kind, oldest first, of an article or of one version (or of all)."""
        import json

        where: list[str] = ["kind = ?"]
        params: list[Any] = [kind]
        for column, value in (("article_id", article_id), ("version_id", version_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = self.db.execute(f"SELECT at, version_id, detail FROM events WHERE {' AND '.join(where)} ORDER BY id",
                               params).fetchall()
        if not rows:  # `log` asks every article for its Wayback snapshots: most have none, and make no record
            return []
        from .records import Event

        return [Event(at, kind, version, json.loads(detail) if detail else {}) for at, version, detail in rows]

    def count_events(self, kind: str) -> int:
        """How many events of one kind were recorded, over all articles."""
        return self.db.execute("SELECT count(*) FROM events WHERE kind = ?", [kind]).fetchone()[0]

    def passage_ranges(self, article_id: int) -> dict[tuple[str, int], str]:
        """The search index's entries for an article: {(kind, passage hash): the versions holding it, as ranges}."""
        from . import passage_index

        return passage_index.PassageIndex.load(self.db, article_id).ranges()

    def article_summary(self, article_id: int) -> dict[str, Any]:
        """An article's id (as article_id), key, url, source and title, as search results and exports name it."""
        return next(self._summaries("WHERE a.id = ?", [article_id]))

    def article_summaries(self) -> Iterator[dict[str, Any]]:
        """Every article's summary (`article_summary`, without the title), in id order, streamed."""
        for row in self._summaries("ORDER BY a.id", []):
            del row["title"]
            yield row

    def _summaries(self, where: str, params: list[Any]) -> Iterator[dict[str, Any]]:
        return self.db.query("SELECT a.id AS article_id, a.key, a.url, s.name AS source, a.title FROM articles a "
                             "LEFT JOIN sources s ON s.id = a.source_id " + where, params)

    def raw_digests(self, article_id: int) -> RawDigests:
        """The digests of the inputs an article's versions were read from (`RawDigests.of` a rebuilt version)."""
        from . import raws

        rows = self.db.execute("SELECT r.id, r.sha256, r.size FROM raws r JOIN versions v ON v.raw_id = r.id "
                               "WHERE v.article_id = ?", [article_id]).fetchall()
        return raws.RawDigests(
            stored={raw_id: hex_digest(digest) for raw_id, digest, _ in rows if digest != raws.NO_DIGEST},
            as_text={raw_id: size for raw_id, digest, size in rows if digest == raws.NO_DIGEST})

    def latest_number(self, article_id: int) -> int | None:
        """The number of an article's latest version; None without versions."""
        return self.db.execute("SELECT max(number) FROM versions WHERE article_id = ?", [article_id]).fetchone()[0]

    def latest_edit(self) -> VersionRef | None:
        """The edit (a version after an article's first) captured last, across all articles."""
        from .records import VersionRef

        row = self.db.execute("SELECT article_id, id, number FROM versions WHERE number > 1 "
                              "ORDER BY captured_at DESC, id DESC LIMIT 1").fetchone()
        return VersionRef(*row) if row else None

    def version_row(self, article_id: int, number: int | None = None) -> dict[str, Any]:
        """One version's row; `number=None` is the latest."""
        if number is None:
            rows = list(self._version_rows("WHERE article_id = ? ORDER BY number DESC LIMIT 1", [article_id]))
        else:
            rows = list(self._version_rows("WHERE article_id = ? AND number = ?", [article_id, number]))
        if not rows:
            missing = "versions" if number is None else f"version {number}"
            raise NotFound(f"article {article_id} has no {missing}")
        row = rows[0]
        row["text"] = self._rebuild(article_id, row)
        del row["data"]
        return row

    def _version_rows(self, where: str, params: list[Any]) -> Iterator[dict[str, Any]]:
        """Whole version rows (`SELECT * FROM versions` and `where`), each content hash as hex digits,
        whichever way it is stored (see `model.hex_digest`): what every reader of a whole row is given."""
        for row in self.db.query(f"SELECT * FROM versions {where}", params):
            row["content_hash"] = hex_digest(row["content_hash"])
            yield row

    def _rebuild(self, article_id: int, row: dict[str, Any]) -> str:
        """A version's text from its compact storage, checked against its hash (DamagedHistory if not)."""
        from . import compact_history

        run = [row]
        if row["storage"] == compact_history.DELTA:
            for newer in self.db.query(
                "SELECT * FROM versions WHERE article_id = ? AND number > ? ORDER BY number",
                [article_id, row["number"]],
            ):
                run.append(newer)
                if newer["storage"] != compact_history.DELTA:
                    break
        rebuilt = compact_history.rebuild_version(run)
        if rebuilt.problem or rebuilt.text is None:
            raise DamagedHistory(article_id, row["number"], rebuilt.problem or "cannot rebuild")
        return rebuilt.text

    def rebuilt_versions(self, article_id: int, since: str | None = None) -> Iterator[Rebuilt]:
        """Every version of an article (captured at or after `since`), oldest first, rebuilt and hash-checked.

        Damage is reported on each item (`problem`), not raised, so `check` can list all of it. Memory
        holds one run of deltas at a time, so exporting a long history streams.
        """
        from . import compact_history

        start = 1
        if since is not None:
            first = self.db.execute(
                "SELECT min(number) FROM versions WHERE article_id = ? AND captured_at >= ?", [article_id, since]
            ).fetchone()[0]
            if first is None:
                return
            start = first
        rows = self._version_rows("WHERE article_id = ? AND number >= ? ORDER BY number", [article_id, start])
        for item in compact_history.rebuild(rows):
            if since is None or item.row["captured_at"] >= since:
                yield item

    def record(self, article_id: int, number: int | None = None) -> ArticleRecord:
        """A stored version rebuilt as the record the diff engine and renderers read."""
        return self.as_record(self.version_row(article_id, number))

    def as_record(self, row: dict[str, Any], text: str | None = None) -> ArticleRecord:
        """A version row as a record; `text` when it was rebuilt apart from the row (`rebuilt_versions`)."""
        import json

        from ..records import ArticleRecord

        article = self.article_summary(row["article_id"])
        return ArticleRecord(
            paragraphs=tuple(p for p in (row["text"] if text is None else text).split("\n\n") if p),
            title=row["title"], url=article["url"], byline=row["byline"], standfirst=row["standfirst"],
            published=row["published"], source=article["source"], captured_at=row["captured_at"],
            format=row["format"] or "text", extractor=row["extractor"],
            extractor_version=row["extractor_version"], label=row["label"],
            meta=json.loads(row["meta"]) if row["meta"] else {},
        )

    def raw(self, article_id: int, number: int | None = None) -> RawInput | None:
        """Which input (page or file) a version (`None`: the latest) was read from; None if none was
        kept (a record added by a library call without one). Its bytes: `raw_bytes(raw.id)`."""
        from .records import RawInput

        versions = "SELECT raw_id, number FROM versions WHERE article_id = ? " + (
            "ORDER BY number DESC LIMIT 1" if number is None else "AND number = ?")
        version = next(self.db.query(versions, [article_id] + ([] if number is None else [number])), None)
        if version is None:
            raise NotFound(f"article {article_id} has no {'versions' if number is None else f'version {number}'}")
        row = next(self.db.query("SELECT id, size, content_type FROM raws WHERE id = ?", [version["raw_id"]]), None)
        return None if row is None else RawInput(**row, sha256=self._raw_digest(row["id"]))

    def cached(self, version_id: int, kind: str, compute: Callable[[], Any]) -> Any:
        """Derived data (JSON-serialisable) computed once per version and kept; `kind` names what made it.

        On SQLite kept as its JSON compressed by zlib, a BLOB: every report of an archive cached, as
        `feed`, `publish` and `log` leave them, took four times the room of the history itself as text
        (scripts/bench_size.py --reports). Its row's kind ends with `_PACKED`, so an older newsdiff,
        which reads every entry as JSON text, never meets one (it keeps its own under the plain kind)."""
        import json

        value = self.derived(version_id, kind)
        if value is not None:
            return value
        value = compute()
        data = zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        try:
            with self.write():  # plain SQL: a read-only command that caches must not load sqlite-utils
                self.db.execute("INSERT OR REPLACE INTO derived (version_id, kind, data) VALUES (?, ?, ?)",
                                [version_id, kind + self._PACKED, data])
        except (sqlite3.OperationalError, StoreBusy):
            pass  # a read-only or busy database still gets its answer, just uncached
        return value

    def derived(self, version_id: int, kind: str) -> Any | None:
        """A version's derived data of `kind` (see `cached`), or None; never computes nor writes, so
        `export` can read it inside one snapshot. An entry an older newsdiff kept as JSON text, under the
        plain kind, is read when there is no compressed one; a damaged entry is None, so that `cached`
        computes it again."""
        import json

        packed = kind + self._PACKED
        found = dict(self.db.execute("SELECT kind, data FROM derived WHERE version_id = ? AND kind IN (?, ?)",
                                     [version_id, packed, kind]).fetchall())
        data = found.get(packed, found.get(kind))
        if data is None:
            return None
        try:
            return json.loads(zlib.decompress(data) if isinstance(data, bytes) else data)
        except (zlib.error, ValueError):
            return None
