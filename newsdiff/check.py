"""`newsdiff check`: show that the database is intact, or say exactly what is damaged. Never repairs.

Checks, in order: SQLite's own integrity check, foreign keys (rows pointing at missing parents), every
version rebuilt and compared with its content hash, the search index against the rebuilt history,
and every raw input decompressed and compared with its sha256.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .model import plural
from .store import STORE_ERRORS, PassageIndex, Store, compress_ranges, expand_ranges


@dataclass(frozen=True)
class Problem:
    """One piece of damage: what kind, where, and a one-line description."""

    kind: str  # integrity | orphan | version | index | raw | alert
    message: str
    article_id: int | None = None
    version: int | None = None

    def describe(self, keys: dict[int, str]) -> str:
        where = ""
        if self.article_id is not None:
            where = f"article {self.article_id}"
            if self.article_id in keys:
                where += f" [{keys[self.article_id]}]"
            if self.version is not None:
                where += f" version {self.version}"
            where += ": "
        return where + self.message

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "article_id": self.article_id, "version": self.version, "message": self.message}


@dataclass
class CheckReport:
    articles: int = 0
    versions: int = 0
    verified: int = 0
    raws: int = 0
    problems: list[Problem] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)  # article keys, to name damaged articles

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [p.describe(self.keys) for p in self.problems]

    def summary(self) -> str:
        counts = (f"{plural(self.articles, 'article')}, {self.verified} of {plural(self.versions, 'version')} "
                  f"rebuilt and verified, {plural(self.raws, 'raw input')}")
        if self.ok:
            return f"ok: {counts}"
        return f"{plural(len(self.problems), 'problem')} found; {counts}"

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "articles": self.articles, "versions": self.versions, "verified": self.verified,
                "raws": self.raws, "problems": [p.to_json() for p in self.problems]}


def _integrity(store: Store, report: CheckReport) -> None:
    report.problems.extend(Problem(d.kind, d.message, d.article_id, d.version) for d in store.integrity_damage())


def _orphans(store: Store, report: CheckReport) -> None:
    report.problems.extend(Problem(d.kind, d.message, d.article_id, d.version) for d in store.orphan_damage())


def _versions(store: Store, report: CheckReport) -> None:
    """Rebuild every version; where the whole history rebuilds, compare the search index with it.

    A page SQLite cannot read stops one article, not the check: the others still prove themselves."""
    for article_id, key in store.article_keys().items():
        report.articles += 1
        report.keys[article_id] = key
        try:
            _article_versions(store, article_id, report)
        except STORE_ERRORS as exc:
            report.problems.append(Problem("integrity", f"cannot read its versions or index: {exc}", article_id))


def _article_versions(store: Store, article_id: int, report: CheckReport) -> None:
    expected = PassageIndex(article_id)
    complete = True
    for item in store.rebuilt_versions(article_id):
        report.versions += 1
        if item.problem:
            report.problems.append(Problem("version", item.problem, article_id, item.number))
            complete = False
        else:
            report.verified += 1
        if item.text is not None:
            expected.add(item.number, item.row["title"], item.text)
    if complete:
        _compare_index(expected.ranges(), store.passage_ranges(article_id), article_id, report)


def _compare_index(expected: dict[Any, str], stored: dict[Any, str], article_id: int, report: CheckReport) -> None:
    wrong: set[int] = set()
    for key in expected.keys() | stored.keys():
        wrong |= set(expand_ranges(expected.get(key, "0"))) ^ set(expand_ranges(stored.get(key, "0")))
    wrong.discard(0)
    if wrong:
        report.problems.append(Problem("index", f"search index is out of step for versions {compress_ranges(wrong)}",
                                       article_id))


def _raws(store: Store, report: CheckReport) -> None:
    for raw_id in store.raw_ids():
        report.raws += 1
        try:
            store.raw_bytes(raw_id)
        except ValueError as exc:
            report.problems.append(Problem("raw", str(exc)))


def _alerts(store: Store, report: CheckReport) -> None:
    """Alerts given up on (a day of failed sends): a channel that needs attention."""
    if not store.has_alert_queue():
        return
    for row in store.alerts_with_status("failed"):
        report.problems.append(Problem(
            "alert",
            f"alert {row['id']} ({row['rule']}) given up after {row['attempts']} attempts: {row['last_error']}",
            row["article_id"], row["version"]))


STAGES: list[tuple[str, Callable[[Store, CheckReport], None]]] = [
    ("integrity check", _integrity), ("orphan check", _orphans), ("version check", _versions), ("raw check", _raws),
    ("alert check", _alerts),
]


def check(store: Store) -> CheckReport:
    """Run every check, reading one snapshot (a poll storing a version meanwhile cannot make the history
    and its index look out of step) and writing nothing; a database too damaged to query reports that
    instead of raising."""
    report = CheckReport()
    with store.snapshot():
        for name, stage in STAGES:
            _run(name, stage, store, report)
    return report


def _run(name: str, stage: Callable[[Store, CheckReport], None], store: Store, report: CheckReport) -> None:
    try:
        stage(store, report)
    except STORE_ERRORS as exc:
        report.problems.append(Problem("integrity", f"{name} stopped: {exc}"))
