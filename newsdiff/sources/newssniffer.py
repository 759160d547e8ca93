"""NewsSniffer version-diff pages: turn one back into the two article versions it shows.

A NewsSniffer diff page puts an older and a newer version of an article side by side, one table row
per aligned paragraph. The page's HTML marks deletions and insertions, so both versions come back
exactly. Text scraped from the page has lost the tags and the boundary between the two cells, so
each row line must be split again: an unchanged paragraph is the same text twice with nothing
between, a changed one is old text, a space, new text, and a paragraph added or deleted appears
once, on whichever side it belonged to, which the row alone cannot tell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any
from unicodedata import is_normalized

import lxml.html
from lxml import etree

from ..model import ArticleRecord, InputError, ParsedInput, clean_text, format_time, parse_time

__all__ = ["is_dump_text", "is_dump_html", "parse_dump_text", "parse_dump_html", "split_row", "lcs_length"]

FORMAT = "newssniffer"

# The header paragraph lines, as the page prints them (one per line once scraped).
_SOURCE_START = "This article is from the source '"
# Neither value runs past another copy of the opening words and the source ends at the first "' and was
# first published..." (atomic group), so a line packed with header fragments is read in linear time, not
# rescanned from each opening (2 MB of them took 2.5 s).
_SOURCE_LINE = re.compile(
    rf"{_SOURCE_START}(?>(?P<source>(?:(?!{_SOURCE_START}).)*?)' and was first published or seen\s*on\s*)"
    rf"(?P<seen>(?:(?!{_SOURCE_START})[^.])*?)\s*\."
)
_FINAL = re.compile(r"It will not be checked again for changes")
_STALE = re.compile(r"It last changed over 40 days ago and won.t be checked again for changes")
_NEXT = re.compile(r"The next check for changes will be\s*(?P<next>.*)$")
_URL_LINE = re.compile(r"You can find the current article at its original source at\s*(?P<url>\S*)")
_CHANGES_LINE = re.compile(r"The article has changed (?P<n>\d+) times?\b")
_HEADER_LINES = (_SOURCE_LINE, _URL_LINE, _CHANGES_LINE)
_VERSIONS_LINE = re.compile(r"^Version (?P<b>\d+)\s+Version (?P<a>\d+)$")
# distance_of_time_in_words, as Rails prints it, then "later" or "earlier".
_GAP = re.compile(
    r"\((?P<gap>(?:less than |about |over |almost )?(?:a|an|half a|\d+) [a-z]+ (?:later|earlier))\)$"
)
# Ruby's Time#to_s, the form the time row prints each capture time in.
_RUBY_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (?:UTC|[+-]\d{4})")
_FOOTER = re.compile(r"^Currently monitoring [\d,]+ news articles")
# [^<>]: an unclosed "<table" is scanned to the next tag, not to the end of the page (quadratic).
_HTML_MARKER = re.compile(r"<table\b[^<>]*\bclass\s*=\s*[\"'][^\"']*\bversion_diff\b", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DETECT_CHARS = 16384  # the header and the table head always sit at the top of a dump
# Splitting a row costs more than linear time in its words, so hostile input is bounded: no article
# paragraph comes near 2,000 words a side, and no diff page of one article near 2 million characters.
MAX_SPLIT_WORDS = 4000
MAX_TEXT_CHARS = 2_000_000
SMALL_EDIT_WORDS = 3  # see `_short_cut`
_HEADER_CHARS = 1000  # a header line is searched only up to this length; real ones are about 150
_TITLE_WORDS = 300  # three copies of the longest headline fit in this many words


@dataclass(frozen=True)
class Row:
    """One aligned body row. `kind`: same, changed, added, removed, or single (side unknown)."""

    kind: str
    old: str | None
    new: str | None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "old": self.old, "new": self.new}


@dataclass
class _Page:
    """What a dump says besides its rows; filled from text lines or from HTML."""

    header: dict[str, Any]
    labels: tuple[str | None, str | None] = (None, None)
    titles: tuple[str | None, str | None] = (None, None)
    times: tuple[str | None, str | None] = (None, None)  # the capture times as printed
    captured: tuple[str | None, str | None] = (None, None)  # the same as ISO 8601 UTC, when readable
    gap: str | None = None


# -- detection -------------------------------------------------------------------------------------


def _clean_line(line: str) -> str:
    """`clean_text(line)`, skipped when it would change nothing, as for nearly every scraped line.

    A printable line has no control, format (zero-width) or separator characters other than the
    ASCII space, so with no doubled or outer spaces and already NFC it is clean as it stands.
    """
    plain = line.isprintable() and "  " not in line and not line.startswith(" ") and not line.endswith(" ")
    if plain and is_normalized("NFC", line):
        return line
    return clean_text(line)


def _lines(text: str) -> list[str]:
    """Cleaned lines; a BOM, CRLF or CR line ends and stray whitespace make no difference."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [_clean_line(line) for line in text.split("\n")]


def _header_hits(lines: Sequence[str]) -> int:
    return sum(1 for pattern in _HEADER_LINES if any(pattern.match(line) for line in lines))


def is_dump_text(text: str) -> bool:
    """A `Version N Version M` table head followed by a row, or two of the three header lines, near the top."""
    lines = [line for line in _lines(text[:_DETECT_CHARS]) if line][:40]
    if any(_VERSIONS_LINE.match(line) for line in lines[:-1]):
        return True
    return _header_hits(lines[:12]) >= 2


def is_dump_html(page: str) -> bool:
    return _HTML_MARKER.search(page) is not None


# -- word-level matching ---------------------------------------------------------------------------


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two word lists.

    Bit-parallel (Crochemore et al. 2001): one big-integer step per word of `b`, so scoring a
    candidate split costs microseconds rather than the milliseconds of the textbook table.
    """
    masks: dict[str, int] = {}
    for i, word in enumerate(a):
        masks[word] = masks.get(word, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for word in b:
        match = masks.get(word)
        if match:
            u = v & match
            v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _shared_counts(words: Sequence[str]) -> list[int]:
    """For every cut k, the size of the multiset intersection of words[:k] and words[k:].

    It bounds the LCS of the two halves from above and is updated in O(1) per cut, so it ranks
    all cuts in linear time and the exact LCS is computed only for the few cuts that can win.
    """
    left: dict[str, int] = {}
    right: dict[str, int] = {}
    for word in words:
        right[word] = right.get(word, 0) + 1
    shared = [0]
    current = 0
    for word in words[:-1]:
        in_left, in_right = left.get(word, 0), right[word]
        current += min(in_left + 1, in_right - 1) - min(in_left, in_right)
        left[word], right[word] = in_left + 1, in_right - 1
        shared.append(current)
    return shared


_END_MARKS = r"[.!?:;…\"'”’»)\]]"  # what a sentence, and so a paragraph, can end with
_SENTENCE_END = re.compile(_END_MARKS + "$")
_ANY_SENTENCE_END = re.compile(_END_MARKS + "(?= |$)")
_LETTER = re.compile(r"[^\W\d_]")


def _starts_paragraph(word: str) -> bool:
    """Can a paragraph start with `word` (no lower-case first letter)?"""
    letter = _LETTER.search(word)
    return letter is None or not letter.group(0).islower()


def _looks_like_cut(before: str, after: str) -> bool:
    """Does `before` end a paragraph and `after` start one (terminal punctuation, then no lower-case start)?"""
    return _SENTENCE_END.search(before) is not None and _starts_paragraph(after)


@dataclass(frozen=True)
class _Cut:
    at: int  # words before the cut
    common: int  # LCS of the two sides, in words
    shorter: int
    longer: int
    anchors: int  # 0-2: the two sides start with the same word, end with the same word
    boundary: bool  # the cut falls where a paragraph could end and another start
    opens: bool  # the new side can start a paragraph (no lower-case first letter)

    @property
    def cues(self) -> int:
        """A matching first or last word says as much about where a paragraph ends as a boundary does
        ("2. Check the tyres 3. Check the tyres": the boundary after "3." is a false one)."""
        return self.boundary + self.anchors

    @property
    def key(self) -> tuple[int, int, int]:
        """Most shared words, then most cues, then the sides nearest in length."""
        return (self.common, self.cues, self.shorter - self.longer)

    def rivalled_by(self, other: _Cut) -> bool:
        """Does `other` read about as well, so that choosing `self` is a guess?

        It does with as much shared unless `self` wins on one cue (boundary, anchors) and loses on
        none. Two boundaries with equal sharing are a tie whatever the anchors, and so is X Y X
        (X Y cut to X reads as well as X grown to Y X). One shared word less (often a stray "the")
        with a boundary is close enough to rival too.
        """
        if other.common == self.common - 1:
            return other.boundary
        if other.common != self.common:
            return False
        if self.common == self.shorter and other.common == other.shorter:
            return True
        if self.boundary and other.boundary:
            return True
        return self.anchors < other.anchors or (self.boundary, self.anchors) == (other.boundary, other.anchors)

    @property
    def explains(self) -> bool:
        """Is this cut a credible old/new pair rather than one paragraph cut in two?

        Yes if most of both sides is shared (an edit inside the paragraph), or if one side is
        wholly kept in the other, which starts or ends alike (sentences added or dropped) and whose
        new side can open a paragraph ("... satellites. to deliver satellites." is one paragraph
        repeating its end, not a long paragraph cut to its last words), or nearly so with the cut
        where one paragraph ends and another starts.
        """
        if self.common * 2 >= self.longer and (self.common >= 2 or self.boundary):
            return True
        if self.common < 2:
            return False
        if self.common == self.shorter and self.anchors and self.opens:
            return True
        return self.boundary and self.common * 5 >= self.shorter * 4


def _cut(words: Sequence[str], keys: Sequence[str], k: int, common: int) -> _Cut:
    a, b = keys[:k], keys[k:]
    anchors = (a[0] == b[0]) + (a[-1] == b[-1])
    return _Cut(k, common, min(len(a), len(b)), max(len(a), len(b)), anchors, _looks_like_cut(words[k - 1], words[k]),
                _starts_paragraph(words[k]))


_QUOTES = "\"'“”‘’«»„‟‹›"


def _keys(words: Sequence[str]) -> list[str]:
    """Words as rows are compared: quote marks at either end stripped, since an edit that only wraps a
    paragraph in quotes ("Jane Doe" -> "“Jane Doe”") keeps its words. A word of nothing but quote marks
    stays as it is."""
    return [word.strip(_QUOTES) or word for word in words]


def _could_explain(common: int, shorter: int, longer: int) -> bool:
    """The sharing `_Cut.explains` asks for at the least, so hopeless cuts skip the exact LCS."""
    return common * 2 >= longer or (common >= 2 and common * 5 >= shorter * 4)


def _best_cut(words: Sequence[str], *, limit: int = 64, hopeless: bool = True) -> tuple[_Cut | None, bool]:
    """The cut whose sides share the longest common subsequence (then: boundary, anchors), and
    whether another cut reads as well, so that the choice is a guess.

    At most `limit` cuts are scored exactly; if more could still tie, the row is called uncertain
    rather than trusted unchecked. With `hopeless=False`, None when no cut could explain the row
    even on the shared-word bound: a paragraph seen once is settled without any LCS.
    """
    n = len(words)
    if n < 2:
        return None, False
    keys = _keys(words)
    shared = _shared_counts(keys)
    if not hopeless and not any(_could_explain(shared[k], min(k, n - k), max(k, n - k)) for k in range(1, n)):
        return None, False
    order = sorted(range(1, n), key=lambda k: -shared[k])
    cuts: list[_Cut] = []
    best: _Cut | None = None
    for k in order:
        if best is not None and shared[k] < best.common - 1:
            break
        if len(cuts) == limit:
            return best, True
        cut = _cut(words, keys, k, lcs_length(keys[:k], keys[k:]) if shared[k] else 0)
        cuts.append(cut)
        if best is None or cut.key > best.key:
            best = cut
    assert best is not None
    return best, any(best.rivalled_by(c) for c in cuts if c is not best)


def _common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """How many words `a` and `b` share at their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _one_word_edit(old: str, new: str) -> bool:
    """Whether two one-word paragraphs read as one edited ("https://a.org/x" -> "https://a.org/x?p=2",
    "1,234" -> "1,240"): what they share at their start and end is at least half the longer."""
    prefix = next((i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), min(len(old), len(new)))
    suffix = next((i for i, (x, y) in enumerate(zip(old[prefix:][::-1], new[prefix:][::-1], strict=False)) if x != y),
                  min(len(old), len(new)) - prefix)
    return old != new and 2 * (prefix + suffix) >= max(len(old), len(new)) >= 4


def _short_cut(words: Sequence[str]) -> tuple[int, bool] | None:
    """Where to cut a row whose sides share too little for `_Cut.explains`, and whether another cut
    would do as well; None if no cut will.

    A very short paragraph edited keeps too few words for that test ("19 dead 21 dead", "Live Live
    updates"), so a cut is also taken if its sides differ by at most `SMALL_EDIT_WORDS` words, all
    they share is a run at their start and/or end, and the cut falls inside a sentence, before a
    paragraph start. A cut after a sentence end is left alone: "Talks resume. Talks collapse." may be
    one paragraph. Two words are cut if they read as one word edited (`_one_word_edit`).
    """
    n = len(words)
    if n == 2 and _one_word_edit(*_keys(words)):
        return 1, False
    keys = _keys(words)
    found = []
    for k in range(max(1, (n - SMALL_EDIT_WORDS + 1) // 2), min(n, (n + SMALL_EDIT_WORDS) // 2 + 1)):
        a, b = keys[:k], keys[k:]
        if _SENTENCE_END.search(words[k - 1]) or not _starts_paragraph(b[0]):
            continue
        lead = _common_run(a, b)
        kept = lead + _common_run(a[lead:][::-1], b[lead:][::-1])
        if kept and n - 2 * kept <= SMALL_EDIT_WORDS and lcs_length(a, b) == kept:
            found.append(k)
    if not found:
        return None
    return found[0], len(found) > 1


def split_row(line: str) -> tuple[Row, bool]:
    """Split one scraped body row (already cleaned) into its old and new paragraph; True if uncertain.

    Same text twice with nothing between is an unchanged paragraph. Otherwise the best word cut is
    taken if it explains the row as two versions of one paragraph (see `_best_cut` for when that is
    uncertain), else a cut that reads as a small edit of a short paragraph (`_short_cut`). If none
    does, the row is a paragraph seen once (`single`) and is never cut; so is a row longer than
    `MAX_SPLIT_WORDS`, which no real pair of paragraphs makes.
    """
    half, odd = divmod(len(line), 2)
    if not odd and line[:half] == line[half:]:
        return Row("same", line[:half], line[half:]), False
    words = line.split(" ")
    if len(words) > MAX_SPLIT_WORDS:
        return Row("single", None, None), False
    cut, uncertain = _best_cut(words, hopeless=False)
    if cut is not None and cut.explains:
        at = cut.at
    elif short := _short_cut(words):
        at, uncertain = short
    else:
        return Row("single", None, None), False
    return Row("changed", " ".join(words[:at]), " ".join(words[at:])), uncertain


def _split_title(line: str) -> tuple[str, str]:
    """Old and new title from the title row: two or three copies (page heading first), maybe changed.

    A three-copy reading (heading equal to one cell) is exact structure, so it is kept unless the
    best two-cell reading pairs titles clearly more alike; but only if the two titles it reads share a
    word: "CITY DESK CITY DESK as talks resume" is a title with words appended, not a heading, the
    title, and a new title with nothing in common.
    """
    for copies in (3, 2):
        size, leftover = divmod(len(line) - (copies - 1), copies)
        if size > 0 and not leftover and line == " ".join([line[:size]] * copies):
            return line[:size], line[:size]
    words = line.split(" ")
    readings: list[tuple[float, str, str]] = []
    for i in range(1, len(words) - 1):
        heading, rest = " ".join(words[:i]), " ".join(words[i:])
        if rest.startswith(heading + " "):  # the heading repeats the old title
            readings.append(_three_copies(heading, rest[len(heading) + 1 :]))
        if rest.endswith(" " + heading):  # the heading repeats the new title
            readings.append(_three_copies(rest[: -len(heading) - 1], heading))
    cut, _ = _best_cut(words)
    if cut is not None:
        old, new = " ".join(words[: cut.at]), " ".join(words[cut.at :])
        readings.append((_likeness(old, new), old, new))
    if not readings:
        return line, line
    _, old, new = max(readings, key=lambda r: r[0])
    return old, new


def _three_copies(old: str, new: str) -> tuple[float, str, str]:
    likeness = _likeness(old, new)
    return likeness + (0.5 if likeness else 0.0), old, new


def _likeness(old: str, new: str) -> float:
    a, b = old.split(" "), new.split(" ")
    return lcs_length(a, b) / max(len(a), len(b))


# -- header ----------------------------------------------------------------------------------------


def _read_header(lines: Iterable[str]) -> dict[str, Any]:
    """Source, URL, change count and checking status from the header paragraph lines, any of them missing."""
    header: dict[str, Any] = {"source": None, "first_seen": None, "status": None, "next_check": None,
                              "url": None, "changes": None}
    for line in lines:
        if len(line) > _HEADER_CHARS:
            continue
        if m := _SOURCE_LINE.search(line):
            header["source"] = m["source"] or None
            header["first_seen"] = m["seen"] or None
        if _FINAL.search(line):
            header["status"] = "final"
        elif _STALE.search(line):
            header["status"] = "stale"
        elif m := _NEXT.search(line):
            header["status"] = "checking"
            header["next_check"] = m["next"] or None
        if m := _URL_LINE.search(line):
            header["url"] = m["url"] or None
        if m := _CHANGES_LINE.search(line):
            header["changes"] = int(m["n"])
    return header


def _ruby_time(text: str) -> str | None:
    """ISO 8601 UTC from Ruby's `2016-05-03 10:00:00 UTC` / `... +0100`, or None."""
    try:
        return format_time(datetime.strptime(text.replace("UTC", "+0000"), "%Y-%m-%d %H:%M:%S %z"))
    except ValueError:
        return None


def _read_time_row(line: str) -> tuple[tuple[str | None, str | None], str | None] | None:
    """The two capture times and the gap from a time row, or None if `line` is not one."""
    m = _GAP.search(line)
    if m is None:
        return None
    before = line[: m.start()].strip()
    stamps = _RUBY_TIME.findall(before)
    if len(stamps) == 2 and _RUBY_TIME.sub("", before).strip() == "":
        return (stamps[0], stamps[1]), m["gap"]
    if before and (len(before) > 80 or not any(ch.isdigit() for ch in before)):
        return None  # prose that happens to end in "(... later)", not capture times
    return (before or None, None), m["gap"]


# -- text form -------------------------------------------------------------------------------------


def _read_rows(lines: Iterator[str]) -> tuple[list[tuple[str, Row, bool]], list[str]]:
    """Each row line of the table with its split and whether that is a guess; the page text after.

    A blank line ends nothing: scrapers put them between rows, and an empty paragraph makes one.
    The table ends at the site footer, or, in a table whose rows are not spaced by blank lines, at a
    final stretch after a blank line that no row could be: no paragraph unchanged or changed, and no
    sentence ended anywhere (share links, menus). Where blank lines space the rows, such a stretch
    could as well be paragraphs seen once, so it stays, as rows listed as ambiguous.
    """
    found: list[tuple[str, Row, bool]] = []
    spaced: list[bool] = []  # the row follows a blank line
    trailing: list[str] = []
    blank = False
    for line in lines:
        if _FOOTER.match(line):
            trailing = [line, *lines]
            break
        if line:
            found.append((line, *split_row(line)))
            spaced.append(blank)
        blank = not line
    end = len(found)
    for i in range(len(found) - 1, 0, -1):
        line, row, _ = found[i]
        if row.kind != "single" or _ANY_SENTENCE_END.search(line):
            break
        if spaced[i]:
            end = i
    if not all(spaced[1:end]):
        return found[:end], [line for line, _, _ in found[end:]] + trailing
    return found, trailing


_MOVED_WORDS = 3  # a paragraph this long or longer, seen twice in one dump, is one paragraph moved
_MOVED_BUDGET = 200_000  # rows seen once x lengths of other paragraphs tried: far above any real dump


def _moved_into_rows(found: list[tuple[str, Row, bool]]) -> list[tuple[str, Row, bool]]:
    """Rows seen once that are a deleted and an added paragraph side by side, cut where one side is
    (quote marks aside) a paragraph of `_MOVED_WORDS` or more words seen elsewhere in the dump: a
    moved paragraph. Cut only where the new side can start a paragraph (the side seen elsewhere is a
    whole paragraph, so its edge is one even without a full stop), and only where one cut fits."""
    known: dict[str, set[int]] = {}
    for n, (line, row, _unsure) in enumerate(found):
        for text in ((line,) if row.kind == "single" else (row.old, row.new)):
            words = (text or "").split(" ")
            if len(words) >= _MOVED_WORDS:
                known.setdefault(" ".join(_keys(words)), set()).add(n)
    lengths = sorted({len(key) for key in known})
    singles = [n for n, (_line, row, _unsure) in enumerate(found) if row.kind == "single"]
    if len(singles) * len(lengths) > _MOVED_BUDGET:
        return found
    settled = list(found)
    for n in singles:
        words = found[n][0].split(" ")
        line = " ".join(_keys(words))
        cuts = set()
        for size in lengths:
            if size >= len(line):
                break
            for start, end in ((0, size), (len(line) - size, len(line))):
                at = size if start == 0 else start - 1  # the space between the two sides
                if line[at] == " " and known.get(line[start:end], {n}) - {n}:
                    cuts.add(line.count(" ", 0, at) + 1)
        cuts = {k for k in cuts if _starts_paragraph(words[k])}
        if len(cuts) == 1:
            k = cuts.pop()
            settled[n] = (found[n][0], Row("changed", " ".join(words[:k]), " ".join(words[k:])), False)
    return settled


def parse_dump_text(text: str, *, single_as: str = "added") -> ParsedInput:
    """Both versions from text scraped off a diff page; rows seen once go to the `single_as` side."""
    if single_as not in ("added", "removed"):
        raise ValueError(f"single_as must be 'added' or 'removed', not {single_as!r}")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"{len(text):,} characters, far more than any NewsSniffer diff page")
    lines = _lines(text)
    start = next((i for i, line in enumerate(lines) if _VERSIONS_LINE.match(line)), None)
    if start is not None:
        m = _VERSIONS_LINE.match(lines[start])
        assert m is not None
        labels: tuple[str | None, str | None] = (m["b"], m["a"])
        header_lines = lines[:start]
        start += 1
    else:
        hits = [i for i, line in enumerate(lines)
                if len(line) <= _HEADER_CHARS and any(p.search(line) for p in _HEADER_LINES)]
        if not hits:
            raise InputError("not a NewsSniffer dump: no header and no 'Version N Version M' line")
        labels, header_lines, start = (None, None), lines[: hits[-1] + 1], hits[-1] + 1
    page = _Page(_read_header(header_lines), labels=labels)

    body: Iterator[str] = iter(lines[start:])
    title_line = next((line for line in body if line), None)
    if title_line is None:
        raise InputError("NewsSniffer dump ends before its title row")
    if (words := title_line.count(" ") + 1) > _TITLE_WORDS:
        raise InputError(f"not a NewsSniffer dump: its title row has {words:,} words")
    page.titles = _split_title(title_line)

    first = next((line for line in body if line), "")
    time_row = _read_time_row(first) if first else None
    if time_row is not None:
        page.times, page.gap = time_row
        page.captured = (_ruby_time(page.times[0] or ""), _ruby_time(page.times[1] or ""))
    else:
        body = chain([first], body)
    found, trailing = _read_rows(body)
    found = _moved_into_rows(found)
    rows: list[Row] = []
    ambiguous: list[int] = []
    uncertain: list[int] = []
    for line, row, unsure in found:
        if unsure:
            uncertain.append(len(rows))
        if row.kind == "single":
            ambiguous.append(len(rows))
            row = Row("single", None, line) if single_as == "added" else Row("single", line, None)
        rows.append(row)
    extra = {"single_as": single_as, "ambiguous": ambiguous, "uncertain": uncertain,
             "trailing": "\n".join(line for line in trailing if line) or None}
    return _result(page, rows, "text", extra)


# -- HTML form -------------------------------------------------------------------------------------


def _fold(element: Any) -> str:
    return _clean_line(element.text_content())


def _html_time(cell: Any) -> tuple[str | None, str | None]:
    """(printed text, ISO 8601) of the `<time>` in a cell; the datetime attribute is the reliable one."""
    stamp = cell.find(".//time")
    if stamp is None:
        return None, None
    printed = _fold(stamp) or None
    iso: str | None
    try:
        iso = parse_time(stamp.get("datetime", ""))
    except ValueError:
        iso = _ruby_time(printed or "")
    return printed, iso


def parse_dump_html(page: str) -> ParsedInput:
    """Both versions, exactly, from the HTML of a diff page (`table.version_diff`)."""
    try:
        doc = lxml.html.document_fromstring(_XML_DECLARATION.sub("", page, count=1))
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"unreadable NewsSniffer diff page ({exc})") from None
    tables = doc.xpath('//table[contains(concat(" ", normalize-space(@class), " "), " version_diff ")]')
    if not tables:
        raise InputError("not a NewsSniffer diff page: no table.version_diff")
    table = tables[0]
    info = _Page(_read_header(_fold(p) for p in table.xpath("preceding::p")))
    seen = table.xpath("preceding::p//time[@datetime]")
    if seen:
        info.header["first_seen"] = _fold(seen[0]) or info.header["first_seen"]
    link = table.xpath('preceding::cite[contains(@class, "article_url")]//a[@href]')
    if link:
        info.header["url"] = link[0].get("href").strip() or info.header["url"]

    rows: list[Row] = []
    for tr in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
        cells = tr.xpath("./th | ./td")
        if len(cells) != 2:
            continue
        left, right = cells
        texts = (_fold(left), _fold(right))
        versions = _VERSIONS_LINE.match(f"{texts[0]} {texts[1]}")
        if left.tag == "th" and versions:
            info.labels = (versions["b"], versions["a"])
        elif left.tag == "th":
            info.titles = texts
        elif "time" in (left.get("class") or "").split():
            (old_text, old_iso), (new_text, new_iso) = _html_time(left), _html_time(right)
            gap = _GAP.search(texts[1])
            info.times, info.captured = (old_text, new_text), (old_iso, new_iso)
            info.gap = gap["gap"] if gap else None
        elif any(texts):  # an empty row is no paragraph in either version
            rows.append(_html_row(*texts))
    return _result(info, rows, "html", {"ambiguous": [], "uncertain": []})


def _html_row(old: str, new: str) -> Row:
    if old and new:
        return Row("same" if old == new else "changed", old, new)
    if old:
        return Row("removed", old, None)
    return Row("added", None, new)


# -- result ----------------------------------------------------------------------------------------


def _result(page: _Page, rows: list[Row], form: str, extra: dict[str, Any]) -> ParsedInput:
    if not rows:
        raise InputError("NewsSniffer dump has no paragraph rows")
    header = page.header
    records = []
    for side in (0, 1):
        meta: dict[str, Any] = {"dump": form}
        if page.times[side]:
            meta["captured_text"] = page.times[side]
        records.append(ArticleRecord(
            paragraphs=tuple(p for p in (r.new if side else r.old for r in rows) if p),
            title=page.titles[side] or None,
            url=header["url"],
            source=header["source"],
            captured_at=page.captured[side],
            format=FORMAT,
            extractor=FORMAT,
            label=page.labels[side],
            meta=meta,
        ))
    details: dict[str, Any] = {
        **header,
        "gap": page.gap,
        "dump": form,
        "versions": [{"label": r.label, "title": r.title, "captured": page.times[side],
                      "paragraphs": list(r.paragraphs)} for side, r in enumerate(records)],
        "rows": [r.as_json() for r in rows],
        "counts": {kind: sum(1 for r in rows if r.kind == kind)
                   for kind in ("same", "changed", "added", "removed", "single")},
        **extra,
    }
    return ParsedInput(format=FORMAT, versions=records, details=details)
