"""The storage layer: the only code that holds SQL, the schema and its migrations.

Everything above it calls `Store`'s named methods (the abstract boundary in store/interface.py) and
reads the records they return (store/records.py); a backend (SQLite today, store/sqlite.py) implements
them. Modules outside this package import only the names below, never a module inside it.

Each name is loaded on first use (PEP 562): `newsdiff --help` must not pay for the SQLite helpers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# Where each public name lives: the one list `__getattr__`, `__all__` and `__dir__` read.
_EXPORTS = {
    "Store": "interface",
    "AddResult": "records",
    "ArticleSummary": "listings",
    "Damage": "records",
    "Event": "records",
    "FeedStatus": "feed_listing",
    "RawInput": "records",
    "StoredVersion": "records",
    "VersionRef": "records",
    "StoreError": "errors",
    "StoreBusy": "errors",
    "SchemaError": "errors",
    "preload_writer": "database",
    "SearchError": "errors",
    "Matcher": "full_text",
    "worded_texts": "full_text",
    "StoreDamaged": "errors",
    "STORE_ERRORS": "errors",
    "is_damage": "errors",
    "DamagedHistory": "errors",
    "Rebuilt": "compact_history",
    "PassageIndex": "passage_index",
    "GROUPED_NUMBER": "passage_index",
    "TITLE": "passage_index",
    "parse_ranges": "passage_index",
    "passage_hash": "passage_index",
    "plain_number": "passage_index",
    "compress_ranges": "passage_index",
    "expand_ranges": "passage_index",
    "ServerError": "errors",
    "ServerLost": "errors",
    "DEFAULT_LEASE_S": "interface",
    "open_server": "postgres",
    "copy_archive": "postgres",
}

__all__ = [
    "DEFAULT_LEASE_S",
    "GROUPED_NUMBER",
    "STORE_ERRORS",
    "TITLE",
    "AddResult",
    "ArticleSummary",
    "Damage",
    "DamagedHistory",
    "Event",
    "FeedStatus",
    "Matcher",
    "PassageIndex",
    "RawInput",
    "Rebuilt",
    "SchemaError",
    "SearchError",
    "ServerError",
    "ServerLost",
    "Store",
    "StoreBusy",
    "StoreDamaged",
    "StoreError",
    "StoredVersion",
    "VersionRef",
    "compress_ranges",
    "copy_archive",
    "expand_ranges",
    "is_damage",
    "open_server",
    "parse_ranges",
    "passage_hash",
    "plain_number",
    "preload_writer",
    "worded_texts",
]

if TYPE_CHECKING:
    from .compact_history import Rebuilt
    from .database import preload_writer
    from .errors import (
        STORE_ERRORS,
        DamagedHistory,
        SchemaError,
        ServerError,
        ServerLost,
        StoreBusy,
        StoreDamaged,
        StoreError,
        is_damage,
    )
    from .full_text import Matcher, worded_texts
    from .interface import DEFAULT_LEASE_S, Store
    from .passage_index import (
        GROUPED_NUMBER,
        TITLE,
        PassageIndex,
        compress_ranges,
        expand_ranges,
        parse_ranges,
        passage_hash,
        plain_number,
    )
    from .postgres import copy_archive, open_server
    from .feed_listing import FeedStatus
    from .listings import ArticleSummary
    from .records import AddResult, Damage, Event, RawInput, StoredVersion, VersionRef


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
