"""newsdiff: keep every version of every news article you track and say, sentence by sentence, what changed.

The public API for Python users; the `newsdiff` command is a thin layer over it.

    import newsdiff
    with newsdiff.open("newsdiff.db") as archive:
        archive.import_paths(["article.html"])
        for version in archive.log("https://example.com/story").versions: ...

`newsdiff.open(db, config=None, *, create=True, access="write")` gives an `Archive`, whose methods are
the commands, each returning a typed result (newsdiff.results):

- reading in: import_paths, import_wayback, parse
- reading the archive: articles (`list`), resolve, log, show, raw, diff, diff_files
- publishing: feed, publish
- tracking: track, untrack, forget, feeds, add_feed, remove_feed, poll
- alerts: alert_rules, alerts, send_alerts, test_alert
- history: check, search, export, stats, vacuum

Each name below is loaded on first use (PEP 562), so `import newsdiff` and the command start fast and
HTML extraction, SQLite helpers and the like load only for the work that needs them:

- open, Archive, OpenError: the verbs above (newsdiff.api)
- Store, AddResult, RawInput: the database of articles and their versions (newsdiff.store)
- import_file, import_paths: read files into it (newsdiff.importer), each giving a FileResult
- parse_bytes, ParseOptions: what newsdiff understands from a file or page, storing nothing (newsdiff.sources)
- ArticleRecord, ParsedInput, clean_text: the records that flow between them (newsdiff.records, newsdiff.model)
- InputError, NotFound: an input newsdiff cannot read, an article or version the store does not hold
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Where each public name lives: the one list `__getattr__`, `__all__` and `__dir__` read.
_EXPORTS = {
    "Archive": "api",
    "OpenError": "api",
    "open": "api",
    "ArticleRecord": "records",
    "FileResult": "records",
    "InputError": "model",
    "NotFound": "model",
    "ParsedInput": "records",
    "clean_text": "model",
    "ParseOptions": "sources",
    "parse_bytes": "sources",
    "AddResult": "store",
    "RawInput": "store",
    "Store": "store",
    "import_file": "importer",
    "import_paths": "importer",
}

__all__ = ["__version__", *sorted(_EXPORTS, key=str.lower)]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time `__getattr__` loads each on first use
    # `X as X`: an explicit re-export (the names reach users through `__all__`, built from _EXPORTS above)
    from .api import Archive as Archive, OpenError as OpenError, open as open
    from .importer import import_file as import_file, import_paths as import_paths
    from .model import (ArticleRecord as ArticleRecord, FileResult as FileResult, InputError as InputError,
                        NotFound as NotFound, ParsedInput as ParsedInput, clean_text as clean_text)
    from .sources import ParseOptions as ParseOptions, parse_bytes as parse_bytes
    from .store import AddResult as AddResult, RawInput as RawInput, Store as Store

    __version__: str


def _installed_version() -> str:
    """The installed distribution's version (reading package metadata costs start-up time, so on demand)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsdiff")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value = _installed_version()
    elif name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # loaded once: later lookups do not come back here
    return value


def __dir__() -> list[str]:
    """The public names (loaded or not) and the module's own dunders, not its helper imports."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
