"""Shortening a changed sentence around its changed words, for messages and pictures with little room.

A sentence is a list of (op, word) tokens, each word with the space after it, so shortening never cuts
inside a word; every gap left becomes one "…".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

ELLIPSIS = "\u2026"
_TOKEN = re.compile(r"\S+\s*|\s+")

Tokens = list[tuple[str, str]]


def tokens(words: Sequence[Sequence[str]], transform: Callable[[str], str] = str) -> Tokens:
    """The engine's word diff ([op, text] pairs) as (op, word-with-its-space) tokens."""
    return [(op, token) for op, text in words for token in _TOKEN.findall(transform(text))]


def shorten(items: Tokens, context: int | None = None, changed: int | None = None,
            longest: int | None = None) -> Tokens:
    """Keep `context` unchanged words either side of each changed run and the first `changed` words of
    each run (None: all); a word longer than `longest` characters is dropped whole."""
    n = len(items)
    around = n if context is None else context
    keep = [not any(op != "=" for op, _ in items)] * n  # a sentence with no change is kept whole
    start = None
    for i, (op, _) in enumerate([*items, ("=", "")]):
        if op != "=" and start is None:
            start = i
        elif op == "=" and start is not None:
            for j in range(max(0, start - around), min(n, i + around)):
                keep[j] = keep[j] or not (start <= j < i) or changed is None or j - start < changed
            start = None
    out: Tokens = []
    gap = False
    for (op, token), kept in zip(items, keep):
        if kept and (longest is None or len(token.strip()) <= longest):
            out.append((op, token))
            gap = False
        elif not gap:
            out.append((op, ELLIPSIS + " "))
            gap = True
    return out
