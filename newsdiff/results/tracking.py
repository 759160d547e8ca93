"""Results of tracking articles and feeds and of polling them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..alerts.deliver import SendSummary
    from ..track.feeds import FeedCheck
    from ..track.poll import PollSummary


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
