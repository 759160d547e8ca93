"""Shortening a changed sentence around its changed words, for messages and pictures with little room.

A sentence is a list of (op, word) tokens, each word with the space after it, so shortening never cuts
inside a word; every gap left becomes one "…".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..reports import Report

ELLIPSIS = "\u2026"
_TOKEN = re.compile(r"\S+\s*|\s+")

Tokens = list[tuple[str, str]]


def tokens(words: Sequence[Sequence[str]], transform: Callable[[str], str] = str) -> Tokens:
    """The engine's word diff ([op, text] pairs) as (op, word-with-its-space) tokens."""
    return [(op, token) for op, text in words for token in _TOKEN.findall(transform(text))]


def shorten(items: Tokens, context: int | None = None, changed: int | None = None,
            longest: int | None = None) -> Tokens:
    """Keep `context` unchanged words either side of each change and the first `changed` words of each
    run of removed or added words (None: all); a word longer than `longest` characters is dropped whole."""
    if all(op == "=" for op, _ in items):  # a sentence with no change is kept whole
        return list(items)
    keep: list[bool] = []
    position = 0  # of a word in its run of removed (or added) words
    for i, (op, _) in enumerate(items):
        position = 0 if op == "=" else position + 1 if i and items[i - 1][0] == op else 1
        keep.append(op != "=" and (changed is None or position <= changed) or op == "=" and context is None)
    if context:
        for i, (op, _) in enumerate(items):
            if op != "=":
                for j in range(max(0, i - context), min(len(items), i + context + 1)):
                    keep[j] = keep[j] or items[j][0] == "="
    out: Tokens = []
    gap = False
    for (op, token), kept in zip(items, keep, strict=True):
        if kept and (longest is None or len(token.strip()) <= longest):
            out.append((op, token))
            gap = False
        elif not gap:
            out.append((op, ELLIPSIS + " "))
            gap = True
    return out


def changed_entries(report: Report, transform: Callable[[str], str] = str
                    ) -> list[tuple[dict[str, Any] | None, Tokens]]:
    """What a short form of an edit shows, in order: the headline's change (entry None) first, then each
    changed sentence's entry of the report, each with its tokens."""
    out: list[tuple[dict[str, Any] | None, Tokens]] = []
    if report.headline_changed:
        out.append((None, tokens(report.fields["title"].get("words", []), transform)))
    out += [(change, tokens(change.get("words", []), transform)) for change in report.edited]
    return out
