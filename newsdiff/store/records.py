"""Rows the store hands across its boundary, as named, frozen records: a backend fills them, callers read
fields by name."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Event:
    """Something that happened to an article or one of its versions (gone, back, archived, ...)."""

    at: str
    kind: str
    version_id: int | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class VersionRef:
    """Which version of which article: enough to find it again or to name it."""

    article_id: int
    version_id: int
    number: int


@dataclass(frozen=True)
class Damage:
    """Something wrong in the database: what kind, a one-line description, and where when known."""

    kind: str  # integrity | orphan | index
    message: str
    article_id: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class AddResult:
    """What storing a record did: 'new' version, 'same' as the latest, 'revert' to an earlier one, or 'suspect'."""

    article_id: int
    key: str
    outcome: str
    number: int | None
    existing: int | None = None  # the version identical to the input, for 'same' and 'revert'
    reason: str | None = None
    backdated: bool = False  # a new version captured before others: those after it moved up one


@dataclass(frozen=True)
class StoredVersion:
    """A version just written, as `Store.on_version` hooks see it (inside the transaction that stores it)."""

    article_id: int
    version_id: int
    number: int
    captured_at: str


@dataclass(frozen=True)
class RawInput:
    """The input a version was read from, as captured: evidence of what the outlet served."""

    id: int
    sha256: str
    size: int
    content_type: str | None


@dataclass(frozen=True)
class ArticleSummary:
    """One article as `list` shows it: who published it, how many versions, when last captured."""

    id: int
    key: str
    url: str | None
    source: str | None
    title: str | None  # the latest headline; None for an untitled article
    status: str  # active, gone or retired
    tracked: int  # 1 while a poll checks it
    versions: int
    last_captured_at: str | None
    display_title: str | None  # the title, or the first words of the lede when there is none

    @classmethod
    def of(cls, row: dict[str, Any]) -> ArticleSummary:
        return cls(*[row[name] for name in _SUMMARY_FIELDS])

    @property
    def name(self) -> str:
        """How an article is named in listings: its headline (or lede), else its URL, else its key."""
        return self.display_title or self.url or self.key

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FeedStatus:
    """One feed as `feeds list` shows it: its outlet and how its last check went."""

    id: int
    url: str
    source: str | None
    title: str | None
    added_at: str | None
    last_checked_at: str | None
    last_status: int | None
    last_error: str | None
    etag: str | None
    last_modified: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> FeedStatus:
        return cls(*[row[name] for name in _FEED_FIELDS])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# Each record's field names in order, read once: `list` builds a thousand summaries from rows.
_SUMMARY_FIELDS = tuple(f.name for f in fields(ArticleSummary))
_FEED_FIELDS = tuple(f.name for f in fields(FeedStatus))
