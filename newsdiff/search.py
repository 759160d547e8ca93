"""`newsdiff search`: which articles and versions contain some words, or which edits touched them.

The index (store/passage_index.py) holds each distinct paragraph and headline of an article once, with the versions
that contain it. Each word (or "phrase") of a query is looked up on its own and the versions holding
every one are intersected per article, so the words may sit in different paragraphs of a version; a
phrase is contiguous within one paragraph or the headline. With `changed=True` the passages that matched
point at the version pairs where they appeared or disappeared; those pairs' reports (from the report
cache, diffed once) are read and only the edits whose added or removed words hold a query word are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .changes import CHANGE_KINDS
from .reports.cache import Reports
from .store import (
    GROUPED_NUMBER,
    TITLE,
    DamagedHistory,
    Matcher,
    SearchError,
    Store,
    expand_ranges,
    parse_ranges,
    passage_hash,
    plain_number,
    worded_texts,
)

EDIT_OPS = tuple(kind for kind in CHANGE_KINDS if kind != "removed")  # a sentence removed whole is not listed
_TERM = re.compile(r'"([^"]*)"|(\S+)')

def query_terms(query: str, raw: bool = False) -> list[str]:
    """The FTS5 terms a version must all match, each anywhere in its text or headline: one per word
    (`word*` matches a prefix) or "quoted phrase". Terms of punctuation alone match nothing, so they
    are dropped, and a query left with none is an error rather than an empty result. `raw=True` makes
    the query one term in FTS5 syntax (OR, NOT, NEAR, ...), matched within one paragraph or headline."""
    if raw and query.strip():
        return [query]
    found = [(phrase or word, not phrase and word.endswith("*") and len(word) > 1)
             for phrase, word in _TERM.findall(query)]
    texts = [text.rstrip("*") if prefix else plain_number(text) if GROUPED_NUMBER().fullmatch(text) else text
             for text, prefix in found]
    worded = worded_texts(texts)  # ask the tokenizer which terms hold a word
    terms = ['"' + texts[i].replace('"', '""') + '"' + (" *" if found[i][1] else "") for i in sorted(worded)]
    if not terms:
        raise SearchError("the search query is empty" + (f": no words in {query!r}" if query.strip() else ""))
    return terms


def fts_query(query: str, raw: bool = False) -> str:
    """The query's terms as one FTS5 expression, as `--json` reports it."""
    return " ".join(query_terms(query, raw))


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
    """An added or edited sentence (or headline) between two versions, with a query word among the
    words it added or removed."""

    article: dict[str, Any]
    from_version: int
    to_version: int
    captured_at: str | None
    change: dict[str, Any]  # the diff engine's JSON entry (op, old, new, indexes, words, tags)

    def to_json(self) -> dict[str, Any]:
        return {**self.article, "from_version": self.from_version, "to_version": self.to_version,
                "captured_at": self.captured_at, **self.change}


@dataclass
class _Found:
    """An article some of whose versions hold every term: those versions, and the passages that match
    any term, best-ranked first."""

    versions: set[int]
    rows: list[dict[str, Any]]


def _ranked(store: Store, terms: Sequence[str]) -> Iterator[int]:
    """Articles with a passage holding any term, best first, each once: those with a passage holding
    every term come first, in the order of their best such passage (words together say more than words
    apart), then the rest in the order of their best passage for any term. Lazily: a search whose limit
    is reached among the first never ranks each passage that holds a common word."""
    seen: set[int] = set()
    for fts in ([" ".join(terms)] if len(terms) > 1 else []) + [" OR ".join(terms)]:
        for article_id in store.ranked_articles(fts):
            if article_id not in seen:
                seen.add(article_id)
                yield article_id


def _found(store: Store, terms: Sequence[str]) -> Iterator[tuple[int, _Found]]:
    """Articles whose versions hold every term, in `_ranked`'s order: each term is looked up on its own
    and the versions of its passages are intersected, so the terms may be in different passages. One
    article at a time, its own passages read when it comes up: a search that stops at its limit reads
    no more articles than it shows."""
    anything = " OR ".join(terms)
    for article_id in _ranked(store, terms):
        rows = store.matching_passages(anything, article_id)
        holding = ([store.passages_matching(term, article_id) for term in terms] if len(terms) > 1
                   else [{r["id"] for r in rows}])
        versions = set.intersection(*({n for r in rows if r["id"] in ids for n in expand_ranges(r["versions"])}
                                      for ids in holding))
        if versions:
            yield article_id, _Found(versions, rows)


def search(store: Store, query: str, *, raw: bool = False, limit: int | None = 20,
           damaged: list[DamagedHistory] | None = None) -> list[ArticleHit]:
    """Articles whose versions hold all the words, with the versions that contain each matching
    paragraph or headline. An article whose matching text cannot be rebuilt is left out and its damage
    added to `damaged`: one bad version must not hide every other match."""
    terms = query_terms(query, raw)
    matcher = Matcher(terms)
    hits: list[ArticleHit] = []
    if limit is not None and limit <= 0:
        return hits
    for article_id, found in _found(store, terms):
        hit = ArticleHit(store.article_summary(article_id))
        loaded: dict[int, dict[str, Any]] = {}
        try:
            for row in sorted(found.rows, key=lambda r: (r["kind"] != TITLE, parse_ranges(r["versions"])[0])):
                versions = [n for n in expand_ranges(row["versions"]) if n in found.versions]
                if not versions:  # the passage is only in versions lacking another word
                    continue
                if versions[-1] not in loaded:
                    loaded[versions[-1]] = store.version_row(article_id, versions[-1])
                snippet, highlights = matcher.snippet(_passage_text(loaded[versions[-1]], row))
                hit.matches.append(Match(row["kind"], versions, snippet, highlights))
        except DamagedHistory as exc:
            if damaged is None:
                raise
            damaged.append(exc)
            continue
        hits.append(hit)
        if limit is not None and len(hits) >= limit:
            break  # before the next article is looked for
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


def _edit_pairs(store: Store, found: _Found, article_id: int) -> list[int]:
    """Versions at which a matching passage appeared or disappeared (each compared with the one
    before), where one of the two versions holds every word."""
    latest = store.latest_number(article_id) or 0  # passages were found: it has versions
    numbers = set()
    for row in found.rows:
        for first, last in parse_ranges(row["versions"]):
            if first > 1:
                numbers.add(first)
            if last < latest:
                numbers.add(last + 1)
    return sorted(n for n in numbers if n - 1 in found.versions or n in found.versions)


def _touched(matcher: Matcher, words: Sequence[Sequence[str]]) -> bool:
    """Whether a match overlaps the words an edit removed or added: a word that merely sits in an
    edited sentence (`[-Two-]{+Three+} people were killed`) was not edited in or out."""
    for side in "-+":
        kept = [(op, text) for op, text in words if op in ("=", side)]
        edited, at = [], 0
        for op, text in kept:
            if op == side:
                edited.append((at, at + len(text)))
            at += len(text)
        if edited and any(a < end and start < b for start, end in matcher.spans("".join(t for _, t in kept))
                          for a, b in edited):
            return True
    return False


def search_changed(store: Store, query: str, *, raw: bool = False, limit: int | None = 50,
                   damaged: list[DamagedHistory] | None = None) -> list[EditHit]:
    """Added or edited sentences (and headline changes) that put a query word in or took one out, in
    articles whose versions hold all the words; oldest edit first per article. A pair of versions that
    cannot be rebuilt is left out and its damage added to `damaged`, and so is a version only newsdiff's
    reading of the page changed."""
    terms = query_terms(query, raw)
    matcher = Matcher(terms)
    reports = Reports(store)
    hits: list[EditHit] = []
    for article_id, found in _found(store, terms):
        article = store.article_summary(article_id)
        for number in _edit_pairs(store, found, article_id):
            try:
                edit = reports.edit_of(store.edit_pairs(article_id=article_id, number=number)[0])
            except DamagedHistory as exc:
                if damaged is None:
                    raise
                damaged.append(exc)
                continue
            if edit.reader_change:  # newsdiff's reading changed, not the page: nobody edited a word in or out
                continue
            report = edit.report
            entries = [e for e in report.changes if e["op"] in EDIT_OPS]
            if report.headline_changed:
                title = report.fields["title"]
                entries.insert(0, {"op": "title", "old": [title["old"] or ""], "new": [title["new"] or ""],
                                   "old_index": [], "new_index": [], "words": title["words"], "tags": title["tags"]})
            for entry in entries:
                if _touched(matcher, entry["words"]):
                    hits.append(EditHit(article, number - 1, number, report.new["captured_at"], entry))
                    if limit is not None and len(hits) >= limit:
                        return hits
    return hits
