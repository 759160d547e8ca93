"""Plain-text articles: paragraphs kept, Markdown-ish residue from copy-paste cleaned away."""

from __future__ import annotations

import re
from datetime import date

from ..model import ArticleRecord, InputError, ParsedInput, clean_text

_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,})\s*$")
# Neither pattern lets its text run past another opening delimiter, so a line full of stray `[` or `*`
# is read in linear time, not quadratic. A URL may hold one level of (...).
_LINK = re.compile(r"\[([^\[\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_EMPHASIS = re.compile(r"(?<![\w*])(?:(\*{1,3})(?=\S)([^*]+?)(?<=\S)\1|(_{1,2})(?=\S)([^_]+?)(?<=\S)\3)(?![\w*])")
_EMPHASIS_DEPTH = 3  # emphasis nests no deeper in real text: *"quote,"* inside **bold**
_CAPTION_DATE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})-(\d{2})\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_DATE_LINE = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$|^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_SENTENCE_END = re.compile(r"[.!?…:;\"”’)\]]$")
_HARD_WRAP_WIDTH = 60  # lines at least this long inside a block are read as a wrapped paragraph
# What tells a data file, a program or a log from prose, line by line.
_DELIMITERS = (",", "\t", ";", "|")
_KEY_VALUE = re.compile(r"^\s*(?:- )?[\w.\-\"']+\s*[:=](?:\s|$)")
# A value that is a sentence ("Q: What did you see?", "A: Smoke, then flames."): an interview's lines,
# not a setting's.
_SENTENCE_VALUE = re.compile(r"[:=]\s*\S+(?:\s+\S+){2,}[.!?…\"”’)]\s*$")
_STAMPED = re.compile(r"^\s*[\[(]?\d{2,4}[-/.:]\d{1,2}")
_CODE_CHARS = frozenset("{}[]()<>=;_|\\$#@^~`")


def _strip_markup(line: str) -> str:
    line = _LINK.sub(r"\1", line)
    for _ in range(_EMPHASIS_DEPTH):  # innermost emphasis first, one level a pass
        line, found = _EMPHASIS.subn(lambda m: m[2] or m[4], line)
        if not found:
            break
    return line


def _iso_date(year: str, month: str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _date_line(line: str) -> str | None:
    """A line that is only a date: ISO, or day/month/year as most outlets outside the US write it."""
    match = _DATE_LINE.match(line)
    if not match:
        return None
    if match.group(4):
        return _iso_date(match.group(4), match.group(5), match.group(6))
    day, month, year = match.group(1), match.group(2), match.group(3)
    return _iso_date(year, month, day) or _iso_date(year, day, month)


def _blocks(text: str) -> list[list[str]]:
    """Runs of non-blank lines; rules end a block and are dropped."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip() or _RULE.match(line):
            if blocks[-1]:
                blocks.append([])
            continue
        blocks[-1].append(line)
    return [b for b in blocks if b]


def _paragraphs(block: list[str]) -> list[str]:
    """A block is one hard-wrapped paragraph when its lines run on; otherwise each line is a paragraph."""
    wrapped = len(block) > 1 and all(
        len(line) >= _HARD_WRAP_WIDTH and not _SENTENCE_END.search(line.rstrip()) for line in block[:-1]
    )
    return [" ".join(block)] if wrapped else list(block)


def _is_title(paragraph: str, following: list[str]) -> bool:
    words = paragraph.split()
    return (
        bool(following)
        and 2 <= len(words) <= 25
        and not _SENTENCE_END.search(paragraph)
        and len(paragraph) < max(len(p) for p in following)
    )


def _code_line(line: str) -> bool:
    """A line as programs end them (a bracket, a semicolon, a colon, a comma), or indented like one."""
    return line.rstrip().endswith(("{", "}", ";", ":", "(", ")", ",", "[", "]")) or line.startswith(("    ", "\t"))


def _not_prose(body: str) -> str | None:
    """Why a text file is no article (a table, config, program or log), or None when it reads as prose.

    Each test needs most lines to agree, so a dateline, a list or one quoted line of code in a story
    never makes it data."""
    lines = [line for line in body.splitlines() if line.strip()]
    if len(lines) < 3:
        return None
    share = lambda test: sum(1 for line in lines if test(line)) / len(lines)  # noqa: E731
    visible = "".join(_strip_markup(body).split())  # a Markdown link's brackets are not code
    if sum(char in _CODE_CHARS for char in visible) / len(visible) > 0.04 and share(_code_line) >= 0.5:
        return "lines of source code"
    for mark in _DELIMITERS:
        counts = [line.count(mark) for line in lines]
        common = max(set(counts), key=counts.count)
        if common >= 2 and counts.count(common) / len(lines) >= 0.8 and share(lambda ln: len(ln) < 160) >= 0.8:
            return "rows of delimited data (CSV or similar)"
    if share(lambda ln: bool(_STAMPED.match(ln))) >= 0.5:
        return "time-stamped lines (a log)"
    if share(lambda ln: bool(_KEY_VALUE.match(ln)) and len(ln) < 100 and not _SENTENCE_VALUE.search(ln)) >= 0.5:
        return "key: value lines (configuration or data)"
    return None


def parse_text(body: str, *, url: str | None = None) -> ParsedInput:
    """Read a plain-text article: optional caption date, title and date lines, then paragraphs."""
    if reason := _not_prose(body):
        raise InputError(f"not an article: {reason}")
    paragraphs = [p for block in _blocks(body) for p in _paragraphs(block)]
    paragraphs = [clean_text(_strip_markup(p)) for p in paragraphs]
    paragraphs = [p for p in paragraphs if p]
    meta: dict[str, str] = {}
    published: str | None = None
    title: str | None = None

    if paragraphs and (caption := _CAPTION_DATE.match(paragraphs[0])):
        published = _iso_date(*caption.group(1, 2, 3))
        if caption.group(4):
            meta["caption"] = caption.group(4)
        paragraphs = paragraphs[1:]
    # A short headline line, optionally followed by a date-only line, opens many copied articles.
    if len(paragraphs) > 1 and _date_line(paragraphs[0]) is None and _is_title(paragraphs[0], paragraphs[1:]):
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if paragraphs and (found := _date_line(paragraphs[0])):
        published = published or found
        paragraphs = paragraphs[1:]
    if not paragraphs:
        raise InputError("no article text found")
    record = ArticleRecord(
        paragraphs=tuple(paragraphs),
        title=title,
        url=url,
        published=published,
        format="text",
        extractor="text",
        meta=meta,
    )
    return ParsedInput(format="text", versions=[record])
