"""Results of reading the archive: an article's log and one of its versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import ArticleRecord
    from ..store import DamagedHistory, RawInput


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
        from ..render.jsonout import record_json

        raw = self.raw
        about = None if raw is None else {"sha256": raw.sha256, "size": raw.size, "content_type": raw.content_type}
        return {"article": self.article, "version": self.number, **record_json(self.record), "raw": about,
                "archived": self.archived}
