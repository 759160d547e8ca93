"""The storage boundary: every method the rest of newsdiff calls on a database, and nothing else.

A backend implements `Store` (SQLite today: store/sqlite.py; PostgreSQL next, for users who outgrow one
machine) without anything above this package changing. The contract every backend keeps:

- Every write is one transaction; `write()` opens one (nested calls join it), and methods that write
  say whether they open their own or join the caller's. `snapshot()` gives a long read one state.
- Rows cross the boundary as frozen records (store/records.py) or as dicts of named columns, never as
  positional tuples; texts come back rebuilt and checked against their content hash (DamagedHistory
  when they cannot be).
- Failures are the store's errors (store/errors.py): StoreBusy when another writer holds the database
  too long, SchemaError for a database this version must not touch, SearchError for a query the index
  cannot run; anything else about the database is one of STORE_ERRORS.
- `on_version` hooks run inside the transaction that stores each new version, so what they write
  (queued alerts) commits or rolls back with it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # the records load with the first one made: `list` makes none of them
    from ..records import ArticleRecord
    from .compact_history import Rebuilt
    from .raws import RawDigests
    from .records import AddResult, Damage, Event, RawInput, StoredVersion, VersionRef

# How long a claim holds an article or feed where polls share the store, unless told (fetch.lease):
# longer than a batch's fetches, extraction and writes usually take.
DEFAULT_LEASE_S = 300.0


class Store(ABC):
    """A newsdiff database: articles and every distinct version of each, their raw inputs, what was
    tracked and fetched, alerts, the search index and cached reports. Open one with `Store.open(path)`."""

    path: Path | None  # the database's file, when it has one
    # Whether several polls may run on this store at once, sharing the due articles and feeds through
    # leases (a server); a file's polls take turns through its run lock instead.
    shared: ClassVar[bool] = False
    # Called inside the transaction that stores each new version (see the module's contract).
    on_version: list[Callable[[StoredVersion], None]]

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> Store:
        """Open (creating and migrating when needed) the database at `path`, a file or a `postgresql://`
        URL; `readonly` for commands that only read. SchemaError when a newer newsdiff made it."""
        from ..dburl import ServerUrl, parse_db
        from .sqlite import SQLiteStore

        where = parse_db(path)
        if isinstance(where, ServerUrl):
            from .pg_store import PostgresStore

            return PostgresStore.connect(where)

        return SQLiteStore.open(path, readonly=readonly)

    # -- Tracking: feeds, tracked articles, their schedule, the fetch log ------------------------------------

    @abstractmethod
    def add_alias(self, article_id: int, url: str) -> bool:
        """Remember another URL for an article; False when that URL already belongs to some article."""

    @abstractmethod
    def add_feed(self, url: str, source: str | None, *, from_config: bool, default_source: str) -> bool:
        """Register a feed under `source` (else `default_source`); False when it was there already, in
        which case the config's outlet name wins, and a feed added by command stops being the config's."""

    @abstractmethod
    def config_feed_urls(self) -> list[str]:
        """Feeds that were copied in from the config file."""

    @abstractmethod
    def due_articles(self, due_by: str | None, limit: int | None, *, skip: Collection[int] = (),
                     checked_since: str | None = None, again: Collection[int] = (),
                     lease_s: float = DEFAULT_LEASE_S) -> list[dict[str, Any]]:
        """Tracked, live articles due by `due_by` (None: all of them), never-fetched ones first, then the
        most overdue; at most `limit`, none of the ids in `skip` (those a poll has in flight), and none
        last checked at or after `checked_since` (a poll's start: those it has checked) but the ids in
        `again` (checked by an earlier poll in that same second). Where polls share the store, each is
        held for this poll for `lease_s` seconds or until its check is recorded: another poll meanwhile
        gets others."""

    @abstractmethod
    def checked_since(self, at: str, due_by: str | None) -> list[int]:
        """Tracked, live articles due by `due_by` (None: all of them) last checked at or after `at`: at a
        poll's start, those an earlier poll checked in the same second (times are kept to the second),
        which the poll must still check."""

    @abstractmethod
    def feeds(self) -> list[dict[str, Any]]:
        """Every feed with its outlet and last check, as `feeds list` shows them."""

    @abstractmethod
    def feeds_to_poll(self, limit: int | None = None, *, skip: Collection[int] = (),
                      lease_s: float = DEFAULT_LEASE_S) -> list[dict[str, Any]]:
        """Each feed's id, URL, outlet id and validators (ETag, Last-Modified), in the order added; at most
        `limit`, none of the ids in `skip`. Where polls share the store, each is held for this poll (as
        `due_articles` holds articles) until it is read."""

    @abstractmethod
    def take_host_turn(self, host: str, *, per_host: int, delay_s: float, lease_s: float) -> tuple[int | None, float]:
        """A turn to send one request to `host`, shared by every poll on this store: (slot, 0.0) to go now
        (give it back with `end_host_turn`; held at most `lease_s` seconds), else (None, seconds to wait
        before asking again) while `per_host` requests are in flight or the last one started less than
        `delay_s` ago."""

    @abstractmethod
    def end_host_turn(self, host: str, slot: int) -> None:
        """Give back a turn `take_host_turn` gave."""

    @abstractmethod
    def fetched_urls(self, urls: Sequence[str], outcomes: Sequence[str]) -> set[str]:
        """Which of these URLs were fetched before with one of these outcomes."""

    @abstractmethod
    def find_article(self, urls: Iterable[str]) -> int | None:
        """The article already known under any of these URLs (as key, current URL or earlier alias)."""

    @abstractmethod
    def fold_article(self, article_id: int, into: int) -> dict[str, Any]:
        """Merge an article without versions into another (its URLs, fetches and events move there) and
        give the other as a poll reads it."""

    @abstractmethod
    def log_fetch(self, *, at: str, url: str, status_code: int | None, outcome: str, error: str | None,
                  duration_ms: int | None, article_id: int | None = None, feed_id: int | None = None,
                  raw_id: int | None = None) -> None:
        """One request made (a page, a feed, an archive capture) and what came of it."""

    @abstractmethod
    def named_urls(self, mentioning: str) -> list[str]:
        """URLs the user named: every feed's, and each still-tracked article's `tracked` URL that contains
        `mentioning` (a host name)."""

    @abstractmethod
    def new_tracked_article(self, urls: Sequence[str], *, source_id: int | None, title: str | None, now: str) -> int:
        """A tracked article keyed by the first URL, known under all of them, due at `now`."""

    @abstractmethod
    def next_due(self) -> str | None:
        """When the next tracked article falls due."""

    @abstractmethod
    def quiet_since(self, article_id: int) -> list[str]:
        """What a schedule counts quiet time from: the last change (or creation), and the last time the
        article was tracked again, when it was."""

    @abstractmethod
    def remove_feed(self, urls: Sequence[str]) -> bool:
        """Forget the feed stored under any of these URLs (its fetches stay, unlinked); False if none is."""

    @abstractmethod
    def retrack(self, article_id: int, *, now: str, source: str | None) -> None:
        """Track a known article again, due at `now` (a retired one becomes active); `source` fills a missing outlet."""

    @abstractmethod
    def set_untracked(self, article_id: int) -> None:
        """Stop checking an article; its versions stay."""

    @abstractmethod
    def update_article(self, article_id: int, changes: dict[str, Any]) -> None:
        """Set these columns of an article (url, status, etag, last_modified, last_checked_at, next_check_at,
        page_digest, read_by)."""

    @abstractmethod
    def update_feed(self, feed_id: int, changes: dict[str, Any]) -> None:
        """Set these columns of a feed (last_checked_at, last_status, last_error, etag, last_modified, title)."""

    @abstractmethod
    def version_count(self, article_id: int) -> int:
        """How many versions an article has."""

    @abstractmethod
    def version_raw_id(self, article_id: int, number: int) -> int | None:
        """The raw input a version was read from, if one was kept."""

    # -- Articles, versions, raw inputs, events; transactions ------------------------------------------------

    @abstractmethod
    def add_version(self, record: ArticleRecord, *, key: str, raw: bytes | None = None,
                    content_type: str | None = None, suspect_ratio: float | None = None,
                    reread: bool = False, reader_change: bool = False) -> AddResult:
        """Store `record` as a version of article `key` unless its content is already stored.

        A record captured before the latest version (an archive imported late, dumps out of order) takes
        its place in capture order and the later versions are renumbered. A body much shorter than the
        latest version (below `suspect_ratio` of its words) is not stored: it is logged as a suspect
        fetch, because a half-extracted page is likelier than a gutted article. With `reread` (import),
        the very input an earlier version came from, given no capture time of its own, is that version
        read again, not a revert to it, and a new text read from the latest version's very input is that
        input read differently (`reader_change`). With `reader_change` (a poll), the record is the latest
        version's own input as newsdiff reads it now: stored as a version marked so
        (`versions.reader_change`), which neither alerts nor feeds count as an edit."""

    @abstractmethod
    def article_source(self, article_id: int) -> str | None:
        """The outlet an article belongs to, if known."""

    @abstractmethod
    def article_summaries(self) -> Iterator[dict[str, Any]]:
        """Every article's summary (`article_summary`, without the title), in id order, streamed."""

    @abstractmethod
    def article_summary(self, article_id: int) -> dict[str, Any]:
        """An article's id (as article_id), key, url, source and title, as search results and exports name it."""

    @abstractmethod
    def articles(self, source: str | None = None) -> list[dict[str, Any]]:
        """Articles with their source, version count and latest capture, most recently changed first;
        NotFound for a source the database does not know (a typo is not an empty outlet)."""

    @abstractmethod
    def as_record(self, row: dict[str, Any], text: str | None = None) -> ArticleRecord:
        """A version row as a record; `text` when it was rebuilt apart from the row (`rebuilt_versions`)."""

    @abstractmethod
    def cached(self, version_id: int, kind: str, compute: Callable[[], Any]) -> Any:
        """Derived data (JSON-serialisable) computed once per version and kept; `kind` names what made it."""

    @abstractmethod
    def close(self) -> None:
        """Let go of the database; the store cannot be used afterwards."""

    @abstractmethod
    def derived(self, version_id: int, kind: str) -> Any | None:
        """A version's derived data of `kind` (see `cached`), or None; never computes nor writes, so
        `export` can read it inside one snapshot."""

    @abstractmethod
    def event(self, article_id: int, kind: str, detail: dict[str, Any], version_id: int | None = None) -> None:
        """Record something that happened to an article besides a new version: gone, back, retired, or to
        one of its versions (saved to the Wayback Machine)."""

    @abstractmethod
    def events(self, article_id: int) -> list[dict[str, Any]]:
        """What happened to an article besides new versions (gone, back, moved, revert, suspect, ...), oldest first."""

    @abstractmethod
    def events_of_kind(self, kind: str, *, article_id: int | None = None, version_id: int | None = None) -> list[Event]:
        """Events of one kind, oldest first, of an article or of one version (or of all)."""

    @abstractmethod
    def count_events(self, kind: str) -> int:
        """How many events of one kind were recorded, over all articles."""

    @abstractmethod
    def forget(self, article_id: int) -> dict[str, int]:
        """Delete an article for good, with everything recorded about it: versions, raw inputs no other
        version or fetch uses, search index entries, cached reports, events, fetches and URLs. Counts of
        what went, by kind. Unlike `untrack`, nothing is kept. DamagedHistory (or ValueError), and nothing
        deleted, when a version cannot be rebuilt: a contentless search index forgets a passage only when
        given its exact text."""

    @abstractmethod
    def latest_edit(self) -> VersionRef | None:
        """The edit (a version after an article's first) captured last, across all articles."""

    @abstractmethod
    def latest_number(self, article_id: int) -> int | None:
        """The number of an article's latest version; None without versions."""

    @abstractmethod
    def lede(self, article_id: int) -> str | None:
        """The first words of an article's latest text (`model.display_title`), which name it when it has
        no headline; None without versions. The latest version stands alone: no delta is applied."""

    @abstractmethod
    def passage_ranges(self, article_id: int) -> dict[tuple[str, int], str]:
        """The search index's entries for an article: {(kind, passage hash): the versions holding it, as ranges}."""

    @abstractmethod
    def raw(self, article_id: int, number: int | None = None) -> RawInput | None:
        """Which input (page or file) a version (`None`: the latest) was read from; None if none was
        kept (a record added by a library call without one). Its bytes: `raw_bytes(raw.id)`."""

    @abstractmethod
    def raw_bytes(self, raw_id: int, *, as_base: bool = False) -> bytes:
        """A stored raw input's bytes, checked against its SHA-256 (ValueError if it cannot be read back)."""

    @abstractmethod
    def raw_digests(self, article_id: int) -> RawDigests:
        """The digests of the inputs an article's versions were read from (`RawDigests.of` a rebuilt version)."""

    @abstractmethod
    def rebuilt_versions(self, article_id: int, since: str | None = None) -> Iterator[Rebuilt]:
        """Every version of an article (captured at or after `since`), oldest first, rebuilt and hash-checked.

        Damage is reported on each item (`problem`), not raised, so `check` can list all of it. Memory
        holds one run of deltas at a time, so exporting a long history streams."""

    @abstractmethod
    def record(self, article_id: int, number: int | None = None) -> ArticleRecord:
        """A stored version rebuilt as the record the diff engine and renderers read."""

    @abstractmethod
    def require_source(self, name: str) -> None:
        """NotFound, naming the sources there are, for an outlet name no article or feed has."""

    @abstractmethod
    def resolve(self, ref: str) -> dict[str, Any]:
        """An article row from its id, key or any URL it was seen under, also as typed with tracking
        parameters or a fragment (URLs are stored without them)."""

    @abstractmethod
    def size_on_disk(self) -> int | None:
        """Bytes of the database file and its write-ahead log."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[object]:
        """One read transaction, so a long read (check, export) sees one state while a poll writes."""

    @abstractmethod
    def source_id(self, name: str | None) -> int | None:
        """The id of outlet `name`, created on first use: feeds and tracked URLs name theirs up front."""

    @abstractmethod
    def stats(self, top: int = 10) -> dict[str, Any]:
        """Counts, edits per source, the most edited articles (`top` of them) and what the file holds, by
        part: the document `newsdiff stats` shows."""

    @abstractmethod
    def vacuum(self) -> tuple[int | None, int | None]:
        """Rewrite the file without unused space: (bytes before, bytes after).

        Compaction turns each superseded version's text into a small delta in place, which leaves most of
        its page empty, and SQLite only fills pages that new rows land in: without a rewrite now and then,
        the file keeps the size of the plain text."""

    @abstractmethod
    def version_row(self, article_id: int, number: int | None = None) -> dict[str, Any]:
        """One version's row; `number=None` is the latest."""

    @abstractmethod
    def versions(self, article_id: int) -> list[dict[str, Any]]:
        """An article's versions, oldest first: id, number, captured_at, title, content_hash, word_count,
        format, extractor, extractor_version, label (no text: `version_row` or `record` rebuild it)."""

    @abstractmethod
    def write(self) -> AbstractContextManager[object]:
        """One write transaction, taken up front so racing writers queue instead of deadlocking.

        Nested calls join the outer transaction, so a caller can make several writes all-or-nothing."""

    # -- The alert queue -------------------------------------------------------------------------------------

    @abstractmethod
    def one_at_a_time(self, purpose: str) -> AbstractContextManager[None]:
        """Held by one process at a time for `purpose` (sending the alerts queue) among all that share the
        database; the others wait. A SQLite file's poll lock already keeps its senders apart."""

    @abstractmethod
    def alert_counts(self) -> dict[str, dict[str, int]]:
        """{rule: {status: how many alerts}}."""

    @abstractmethod
    def alerts_with_status(self, *statuses: str) -> list[dict[str, Any]]:
        """Alerts in any of these statuses, oldest first."""

    @abstractmethod
    def delay_alert(self, alert_id: int, until: str) -> None:
        """Look at an alert again no sooner than `until` (its status unchanged)."""

    @abstractmethod
    def due_alerts(self, names: Sequence[str], now: str, *, force: bool = False) -> list[dict[str, Any]]:
        """Pending alerts of these rules whose time has come, oldest first; `force` ignores our own
        back-off (`next_attempt_at`), never a server's Retry-After (`not_before`)."""

    @abstractmethod
    def mark_alert_sent(self, alert_id: int, now: str) -> None:
        """An alert delivered at `now` (one attempt more); its own transaction."""

    @abstractmethod
    def mark_alert_skipped(self, alert_id: int, reason: str) -> None:
        """An alert not sent, and why (the rule's filters left its edit out); its own transaction."""

    @abstractmethod
    def queue_alert(self, rule: str, article_id: int, version_id: int, now: str, *, tracked_only: bool = False) -> None:
        """Queue one alert (once per rule and version), inside the caller's transaction; `tracked_only`:
        only for a tracked article with a URL."""

    @abstractmethod
    def record_alert_attempt(self, alert_id: int, *, status: str, attempts: int, error: str, next_attempt_at: str,
                             not_before: str | None) -> None:
        """A failed attempt: its error, how many so far, and when the next may be made."""

    @abstractmethod
    def register_alert_rules(self, names: Sequence[str], now: str) -> dict[str, str]:
        """When each rule first appeared, recorded as `now` for a new one: {name: first_seen_at}."""

    # -- Edits (pairs of consecutive versions) and cached derived data ---------------------------------------

    @abstractmethod
    def all_versions(self) -> list[dict[str, Any]]:
        """Every version's id, article_id, number, captured_at, title, content_hash and archived (its Wayback
        Machine snapshot's URL or None), by article and number."""

    @abstractmethod
    def drop_stale_derived(self, prefix: str, current: str) -> int:
        """Delete derived data of a kind starting with `prefix` but not with `current` (made by another
        version of the code that computes it), inside the caller's write transaction, and record `current`
        as the last pruned (`last_pruned`); how many rows went."""

    @abstractmethod
    def edit_pairs(self, *, article_id: int | None = None, source: str | None = None, version_id: int | None = None,
                   number: int | None = None, limit: int | None = None,
                   after: tuple[str, int] | None = None) -> list[dict[str, Any]]:
        """Each version after an article's first with the one before it (`old_*`, `new_*` and the
        article's key, url, source and article_title), newest capture first: all of them, an article's,
        a source's, the one ending at version `version_id`, or those ending at version `number`; at most
        `limit`, starting past the row whose (`new_captured_at`, `new_id`) is `after` (a keyset page)."""

    @abstractmethod
    def first_capture(self, *, article_id: int | None = None, source: str | None = None) -> str | None:
        """When the earliest version of an article, of a source, or of anything was captured."""

    @abstractmethod
    def last_pruned(self, prefix: str) -> str | None:
        """The `current` of the last `drop_stale_derived(prefix, current)`: while it is still the current
        one, nothing stale of `prefix` is kept, and pruning need not read the derived data again."""

    # -- Looking for damage (`check`) ------------------------------------------------------------------------

    @abstractmethod
    def article_keys(self) -> dict[int, str]:
        """Every article's key, by id, in id order."""

    @abstractmethod
    def has_alert_queue(self) -> bool:
        """False for a database opened without its migrations (read-only, made by an older newsdiff)."""

    @abstractmethod
    def integrity_damage(self) -> list[Damage]:
        """SQLite's own integrity check, then FTS5's check of the search index."""

    @abstractmethod
    def orphan_damage(self) -> list[Damage]:
        """Rows pointing at a missing parent, search index entries without their passage (and the
        reverse), raw inputs nothing uses."""

    @abstractmethod
    def raw_ids(self) -> list[int]:
        """Every raw input's id, in order."""

    # -- Full-text search over the passage index -------------------------------------------------------------

    @abstractmethod
    def matching_passages(self, fts: str, article_id: int | None = None) -> list[dict[str, Any]]:
        """Passages (id, article_id, kind, hash, versions) matching `fts`, best-ranked (bm25) first; with
        `article_id`, that article's only, in the order they were first written (a version's headline and
        paragraphs in their order): ranking them would weigh each word over the whole index again, which
        for a common word costs more than the rest of the lookup."""

    @abstractmethod
    def passages_matching(self, fts: str, article_id: int | None = None) -> set[int]:
        """The ids of the passages matching `fts` (of one article only with `article_id`)."""

    @abstractmethod
    def ranked_articles(self, fts: str) -> list[int]:
        """The articles with a passage matching `fts`, in the order of their best-ranked one."""
