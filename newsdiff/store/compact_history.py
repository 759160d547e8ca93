"""Compact version history: how the store keeps many near-identical versions of one article small.

The latest version of an article is kept zlib-compressed on its own (a keyframe: plain text would be a
twentieth of a 20-version history by itself, the whole size goal). When a newer version arrives, the
previous one is re-stored as a reverse delta (found by diff-match-patch, zlib-compressed) that turns the
next newer text back into it. Rebuilding an
old version therefore walks up to the nearest full text and applies deltas downwards; a zlib keyframe
is stored instead of a delta whenever that walk would pass more than `CHAIN_BUDGET` bytes of text, so
any version rebuilds in a few milliseconds however long the history grows.

`scripts/bench_history.py` measures this layout against full text and zlib per version.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ..model import content_hash, hex_digest

if TYPE_CHECKING:
    import sqlite_utils
    from diff_match_patch import diff_match_patch

PLAIN = "plain"  # the text is in versions.text (a row written before the latest version was compressed)
DELTA = "delta"  # versions.data: zlib(JSON delta, see encode_delta) turning version number+1's text into this one
KEYFRAME = "zlib"  # versions.data: zlib(text), a chain stop (and every article's latest version)

# Bytes of text a rebuild may have to walk through. Reading a row and applying its delta costs about
# 1-2 µs per KB of text, so 1 MB keeps the worst rebuild near 2 ms (a keyframe every ~30 versions of
# a 5,000-word article; `scripts/bench_history.py --versions 200` shows it).
CHAIN_BUDGET = 1_000_000
ZLIB_LEVEL = 9


@cache
def _differ() -> diff_match_patch:
    """diff-match-patch, loaded when the first delta is made: reading a history never needs it."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0.05  # bounds a rewrite's cost; a timeout makes a delta less minimal, never wrong
    return dmp


def encode_delta(newer: str, older: str) -> bytes:
    """The delta that turns `newer` back into `older`: zlib(JSON list) where a number n >= 0 keeps the
    next n characters of `newer`, -n skips n, and a string is inserted. diff-match-patch finds the edit
    (paragraphs first, then characters); the format counts code points so applying it is plain slicing."""
    dmp = _differ()
    diffs = dmp.diff_main(newer, older, checklines=True)
    dmp.diff_cleanupEfficiency(diffs)
    ops = [text if op == dmp.DIFF_INSERT else len(text) if op == dmp.DIFF_EQUAL else -len(text) for op, text in diffs]
    return zlib.compress(json.dumps(ops, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), ZLIB_LEVEL)


def apply_delta(newer: str, data: bytes) -> str:
    """`older` from `newer` and the stored delta; raises ValueError (or zlib.error) when they do not fit."""
    ops = json.loads(zlib.decompress(data))
    if not isinstance(ops, list):
        raise ValueError("not a delta")  # noqa: TRY004 - damaged data, reported as ValueError like every other
    out, at = [], 0
    for op in ops:
        if isinstance(op, str):
            out.append(op)
        elif isinstance(op, int) and not isinstance(op, bool):
            if op >= 0:
                out.append(newer[at:at + op])
            at += abs(op)
        else:
            raise ValueError(f"not a delta operation: {op!r}")  # noqa: TRY004 - as above
    if at != len(newer):
        raise ValueError(f"delta covers {at} of {len(newer)} characters")
    return "".join(out)


def encode_keyframe(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), ZLIB_LEVEL)


def text_size(text: str) -> int:
    return len(text.encode("utf-8"))


def compact(older: str, newer: str, chain_bytes: int) -> tuple[str, bytes]:
    """How to store `older` now that `newer` follows it: (storage, data).

    `chain_bytes` is the text a rebuild of the oldest version stored against `older` would walk through
    if `older` became a delta. A delta no smaller than a keyframe (a rewrite) is not worth its chain.
    """
    if chain_bytes > CHAIN_BUDGET:
        return KEYFRAME, encode_keyframe(older)
    delta = encode_delta(newer, older)
    if len(delta) * 5 < text_size(older):  # smaller than zlib makes any prose: no need to compress it
        return DELTA, delta
    keyframe = encode_keyframe(older)
    return (DELTA, delta) if len(delta) < len(keyframe) else (KEYFRAME, keyframe)


@dataclass
class Rebuilt:
    """One version's text as rebuilt from storage; `problem` says why it is missing or untrustworthy."""

    row: Mapping[str, Any]
    text: str | None
    problem: str | None = None

    @property
    def number(self) -> int:
        return int(self.row["number"])


def own_text(row: Mapping[str, Any]) -> str:
    """The text of a row that does not depend on another one."""
    if row["storage"] == PLAIN:
        return row["text"]
    if row["storage"] == KEYFRAME:
        return zlib.decompress(row["data"]).decode("utf-8")
    raise ValueError(f"unknown storage {row['storage']!r}")


def _verify(row: Mapping[str, Any], text: str) -> str | None:
    if content_hash(row["title"], text) != hex_digest(row["content_hash"]):
        return "text does not match its content hash"
    return None


def _rebuild_run(run: Sequence[Mapping[str, Any]]) -> list[Rebuilt]:
    """Rebuild a run of deltas ending at a self-contained row, top down; returned oldest first."""
    top = run[-1]
    text: str | None = None
    if top["storage"] == DELTA:  # the run was cut short: nothing newer to apply it to
        problem: str | None = f"its delta base, version {top['number'] + 1}, is missing"
    else:
        try:
            text = own_text(top)
            problem = _verify(top, text)
        except (ValueError, zlib.error, TypeError) as exc:
            problem = f"stored text is unreadable ({exc})"
    done = [Rebuilt(top, text, problem)]
    for row in reversed(run[:-1]):
        above = done[-1]
        if above.number != row["number"] + 1:
            done.append(Rebuilt(row, None, f"its delta base, version {row['number'] + 1}, is missing"))
            continue
        if above.text is None:
            done.append(Rebuilt(row, None, f"cannot rebuild: stored against damaged version {above.number}"))
            continue
        try:
            text = apply_delta(above.text, row["data"])
        except (ValueError, zlib.error, TypeError) as exc:
            reason = f"its delta does not fit version {above.number} ({exc})"
            if above.problem:
                reason = f"cannot rebuild: stored against damaged version {above.number}"
            done.append(Rebuilt(row, None, reason))
            continue
        problem = _verify(row, text)
        if problem and above.problem:
            problem = f"cannot rebuild: stored against damaged version {above.number}"
        done.append(Rebuilt(row, text, problem))
    done.reverse()
    return done


def rebuild_version(run: Sequence[Mapping[str, Any]]) -> Rebuilt:
    """The first row of `run` (its delta run up to and including a self-contained row), hash-checked.

    Only the result is verified: its hash proves every step. If it fails, the run is rebuilt again
    checking each step, so the problem names the version that is actually damaged.
    """
    try:
        text = own_text(run[-1])
        for above, row in pairwise(reversed(run)):
            if row["number"] + 1 != above["number"]:
                raise ValueError("gap")
            text = apply_delta(text, row["data"])
        if _verify(run[0], text) is None:
            return Rebuilt(run[0], text)
    except (ValueError, zlib.error, TypeError):
        pass
    return _rebuild_run(run)[0]


def rebuild(rows: Iterable[Mapping[str, Any]]) -> Iterator[Rebuilt]:
    """Every version of one article, oldest first, from its rows in ascending `number` order.

    Rows need number, title, content_hash, storage, text and data. Only one run of deltas and the texts
    rebuilt from it are held at a time (bounded by CHAIN_BUDGET), so a long history streams.
    """
    run: list[Mapping[str, Any]] = []
    for row in rows:
        run.append(row)
        if row["storage"] != DELTA:
            yield from _rebuild_run(run)
            run = []
    if run:
        yield from _rebuild_run(run)


def compact_previous(db: sqlite_utils.Database, article_id: int, number: int, newer: str) -> None:
    """Re-store version `number` (self-contained until now) against `newer`, the text of its successor."""
    row = next(db.query("SELECT id, storage, text, data, text_size FROM versions WHERE article_id = ? AND number = ?",
                        [article_id, number]), None)
    if row is None or row["storage"] == DELTA:
        return
    version_id, text, chain = row["id"], own_text(row), row["text_size"] or 0
    # What a rebuild of the oldest delta below would walk: up through this version to the full text above.
    for storage, size in db.execute(
        "SELECT storage, text_size FROM versions WHERE article_id = ? AND number > ? ORDER BY number",
        [article_id, number],
    ):
        chain += size or 0
        if storage != DELTA:
            break
    for storage, size in db.execute(
        "SELECT storage, text_size FROM versions WHERE article_id = ? AND number < ? ORDER BY number DESC",
        [article_id, number],
    ):
        if storage != DELTA:
            break
        chain += size or 0
    storage, data = compact(text, newer, chain)
    db.execute("UPDATE versions SET storage = ?, data = ?, text = '' WHERE id = ?", [storage, data, version_id])
