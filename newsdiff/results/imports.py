"""Results of reading files into the archive (`import`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..archive.warc import WarcResult
    from ..model import FileResult


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
        from ..archive.warc import WarcResult

        return tuple(r for r in self.files if isinstance(r, WarcResult) and r.damaged)

    def to_json(self) -> dict[str, Any]:
        from ..archive.warc import WarcResult

        return {
            "imported": [
                {"path": r.path, "format": r.format, "article_id": r.article_id, "key": r.key, "url": r.url,
                 "added": r.added, "versions": r.versions, "ambiguous": r.ambiguous,
                 **({"skipped": dict(r.skipped), "damaged": r.damaged} if isinstance(r, WarcResult) else {})}
                for r in self.files if not r.error
            ],
            "errors": [{"path": r.path, "error": r.error} for r in self.errors],
        }
