"""One captured page stored as a version, extracted exactly as a polled page is."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..sources import ParseOptions, extraction_error, parse_bytes
from ..store import Store


@dataclass
class Stored:
    """What storing one capture came to: `outcome` is new, same, revert, suspect or refused."""

    outcome: str
    article_id: int | None = None
    number: int | None = None
    existing: int | None = None
    reason: str | None = None


def store_capture(
    store: Store, body: bytes, *, url: str, content_type: str | None, captured_at: str,
    options: ParseOptions, suspect_ratio: float | None, source: str | None = None,
) -> Stored:
    """Extract `body` (a page of canonical `url` captured at `captured_at`) and store it, its raw kept.

    A page that yields no article, or that the extractor chokes on, is refused with its reason: a capture
    costs one version, never the whole import."""
    try:
        parsed = parse_bytes(body, url=url, content_type=content_type, options=options)
    except Exception as exc:  # a hostile page must cost one capture
        return Stored("refused", reason=extraction_error(exc))
    result = Stored("same")
    for record in parsed.versions:
        record = replace(record, url=url, source=source or record.source, captured_at=captured_at)
        added = store.add_version(record, key=url, raw=body, content_type=content_type, suspect_ratio=suspect_ratio)
        if result.outcome != "new":
            result = Stored(added.outcome, added.article_id, added.number, added.existing, added.reason)
    return result
