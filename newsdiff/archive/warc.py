"""`newsdiff import FILE.warc[.gz]`: every HTML response record stored as a version of its URL at its WARC-Date."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import FileResult, parse_time
from ..sources import ParseOptions
from ..sources.files import MAX_FILE_BYTES
from ..sources.warc import WarcDamage, WarcItem, WarcSkip, read_warc
from ..store import Store
from ..urls import canonical_url
from .capture import store_capture

# Records are stored a second's worth to a transaction: a commit per record would dominate a large crawl,
# and a longer hold of the write lock would keep a poll waiting.
BATCH_SECONDS = 1.0


@dataclass
class WarcResult(FileResult):
    """An import of one WARC file: a version outcome per page record, skipped records counted by reason,
    damaged records listed by offset."""

    skipped: Counter[str] = field(default_factory=Counter)
    damaged: list[dict[str, Any]] = field(default_factory=list)  # {"offset", "reason"}

    def outcomes(self) -> Counter[str]:
        return Counter(v["outcome"] for v in self.versions)


def import_warc(
    store: Store, path: Path, *, options: ParseOptions | None = None, suspect_ratio: float | None = None,
    source: str | None = None, url: str | None = None, title: str | None = None, captured_at: str | None = None,
    max_body: int = MAX_FILE_BYTES,
) -> WarcResult:
    """Store every HTML 200 response of a WARC file, in the file's order, each at its own URL and date
    (so `url`, `title` and `captured_at`, which name one article, are refused for a WARC file)."""
    result = WarcResult(path=str(path), format="warc")
    if url or title or captured_at:
        result.error = "--url, --title and --captured-at do not apply to a WARC file (each record names its own)"
        return result
    options = options or ParseOptions()
    items = read_warc(path, max_body=max_body)
    try:
        while True:
            with store.write():
                until = time.monotonic() + BATCH_SECONDS
                for item in items:
                    _take(store, item, result, options=options, suspect_ratio=suspect_ratio, source=source)
                    if time.monotonic() > until:
                        break
                else:
                    return result
    except OSError as exc:
        result.error = exc.strerror or str(exc)
        return result


def _take(store: Store, item: WarcItem, result: WarcResult, *, options: ParseOptions,
          suspect_ratio: float | None, source: str | None) -> None:
    """Count a skipped or damaged record, or store a page and record its outcome."""
    if isinstance(item, WarcSkip):
        result.skipped[item.reason] += 1
        return
    if isinstance(item, WarcDamage):
        result.damaged.append({"offset": item.offset, "reason": item.reason})
        return
    try:
        url, when = canonical_url(item.url), parse_time(item.captured_at)
    except ValueError:
        result.skipped["no http(s) URL or no ISO date"] += 1
        return
    stored = store_capture(store, item.body, url=url, content_type=item.content_type, captured_at=when,
                           options=options, suspect_ratio=suspect_ratio, source=source)
    result.versions.append({
        "offset": item.offset, "url": url, "captured_at": when, "outcome": stored.outcome,
        "article_id": stored.article_id, "number": stored.number, "existing": stored.existing,
        "reason": stored.reason,
    })
