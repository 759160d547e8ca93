"""`newsdiff search`: which articles and versions contain some words, or which edits touched them.

The index (passages.py) holds each distinct paragraph and headline of an article once, so words match
within one paragraph or the headline. With `changed=True` the paragraphs that matched point at the
version pairs where they appeared or disappeared; those pairs are diffed and only added or edited
sentences that match the query are kept.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .diffing import diff_versions
from .passages import FTS, TABLE, TITLE, TOKENIZE, expand, parse_ranges, passage_hash
from .store import Store

EDIT_OPS = ("changed", "added", "moved", "split", "merged")
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_MARK_START, _MARK_END = "\x01", "\x02"  # control characters never survive clean_text


class SearchError(ValueError):
    """A query the index cannot run; the message is one line."""


def fts_query(query: str, raw: bool = False) -> str:
    """The FTS5 query for what a user typed: every word (or "quoted phrase") must appear; `word*`
    matches a prefix. `raw=True` passes FTS5 syntax (OR, NOT, NEAR, ...) through untouched."""
    if not query.strip():
        raise SearchError("the search query is empty")
    if raw:
        return query
    terms = []
    for phrase, word in _TERM.findall(query):
        text = phrase if phrase else word
        prefix = not phrase and text.endswith("*") and len(text) > 1
        text = text.rstrip("*") if prefix else text
        if text.strip():
            terms.append('"' + text.replace('"', '""') + '"' + (" *" if prefix else ""))
    if not terms:
        raise SearchError(f"nothing to search for in {query!r}")
    return " ".join(terms)


class Matcher:
    """The query run over any texts with the index's own tokenizer, so snippets and sentence filters
    agree with what the index matched."""

    def __init__(self, fts: str) -> None:
        self.fts = fts
        self.db = sqlite3.connect(":memory:")
        self.db.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize='{TOKENIZE}')")

    def matching(self, texts: Sequence[str]) -> set[int]:
        """Indexes of the texts the query matches."""
        self.db.execute("DELETE FROM t")
        self.db.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", enumerate(texts))
        return {row[0] for row in self.db.execute("SELECT rowid FROM t WHERE t MATCH ?", [self.fts])}

    def snippet(self, text: str, tokens: int = 32) -> tuple[str, list[tuple[int, int]]]:
        """A window of `text` around the matches, and the (start, end) of each match within it."""
        self.db.execute("DELETE FROM t")
        self.db.execute("INSERT INTO t(rowid, text) VALUES (1, ?)", [text])
        row = self.db.execute(
            "SELECT snippet(t, 0, ?, ?, '…', ?) FROM t WHERE t MATCH ?", [_MARK_START, _MARK_END, tokens, self.fts]
        ).fetchone()
        marked = row[0] if row else text[:200]
        plain, spans, start = [], [], 0
        for char in marked:
            if char == _MARK_START:
                start = sum(map(len, plain))
            elif char == _MARK_END:
                spans.append((start, sum(map(len, plain))))
            else:
                plain.append(char)
        return "".join(plain), spans


@dataclass
class Match:
    """A matching paragraph or headline and the versions that contain it."""

    kind: str
    versions: list[int]
    snippet: str
    highlights: list[tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "versions": self.versions, "snippet": self.snippet,
                "highlights": [list(h) for h in self.highlights]}


@dataclass
class ArticleHit:
    article: dict[str, Any]
    matches: list[Match] = field(default_factory=list)

    @property
    def versions(self) -> list[int]:
        return sorted({n for m in self.matches for n in m.versions})

    def to_json(self) -> dict[str, Any]:
        return {**self.article, "versions": self.versions, "matches": [m.to_json() for m in self.matches]}


@dataclass
class EditHit:
    """An added or edited sentence (or headline) matching the query, between two versions."""

    article: dict[str, Any]
    from_version: int
    to_version: int
    captured_at: str | None
    change: dict[str, Any]  # the diff engine's JSON entry (op, old, new, indexes, words, tags)

    def to_json(self) -> dict[str, Any]:
        return {**self.article, "from_version": self.from_version, "to_version": self.to_version,
                "captured_at": self.captured_at, **self.change}


def _passages(store: Store, fts: str) -> list[dict[str, Any]]:
    try:
        return list(store.db.query(
            f"SELECT p.article_id, p.kind, p.hash, p.versions FROM {FTS} JOIN {TABLE} p ON p.id = {FTS}.rowid "
            f"WHERE {FTS} MATCH ? ORDER BY bm25({FTS})", [fts]))
    except sqlite3.OperationalError as exc:
        raise SearchError(f"cannot search for {fts!r}: {exc}") from None


def _article(store: Store, article_id: int) -> dict[str, Any]:
    row = store.db.execute(
        "SELECT a.id, a.key, a.url, s.name, a.title FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
        "WHERE a.id = ?", [article_id]).fetchone()
    return dict(zip(("article_id", "key", "url", "source", "title"), row))


def _by_article(rows: list[dict[str, Any]], limit: int | None) -> dict[int, list[dict[str, Any]]]:
    """Matching passages grouped by article, best-ranked article first."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row["article_id"] in grouped or limit is None or len(grouped) < limit:
            grouped.setdefault(row["article_id"], []).append(row)
    return grouped


def search(store: Store, query: str, *, raw: bool = False, limit: int | None = 20) -> list[ArticleHit]:
    """Articles whose paragraphs or headlines match, with the versions that contain each match."""
    fts = fts_query(query, raw)
    matcher = Matcher(fts)
    hits = []
    for article_id, rows in _by_article(_passages(store, fts), limit).items():
        hit = ArticleHit(_article(store, article_id))
        loaded: dict[int, dict[str, Any]] = {}
        for row in sorted(rows, key=lambda r: (r["kind"] != TITLE, parse_ranges(r["versions"])[0])):
            versions = expand(row["versions"])
            if versions[-1] not in loaded:
                loaded[versions[-1]] = store.version_row(article_id, versions[-1])
            snippet, highlights = matcher.snippet(_passage_text(loaded[versions[-1]], row))
            hit.matches.append(Match(row["kind"], versions, snippet, highlights))
        hits.append(hit)
    return hits


def _passage_text(version: dict[str, Any], row: dict[str, Any]) -> str:
    """The paragraph or headline a passage row stands for, from a version that contains it."""
    if row["kind"] == TITLE:
        return version["title"] or ""
    for paragraph in version["text"].split("\n\n"):
        if passage_hash(paragraph) == row["hash"]:
            return paragraph
    raise SearchError(f"the search index is out of step with article {version['article_id']} "
                      f"version {version['number']}; `newsdiff check` reports it")


def _edit_pairs(store: Store, rows: list[dict[str, Any]], article_id: int) -> list[int]:
    """Versions at which a matching passage appeared or disappeared (each compared with the one before)."""
    latest = store.db.execute("SELECT max(number) FROM versions WHERE article_id = ?", [article_id]).fetchone()[0]
    numbers = set()
    for row in rows:
        for first, last in parse_ranges(row["versions"]):
            if first > 1:
                numbers.add(first)
            if last < latest:
                numbers.add(last + 1)
    return sorted(numbers)


def _edited(entry: dict[str, Any]) -> bool:
    """A sentence that is new or whose words changed; a move without edits is not an edit."""
    return entry["op"] in EDIT_OPS and (entry["op"] != "moved" or any(op != "=" for op, _ in entry["words"]))


def search_changed(store: Store, query: str, *, raw: bool = False, limit: int | None = 50) -> list[EditHit]:
    """Added or edited sentences (and headline changes) that match the query, oldest edit first per article."""
    fts = fts_query(query, raw)
    matcher = Matcher(fts)
    hits: list[EditHit] = []
    for article_id, rows in _by_article(_passages(store, fts), None).items():
        article = _article(store, article_id)
        for number in _edit_pairs(store, rows, article_id):
            report = diff_versions(store, article_id, number - 1, number).to_json()
            entries = [e for e in report["changes"] if _edited(e)]
            title = report["title"]
            if title["changed"]:
                entries.insert(0, {"op": "title", "old": [title["old"] or ""], "new": [title["new"] or ""],
                                   "old_index": [], "new_index": [], "words": title["words"], "tags": title["tags"]})
            sides = [(i, side) for i, e in enumerate(entries) for side in (("new",) if e["op"] == "added" else ("old", "new"))]
            found = matcher.matching([" ".join(entries[i][side]) for i, side in sides])
            for i in sorted({sides[k][0] for k in found}):
                hits.append(EditHit(article, number - 1, number, report["to"]["captured_at"], entries[i]))
                if limit is not None and len(hits) >= limit:
                    return hits
    return hits
