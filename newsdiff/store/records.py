"""Rows the store hands across its boundary, as named, frozen records: a backend fills them, callers read
fields by name."""

from __future__ import annotations

from dataclasses import dataclass
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
    reader_change: bool = False  # a new version that is the latest one's own input read differently by newsdiff


@dataclass(frozen=True)
class StoredVersion:
    """A version just written, as `Store.on_version` hooks see it (inside the transaction that stores it)."""

    article_id: int
    version_id: int
    number: int
    captured_at: str
    reader_change: bool = False  # only newsdiff's reading of the page changed (Store.add_version): no edit


@dataclass(frozen=True)
class RawInput:
    """The input a version was read from, as captured: evidence of what the outlet served."""

    id: int
    sha256: str
    size: int
    content_type: str | None
