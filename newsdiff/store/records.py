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
