"""`newsdiff poll`: read the feeds, re-check the articles that are due, store each new version.

Fetching runs concurrently on one event loop; pages are extracted in worker processes (one per core,
each page under a time limit), and every answer is then stored in its own transaction on the loop's
thread, so a poll killed at any moment leaves only whole results behind. A page whose bytes, address,
content type and reader (`sources.reader`) are those last read into the article's latest version is that
version again, as a 304 would say: it is recorded unchanged without being extracted.

A new release or a changed site rule may read pages differently. When a page reads differently from the
latest version and that version was read by another reader, its own page is read again: a different
text there is newsdiff's change, not the outlet's, and is stored first as a version marked so
(`Store.add_version(reader_change=True)`), which alerts, feeds and saves leave out. The edit after it
then holds the outlet's changes alone.
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from ..lazy import sha256
from ..model import ArticleRecord, InputError, ParsedInput, format_time

# Storing and extracting load their libraries with this module, not on the event loop between a request
# and its timeout (elsewhere they load on first use): the extractors with `html`, the store's below.
from ..sources import (
    ParseOptions,
    extraction_error,
    html,  # noqa: F401
    reader,
)
from ..sources.pool import ParsePool, pool_size
from ..sources.sites import ruleset
from ..store import Store, preload_writer
from ..urls import canonical_url
from .browser import BrowserFetcher
from .feeds import Feed, parse_feed
from .fetch import Fetched, Fetcher, Request, fetch_each
from .registry import names_host, sync_config_feeds
from .settings import TrackSettings

preload_writer()

EXIT_BUSY = 75  # EX_TEMPFAIL: cron and systemd read it as "try again later"
# Due within this margin counts as due now, so a cron period equal to an interval never skips a run.
DUE_MARGIN = timedelta(minutes=1)
GONE_STATUSES = frozenset({404, 410})
# Articles and feeds are claimed this many per request in flight (`jobs`) at a time, and again as each batch
# runs out: polls sharing a PostgreSQL store share the due ones, and a killed poll holds at most a batch.
CLAIM_PER_JOB = 4
# A poll alone on its file claims at least this many at a time: each claim sorts the due articles and
# leaves out those it has checked, so small batches made a poll of 20,000 articles with `--now` spend
# a minute claiming.
CLAIM_ALONE = 1024
_UNDATED = datetime.min.replace(tzinfo=timezone.utc)


class PollBusy(Exception):
    """Another poll holds the lock on this database."""


@contextmanager
def poll_lock(db_path: Path, *, wait: bool = False) -> Iterator[None]:
    """One poll per database. An flock dies with its process, so even SIGKILL leaves no stale lock.

    The lock file is named after the database's real path, so a poll reaching it through a symlink or
    another spelling of its path still finds the lock.
    """
    path = Path(f"{db_path.resolve()}.poll-lock")
    with open(path, "a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            shown = f" (pid {holder})" if holder.isdigit() else ""
            raise PollBusy(f"another poll{shown} is running on {db_path}") from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        yield


class Progress(Protocol):
    def start(self, phase: str, total: int) -> None: ...
    def grow(self, more: int) -> None: ...
    def advance(self) -> None: ...


@dataclass
class PollSummary:
    feeds_checked: int = 0
    articles_discovered: int = 0
    articles_deferred: int = 0  # new ones beyond a feed's max_new_per_feed, left for later polls
    articles_checked: int = 0
    not_modified: int = 0  # 304 answers, feeds' included
    feeds_not_modified: int = 0
    unchanged: int = 0
    new_versions: int = 0
    # versions that differ from the one before only in how newsdiff reads the same page (counted apart
    # from new_versions: no edit)
    reader_changes: int = 0
    gone: int = 0
    # the articles counted in `gone`: `article_id`, `url`, `status` (404 or 410), `versions` kept
    gone_articles: list[dict[str, Any]] = field(default_factory=list)
    suspect: list[dict[str, str]] = field(default_factory=list)  # pages that extracted far shorter: not stored
    errors: list[dict[str, str]] = field(default_factory=list)
    duration_s: float = 0.0
    # when the next tracked article falls due (ISO 8601 UTC), None when nothing is tracked: a poll that
    # checked nothing can say when one will
    next_due: str | None = None
    published: dict[str, Any] | None = None  # what `poll --publish` did to the site (set by Archive.poll)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _failure(fetched: Fetched) -> str | None:
    """One line for a fetch that gave nothing usable; None for 200, 304 and gone."""
    after = f" (after {fetched.attempts} attempts)" if fetched.attempts > 1 else ""
    if fetched.error:
        return fetched.error + after
    if fetched.status in (200, 304) or fetched.status in GONE_STATUSES:
        return None
    return f"HTTP {fetched.status} {fetched.reason}".rstrip() + after


def _as_stored(record: ArticleRecord, article: dict[str, Any]) -> ArticleRecord:
    """A record read from an article's page as a poll stores it: under the article's address and outlet,
    with its headline when the page gave none."""
    return replace(record, url=article["url"], source=article["source"] or record.source,
                   title=record.title or article["title"])


def stored_moment(stamp: str) -> datetime:
    """A stored time; one written without a zone (by hand, by an old tool) is read as UTC."""
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _validators(fetched: Fetched, *, read_well: bool) -> dict[str, str | None]:
    """The ETag and Last-Modified to store, exactly as received.

    A 304 keeps the stored pair unless it carries fresh ones; any other answer replaces the pair, with
    nothing when its body was not read well, so that the next fetch is unconditional and reads it in full.
    """
    pairs = (("etag", "etag"), ("last_modified", "last-modified"))
    if fetched.status == 304:
        return {column: fetched.headers[header] for column, header in pairs if header in fetched.headers}
    return {column: fetched.headers.get(header) if read_well else None for column, header in pairs}


def _conditional(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


@dataclass(frozen=True)
class _ReadAgain:
    """An article's latest version as newsdiff reads its page now, with that page (`_Poll._read_again`):
    `record` None when it reads as the version holds it (this reader's reading, whatever read it first)."""

    record: ArticleRecord | None
    raw: bytes
    content_type: str | None


class _Poll:
    def __init__(self, store: Store, settings: TrackSettings, options: ParseOptions, suspect_ratio: float | None,
                 now: datetime, progress: Progress | None, workers: int | None) -> None:
        self.store, self.settings, self.options, self.suspect_ratio = store, settings, options, suspect_ratio
        self.workers = workers
        self.pool: ParsePool | None = None  # for the articles' phase of `run`
        self.now = now
        self.stamp = format_time(now)
        self.progress = progress
        self.summary = PollSummary()
        self.batch = settings.fetch.jobs * CLAIM_PER_JOB
        if not store.shared:
            self.batch = max(self.batch, CLAIM_ALONE)
        self.feeds_claimed: set[int] = set()
        # Articles claimed and not yet checked, which a later claim must not give again. Those checked
        # are left out by their check time (this poll's stamp), but for the ones an earlier poll checked
        # in this poll's first second, `again`: found before the first claim, each dropped once checked.
        self.articles_held: set[int] = set()
        self.again: set[int] = set()
        self.articles_claimed = 0
        self.phase: str | None = None
        self.due_by: str | None = None  # articles due by then are checked (None: every tracked one, `--now`)

    def _error(self, url: str, message: str) -> None:
        line = " ".join(message.split())  # one line each, whatever an exception or a server put in it
        self.summary.errors.append({"url": url, "error": line if len(line) <= 300 else line[:299] + "…"})

    def _log(self, url: str, fetched: Fetched, outcome: str, error: str | None, *,
             article_id: int | None = None, feed_id: int | None = None, raw_id: int | None = None) -> None:
        self.store.log_fetch(at=self.stamp, url=url, article_id=article_id, feed_id=feed_id, status_code=fetched.status,
                             outcome=outcome, error=error, duration_ms=fetched.duration_ms, raw_id=raw_id)

    def _advance(self) -> None:
        if self.progress:
            self.progress.advance()

    # -- feeds -------------------------------------------------------------------------------------

    def _claimed(self, phase: str, count: int) -> None:
        """The progress bar's total grows by each batch claimed."""
        if self.progress and count:
            if self.phase == phase:
                self.progress.grow(count)
            else:
                self.progress.start(phase, count)
                self.phase = phase

    def feed_requests(self) -> list[Request[dict[str, Any]]]:
        """The next batch of feeds this poll has not read, each held for it (on a shared store) until read."""
        rows = self.store.feeds_to_poll(self.batch, skip=self.feeds_claimed, lease_s=self.settings.fetch.lease)
        self.feeds_claimed.update(row["id"] for row in rows)
        self._claimed("feeds", len(rows))
        return [Request(row["url"], row, _conditional(row["etag"], row["last_modified"])) for row in rows]

    def check_feed(self, request: Request[dict[str, Any]], fetched: Fetched) -> None:
        feed = request.item
        self.summary.feeds_checked += 1
        changes: dict[str, Any] = {"last_checked_at": self.stamp, "last_status": fetched.status, "last_error": None}
        with self.store.write():
            problem = _failure(fetched)
            if problem is None and fetched.status in GONE_STATUSES:
                problem = f"HTTP {fetched.status} {fetched.reason}".rstrip()
            if problem is not None:
                outcome = "error"
            elif fetched.status == 304:
                outcome = "not_modified"
                self.summary.not_modified += 1
                self.summary.feeds_not_modified += 1
                changes.update(_validators(fetched, read_well=True))
            else:
                parsed = parse_feed(fetched.body, url=fetched.final_url, content_type=fetched.content_type)
                added, deferred = self._discover(feed, parsed)
                self.summary.articles_discovered += added
                self.summary.articles_deferred += deferred
                for link in parsed.bad_links:  # each costs its own item only, and is named
                    self._error(link.url, f"{link.reason} (a link in feed {feed['url']})")
                problem = parsed.problem
                outcome = "error" if problem else "feed"
                # A broken feed is read in full again next time, and reported again; so is one whose
                # new articles were not all taken, so that the rest are found without waiting for a change.
                changes.update(_validators(fetched, read_well=problem is None and not deferred),
                               title=parsed.title or None)
            if problem:
                changes["last_error"] = problem
                self._error(feed["url"], problem)
            self.store.update_feed(feed["id"], changes)
            self._log(feed["url"], fetched, outcome, problem, feed_id=feed["id"])
        self._advance()

    def _discover(self, feed: dict[str, Any], parsed: Feed) -> tuple[int, int]:
        """New entries become tracked articles, due at once; a story seen before only gains aliases.

        At most `max_new_per_feed` are taken per poll, newest first (by the entry's date; undated ones
        after, in feed order, which is newest first in practice), so a feed of 10,000 items is taken in
        steps. Returns (articles added, new entries left for later polls).
        """
        fresh = [entry for entry in parsed.entries if not self._known(entry.urls)]
        fresh.sort(key=lambda e: (e.published is not None, e.published or _UNDATED), reverse=True)  # stable
        added = taken = 0
        for entry in fresh:
            if added == self.settings.fetch.max_new_per_feed:
                break
            taken += 1
            if not self._known(entry.urls):  # two entries of one feed may be one story
                self.store.new_tracked_article(entry.urls, source_id=feed["source_id"], title=entry.title,
                                               now=self.stamp)
                added += 1
        return added, len(fresh) - taken

    def _known(self, urls: tuple[str, ...]) -> bool:
        """Whether a story is tracked already under one of these URLs; if so it gains the others as aliases."""
        existing = self.store.find_article(urls)
        if existing is not None:
            for url in urls:
                self.store.add_alias(existing, url)
        return existing is not None

    # -- articles ----------------------------------------------------------------------------------

    def article_requests(self, due_by: str | None, limit: int | None) -> list[Request[dict[str, Any]]]:
        """The next batch of articles to check, never-fetched ones first, then the most overdue (every
        tracked one with `due_by` None), up to `limit` in all; each held for this poll on a shared store."""
        size = self.batch if limit is None else min(self.batch, limit - self.articles_claimed)
        if size <= 0:
            return []
        rows = self.store.due_articles(due_by, size, skip=self.articles_held, checked_since=self.stamp,
                                       again=self.again, lease_s=self.settings.fetch.lease)
        self.articles_held.update(row["id"] for row in rows)
        self.articles_claimed += len(rows)
        self._claimed("articles", len(rows))
        return [Request(row["url"], row, _conditional(row["etag"], row["last_modified"])) for row in rows]

    async def check_article(self, request: Request[dict[str, Any]], fetched: Fetched) -> None:
        """Extract a page off the event loop (so other fetches go on meanwhile), then store the outcome; a
        page with the digest stored for the article is its latest version again and is not extracted."""
        parsed: ParsedInput | Exception | None = None
        digest = read_again = None
        if fetched.status == 200 and _failure(fetched) is None:
            digest = self._page_digest(fetched)
            if digest != request.item["page_digest"]:
                assert self.pool is not None
                try:
                    parsed = await self.pool.parse(fetched.body, url=fetched.final_url,
                                                   content_type=fetched.content_type)
                except Exception as exc:  # a hostile page must cost one article, never the whole poll
                    parsed = exc
                else:
                    if request.item["read_by"] != self.reader_mark:
                        read_again = await self._read_again(request.item, parsed, fetched.final_url)
        self.store_article(request, fetched, parsed, digest, read_again)

    @functools.cached_property
    def page_reader(self) -> str:
        """What reads a page (`sources.reader`), found once the first page arrives: a poll with nothing due
        pays nothing for it."""
        return reader(self.options)

    @functools.cached_property
    def reader_mark(self) -> bytes:
        """The reader's name as articles keep it (`read_by`): the first 8 bytes of its SHA-256."""
        return sha256(self.page_reader.encode()).digest()[:8]

    async def _read_again(self, article: dict[str, Any], parsed: ParsedInput, url: str) -> _ReadAgain | None:
        """The latest version's own page as this reader reads it, when the page just read differs from that
        version: a record when this reading differs too (newsdiff's reading changed the text, and perhaps
        the outlet), none in it when the reading agrees. None when the page just read is the version, when
        the reading gives a text stored before (no new version to add, and no revert: the outlet reverted
        nothing), or cannot be had (no page kept, a page this reader refuses): the page just read is then
        compared with the version as it is.

        The kept page is read at `url`, the address the page just read came from, as that page was: site
        rules go by address, so the two readings then differ by the outlet's bytes alone."""
        if len(parsed.versions) != 1:
            return None
        versions = self.store.versions(article["id"])
        if not versions or _as_stored(parsed.versions[0], article).content_hash == versions[-1]["content_hash"]:
            return None
        assert self.pool is not None
        try:
            kept = self.store.raw(article["id"])
            if kept is None:
                return None
            raw = self.store.raw_bytes(kept.id)
            now_read = await self.pool.parse(raw, url=url, content_type=kept.content_type)
        except Exception:  # noqa: BLE001 - the kept page no longer reads: nothing to tell apart
            return None
        if len(now_read.versions) != 1:
            return None
        record = _as_stored(now_read.versions[0], article)
        if record.content_hash == versions[-1]["content_hash"]:
            return _ReadAgain(None, raw, kept.content_type)
        if any(version["content_hash"] == record.content_hash for version in versions):
            return None
        return _ReadAgain(record, raw, kept.content_type)

    def _page_digest(self, fetched: Fetched) -> bytes:
        """SHA-256 of everything a page's extraction reads: its reader, address, content type and bytes."""
        hashed = sha256(f"{self.page_reader}\0{fetched.final_url}\0{fetched.content_type or ''}\0".encode())
        hashed.update(fetched.body)
        return hashed.digest()

    def store_article(self, request: Request[dict[str, Any]], fetched: Fetched,
                      parsed: ParsedInput | Exception | None, digest: bytes | None,
                      read_again: _ReadAgain | None = None) -> None:
        """Record one answer in its own transaction: the page's versions, gone or back, the next check.

        `parsed` is None for a 200 whose `digest` is the article's stored one; `read_again`, the latest version
        as read now (`_read_again`). The digest and this reader's mark are kept for a page read as the
        latest version ('new' or 'same'; a revert is not the latest), the mark too once the latest
        version's own page was read again; the digest is dropped with the validators for a page not read
        well or gone, so that such a page is extracted again next time."""
        article = request.item
        self.summary.articles_checked += 1
        changes: dict[str, Any] = {"last_checked_at": self.stamp}
        raw_id = None
        with self.store.write():
            problem = _failure(fetched)
            if problem is not None:
                outcome = "error"
            elif fetched.status in GONE_STATUSES:
                outcome = "gone"
                # a comeback must answer in full, and be read again
                changes.update(_validators(fetched, read_well=False), page_digest=None)
                if article["status"] != "gone":  # one still gone counts as neither gone nor unchanged
                    self.summary.gone += 1
                    versions = self.store.version_count(article["id"])
                    self.summary.gone_articles.append(
                        {"article_id": article["id"], "url": request.url, "status": fetched.status,
                         "versions": versions})
                    changes["status"] = "gone"
                    self.store.event(article["id"], "gone", {"status": fetched.status, "url": fetched.final_url})
            else:
                article = self._moved(article, fetched)
                if article["status"] == "gone":  # a 200 or a 304: the page is there again
                    changes["status"] = "active"
                    self.store.event(article["id"], "back", {"url": fetched.final_url})
                if fetched.status == 304:
                    outcome = "not_modified"
                    self.summary.not_modified += 1
                    read_well = True
                else:
                    if parsed is None:  # the page last read into the latest version (check_article)
                        outcome = "same"
                        self.summary.unchanged += 1
                    else:
                        outcome, problem, raw_id = self._store_page(article, fetched, parsed, read_again)
                        if outcome in ("new", "same") or read_again is not None:  # known to read the latest version
                            changes["read_by"] = self.reader_mark
                    read_well = outcome in ("new", "same", "revert")  # conditional GET only once read well
                    changes["page_digest"] = digest if outcome in ("new", "same") else None
                changes.update(_validators(fetched, read_well=read_well))
            if problem:
                self._error(request.url, problem)
            changes.update(self._schedule(article["id"], changes.get("status", article["status"])))
            self.store.update_article(article["id"], changes)
            self._log(request.url, fetched, outcome, problem, article_id=article["id"], raw_id=raw_id)
        self.articles_held.discard(request.item["id"])  # checked now: its check time leaves it out
        self.again.discard(request.item["id"])
        self._advance()

    def _store_page(self, article: dict[str, Any], fetched: Fetched, parsed: ParsedInput | Exception,
                    read_again: _ReadAgain | None) -> tuple[str, str | None, int | None]:
        """Store an extracted page, or what stopped its extraction: (outcome, error, raw id of a new version).
        The latest version as read now (`read_again`) goes first, marked as newsdiff's change, not an outcome."""
        if (isinstance(parsed, InputError) and str(parsed).startswith("no article found")
                and self.store.version_count(article["id"]) > 0):
            # A page that held the article now yields none (an error page served as 200, a paywall
            # stub): a suspect fetch, like a half-extracted one, never a version or a failure.
            self.store.event(article["id"], "suspect", {"reason": str(parsed), "captured_at": self.stamp})
            self.summary.suspect.append({"url": article["url"], "reason": str(parsed)})
            return "suspect", None, None
        if isinstance(parsed, Exception):
            return "error", extraction_error(parsed), None
        outcome, raw_id = "same", None
        # Never a suspect fetch, however short: the very page the version was read from reads so.
        if read_again is not None and read_again.record is not None:
            added = self.store.add_version(replace(read_again.record, captured_at=self.stamp), key=article["key"],
                                           raw=read_again.raw, content_type=read_again.content_type,
                                           reader_change=True)
            self.summary.reader_changes += added.outcome == "new"
        for record in parsed.versions:
            record = replace(_as_stored(record, article), captured_at=self.stamp)
            added = self.store.add_version(record, key=article["key"], raw=fetched.body,
                                           content_type=fetched.content_type, suspect_ratio=self.suspect_ratio)
            if added.outcome == "new":
                self.summary.new_versions += 1
                outcome = "new"
                assert added.number is not None  # a new version always has its number
                raw_id = self.store.version_raw_id(added.article_id, added.number)
            elif outcome != "new":
                outcome = added.outcome
            if added.outcome == "suspect":
                self.summary.suspect.append({"url": article["url"], "reason": added.reason or ""})
        if outcome not in ("new", "suspect"):
            self.summary.unchanged += 1
        return outcome, None, raw_id

    def _moved(self, article: dict[str, Any], fetched: Fetched) -> dict[str, Any]:
        """After a permanent redirect the article lives at the new URL; the old one stays an alias.

        On an article's first fetch (never checked, no versions) any redirect gives its address: a feed's
        click-tracking link (often a 302) leads to the story itself. Later temporary redirects are not
        remembered. When the new URL is already another article's and this one has no versions yet, the
        two were one story all along (a feed linked it through a redirect) and this one folds into the other.
        """
        if not fetched.redirects:
            return article
        try:
            url = canonical_url(fetched.final_url)
        except ValueError:
            return article
        if url == article["url"] or urlsplit(url)[2:4] == ("/", ""):
            return article  # a redirect to a front page (a story taken down, a consent wall) is no new address
        unversioned = not self.store.version_count(article["id"]) > 0
        if not (fetched.permanent or (unversioned and article["last_checked_at"] is None)):
            return article
        owner = self.store.find_article([url])
        if owner is None or owner == article["id"]:
            self.store.add_alias(article["id"], url)
            self.store.update_article(article["id"], {"url": url})
            self.store.event(article["id"], "moved", {"from": article["url"], "to": url})
            return {**article, "url": url}
        if not unversioned:
            return article  # two histories are never merged
        return self.store.fold_article(article["id"], into=owner)

    def next_due(self) -> str | None:
        """When the next tracked article falls due (feeds are read by every poll)."""
        return self.store.next_due()

    def _schedule(self, article_id: int, status: str) -> dict[str, Any]:
        """Next check from how long ago the article last changed (or was tracked again); retired once quiet
        for long enough."""
        age = self.now - max(stored_moment(stamp) for stamp in self.store.quiet_since(article_id))
        schedule = self.settings.schedule
        if age >= schedule.retire_after:
            self.store.event(article_id, "retired", {"quiet_days": round(age.total_seconds() / 86400, 1)})
            return {"status": "retired", "next_check_at": None}
        return {"status": status, "next_check_at": format_time(self.now + schedule.interval(age))}

    # -- the run -----------------------------------------------------------------------------------

    async def run(self, check_all: bool, limit: int | None, transport: httpx.AsyncBaseTransport | None) -> None:
        named = functools.partial(names_host, self.store)
        rules = ruleset(self.options.sites)  # their headers, cookies and proxy; `fetch = "browser"` for articles
        # Requests to one host take turns through the store: on PostgreSQL with every poll on the database.
        async with Fetcher(self.settings.fetch, transport=transport, is_named=named, rules=rules,
                           turns=self.store) as fetcher, BrowserFetcher(fetcher) as pages:
            feeds = self.feed_requests()
            if feeds:
                await fetch_each(fetcher, feeds, self.check_feed, more=self.feed_requests)
            self.due_by = None if check_all else format_time(self.now + DUE_MARGIN)
            self.again = set(self.store.checked_since(self.stamp, self.due_by))
            articles = self.article_requests(self.due_by, limit)
            if articles:
                workers = pool_size(len(articles)) if self.workers is None else self.workers
                timeout = self.settings.fetch.extract_timeout
                async with ParsePool(self.options, workers=workers, timeout=timeout) as pool:
                    self.pool = pool
                    await fetch_each(pages, articles, self.check_article,
                                     more=functools.partial(self.article_requests, self.due_by, limit))


def poll(
    store: Store,
    settings: TrackSettings,
    *,
    options: ParseOptions | None = None,
    check_all: bool = False,
    limit: int | None = None,
    suspect_ratio: float | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    workers: int | None = None,
) -> PollSummary:
    """One poll. The caller holds `poll_lock`; `now` and `transport` let tests set the clock and the network.

    `workers` extraction processes (0: extract in this process, with no time limit); by default one per
    core, never more than the articles due.
    """
    started = time.monotonic()
    sync_config_feeds(store, settings.feeds)
    run = _Poll(store, settings, options or ParseOptions(), suspect_ratio,
                now or datetime.now(timezone.utc), progress, workers)
    asyncio.run(run.run(check_all, limit, transport))
    run.summary.next_due = run.next_due()
    run.summary.duration_s = round(time.monotonic() - started, 3)
    return run.summary
