"""Tags on each change, so a reader can filter: what kind of edit was this?"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Sequence

from ..changes import TAGS
from ..lazy import pattern_on_use
from .words import Words

__all__ = ["TAGS", "QuoteOpen", "cosmetic_key", "edits", "pair_tags", "sentence_tags", "is_correction", "quote_spans"]


_FOLDS = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e", ""),  # invisible: dropped
    "…": "...",
}
# Asked only of text still not ASCII once the usual curly quotes and dashes are replaced (see `_fold`).
_FOLDABLE = pattern_on_use("[" + "".join(_FOLDS) + "]")
_WORD = re.compile(r"\w+")
_PUNCT = re.compile(r"[^\w\s]")
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds "
    "thousand thousands million millions billion billions trillion dozen dozens half third quarter "
    "first second fifth tenth percent".split()
)
# Days and months: a date moved is a figure changed, not a name ("May" is left out: it is also a name).
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july "
    "august september october november december jan feb apr jun jul aug sept oct nov dec".split()
)
_FIGURE_WORDS = _NUMBER_WORDS | _DATE_WORDS
# Figure words that are as often something else: "one" a pronoun ("one of the victims", "no one"),
# "second" a unit of time, "half" and "quarter" a share or a district. They make an edit a figure
# changed only when a figure word or number stands on the other side of it too ("one" -> "two").
_AMBIGUOUS_FIGURES = frozenset("one second half quarter".split())
_QUOTE_MARK = re.compile("[\"“”«»„‘’']")
_OPENING = frozenset("“«„‘")
_CLOSING = frozenset('"”»')
_SINGLE = frozenset("‘’'")  # single quotes, British style; ’ and ' are apostrophes too
_DASH_RUN = pattern_on_use("-{2,}")  # a typed dash: "--" for "—" (asked only of text holding one)
_OPENER = re.compile('["“«„‘]')  # a mark that opens most quotations (not a straight apostrophe)
# Two patterns, not one alternation: searching for both at every position costs twice the time. The note
# is searched for only in text holding one of `_NOTE_WORDS`, so it is compiled then.
_CORRECTION_LABEL = re.compile(
    r"\W*(?:corrections?|clarifications?|editor['’]?s note|amendment)\s*[:\-–—]", re.IGNORECASE)
_CORRECTION_NOTE = pattern_on_use(
    r"\b(?:an? (?:earlier|previous) version of this|this (?:article|story|report|piece) "
    r"(?:(?:has been|was) (?:amended|corrected|updated|changed)|corrects)|"
    r"the (?:article|story|report|piece) (?:has been|was) (?:amended|corrected))\b",
    re.IGNORECASE,
)


def _fold(text: str) -> str:
    """Quote, dash and apostrophe style and invisible characters folded to one form. The marks news
    text is full of are replaced straight away (a replace that finds nothing costs next to nothing);
    what is left, if anything, one replace per distinct character found: either way several times
    faster than str.translate over the whole sentence."""
    text = text.replace("’", "'").replace("“", '"').replace("”", '"').replace("—", "-").replace("‘", "'")
    if text.isascii():
        return text
    for char in set(_FOLDABLE().findall(text)):
        text = text.replace(char, _FOLDS[char])
    return text


def cosmetic_key(text: str) -> str:
    """The text with every cosmetic difference folded away: quote, dash and apostrophe style,
    invisible characters, compatibility forms and whitespace. Equal keys mean a cosmetic change."""
    if text.isascii():  # most sentences: only a backtick, a typed dash or spacing can need folding
        if "`" in text:
            text = text.replace("`", "'")
    else:
        text = _fold(text)
        if not unicodedata.is_normalized("NFKC", text):  # the common case costs nothing
            text = _fold(unicodedata.normalize("NFKC", text))
    if "--" in text:
        text = _DASH_RUN().sub("-", text)
    # Every whitespace character but the space is unprintable: a printable text without double or
    # edge spaces is already folded, and splitting it would only cost time.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


# Words a correction note cannot lack (it has "earlier"/"previous" or a verb of amending): checking for
# them in the lowered text costs a fraction of a search for the note. None holds an i, k or s, the letters
# that case-insensitive matching also finds as a different lower-case letter (ı, K, ſ).
_NOTE_WORDS = ("earl", "prev", "amended", "correct", "updated", "changed")


def is_correction(text: str) -> bool:
    """An appended correction or clarification note ('Correction: an earlier version of this ...')."""
    if _CORRECTION_LABEL.match(text):
        return True
    lowered = text.lower()
    return any(map(lowered.__contains__, _NOTE_WORDS)) and bool(_CORRECTION_NOTE().search(text))


def _opens(text: str, index: int) -> bool:
    char = text[index]
    if char not in "\"'":
        return char in _OPENING
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    return (before.isspace() or before in "([-—–") and not after.isspace()


def _closes(text: str, index: int, single: bool) -> bool:
    """Whether the mark at `index` ends the open quote: a double quote only by a double mark, a
    single one only by a single mark that no letter follows (so "don’t" is no closing quote)."""
    char = text[index]
    if not single:
        return char in _CLOSING
    after = text[index + 1] if index + 1 < len(text) else " "
    return char in "’'" and not after.isalnum()


def quote_spans(text: str, opened: bool = False) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks, double or single (a single quote inside a double one
    is part of it). A quote still open at the end runs to the end, and a closing double mark with no
    opening one closes a quote that began in an earlier sentence; `opened` says the text begins inside
    one (the middle sentence of a quotation, which carries no mark of its own)."""
    spans: list[tuple[int, int]] = []
    start: int | None = 0 if opened else None
    single = False
    for match in _QUOTE_MARK.finditer(text):
        index, char = match.start(), match.group()
        if start is None:
            if _opens(text, index):
                start, single = index, char in _SINGLE
            elif char in _CLOSING and not spans:
                spans.append((0, index + 1))
        elif _closes(text, index, single):
            spans.append((start, index + 1))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < max(end, start + 1) and start < b for a, b in spans)


def _word_tags(removed: list[str], added: list[str], initial: set[str], joints: set[str]) -> set[str]:
    """number / name / wording from the words that differ between the two sides of one edit. A word
    that only gained or lost its capital where a sentence was split or merged ("but the" -> ". The",
    the start a `joints` word) is no change."""
    def same(word: str) -> str:
        return word.lower() if word in joints else word

    def figure(word: str) -> bool:
        return any(c.isdigit() for c in word) or word.casefold() in _FIGURE_WORDS

    tags: set[str] = set()
    remaining, keys = list(added), [same(w) for w in added]
    gone = []
    for word in removed:
        if same(word) in keys:
            at = keys.index(same(word))
            del remaining[at], keys[at]
        else:
            gone.append(word)
    came = [w for w in remaining if w not in removed]
    figures_on = (any(map(figure, gone)), any(map(figure, came)))
    for side, words in enumerate((gone, came)):
        for word in words:
            if figure(word) and (word.casefold() not in _AMBIGUOUS_FIGURES or figures_on[1 - side]):
                tags.add("number")
            elif word[:1].isupper() and word not in initial:
                tags.add("name")
            else:
                tags.add("wording")
    return tags


def edits(words: Words) -> list[tuple[int, str, int, str]]:
    """Each changed stretch of a word diff as (offset in old, removed text, offset in new, added text)."""
    found: list[tuple[int, str, int, str]] = []
    old_at = new_at = 0
    for op, text in words:
        if op == "=":
            old_at += len(text)
            new_at += len(text)
            continue
        if not found or found[-1][0] + len(found[-1][1]) != old_at or found[-1][2] + len(found[-1][3]) != new_at:
            found.append((old_at, "", new_at, ""))
        o, removed, n, added = found[-1]
        found[-1] = (o, removed + text, n, added) if op == "-" else (o, removed, n, added + text)
        if op == "-":
            old_at += len(text)
        else:
            new_at += len(text)
    return found


def pair_tags(old: str, new: str, words: Words, inner: Sequence[str] = (),
              opened: tuple[bool, bool] = (False, False)) -> list[str]:
    """Tags for a sentence (or headline) that was edited, from its word highlights. `inner` are the
    sentences that start inside `old` or `new` (the second half of a split or merge): their first
    words are capitalised as sentence starts, not as names. `opened` says whether each side begins
    inside a quotation opened by an earlier sentence."""
    if old == new:
        return []
    if cosmetic_key(old) == cosmetic_key(new):
        return ["cosmetic"]
    tags: set[str] = set()
    old_quotes, new_quotes = quote_spans(old, opened[0]), quote_spans(new, opened[1])
    joints = {m.group() for t in inner for m in [_WORD.search(t)] if m}
    initial = joints | {m.group() for t in (old, new) for m in [_WORD.search(t)] if m}
    for old_at, removed, new_at, added in edits(words):
        if cosmetic_key(removed) == cosmetic_key(added):
            continue
        if _PUNCT.findall(_fold(removed)) != _PUNCT.findall(_fold(added)):
            tags.add("punctuation")
        tags |= _word_tags(_WORD.findall(removed), _WORD.findall(added), initial, joints)
        if _inside(old_quotes, old_at, old_at + len(removed)) or _inside(new_quotes, new_at, new_at + len(added)):
            tags.add("quote")
    if is_correction(new) and not is_correction(old):
        tags.add("correction")
    return [tag for tag in TAGS if tag in tags] or ["cosmetic"]


def sentence_tags(text: str, opened: bool = False) -> list[str]:
    """Tags for a sentence added or removed whole: a correction note, or quoted words."""
    tags = []
    if opened or quote_spans(text):
        tags.append("quote")
    if is_correction(text):
        tags.append("correction")
    return tags


class QuoteOpen:
    """Which sentences of a version begin inside a quotation that an earlier sentence of their paragraph
    opened ('“We will fight. We will resist. We will win,” he said.': the second and third). Worked out
    only for the sentences asked about, from the sentences before them: most of an article is never asked."""

    def __init__(self, paragraphs: Sequence[Sequence[str]]) -> None:
        self.paragraphs = paragraphs
        self.starts = list(itertools.accumulate(map(len, paragraphs), initial=0))

    def __call__(self, index: int) -> bool:
        """Whether sentence `index` (counted through the whole version) begins inside a quotation."""
        paragraph = bisect.bisect_right(self.starts, index) - 1
        before = self.paragraphs[paragraph][:index - self.starts[paragraph]]
        if not before:
            return False
        text = " ".join(before) + " "
        if not _OPENER.search(text):  # most text before a sentence opens no quotation
            return False
        spans = quote_spans(text)
        return bool(spans) and spans[-1][1] == len(text)  # still open where the sentence begins
