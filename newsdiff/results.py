"""What each `Archive` verb gives back: typed, frozen results that the command line only formats.

Verbs whose library function already returns a typed result hand that on unchanged (`FileResult`,
`WaybackResult`, `PollSummary`, `PublishResult`, `CheckReport`, `SendSummary`, a diff `Report`). Each
result here has `to_json()`, the document its command's `--json` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .alerts.deliver import SendSummary
    from .alerts.rules import AlertRule
    from .archive.warc import WarcResult
    from .model import ArticleRecord, FileResult
    from .store import DamagedHistory
    from .search import ArticleHit, EditHit
    from .store import RawInput
    from .track.feeds import FeedCheck
    from .track.poll import PollSummary


@dataclass(frozen=True)
class ImportResult:
    """One result per file read (a WARC file's is a `WarcResult`, with its damaged records)."""

    files: tuple[FileResult, ...]

    @property
    def errors(self) -> tuple[FileResult, ...]:
        """The files that could not be read or stored; the others were."""
        return tuple(r for r in self.files if r.error)

    @property
    def damaged(self) -> tuple[WarcResult, ...]:
        """WARC files with records that could not be read (the rest of each was)."""
        from .archive.warc import WarcResult

        return tuple(r for r in self.files if isinstance(r, WarcResult) and r.damaged)

    def to_json(self) -> dict[str, Any]:
        from .archive.warc import WarcResult

        return {
            "imported": [
                {"path": r.path, "format": r.format, "article_id": r.article_id, "key": r.key, "url": r.url,
                 "added": r.added, "versions": r.versions, "ambiguous": r.ambiguous,
                 **({"skipped": dict(r.skipped), "damaged": r.damaged} if isinstance(r, WarcResult) else {})}
                for r in self.files if not r.error
            ],
            "errors": [{"path": r.path, "error": r.error} for r in self.errors],
        }


@dataclass(frozen=True)
class ArticleLog:
    """An article's versions, oldest first, each with what it changed (`changes`: None for the first)
    and its Wayback Machine snapshot (`archived`), and the events that happened to the article."""

    article: dict[str, Any]
    versions: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]
    damaged: tuple[DamagedHistory, ...]  # versions whose change could not be rebuilt

    def to_json(self) -> dict[str, Any]:
        return {"article": self.article, "versions": list(self.versions), "events": list(self.events)}


@dataclass(frozen=True)
class VersionView:
    """One stored version: the article it belongs to, its number, the record rebuilt from the store,
    what is known of the raw input it was read from, and its Wayback Machine snapshot."""

    article: dict[str, Any]
    number: int
    record: ArticleRecord
    raw: RawInput | None
    archived: str | None

    def to_json(self) -> dict[str, Any]:
        from .render.jsonout import record_json

        raw = self.raw
        about = None if raw is None else {"sha256": raw.sha256, "size": raw.size, "content_type": raw.content_type}
        return {"article": self.article, "version": self.number, **record_json(self.record), "raw": about,
                "archived": self.archived}


@dataclass(frozen=True)
class Tracked:
    article_id: int
    url: str
    created: bool  # False: the article was known, and is tracked again


@dataclass(frozen=True)
class Untracked:
    article_id: int
    name: str  # its URL, or its key when it has none


@dataclass(frozen=True)
class Forgotten:
    article: dict[str, Any]
    removed: dict[str, int]  # rows deleted: versions, raws, events ...

    def to_json(self) -> dict[str, Any]:
        return {"article": self.article, "removed": self.removed}


@dataclass(frozen=True)
class FeedAdded:
    url: str  # as stored (canonical)
    added: bool  # False: it was already tracked
    check: FeedCheck | None  # what fetching it found (None: added unchecked)


@dataclass(frozen=True)
class PollResult:
    """One poll: what it fetched and stored, and what the alerts sent after it (None: none were sent)."""

    summary: PollSummary
    alerts: SendSummary | None

    @property
    def ok(self) -> bool:
        return not self.summary.errors and (self.alerts is None or self.alerts.ok)

    def to_json(self) -> dict[str, Any]:
        return {**self.summary.as_json(), **({"alerts": self.alerts.to_json()} if self.alerts else {})}


@dataclass(frozen=True)
class AlertsListing:
    rules: tuple[AlertRule, ...]
    counts: dict[str, dict[str, int]]  # {rule: {status: alerts}}
    alerts: tuple[dict[str, Any], ...]  # each alert pending or failed

    def to_json(self) -> dict[str, Any]:
        return {"rules": [r.to_json() for r in self.rules], "counts": self.counts, "alerts": list(self.alerts)}


@dataclass(frozen=True)
class AlertTest:
    rule: str
    sent: str  # which edit the message was built from
    to: tuple[str, ...]  # the rule's channels, URLs redacted

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "sent": self.sent, "to": list(self.to)}


@dataclass(frozen=True)
class SearchResult:
    """Articles (or, `changed`, edits) matching a query, best first; `more`: the limit cut the list."""

    query: str
    fts: str  # the query as SQLite FTS5 read it
    changed: bool
    hits: tuple[ArticleHit | EditHit, ...]
    more: bool
    damaged: tuple[DamagedHistory, ...]  # versions left out because they could not be rebuilt

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "fts": self.fts, "changed": self.changed, "more": self.more,
                "edits" if self.changed else "articles": [hit.to_json() for hit in self.hits],
                "damaged": [str(problem) for problem in self.damaged]}


@dataclass(frozen=True)
class Exported:
    damaged: tuple[DamagedHistory, ...]  # versions left out of the export because they could not be rebuilt


@dataclass(frozen=True)
class Stats:
    """Counts, edits per source, the most edited articles and what the database costs."""

    articles: int
    versions: int
    edits: int
    sources: list[dict[str, Any]]
    most_edited: list[dict[str, Any]]
    history: dict[str, Any]  # text_bytes, stored_bytes, ratio
    raws: dict[str, Any]  # count, bytes, stored_bytes
    database: dict[str, Any]  # path, bytes_on_disk, page_bytes, free_bytes, unused_bytes, parts, tables

    def to_json(self) -> dict[str, Any]:
        return {"articles": self.articles, "versions": self.versions, "edits": self.edits, "sources": self.sources,
                "most_edited": self.most_edited, "history": self.history, "raws": self.raws,
                "database": self.database}


@dataclass(frozen=True)
class Vacuumed:
    bytes_before: int | None  # None: an in-memory database
    bytes_after: int | None

    def to_json(self) -> dict[str, Any]:
        return {"bytes_before": self.bytes_before, "bytes_after": self.bytes_after}
