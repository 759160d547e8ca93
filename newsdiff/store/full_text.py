"""Full-text search over the passage index (passage_index.py), and the same FTS5 tokenizer on any text,
so that what `search` highlights or filters agrees with what the index matched."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..lazy import pattern_on_use
from .errors import SearchError

if TYPE_CHECKING:
    from .database import Database

_MARK_START, _MARK_END = "\x01", "\x02"  # control characters never survive clean_text


def _scratch() -> sqlite3.Connection:
    """An in-memory FTS5 table `t` with the index's own tokenizer, so what is done with it agrees with
    what the index matches."""
    from .passage_index import TOKENIZE

    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize='{TOKENIZE}')")
    return db


def worded_texts(texts: Sequence[str]) -> set[int]:
    """The positions of the texts in which the index's tokenizer finds a word (not punctuation alone)."""
    with closing(_scratch()) as db:
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        db.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", enumerate(texts))
        return {row[0] for row in db.execute("SELECT DISTINCT doc FROM v")}


def _unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """Text marked by FTS5's snippet() or highlight(), and the (start, end) of each mark in it."""
    plain: list[str] = []
    spans, start = [], 0
    for char in marked:
        if char == _MARK_START:
            start = len(plain)
        elif char == _MARK_END:
            spans.append((start, len(plain)))
        else:
            plain.append(char)
    return "".join(plain), spans


_FIGURE_TERM = pattern_on_use(r'"(\d{4,})"')  # compiled by a search, not by every command the store serves


def _as_written(term: str) -> str:
    """A term as it is matched in a passage's own text: a figure ("1500", which the index also holds for
    "1,500") matches written with or without separators ("1500" OR "1 500", the tokens of "1,500")."""
    if not (figure := _FIGURE_TERM().fullmatch(term)):
        return term
    digits = figure.group(1)
    head = len(digits) % 3 or 3
    grouped = " ".join([digits[:head], *(digits[i:i + 3] for i in range(head, len(digits), 3))])
    return f'({term} OR "{grouped}")'


class Matcher:
    """Any of the terms found in any text with the index's own tokenizer, so highlights and the edit
    filter agree with what the index matched."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.fts = " OR ".join(map(_as_written, terms))
        self.db = _scratch()

    def _marked(self, text: str, function: str, *args: object) -> str | None:
        self.db.execute("DELETE FROM t")
        self.db.execute("INSERT INTO t(rowid, text) VALUES (1, ?)", [text])
        row = self.db.execute(f"SELECT {function} FROM t WHERE t MATCH ?",
                              [_MARK_START, _MARK_END, *args, self.fts]).fetchone()
        return row[0] if row else None

    def snippet(self, text: str, tokens: int = 32) -> tuple[str, list[tuple[int, int]]]:
        """A window of `text` around the matches, and the (start, end) of each match within it."""
        marked = self._marked(text, "snippet(t, 0, ?, ?, '…', ?)", tokens)
        return _unmark(text[:200] if marked is None else marked)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of each match in the whole of `text`."""
        marked = self._marked(text, "highlight(t, 0, ?, ?)")
        return [] if marked is None else _unmark(marked)[1]


def refused(fts: str, exc: Exception) -> SearchError:
    """The one-line error for an expression the index cannot run, as FTS5 words the reason."""
    return SearchError(f"cannot search for {fts!r}: {exc}")


def check_expression(fts: str) -> None:
    """SearchError, worded as a search of the index would word it, unless FTS5 accepts `fts` on a table
    with the index's one column: another engine then rejects exactly what SQLite rejects."""
    if (reason := _fts5_refusal(fts)) is not None:
        raise SearchError(reason)


@lru_cache(maxsize=256)
def _fts5_refusal(fts: str) -> str | None:
    """Why FTS5 refuses `fts`, or None; kept, as a search asks once per term and per page of results."""
    with closing(_scratch()) as db:
        try:
            db.execute("SELECT rowid FROM t WHERE t MATCH ?", [fts]).fetchall()
        except sqlite3.OperationalError as exc:
            return str(refused(fts, exc))
    return None


class FullTextSearch:
    """`Store` methods that query the passage index with an FTS5 expression (SearchError if it cannot run)."""

    db: Database

    def _matching(self, columns: str, fts: str, article_id: int | None, order: str = "") -> list[dict[str, Any]]:
        """`columns` of the passages (`p`) matching `fts`, of one article only with `article_id`: then within
        the span of that article's passage ids, which FTS5 seeks to, instead of reading every passage that
        holds a common word (an article's passages are written within days of each other)."""
        from .passage_index import FTS, TABLE

        sql = f"SELECT {columns} FROM {FTS} JOIN {TABLE} p ON p.id = {FTS}.rowid WHERE {FTS} MATCH ?"
        params: list[Any] = [fts]
        if article_id is not None:
            first, last = self.db.execute(f"SELECT min(id), max(id) FROM {TABLE} WHERE article_id = ?",
                                          [article_id]).fetchone()
            if first is None:
                return []
            sql += f" AND {FTS}.rowid BETWEEN ? AND ? AND p.article_id = ?"
            params += [first, last, article_id]
        try:
            return list(self.db.query(sql + order, params))
        except sqlite3.OperationalError as exc:
            raise refused(fts, exc) from None

    def matching_passages(self, fts: str, article_id: int | None = None) -> list[dict[str, Any]]:
        """Passages (id, article_id, kind, hash, versions) matching `fts`, best-ranked (bm25) first; with
        `article_id`, that article's only, in the order they were first written (bm25 would count each
        word's passages over the whole index again)."""
        from .passage_index import FTS

        return self._matching("p.id, p.article_id, p.kind, p.hash, p.versions", fts, article_id,
                              f" ORDER BY bm25({FTS})" if article_id is None else " ORDER BY p.id")

    def passages_matching(self, fts: str, article_id: int | None = None) -> set[int]:
        """The ids of the passages matching `fts` (of one article only with `article_id`)."""
        return {row["id"] for row in self._matching("p.id", fts, article_id)}

    def ranked_articles(self, fts: str) -> list[int]:
        """The articles with a passage matching `fts`, in the order of their best-ranked one (bm25)."""
        from .passage_index import FTS

        return list(dict.fromkeys(row["article_id"] for row in self._matching("p.article_id", fts, None,
                                                                               f" ORDER BY bm25({FTS})")))

