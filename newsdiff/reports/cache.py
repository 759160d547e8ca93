"""The report cache: each pair of versions diffed once, its `Report` kept in the store, read back by
`log`, `feed`, `publish`, alerts, `search --changed` and `export` alike.

A cached report is keyed by what made it: the cached form (`report.FORMAT`), a digest of the engine's
code and of the HTML fragment's (`engine`), and whether cosmetic changes are shown. An upgrade, or any
change to that code, redoes the work once, and nothing made by older code is ever served. Computing
the key reads a few source files; it never imports the engine, so a `log` whose reports are cached
loads no part of it, nor hashlib (see `digest`).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib.util import find_spec, source_hash
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store import STORE_ERRORS, DamagedHistory
from ..render.edits import ArticleRef, Edit, VersionRef
from . import report as _format
from .report import Report

if TYPE_CHECKING:
    from ..alerts.rules import Filter
    from ..store import Store

__all__ = ["PREFIX", "Reports", "digest", "engine", "version_edits"]

PREFIX = "edit/"  # every cached report's kind begins so
PAGE = 50  # pairs read at a time by `Reports.edits`
_FRESH = 64  # full reports kept from diffing to rendering (an article's pairs are diffed together)
_ENGINE_CODE = ("diff", "changes.py", "reports", "render/layout.py", "render/htmlfrag.py")


def digest(*parts: str) -> str:
    """A digest of the package's code under `parts` (files or folders): what made a cached result.

    64 bits of the source hash importlib keys hash-based .pyc files with, which is built into the
    interpreter: hashlib would load OpenSSL's libcrypto, 3-4 ms of a cached `log`'s start-up
    (scripts/bench_startup.py). The hash is keyed by the interpreter's bytecode version, so a new
    Python recomputes cached results once, as new code does."""
    root, code = Path(__file__).parent.parent, bytearray()
    for part in parts:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.suffix in (".py", ".html", ".css")) if path.is_dir() else [path]
        for file in files:
            code += file.relative_to(root).as_posix().encode("utf-8") + b"\0" + file.read_bytes() + b"\0"
    return source_hash(bytes(code)).hex()


@cache
def _code() -> str:
    """The engine's and the fragment's code, and the sentence segmenter's version (read from its file:
    importing it would cost start-up time)."""
    spec = find_spec("nupunkt")
    version = Path(spec.origin).with_name("_version.py") if spec and spec.origin else None
    segmenter = source_hash(version.read_bytes()).hex()[:8] if version and version.is_file() else "none"
    return f"{digest(*_ENGINE_CODE)}/{segmenter}"


def engine() -> str:
    """What made a report: its cached form and the code that computed it."""
    return f"{_format.FORMAT}/{_code()}"


class Reports:
    """Reports of pairs of versions, each diffed once (`compare.diff_versions`) and cached in the store.

    `edit` gives the report without kept sentences, as listings, feeds and alerts need it; `full`
    restores the kept sentences a side-by-side page or an export shows, from the new version's text.
    A pair diffed in this run keeps its full report until its page is rendered, which comes soon after
    (`_FRESH` pairs at most). `computed` counts the pairs this object diffed.
    """

    def __init__(self, store: Store, *, cosmetic: bool = False, wanted: Filter | None = None) -> None:
        self.store, self.cosmetic, self.wanted = store, cosmetic, wanted
        self._kind = f"{PREFIX}{engine()}/{'cosmetic' if cosmetic else 'plain'}"
        self._fresh: OrderedDict[tuple[int, int], Report] = OrderedDict()
        self._ledes: dict[int, str | None] = {}  # untitled articles' names (`Store.lede`), read once each
        self.computed = 0

    def _key(self, old_id: int) -> str:
        """The cache kind of the pair ending at a version (the store keys entries by version id)."""
        return f"{self._kind}/from-{old_id}"

    def _diff(self, article_id: int, old: VersionRef, new: VersionRef) -> Report:
        """The pair through the engine, with its HTML fragment; kept whole for `full`, returned packed."""
        from ..render.htmlfrag import render_html
        from ..render.layout import layout
        from .compare import diff_versions

        engine_report = diff_versions(self.store, article_id, old.number, new.number)
        self.computed += 1
        report = Report.of(engine_report, cosmetic=self.cosmetic,
                           fragment=render_html(layout(engine_report, cosmetic=self.cosmetic, hints=False)))
        self._fresh[old.id, new.id] = report
        if len(self._fresh) > _FRESH:
            self._fresh.popitem(last=False)
        return report.packed()

    def report(self, article_id: int, old: VersionRef, new: VersionRef) -> Report:
        """The pair's report without kept sentences, from the store's cache (when whole) or the engine."""
        data = self.store.cached(new.id, self._key(old.id),
                                 lambda: self._diff(article_id, old, new).to_cache())
        try:
            return Report.from_cache(data)
        except ValueError:  # a damaged cache entry
            return self._diff(article_id, old, new)

    def peek(self, old_id: int, new_id: int, sentences: Sequence[str]) -> Report | None:
        """The pair's full report if the cache holds it whole, given the new version's `sentences` (flat);
        None otherwise. Reads only: an export reads one snapshot and writes nothing."""
        try:
            return Report.from_cache(self.store.derived(new_id, self._key(old_id))).with_kept(sentences)
        except ValueError:
            return None

    def edit(self, article: ArticleRef, old: VersionRef, new: VersionRef) -> Edit:
        """The edit with its report minus kept sentences.

        An edit shows its own versions' headlines, never the article's latest one: a new headline must
        not change every older diff page and feed item of the article.
        """
        return Edit(dataclasses.replace(article, title=None), old, new, self.report(article.id, old, new))

    def full(self, article: ArticleRef, old: VersionRef, new: VersionRef) -> Edit:
        """The edit with every sentence in its report, as a side-by-side page shows it."""
        from .compare import version_sentences

        report = self.report(article.id, old, new)
        whole = self._fresh.pop((old.id, new.id), None)
        if whole is None:
            record = self.store.record(article.id, new.number)
            sentences = [s for paragraph in version_sentences(self.store, new.id, record) for s in paragraph]
            try:
                whole = report.with_kept(sentences)
            except ValueError:  # a damaged cache entry: diff the pair again
                self._diff(article.id, old, new)
                whole = self._fresh.pop((old.id, new.id))
        return Edit(dataclasses.replace(article, title=None), old, new, whole)

    def rows(self, **where: Any) -> list[dict[str, Any]]:
        """The pairs (a version and the one before it) `Store.edit_pairs` finds, newest first, not yet diffed."""
        return self.store.edit_pairs(**where)

    def edit_of(self, row: dict[str, Any]) -> Edit:
        """The edit of a `rows` row."""
        article_id = row["article_id"]
        if not row["article_title"] and article_id not in self._ledes:
            self._ledes[article_id] = self.store.lede(article_id)
        article = ArticleRef(article_id, row["key"], row["url"], row["source"], row["article_title"],
                             None if row["article_title"] else self._ledes[article_id])
        return self.edit(article, _side(row, "old"), _side(row, "new"))

    def edits(self, *, page: int = PAGE, **where: Any) -> Iterator[Edit]:
        """Every edit `Store.edit_pairs` finds, newest first, made on demand and read `page` pairs at a
        time (keyset pages): a feed of the newest 50 neither reads nor diffs the rest."""
        after = None
        while True:
            rows = self.store.edit_pairs(limit=page, after=after, **where)
            yield from map(self.edit_of, rows)
            if len(rows) < page:
                return
            after = (rows[-1]["new_captured_at"], rows[-1]["new_id"])

    def visible(self, edits: Iterable[Edit]) -> Iterator[Edit]:
        """Cosmetic-only edits are left out unless the reader asked for them, edits a reader's filter
        (tags, fewest changed sentences: an alert rule's keys) does not want, and always the versions only
        newsdiff's reading changed (no edit of the outlet's)."""
        return (e for e in edits if not e.reader_change and (self.cosmetic or not e.cosmetic)
                and (self.wanted is None or self.wanted.wants(e.report, e.article.source)))

    def prune(self) -> None:
        """Forget reports cached by other versions of the code: nothing will read them again.

        Done once per version of the code: the store records the one last pruned, and while it is the
        running one no report is read to look for stale ones (a large archive holds millions). Reports an
        older newsdiff caches after that (another host not yet upgraded) stay until the code changes
        again; they are never served, as their kind names the code that made them."""
        current = f"{PREFIX}{engine()}/"
        if self.store.last_pruned(PREFIX) == current:
            return
        try:
            with self.store.write():
                self.store.drop_stale_derived(PREFIX, current)
        except STORE_ERRORS:
            pass  # read-only or busy: the next run tries again


def _side(row: dict[str, Any], prefix: str) -> VersionRef:
    return VersionRef(row[f"{prefix}_id"], row[f"{prefix}_number"], row[f"{prefix}_captured_at"],
                      row[f"{prefix}_title"], row[f"{prefix}_hash"], row[f"{prefix}_archived"],
                      bool(row[f"{prefix}_reader_change"]))


def version_edits(store: Store, article_id: int) -> dict[int, Edit | DamagedHistory]:
    """What each version of an article changed from the one before it, by version number (what `log`
    lists); a pair that cannot be rebuilt is its DamagedHistory, not the end of the listing."""
    reports = Reports(store)
    found: dict[int, Edit | DamagedHistory] = {}
    for row in reports.rows(article_id=article_id):
        try:
            found[row["new_number"]] = reports.edit_of(row)
        except DamagedHistory as exc:
            found[row["new_number"]] = exc
    return found
