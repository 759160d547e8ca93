"""What each `Archive` verb gives back: typed, frozen results that the command line only formats.

Verbs whose library function already returns a typed result hand that on unchanged (`FileResult`,
`WaybackResult`, `PollSummary`, `PublishResult`, `CheckReport`, `SendSummary`, a diff `Report`). Each
result here has `to_json()`, the document its command's `--json` prints.

Each name is loaded on first use (PEP 562), from a module per group of verbs: a command builds only its
own result class (each frozen dataclass costs start-up time to make).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# Where each public name lives: the one list `__getattr__`, `__all__` and `__dir__` read.
_EXPORTS = {
    "ImportResult": "imports",
    "ArticleLog": "reading",
    "VersionView": "reading",
    "Tracked": "tracking",
    "Untracked": "tracking",
    "Forgotten": "tracking",
    "FeedAdded": "tracking",
    "PollResult": "tracking",
    "AlertsListing": "alerts",
    "AlertTest": "alerts",
    "SearchResult": "history",
    "Exported": "history",
    "Stats": "history",
    "Vacuumed": "history",
}

__all__ = [
    "AlertTest",
    "AlertsListing",
    "ArticleLog",
    "Exported",
    "FeedAdded",
    "Forgotten",
    "ImportResult",
    "PollResult",
    "SearchResult",
    "Stats",
    "Tracked",
    "Untracked",
    "Vacuumed",
    "VersionView",
]

if TYPE_CHECKING:
    from .alerts import AlertsListing, AlertTest
    from .history import Exported, SearchResult, Stats, Vacuumed
    from .imports import ImportResult
    from .reading import ArticleLog, VersionView
    from .tracking import FeedAdded, Forgotten, PollResult, Tracked, Untracked


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
