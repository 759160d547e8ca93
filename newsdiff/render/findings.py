"""Human output for `search`, `check` and `stats`: rich styles on a terminal, plain lines in pipes.

Article text is hostile: it is only ever appended to rich `Text` as plain text, never parsed as markup.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from rich.text import Text

from ..model import plural
from ..search import ArticleHit, EditHit
from ..store import compress_ranges
from . import terminal

_MARKERS = {"=": ("", ""), "-": ("[-", "-]"), "+": ("{+", "+}")}
_STYLES = {"=": "", "-": "red strike", "+": "green bold"}


def _emit(parts: Sequence[tuple[str, str]], indent: str = "") -> None:
    """One line from (text, style) parts: styled on a terminal, the plain text otherwise."""
    parts = [(terminal.safe(text), style) for text, style in parts]
    if terminal.is_terminal():
        line = Text(indent)
        for text, style in parts:
            line.append(text, style=style)
        terminal.console().print(line)
    else:
        sys.stdout.write(indent + "".join(text for text, _ in parts) + "\n")


def _article_line(article: dict[str, Any], extra: str) -> None:
    name = f"article {article['article_id']} [{article['key']}]"
    title = f" {article['title']}" if article.get("title") else ""
    _emit([(name, "bold"), (title, ""), (extra, "dim")])


def _highlighted(snippet: str, highlights: Sequence[Sequence[int]]) -> list[tuple[str, str]]:
    tty = terminal.is_terminal()
    parts, at = [], 0
    for start, end in highlights:
        parts.append((snippet[at:start], ""))
        word = snippet[start:end]
        parts.append((word, "bold yellow") if tty else (f"**{word}**", ""))
        at = end
    parts.append((snippet[at:], ""))
    return parts


def print_hits(hits: Sequence[ArticleHit]) -> None:
    if not hits:
        sys.stdout.write("no matches\n")
    for hit in hits:
        _article_line(hit.article, f" (versions {compress_ranges(hit.versions)})")
        for match in hit.matches:
            where = "headline" if match.kind == "title" else "paragraph"
            _emit([(f"{where}, versions {compress_ranges(match.versions)}: ", "cyan"),
                   *_highlighted(match.snippet, match.highlights)], "  ")


def print_edits(edits: Sequence[EditHit]) -> None:
    if not edits:
        sys.stdout.write("no added or edited sentences match\n")
    tty = terminal.is_terminal()
    for edit in edits:
        change = edit.change
        tags = f" [{', '.join(change['tags'])}]" if change["tags"] else ""
        _article_line(edit.article, f" version {edit.from_version} -> {edit.to_version}: {change['op']}{tags}")
        _emit([(text, _STYLES[op]) if tty else (_MARKERS[op][0] + text + _MARKERS[op][1], "")
               for op, text in change["words"]], "  ")


def print_more(what: str, limit: int) -> None:
    """The list was cut: a search for "every article where ..." must not look complete when it is not."""
    shown = (f"the first matching {what.removesuffix('s')} is" if limit == 1
             else f"the first {limit} matching {what} are")
    _emit([(f"only {shown} shown; --limit shows more", "dim")])


def print_check(lines: Sequence[str], summary: str, ok: bool) -> None:
    for line in lines:
        _emit([(line, "red")])
    _emit([(summary, "green" if ok else "bold red")])


def size(n: int | None) -> str:
    if n is None:
        return "?"
    if n < 1024:
        return plural(n, "byte")
    value = n / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def print_stats(doc: dict[str, Any]) -> None:
    history, raws, database = doc["history"], doc["raws"], doc["database"]
    ratio = f" ({history['ratio']:.1%})" if history["ratio"] is not None else ""
    terminal.print_fields([
        ("articles", doc["articles"]),
        ("versions", f"{doc['versions']} ({plural(doc['edits'], 'edit')})"),
        ("history", f"{size(history['text_bytes'])} of text stored in {size(history['stored_bytes'])}{ratio}"),
        ("raw inputs", f"{raws['count']} ({size(raws['bytes'])}, {size(raws['stored_bytes'])} stored)"),
        ("database", f"{size(database['bytes_on_disk'])} on disk"
                     + (f", {size(database['unused_bytes'])} of it unused" if database["unused_bytes"] else "")),
        ("parts", ", ".join(f"{part} {size(n)}" for part, n in database["parts"].items())),
    ])
    if doc["sources"]:
        sys.stdout.write("\n")
        terminal.print_table(["source", "articles", "versions", "edits"],
                             [[s["source"] or "(none)", s["articles"], s["versions"], s["edits"]]
                              for s in doc["sources"]])
    if doc["most_edited"]:
        sys.stdout.write("\n")
        terminal.print_table(["id", "versions", "source", "title / key"],
                             [[a["article_id"], a["versions"], a["source"] or "", a["display_title"] or a["key"]]
                              for a in doc["most_edited"]], title="most edited")
    if database["tables"]:
        sys.stdout.write("\n")
        terminal.print_table(["table", "size"], [[name, size(n)] for name, n in database["tables"].items()])
