"""`feeds list`'s rows as named, frozen records: apart from `list`'s (store/listings.py), which then
builds no class it does not show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


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


_FEED_FIELDS = tuple(f.name for f in fields(FeedStatus))  # in order, read once
