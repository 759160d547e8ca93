"""Word-level highlights inside a pair of sentences, and the word similarity used to pair them."""

from __future__ import annotations

import re
from collections import Counter

from diff_match_patch import diff_match_patch

__all__ = ["Words", "diff_tokens", "word_diff", "word_bag", "similarity", "containment", "new_differ"]

# One token per word, run of spaces or punctuation mark: highlights can never cut a word in half.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")
_OPS = {0: "=", -1: "-", 1: "+"}

Words = list[tuple[str, str]]  # [("=", "fighting left up to "), ("-", "19"), ("+", "21"), ("=", " dead")]


def new_differ() -> diff_match_patch:
    """diff-match-patch with its time limit off: a deadline would turn a slow diff into
    'delete everything, insert everything', which is never an acceptable report."""
    differ = diff_match_patch()
    differ.Diff_Timeout = 0
    return differ


_DIFFER = new_differ()


def _char(index: int) -> str:
    index += 0x100  # clear of control characters; surrogates are skipped
    return chr(index if index < 0xD800 else index + 0x800)


def diff_tokens(old: list[str], new: list[str], *, semantic: bool = False) -> list[tuple[int, list[str]]]:
    """Diff two token lists (sentence keys or words) as diff-match-patch strings, one character per
    distinct token; returns (op, tokens) runs with op -1, 0 or 1."""
    codes: dict[str, str] = {}
    decode: dict[str, str] = {}

    def encode(tokens: list[str]) -> str:
        chars = []
        for token in tokens:
            char = codes.get(token)
            if char is None:
                char = codes[token] = _char(len(codes))
                decode[char] = token
            chars.append(char)
        return "".join(chars)

    diffs = _DIFFER.diff_main(encode(old), encode(new), False)
    if semantic:
        _DIFFER.diff_cleanupSemantic(diffs)
    return [(op, [decode[c] for c in chars]) for op, chars in diffs]


def word_diff(old: str, new: str) -> Words:
    """Word highlights for one sentence pair, after semantic cleanup; within each changed stretch the
    deletion comes first. Joining '=' and '-' parts gives `old` exactly, '=' and '+' gives `new`."""
    parts: Words = []
    pending = {"-": "", "+": ""}
    for op, tokens in diff_tokens(_TOKEN.findall(old), _TOKEN.findall(new), semantic=True):
        text = "".join(tokens)
        if op:
            pending[_OPS[op]] += text
            continue
        _flush(parts, pending)
        parts.append(("=", text))
    _flush(parts, pending)
    return parts


def _flush(parts: Words, pending: dict[str, str]) -> None:
    for op in ("-", "+"):
        if pending[op]:
            parts.append((op, pending[op]))
            pending[op] = ""


def word_bag(sentence: str) -> Counter[str]:
    """The sentence's words, case-folded, punctuation ignored: what pairing similarity compares."""
    return Counter(w.casefold() for w in _WORD.findall(sentence))


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
