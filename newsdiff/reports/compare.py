"""Diffs as callers ask for them: two stored versions, or two inputs on disk. Loads the data (and a
stored version's cached sentences), then hands it to the engine, which never reads anything itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..diff import SENTENCES_KIND, Report, Side, diff_records, segment_bounds, sentences_at
from ..model import ArticleRecord, InputError

if TYPE_CHECKING:
    from ..sources import ParseOptions

__all__ = ["diff_versions", "diff_files", "version_sentences"]


def version_sentences(store: Any, version_id: int, record: ArticleRecord) -> list[list[str]]:
    """A stored version's sentences per paragraph, segmented once: the store caches only where the
    sentences begin, and they are sliced out of the version's paragraphs again on each read."""
    paragraphs = record.paragraphs
    bounds = store.cached(version_id, SENTENCES_KIND, lambda: segment_bounds(paragraphs))
    if not _fits(bounds, paragraphs):  # a damaged cache entry: segment again rather than cut wrongly
        bounds = segment_bounds(paragraphs)
    return [sentences_at(paragraph, cuts) for paragraph, cuts in zip(paragraphs, bounds, strict=True)]


def _fits(bounds: Any, paragraphs: tuple[str, ...]) -> bool:
    """Whether cached bounds can be those of these paragraphs: one increasing list of offsets inside
    each paragraph."""
    return isinstance(bounds, list) and len(bounds) == len(paragraphs) and all(
        isinstance(cuts, list) and all(type(c) is int for c in cuts) and cuts == sorted(cuts)
        and (not cuts or 0 < cuts[0] and cuts[-1] < len(paragraph))
        for paragraph, cuts in zip(paragraphs, bounds, strict=True)
    )


def diff_versions(store: Any, article_id: int, a: int | None = None, b: int | None = None) -> Report:
    """Version `a` against version `b` of a stored article; by default the previous version against
    the latest. Raises LookupError (with a message) for a missing version."""
    versions = store.versions(article_id)
    numbers = [v["number"] for v in versions]
    if a is None and b is None:
        if len(numbers) < 2:
            have = "no versions" if not numbers else "only one version"
            raise LookupError(f"article {article_id} has {have}; nothing to compare")
        a, b = numbers[-2], numbers[-1]
    loaded = []
    for number in (a, b):
        row = next((v for v in versions if v["number"] == number), None)
        if row is None:
            have = f"{numbers[0]}-{numbers[-1]}" if numbers else "none"
            raise LookupError(f"article {article_id} has no version {number} (versions: {have})")
        record = store.record(article_id, number)
        side = Side(version=number, captured_at=row["captured_at"], title=row["title"], label=row["label"])
        loaded.append((record, version_sentences(store, row["id"], record), side))
    (old, old_sentences, old_side), (new, new_sentences, new_side) = loaded
    return diff_records(old, new, old_sentences=old_sentences, new_sentences=new_sentences,
                        old_side=old_side, new_side=new_side)


def _read(path: Path, options: ParseOptions | None) -> list[ArticleRecord]:
    from ..sources import extraction_error, parse_bytes  # a stored pair's diff loads no extraction
    from ..sources.files import read_bytes

    try:
        return parse_bytes(read_bytes(path, streams=True), options=options).versions  # capped, as `import` reads
    except Exception as exc:  # a hostile file: one line naming it, as `import` gives, never a traceback
        raise InputError(f"{path}: {extraction_error(exc)}") from None


def _side(path: Path, record: ArticleRecord, role: str) -> Side:
    """A side named by its file's name; a stream's (`diff <(curl …) <(curl …)`: /dev/fd/63) by its role,
    as its name is a number that means nothing once the command is over."""
    name = role if path.parent.name == "fd" and path.name.isdigit() else path.name
    label = f"{name} (version {record.label})" if record.label else name
    return Side(captured_at=record.captured_at, title=record.title, label=label)


def diff_files(paths: list[Path], options: ParseOptions | None = None) -> Report:
    """Two inputs newsdiff can parse, old then new; or one NewsSniffer dump, which holds both."""
    if len(paths) == 1:
        versions = _read(paths[0], options)
        if len(versions) != 2:
            raise InputError(f"{paths[0]}: holds one version; give an older and a newer file to compare")
        (old, new), (old_path, new_path) = versions, (paths[0], paths[0])
    elif len(paths) == 2:
        pair = []
        for path in paths:
            versions = _read(path, options)
            if len(versions) != 1:
                raise InputError(f"{path}: holds {len(versions)} versions; diff a two-version dump on its own")
            pair.append(versions[0])
        (old, new), (old_path, new_path) = pair, paths
    else:
        raise InputError(f"give one two-version dump or two files to compare, not {len(paths)}")
    return diff_records(old, new, old_side=_side(old_path, old, "old"), new_side=_side(new_path, new, "new"))
