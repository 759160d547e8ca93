"""`newsdiff check`: show that the database is intact, or say exactly what is damaged. Never repairs.

Checks, in order: SQLite's own integrity check, foreign keys (rows pointing at missing parents), every
version rebuilt and compared with its content hash, the search index against the rebuilt history,
and every raw input decompressed and compared with its sha256.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import plural
from .store import Store
from .store.passage_index import (
    FTS,
    TABLE,
    PassageIndex,
    compress_ranges,
    expand_ranges,
)


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
    for (rows,) in store.db.execute("PRAGMA integrity_check"):
        for message in rows.splitlines():  # one problem a line; a row can hold several
            if message != "ok" and not message.startswith("*** in database"):
                report.problems.append(Problem("integrity", f"SQLite integrity check: {message}"))
    try:
        _check_search_index(store)
    except OSError as exc:
        report.problems.append(Problem("integrity", f"search index ({FTS}) not checked: no temporary copy ({exc})"))
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")):
            message = f"search index ({FTS}) not checked: no temporary copy ({exc})"  # the scratch file's trouble
        else:
            message = f"search index ({FTS}) is corrupt: {exc}"
        report.problems.append(Problem("integrity", message))


def _check_search_index(store: Store) -> None:
    """FTS5's own check of its index. SQLite counts that check as a write, which a read-only database
    refuses, so it runs on a copy of the index's tables in a private temporary file: `check` only reads."""
    create = store.db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [FTS]).fetchone()
    shadows = [name for (name,) in store.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?", [f"{FTS}_*"])]
    with tempfile.TemporaryDirectory(prefix="newsdiff-check-") as folder:
        scratch = sqlite3.connect(Path(folder) / "index.db", isolation_level=None)
        try:
            scratch.execute("PRAGMA journal_mode = OFF")  # a throwaway copy: nothing to recover
            scratch.execute("PRAGMA synchronous = OFF")
            scratch.execute("BEGIN")
            scratch.execute(create[0])
            for name in shadows:
                columns = len(store.db.execute(f'SELECT * FROM "{name}" LIMIT 0').description)
                scratch.execute(f'DELETE FROM "{name}"')
                scratch.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * columns)})',
                                    store.db.execute(f'SELECT * FROM "{name}"'))
            scratch.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('integrity-check')")
            scratch.execute("COMMIT")
        finally:
            scratch.close()


def _orphans(store: Store, report: CheckReport) -> None:
    for table, rowid, parent, _ in store.db.execute("PRAGMA foreign_key_check").fetchall():
        where: dict[str, Any] = {}
        if table == "versions":
            row = store.db.execute("SELECT article_id, number FROM versions WHERE rowid = ?", [rowid]).fetchone()
            where = {"article_id": row[0], "version": row[1]}
        report.problems.append(Problem("orphan", f"{table} row {rowid} points at a missing {parent} row", **where))
    for rowid, in store.db.execute(f"SELECT rowid FROM {FTS} WHERE rowid NOT IN (SELECT id FROM {TABLE})"):
        report.problems.append(Problem("orphan", f"search index entry {rowid} has no passage row"))
    for rowid, article_id in store.db.execute(
        f"SELECT id, article_id FROM {TABLE} WHERE id NOT IN (SELECT rowid FROM {FTS})"
    ):
        report.problems.append(Problem("index", f"passage {rowid} is missing from the search index", article_id))
    for (rowid,) in store.db.execute(
        "SELECT id FROM raws WHERE id NOT IN (SELECT raw_id FROM versions WHERE raw_id IS NOT NULL) "
        "AND id NOT IN (SELECT raw_id FROM fetches WHERE raw_id IS NOT NULL)"
    ):
        report.problems.append(Problem("orphan", f"raw input {rowid} is used by no version or fetch"))


def _versions(store: Store, report: CheckReport) -> None:
    """Rebuild every version; where the whole history rebuilds, compare the search index with it.

    A page SQLite cannot read stops one article, not the check: the others still prove themselves."""
    for article_id, key in store.db.execute("SELECT id, key FROM articles ORDER BY id").fetchall():
        report.articles += 1
        report.keys[article_id] = key
        try:
            _article_versions(store, article_id, report)
        except sqlite3.DatabaseError as exc:
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
        _compare_index(expected.ranges(), PassageIndex.load(store.db, article_id).ranges(), article_id, report)


def _compare_index(expected: dict[Any, str], stored: dict[Any, str], article_id: int, report: CheckReport) -> None:
    wrong: set[int] = set()
    for key in expected.keys() | stored.keys():
        wrong |= set(expand_ranges(expected.get(key, "0"))) ^ set(expand_ranges(stored.get(key, "0")))
    wrong.discard(0)
    if wrong:
        report.problems.append(Problem("index", f"search index is out of step for versions {compress_ranges(wrong)}", article_id))


def _raws(store: Store, report: CheckReport) -> None:
    for (rowid,) in store.db.execute("SELECT id FROM raws ORDER BY id").fetchall():
        report.raws += 1
        try:
            store.raw_bytes(rowid)
        except ValueError as exc:
            report.problems.append(Problem("raw", str(exc)))


def _alerts(store: Store, report: CheckReport) -> None:
    """Alerts given up on (a day of failed sends): a channel that needs attention."""
    if not store.db["alerts"].exists():  # a database opened without its migrations
        return
    for row in store.alerts_with_status("failed"):
        report.problems.append(Problem(
            "alert", f"alert {row['id']} ({row['rule']}) given up after {row['attempts']} attempts: {row['last_error']}",
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
    except sqlite3.DatabaseError as exc:
        report.problems.append(Problem("integrity", f"{name} stopped: {exc}"))
