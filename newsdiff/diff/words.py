"""Word-level highlights inside a pair of sentences, and the word similarity used to pair them."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator

from fast_diff_match_patch import diff as _dmp_diff

__all__ = ["Words", "diff_tokens", "word_diff", "word_bag", "similarity", "containment"]

# One token per figure ("3,000", "4.5", "10:30"), word, run of spaces or punctuation mark: highlights can
# never cut a word or a number in half.
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)+|\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")

Words = list[tuple[str, str]]  # [("=", "fighting left up to "), ("-", "19"), ("+", "21"), ("=", " dead")]


def _char(index: int) -> str:
    index += 0x100  # clear of control characters; surrogates are skipped
    return chr(index if index < 0xD800 else index + 0x800)


# The characters tokens are encoded as, in order; longer lists of distinct tokens than this are rare.
# They are `_char(0)` to `_char(4095)`, all below the surrogates, so `chr` gives them directly: a Python
# call per character would cost every process that diffs over a millisecond to start.
_ALPHABET = "".join(map(chr, range(0x100, 0x100 + 4096)))


def _codes() -> Iterator[str]:
    return itertools.chain(_ALPHABET, map(_char, itertools.count(len(_ALPHABET))))


def diff_tokens(old: list[str], new: list[str], *, semantic: bool = False) -> list[tuple[str, int]]:
    """Diff two token lists (sentence keys or words) as diff-match-patch strings, one character per
    distinct token, numbered in order of first appearance; returns ("=" | "-" | "+", token count) runs.

    diff-match-patch's C++ implementation, with its time limit off: a deadline would turn a slow diff
    into 'delete everything, insert everything', which is never an acceptable report."""
    codes = dict(zip(dict.fromkeys(old + new), _codes(), strict=False))
    return _dmp_diff("".join(map(codes.__getitem__, old)), "".join(map(codes.__getitem__, new)), timelimit=0,
                     checklines=False, cleanup="Semantic" if semantic else "No")


def word_diff(old: str, new: str) -> Words:
    """Word highlights for one sentence pair, after semantic cleanup; within each changed stretch the
    deletion comes first. Joining '=' and '-' parts gives `old` exactly, '=' and '+' gives `new`."""
    if old == new:
        return [("=", old)] if old else []
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    parts: Words = []
    removed = added = ""
    i = j = 0
    for op, count in diff_tokens(old_tokens, new_tokens, semantic=True):
        if op == "+":
            added += "".join(new_tokens[j:j + count])
            j += count
            continue
        text = "".join(old_tokens[i:i + count])
        i += count
        if op == "-":
            removed += text
            continue
        j += count
        parts.extend(_pending(removed, added))
        removed = added = ""
        parts.append(("=", text))
    parts.extend(_pending(removed, added))
    return parts


def _pending(removed: str, added: str) -> Words:
    return [part for part in (("-", removed), ("+", added)) if part[1]]


# ASCII bytes that are not word characters (\w in ASCII is letters, digits and the underscore), as spaces.
_ASCII_GAPS = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)) + b" " * 128


def word_bag(sentence: str) -> Counter[str]:
    """The sentence's words, case-folded, punctuation ignored: what pairing similarity compares."""
    if sentence.isascii():  # the words of ASCII text are what is left between gaps, found in C
        return Counter(sentence.lower().encode().translate(_ASCII_GAPS).decode().split())
    return Counter(map(str.casefold, _WORD.findall(sentence)))


def _common(a: Counter[str], b: Counter[str]) -> int:
    if len(a) > len(b):
        a, b = b, a
    return sum(min(count, b[word]) for word, count in a.items() if word in b)


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """Dice coefficient over word multisets: 1.0 for the same words, 0.0 for none shared."""
    total = a.total() + b.total()
    return 1.0 if total == 0 else 2 * _common(a, b) / total


def containment(part: Counter[str], whole: Counter[str]) -> float:
    """Share of `part`'s words found in `whole`: each half of a split must come from the original."""
    size = part.total()
    return 0.0 if size == 0 else _common(part, whole) / size
