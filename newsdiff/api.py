"""The verbs: one `Archive` per database, whose methods are what the `newsdiff` commands do.

    import newsdiff
    with newsdiff.open("news.db") as archive:
        archive.import_paths(["story-v1.txt"], url="https://example.com/story")
        archive.import_paths(["story-v2.txt"], url="https://example.com/story")
        print(archive.diff("https://example.com/story").summary())

Each verb returns a typed result (newsdiff.results, or the library's own result types); the command
line only formats them. The settings a command would read (site rules, the short-page guard, fetch
limits, alerts) come from the config file, as for the command. Errors are exceptions: NotFound for an
article or version the database does not hold, ValueError (OpenError among them) for bad input, a file
that cannot be opened as a database or a bad config file, InputError for a file newsdiff cannot read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

from .model import NotFound
from .render import FEED_LIMIT, SITE_TITLE

if TYPE_CHECKING:
    from types import TracebackType

    import httpx

    from .alerts.deliver import SendSummary
    from .alerts.rules import AlertRule
    from .archive.wayback import WaybackResult
    from .check import CheckReport
    from .config import Config
    from .diff.report import Report
    from .store import DamagedHistory
    from .model import ParsedInput
    from .publish import PublishResult
    from .render.edits import Edit
    from .results import (AlertsListing, AlertTest, ArticleLog, Exported, FeedAdded, Forgotten, ImportResult,
                          PollResult, SearchResult, Stats, Tracked, Untracked, Vacuumed, VersionView)
    from .sources import ParseOptions
    from .store import ArticleSummary, FeedStatus, Store
    from .track.poll import Progress

ACCESS = ("write", "read", "cache")
SEARCH_LIMIT = 20  # articles (or edits) a search gives at most
STATS_TOP = 10  # most edited articles `stats` lists


class OpenError(ValueError):
    """The database cannot be opened: foreign, damaged or made by a newer newsdiff."""


class NotAFeed(ValueError):
    """A URL offered as a feed that is not RSS or Atom (the message names the feeds its page links)."""


class NoDatabase(OpenError):
    """No database where one was to be read (an archive opened with create=False)."""


def version_name(article_id: int, version: int | None) -> str:
    """How messages name a version: `article 3 version 2`, or `the latest version of article 3`."""
    return f"article {article_id} version {version}" if version else f"the latest version of article {article_id}"


def _changes(edit: Edit | DamagedHistory) -> dict[str, Any]:
    """What a version changed from the one before it, as `log` gives it (and `log --json` prints it)."""
    from .changes import TAGS
    from .store import DamagedHistory

    if isinstance(edit, DamagedHistory):
        return {"damaged": str(edit)}
    tags = {tag for change in edit.report.edited for tag in change.get("tags", [])}
    line = edit.summary_line
    if edit.reader_change:
        line = f"read differently by newsdiff, same page: {line}"
    return {"summary": edit.report.summary, "headline_changed": edit.headline_changed,
            "cosmetic_only": edit.cosmetic, "reader_change": edit.reader_change,
            "tags": [tag for tag in TAGS if tag in tags], "line": line}


class Archive:
    """A newsdiff database and its settings; each method is one `newsdiff` command.

    The database is opened on first use and closed by `close()` or the end of a `with` block.
    `create`: a missing database is created (else OpenError); a creating archive also queues the
    config's alerts for each version it stores, as the writing commands do (and `poll` its Wayback saves).
    `access`: "write"; "read" opens the file read-only and never changes it; "cache" reads a file it
    cannot write, and otherwise caches its diffs in it.
    """

    def __init__(self, db: str | Path, config: str | Path | None = None, *, create: bool = True,
                 access: str = "write") -> None:
        if access not in ACCESS:
            raise ValueError(f"access must be one of {', '.join(ACCESS)}, not {access!r}")
        from .dburl import ServerUrl, parse_db

        where = parse_db(db)
        # A server's config file is looked for where a file database's would be: the working directory.
        self.server = where if isinstance(where, ServerUrl) else None
        self.path = Path("newsdiff.db") if self.server else Path(db)
        self.config_path = None if config is None else Path(config)
        self.create, self.access = create, access
        self._store: Store | None = None
        self._config: Config | None = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def config(self) -> Config:
        """The config file named, else newsdiff.toml beside the database, else the defaults (ValueError
        for a file that is missing or wrong)."""
        from .config import load_config

        if self._config is None:
            self._config = load_config(self.config_path, self.path)
        return self._config

    @property
    def store(self) -> Store:
        """The database, opened (and created or migrated) on first use."""
        from .store import STORE_ERRORS, SchemaError, ServerError, Store, StoreBusy, is_damage

        if self._store is None:
            if not self.create and self.server is None and not self.path.exists():
                raise NoDatabase(f"no database at {self.path}")
            if self.server is None and self.path.exists() and not self.path.is_file():  # SQLite: "disk I/O error"
                kind = "a folder" if self.path.is_dir() else "a device or a pipe"
                raise OpenError(f"{self.path} is {kind}, not a database file")
            try:
                try:
                    store = Store.open(self.server.url if self.server else self.path, readonly=self.access == "read")
                except StoreBusy:
                    raise
                except STORE_ERRORS as exc:
                    if self.access != "cache" or is_damage(exc) or self.server:
                        raise
                    store = Store.open(self.path, readonly=True)  # a reader that caches still reads
            except StoreBusy:
                raise  # another writer held the file too long: the caller may try again later
            except (SchemaError, ServerError) as exc:
                raise OpenError(str(exc)) from None
            except Exception as exc:  # an unreadable or foreign file
                raise OpenError(f"cannot open database {self.path}: {exc}") from None
            self._store = store
            try:
                self._attach(store)
            except BaseException:
                self.close()
                raise
        return self._store

    def _run_lock(self, *, wait: bool) -> AbstractContextManager[None]:
        """One poll (or send, or vacuum) at a time on a SQLite file; none on a server, where overlapping
        polls share the work through leases."""
        from contextlib import nullcontext

        from .track.poll import poll_lock

        return nullcontext() if self.server else poll_lock(self.path, wait=wait)

    def _attach(self, store: Store) -> None:
        """Every version a creating archive stores may alert (Wayback Machine saves are queued by `poll`)."""
        if self.create and self.config.alerts:
            from .alerts.queue import attach

            attach(store, self.config.alerts)

    def parse_options(self, single_as: str = "added") -> ParseOptions:
        """How files and pages are read: the config's site rules; NewsSniffer rows seen once as `single_as`."""
        from .sources import ParseOptions

        return ParseOptions(single_as=single_as, sites=self.config.sites)

    # -- reading files in ------------------------------------------------------------------------

    def import_paths(self, paths: Iterable[str | Path], *, url: str | None = None, source: str | None = None,
                     title: str | None = None, captured_at: str | None = None,
                     single_as: str = "added") -> ImportResult:
        """Store article files (text, HTML, NewsSniffer dumps, WARC files; folders are walked) as versions.
        A bad file is reported in its result and never stops the others; a bad option is a ValueError."""
        from .importer import import_paths
        from .results import ImportResult

        config = self.config
        options = self.parse_options(single_as)
        files = import_paths(self.store, paths, url=url, source=source, title=title, captured_at=captured_at,
                             options=options, suspect_ratio=config.suspect_ratio,
                             extract_timeout=config.track.fetch.extract_timeout)
        return ImportResult(tuple(files))

    def import_wayback(self, url: str, *, since: str | None = None, until: str | None = None,
                       single_as: str = "added", report: Callable[[dict[str, Any]], None] | None = None,
                       transport: httpx.AsyncBaseTransport | None = None) -> WaybackResult:
        """Store an article's Wayback Machine captures (from `since` to `until`) as versions; `report`
        hears of each capture as it is handled."""
        from .archive.wayback import import_wayback

        config = self.config
        options = self.parse_options(single_as)
        return import_wayback(self.store, url, archive=config.archive, fetch=config.track.fetch, options=options,
                              suspect_ratio=config.suspect_ratio, since=since, until=until, report=report,
                              transport=transport)

    def parse(self, path: str | Path, *, url: str | None = None, single_as: str = "added") -> ParsedInput:
        """What newsdiff understands from a file (`-`: standard input), storing nothing: read as `import`
        reads it, any failure an InputError."""
        from .importer import read_input

        return read_input(Path(path), url=url, options=self.parse_options(single_as))[1]

    # -- reading the archive ---------------------------------------------------------------------

    def articles(self, source: str | None = None) -> tuple[ArticleSummary, ...]:
        """Articles (`newsdiff list`), most recently changed first; only `source`'s when given."""
        from .store import ArticleSummary

        return tuple(ArticleSummary.of(row) for row in self.store.articles(source))

    def resolve(self, article: str | int) -> dict[str, Any]:
        """The article an id, key or URL names (NotFound otherwise)."""
        return self.store.resolve(str(article))

    def log(self, article: str | int) -> ArticleLog:
        """An article's versions, oldest first, what each changed, and the events that happened to it."""
        from .archive.save import snapshots
        from .store import DamagedHistory
        from .reports.cache import version_edits
        from .results import ArticleLog

        row = self.resolve(article)
        store = self.store
        versions, events = store.versions(row["id"]), store.events(row["id"])
        edits = version_edits(store, row["id"])
        changes = {number: _changes(edit) for number, edit in edits.items()}
        archived = snapshots(store, row["id"])
        return ArticleLog(
            article=row,
            versions=tuple({**v, "changes": changes.get(v["number"]), "archived": archived.get(v["id"])}
                           for v in versions),
            events=tuple(events),
            damaged=tuple(edit for edit in edits.values() if isinstance(edit, DamagedHistory)),
        )

    def show(self, article: str | int, version: int | None = None) -> VersionView:
        """One version (default: the latest), rebuilt from the store."""
        from .archive.save import snapshots
        from .results import VersionView

        row = self.resolve(article)
        store = self.store
        stored = store.version_row(row["id"], version)  # rebuilt once, for the record and its number
        record, number = store.as_record(stored), stored["number"]
        return VersionView(article=row, number=number, record=record, raw=store.raw(row["id"], number),
                           archived=snapshots(store, row["id"]).get(stored["id"]))

    def raw(self, article: str | int, version: int | None = None) -> bytes:
        """The page or file a version (default: the latest) was read from, byte for byte."""
        row = self.resolve(article)
        where = version_name(row["id"], version)
        kept = self.store.raw(row["id"], version)
        if kept is None:
            raise NotFound(f"{where} was stored without its raw input")
        try:
            return self.store.raw_bytes(kept.id)
        except ValueError as exc:  # damaged in the store
            raise ValueError(f"{where}: {exc}") from None

    def diff(self, article: str | int, a: int | None = None, b: int | None = None) -> Report:
        """What changed, sentence by sentence, between versions `a` and `b` (default: previous -> latest)."""
        from .reports.compare import diff_versions

        numbers = [n for n in (a, b) if n is not None]
        return diff_versions(self.store, self.resolve(article)["id"], *numbers)

    def diff_files(self, paths: Sequence[str | Path], *, single_as: str = "added") -> Report:
        """What changed between two files, or between the two versions one NewsSniffer dump holds."""
        from .reports.compare import diff_files

        return diff_files([Path(p) for p in paths], self.parse_options(single_as))

    # -- publishing ------------------------------------------------------------------------------

    def feed(self, *, fmt: str = "rss", article: str | int | None = None, source: str | None = None,
             limit: int = FEED_LIMIT, base_url: str | None = None, cosmetic: bool = False,
             tags: Sequence[str] = (), min_changed: int = 0) -> bytes:
        """An RSS or Atom feed of edits, newest first: one item per new version, the change inside."""
        from . import publish as publishing

        ref = publishing.article_ref(self.resolve(article)) if article is not None else None
        return publishing.feed(self.store, fmt=fmt, article=ref, source=source, limit=limit, base_url=base_url,
                               cosmetic=cosmetic, tags=tags, min_changed=min_changed)

    def publish(self, directory: str | Path, *, base_url: str, all_pairs: bool = False, cosmetic: bool = False,
                limit: int = FEED_LIMIT, title: str = SITE_TITLE, tags: Sequence[str] = (),
                min_changed: int = 0) -> PublishResult:
        """Write or refresh a static site in `directory`; only newsdiff's own pages change."""
        from . import publish as publishing

        return publishing.publish(self.store, directory, base_url=base_url, all_pairs=all_pairs, cosmetic=cosmetic,
                                  limit=limit, title=title, tags=tags, min_changed=min_changed)

    # -- tracking --------------------------------------------------------------------------------

    def feeds(self) -> tuple[FeedStatus, ...]:
        """Tracked feeds (added ones and the config's) and how their last check went."""
        from .store import FeedStatus
        from .track import registry

        registry.sync_config_feeds(self.store, self.config.track.feeds)
        return tuple(FeedStatus.of(row) for row in self.store.feeds())

    def add_feed(self, url: str, source: str | None = None, *, check: bool = True,
                 transport: httpx.AsyncBaseTransport | None = None) -> FeedAdded:
        """Track a feed. With `check`, it is fetched first and refused (ValueError) unless it is RSS or Atom."""
        from .results import FeedAdded
        from .track import registry
        from .track.feeds import check_feed
        from .urls import feed_url

        url = feed_url(url)
        found = check_feed(url, self.config.track.fetch, transport=transport) if check else None
        if found and found.problem:
            offer = ", ".join(f"“{title}” {link}" if title else link for title, link in found.alternates)
            raise NotAFeed(f"{url} is not a feed: {found.problem}" + (f"; the page links {offer}" if offer else ""))
        registry.sync_config_feeds(self.store, self.config.track.feeds)  # so a feed the config lists is known
        return FeedAdded(url=url, added=registry.add_feed(self.store, url, source), check=found)

    def remove_feed(self, url: str) -> str:
        """Stop reading a feed (its articles stay tracked until they retire); the URL as removed."""
        from .track import registry

        registry.remove_feed(self.store, url, self.config.track.feeds)
        return url.strip()

    def track(self, url: str, source: str | None = None) -> Tracked:
        """Track one article without a feed; the next poll fetches it."""
        from .results import Tracked
        from .track import registry

        article_id, created = registry.track(self.store, url, source)
        return Tracked(article_id=article_id, url=url.strip(), created=created)

    def untrack(self, article: str | int) -> Untracked:
        """Stop checking an article (its versions stay); the article untracked."""
        from .results import Untracked
        from .track import registry

        row = registry.untrack(self.store, str(article))
        return Untracked(article_id=row["id"], name=row["url"] or row["key"])

    def forget(self, article: str | int) -> Forgotten:
        """Delete an article and everything kept about it, for good."""
        from .results import Forgotten

        row = self.resolve(article)
        return Forgotten(article=row, removed=self.store.forget(row["id"]))

    def site_settings(self, directory: str | Path, base_url: str | None = None) -> dict[str, Any]:
        """The settings a site was published with, `base_url` overriding its own (ValueError without one)."""
        from .publish import recorded_settings
        from .render.edits import check_base_url

        site = {**recorded_settings(directory), **({"base_url": base_url} if base_url else {})}
        if not site.get("base_url"):
            raise ValueError("--publish needs --base-url, the site's public URL")
        check_base_url(site["base_url"])
        return site

    def poll(self, *, jobs: int | None = None, limit: int | None = None, lease: float | None = None,
             check_all: bool = False,
             wait: bool = False, publish: str | Path | None = None, base_url: str | None = None,
             alerts: bool = True, progress: Progress | None = None,
             transport: httpx.AsyncBaseTransport | None = None) -> PollResult:
        """Read the feeds, re-check the articles that are due and store each new version; then refresh
        the site published in `publish` when it is out of date, and send the alerts that are due.

        One poll per database file: PollBusy when another runs (`wait`: wait for it instead). On a server
        any number run at once, each holding what it claims for `lease` seconds (default: the config's)."""
        from dataclasses import replace

        from .results import PollResult
        from .track.poll import poll

        site = None if publish is None else self.site_settings(publish, base_url)
        settings = self.config.track
        if jobs:
            settings = replace(settings, fetch=replace(settings.fetch, jobs=jobs))
        if lease is not None:
            from .track.settings import check_lease

            settings = replace(settings, fetch=replace(settings.fetch, lease=check_lease(lease, "lease", lease)))
        store, options = self.store, self.parse_options()
        if self.config.archive.wayback:  # what a poll finds is saved to the Wayback Machine; imported history never
            from .archive import save

            save.attach(store)
        with self._run_lock(wait=wait):
            summary = poll(store, settings, options=options, check_all=check_all, limit=limit,
                           suspect_ratio=self.config.suspect_ratio, progress=progress, transport=transport)
            if publish is not None and site is not None:  # still under the lock: two runs never write the site at once
                summary.published = self._refresh_site(publish, site, summary.errors)
            deliveries = self.config.alerts or self.config.archive.wayback
            sent = self._send_alerts(force=False) if alerts and deliveries else None
        return PollResult(summary=summary, alerts=sent)

    def _refresh_site(self, directory: str | Path, site: dict[str, Any],
                      errors: list[dict[str, str]]) -> dict[str, Any]:
        """Publish again when the site is out of date; a failure to write it is one more poll error."""
        from . import publish as publishing

        published = {"directory": str(directory), "url": site["base_url"], "refreshed": False, "written": 0,
                     "removed": 0}
        if publishing.stale(self.store, directory, **site):
            try:
                result = publishing.publish(self.store, directory, **site)
                published.update(refreshed=True, written=len(result.written), removed=len(result.removed))
            except OSError as exc:
                errors.append({"url": str(exc.filename or directory),
                               "error": f"publish failed: {exc.strerror or exc}"})
        return published

    # -- alerts ----------------------------------------------------------------------------------

    def alert_rules(self) -> tuple[AlertRule, ...]:
        """The config's [[alerts]] rules, registered in the database (ValueError when there are none)."""
        from .alerts.queue import register

        rules = self.config.alerts
        if not rules:
            raise ValueError("no [[alerts]] rules in the config file (see README, Alerts)")
        register(self.store, rules)
        return rules

    def alerts(self) -> AlertsListing:
        """The rules and the queue: counts by rule and status, and each alert pending or failed."""
        from .alerts.queue import listing
        from .results import AlertsListing

        rules = self.alert_rules()
        queued = listing(self.store)
        return AlertsListing(rules=rules, counts=queued["counts"], alerts=tuple(queued["alerts"]))

    def send_alerts(self, *, force: bool = False) -> SendSummary:
        """Deliver the alerts (and Wayback Machine saves) that are due; `force`: also those backing off.
        Never beside a poll, which delivers the same alerts."""
        with self._run_lock(wait=True):
            return self._send_alerts(force)

    def _send_alerts(self, force: bool) -> SendSummary:
        from .alerts.deliver import SendSummary, send_pending

        config = self.config
        wayback_only = config.archive.wayback and not config.alerts  # else no rules is an error, as ever
        with self.store.one_at_a_time("send"):  # on a server, overlapping polls must not send an alert twice
            summary = SendSummary() if wayback_only else send_pending(self.store, self.alert_rules(), force=force)
            if config.archive.wayback:
                from .archive.save import send_saves

                send_saves(self.store, config.archive, summary, force=force)
        return summary

    def test_alert(self, name: str) -> AlertTest:
        """Send one message, built from the latest stored edit (or a sample), to rule `name`'s channels."""
        from .alerts.deliver import send_test
        from .results import AlertTest

        rule = next((r for r in self.alert_rules() if r.name == name), None)
        if rule is None:
            raise NotFound(f"no alert rule {name!r} (rules: {', '.join(r.name for r in self.config.alerts)})")
        outcome, described = send_test(self.store, rule)
        if outcome.error:
            raise ValueError(f"alert rule {name!r}: {outcome.error}")
        return AlertTest(rule=rule.name, sent=described, to=tuple(t.shown for t in rule.targets))

    # -- history: check, search, export, stats, vacuum -------------------------------------------

    def check(self) -> CheckReport:
        """Rebuild every version and verify its hash, run SQLite's integrity check, find orphans."""
        from .check import check

        return check(self.store)

    def search(self, query: str, *, changed: bool = False, fts: bool = False,
               limit: int = SEARCH_LIMIT) -> SearchResult:
        """Articles whose versions contain the words of `query`; `changed`: the edits that put one in or
        took one out; `fts`: `query` is SQLite FTS5 syntax. SearchError (a ValueError) for a bad query."""
        from .results import SearchResult
        from .search import fts_query, search, search_changed

        damaged: list[DamagedHistory] = []
        # One more than `limit` says whether the limit cut the list.
        found = (search_changed if changed else search)(self.store, query, raw=fts, limit=limit + 1, damaged=damaged)
        return SearchResult(query=query, fts=fts_query(query, fts), changed=changed, hits=tuple(found[:limit]),
                            more=len(found) > limit, damaged=tuple(damaged))

    def export(self, out: IO[str], *, fmt: str = "jsonl", since: str | None = None,
               sentences: bool = False) -> Exported:
        """Every article with all its versions (`sentences`: each version pair's alignment), written to `out`
        as JSON lines or CSV; versions that cannot be rebuilt are left out and named in the result."""
        from .export import export
        from .results import Exported

        damaged: list[DamagedHistory] = []
        export(self.store, cast(TextIO, out), fmt=fmt, since=since, sentences=sentences, damaged=damaged)
        return Exported(damaged=tuple(damaged))

    def stats(self, top: int = STATS_TOP) -> Stats:
        """Articles, versions, edits per source, the `top` most edited articles, and storage figures."""
        from .results import Stats
        return Stats(**self.store.stats(top))

    def vacuum(self) -> Vacuumed:
        """Give back the space superseded versions left in the file (after any running poll)."""
        from .results import Vacuumed
        store = self.store
        with self._run_lock(wait=True):  # never while a poll writes: VACUUM rewrites the whole file
            before, after = store.vacuum()
        return Vacuumed(bytes_before=before, bytes_after=after)


def open(db: str | Path, config: str | Path | None = None, *, create: bool = True, access: str = "write") -> Archive:
    """The `Archive` of the database at `db` (created on first use unless `create` is False), with the
    settings of `config` (default: newsdiff.toml beside the database, if present)."""
    return Archive(db, config, create=create, access=access)
