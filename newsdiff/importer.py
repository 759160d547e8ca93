"""`newsdiff import` as a library call: files in, versions stored, one result per file.

A folder's files are read and stored here, in order; their parsing runs in worker processes, one per
core, a few files ahead of the one being stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .model import ArticleRecord, FileResult, InputError, ParsedInput, clean_text, parse_time
from .sources import ParseOptions, extraction_error, parse_bytes
from .sources.pool import ParsePool, in_order, pool_size
from .sources.files import read_bytes
from .sources.warc import is_warc
from .store import Store
from .urls import canonical_url, is_web_url



_SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_NAMES = (".db", ".sqlite", ".sqlite3", "-wal", "-shm", "-journal")


def walk(paths: Iterable[str | Path], *, database: Path | None = None) -> Iterator[Path]:
    """Paths named directly, and every non-hidden entry below a named folder that is not a folder, in a
    stable order. A walk passes over SQLite files (by name or header) and `database`, the one in use: a
    folder that holds the database is not full of bad articles. Pipes and devices are still yielded,
    for `read_input` to refuse by name."""
    for path in map(Path, paths):
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_dir() or any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                if not _is_database(child, database):
                    yield child
        else:
            yield path


def _is_database(path: Path, database: Path | None) -> bool:
    """Whether a file met in a folder walk is a SQLite database or one of its companions (log, journal)."""
    if path.name.endswith(_SQLITE_NAMES):
        return True
    try:
        if database is not None and database.exists() and path.samefile(database):
            return True
        if not path.is_file():
            return False
        with path.open("rb") as head:
            return head.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:
        return False  # unreadable: `read_input` says so


def article_key(record: ArticleRecord, fallback: str) -> str:
    """The canonical URL when known; else a key from source and headline (or file name) that stays put across edits."""
    if record.url:
        return record.url
    basis = f"{record.source or ''}\n{clean_text(record.title or '').lower() or fallback}"
    return "local:" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _override(record: ArticleRecord, **changes: Any) -> ArticleRecord:
    return dataclasses.replace(record, **{k: v for k, v in changes.items() if v is not None})


def read_input(path: Path, *, url: str | None, options: ParseOptions) -> tuple[bytes, ParsedInput]:
    """Read and parse one file (`-`: standard input); every failure becomes an InputError with a one-line
    reason. A gzip file (a saved `.html.gz` page) is read decompressed."""
    data = read_bytes(path)
    try:
        return data, parse_bytes(data, url=url, options=options)
    except Exception as exc:
        raise _file_error(exc) from None


def _file_error(exc: Exception) -> InputError:
    """A file's parse failure as its one-line error: a hostile file costs itself alone, never the import,
    as a hostile page costs a poll one article."""
    return exc if isinstance(exc, InputError) else InputError(extraction_error(exc))


def import_file(
    store: Store,
    path: Path,
    *,
    url: str | None = None,
    source: str | None = None,
    title: str | None = None,
    captured_at: str | None = None,
    options: ParseOptions | None = None,
    suspect_ratio: float | None = None,
) -> FileResult:
    """Parse one file and store each version it holds, oldest first."""
    try:
        data, parsed = read_input(path, url=url, options=options or ParseOptions())
    except InputError as exc:
        return FileResult(path=str(path), error=str(exc))
    return store_input(store, path, data, parsed, url=url, source=source, title=title, captured_at=captured_at,
                       suspect_ratio=suspect_ratio)


def store_input(
    store: Store,
    path: Path,
    data: bytes,
    parsed: ParsedInput,
    *,
    url: str | None = None,
    source: str | None = None,
    title: str | None = None,
    captured_at: str | None = None,
    suspect_ratio: float | None = None,
) -> FileResult:
    """Store each version a parsed file holds, oldest first, in one transaction."""
    result = FileResult(path=str(path))
    try:
        when = parse_time(captured_at) if captured_at else None
    except ValueError as exc:
        result.error = str(exc)
        return result
    result.format = parsed.format
    result.ambiguous = len(parsed.details.get("ambiguous", []))
    with store.write():  # a dump's two versions are stored together or not at all
        for record in parsed.versions:
            found = canonical_url(record.url) if record.url and is_web_url(record.url) else None
            record = _override(record, url=url or found, source=source, title=title, captured_at=when)
            key = article_key(record, fallback=path.name)
            added = store.add_version(record, key=key, raw=data, suspect_ratio=suspect_ratio, reread=True)
            result.article_id, result.key, result.url = added.article_id, added.key, record.url
            result.versions.append(
                {"outcome": added.outcome, "number": added.number, "existing": added.existing,
                 "label": record.label, "reason": added.reason, "backdated": added.backdated,
                 "reader_change": added.reader_change}
            )
    return result


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    captured_at: str | None = None,
    options: ParseOptions | None = None,
    workers: int | None = None,
    extract_timeout: float | None = None,
    **kwargs: Any,
) -> list[FileResult]:
    """Import every file; a bad file is reported in its result and never stops the others.

    A bad option is the caller's mistake, not the files': ValueError naming it, before anything is read.
    A URL is stored in its canonical form (no tracking parameters or fragment), as `track` and `poll` do.
    Files are parsed in `workers` processes (0: in this one; by default one per core, none for one
    file), each under `extract_timeout` seconds (none in this process), and stored in order.
    A WARC file (recognised by its content) is read record by record: see archive/warc.py.
    """
    try:
        when = parse_time(captured_at) if captured_at else None
    except ValueError as exc:
        raise ValueError(f"--captured-at: {exc}") from None
    if kwargs.get("url"):
        try:
            kwargs["url"] = canonical_url(kwargs["url"])
        except ValueError as exc:
            raise ValueError(f"--url: {exc}") from None
    for option in ("url", "source", "title"):
        try:
            (kwargs.get(option) or "").encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"--{option}: not valid Unicode text") from None
    from .archive.warc import import_warc  # here, not above: it builds on this module

    files = list(walk(paths, database=store.path))
    if workers is None:  # one file of the user's own: parsed in place, sparing a worker's start
        workers = 0 if len(files) <= 1 else pool_size(len(files))
    pool = ParsePool(options or ParseOptions(), workers=workers, timeout=extract_timeout)
    return asyncio.run(_import_all(store, files, pool, import_warc, captured_at=when, **kwargs))


async def _import_all(store: Store, files: list[Path], pool: ParsePool, import_warc: Callable[..., FileResult], *,
                      url: str | None = None, **kwargs: Any) -> list[FileResult]:
    """Read each file and parse it in the pool, a few files ahead; store the results in the files' order.

    The files held in memory are those being parsed or waiting to be stored: two per worker at most.
    A WARC file is read and stored record by record when its turn comes, in this process.
    """

    async def parse(path: Path) -> tuple[Path, bytes, ParsedInput | InputError | None]:
        if is_warc(path):
            return path, b"", None
        try:
            data = read_bytes(path)
        except InputError as exc:
            return path, b"", exc
        try:
            return path, data, await pool.parse(data, url=url)
        except Exception as exc:
            return path, data, _file_error(exc)

    results = []
    async with pool:
        async for path, data, parsed in in_order(files, parse, window=2 * max(pool.workers, 1)):
            if parsed is None:
                results.append(import_warc(store, path, options=pool.options, url=url, **kwargs))
            elif isinstance(parsed, InputError):
                results.append(FileResult(path=str(path), error=str(parsed)))
            else:
                results.append(store_input(store, path, data, parsed, url=url, **kwargs))
    return results
