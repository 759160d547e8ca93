"""Results of searching, exporting and measuring the archive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..search import ArticleHit, EditHit
    from ..store import DamagedHistory


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
