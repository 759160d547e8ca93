"""`newsdiff check`: silent on a sound database, precise about damage, and never repairs it."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from newsdiff.store import compact_history as history
from newsdiff.check import check
from newsdiff.model import ArticleRecord
from newsdiff.store import Store

KEY = "https://example.org/story"
BASE = ["Fighting in Aleppo left 19 people dead on Tuesday.", "The ceasefire was agreed in Geneva.",
        "Rescue workers searched the rubble for survivors.", "Officials said talks would resume next week."]


def _versions() -> list[list[str]]:
    out = [BASE]
    for n in range(1, 6):
        out.append([f"{p} Update {n}." if i == n % 4 else p for i, p in enumerate(out[-1])])
    return out


@pytest.fixture
def store(db_path: Path) -> Store:
    store = Store.open(db_path)
    for paragraphs in _versions():
        store.add_version(ArticleRecord(paragraphs=tuple(paragraphs), title="Aleppo", url=KEY), key=KEY,
                          raw=("<p>" + "</p><p>".join(paragraphs) + "</p>").encode(), content_type="text/html")
    store.add_version(ArticleRecord(paragraphs=("Another story entirely.",), title="Other"), key="other")
    return store


def _tamper(store: Store, sql: str, params: list | None = None) -> None:
    with store.write():
        store.db.execute(sql, params or [])


def _problems(store: Store) -> list[tuple[str, int | None, int | None]]:
    return [(p.kind, p.article_id, p.version) for p in check(store).problems]


def test_sound_database_passes(store: Store, cli) -> None:
    report = check(store)
    assert report.ok and report.articles == 2 and report.versions == report.verified == 7 and report.raws == 6
    result = cli("check", "--json")
    assert result.code == 0 and result.json["ok"] is True and result.json["problems"] == []
    assert cli("check").stdout.startswith("ok: 2 articles, 7 of 7 versions")


def test_damaged_delta_names_article_and_version(store: Store, cli) -> None:
    _tamper(store, "UPDATE versions SET data = ? WHERE article_id = 1 AND number = 3", [b"not zlib"])
    report = check(store)
    assert [(p.kind, p.article_id, p.version) for p in report.problems] == [
        ("version", 1, 1), ("version", 1, 2), ("version", 1, 3)]
    assert "unreadable" in report.problems[2].message or "does not fit" in report.problems[2].message
    assert report.problems[0].message == "cannot rebuild: stored against damaged version 2"
    assert report.verified == 4  # versions 4-6 of article 1 and article 2 still prove themselves
    result = cli("check")
    assert result.code == 1
    assert f"article 1 [{KEY}] version 3: its delta does not fit version 4" in result.stdout
    # nothing was repaired
    stored = store.db.execute("SELECT data FROM versions WHERE article_id = 1 AND number = 3").fetchone()[0]
    assert stored == b"not zlib"


def test_delta_that_applies_but_changes_the_text_fails_its_hash(store: Store) -> None:
    newer = store.version_row(1, 5)["text"]
    _tamper(store, "UPDATE versions SET data = ? WHERE article_id = 1 AND number = 4",
            [history.encode_delta(newer, newer.replace("Geneva", "Vienna"))])
    assert _problems(store)[-1] == ("version", 1, 4)
    assert check(store).problems[-1].message == "text does not match its content hash"


def test_tampered_hash_is_that_version_only(store: Store) -> None:
    _tamper(store,
            "UPDATE versions SET content_hash = zeroblob(32) WHERE article_id = 1 AND number = 2")
    assert _problems(store) == [("version", 1, 2)]


def test_tampered_latest_text_and_the_versions_built_on_it(store: Store) -> None:
    data = store.db.execute("SELECT data FROM versions WHERE article_id = 1 AND number = 6").fetchone()[0]
    latest = zlib.decompress(data)
    _tamper(store, "UPDATE versions SET data = ? WHERE article_id = 1 AND number = 6",
            [zlib.compress(latest.replace(b"Aleppo", b"Homs"))])
    assert [(p.version, p.message) for p in check(store).problems] == [
        *((n, f"cannot rebuild: stored against damaged version {n + 1}") for n in range(1, 6)),
        (6, "text does not match its content hash")]


def test_a_plain_text_raw_kept_as_its_version_is_checked_through_it(store: Store) -> None:
    """A plain-text file that is exactly its version is stored as a mark: check rebuilds it from the version."""
    text = "Quake\n\nA strong earthquake struck the coast on Monday.\n\nNo damage was reported.\n"
    store.add_version(ArticleRecord(paragraphs=tuple(text.split("\n\n")[1:]), title="Quake"), key="quake",
                      raw=text.encode(), content_type="text/plain")
    raw_id, compression, data = store.db.execute(
        "SELECT id, compression, data FROM raws ORDER BY id DESC LIMIT 1").fetchone()
    assert (compression, data) == ("version-text", None) and store.raw_bytes(raw_id) == text.encode()
    assert check(store).ok
    _tamper(store, "UPDATE versions SET content_hash = zeroblob(32) WHERE raw_id = ?", [raw_id])
    messages = [p.message for p in check(store).problems]
    assert messages == ["text does not match its content hash",
                        f"raw input {raw_id} is kept as the text of article 3 version 1: "
                        "text does not match its content hash, which cannot be rebuilt"]


def test_orphans_are_reported(store: Store) -> None:
    store.db.execute("PRAGMA foreign_keys = OFF")
    _tamper(store, "DELETE FROM articles WHERE id = 2")
    problems = check(store).problems
    assert ("orphan", 2, 1) in [(p.kind, p.article_id, p.version) for p in problems]
    assert any(p.message == "versions row 7 points at a missing articles row" for p in problems)


def test_search_index_out_of_step_names_the_versions(store: Store) -> None:
    _tamper(store, "UPDATE passages SET versions = '1-2' WHERE article_id = 1 AND versions = '1-6'")
    problems = check(store).problems
    assert [(p.kind, p.article_id) for p in problems] == [("index", 1)]
    assert problems[0].message == "search index is out of step for versions 3-6"


def test_corrupt_search_index_and_raw_inputs(store: Store) -> None:
    _tamper(store, "UPDATE passages_fts_data SET block = zeroblob(length(block)) WHERE id > 10")
    _tamper(store, "UPDATE raws SET compression = 'zlib', data = ?, base_id = NULL WHERE id = 2",
            [zlib.compress(b"<p>forged</p>")])
    messages = [p.message for p in check(store).problems]
    assert any(m.startswith("search index (passages_fts) is corrupt") for m in messages)
    assert "raw input 2 does not match its sha256 and size" in messages


def test_reading_a_damaged_version_is_one_line_error(store: Store, db_path: Path) -> None:
    _tamper(store, "UPDATE versions SET data = ? WHERE article_id = 1 AND number = 3", [b"not zlib"])
    store.close()
    result = subprocess.run([sys.executable, "-c", "from newsdiff.cli import main; main()", "--db", str(db_path),
                             "show", "1", "--version", "2"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "newsdiff: article 1 version 2: cannot rebuild: stored against damaged version 3; "
        "`newsdiff check` lists all damage"]


def test_a_version_stored_during_the_check_is_not_damage(store: Store, db_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A poll may store a version while `check` runs: the history and index it reads are one snapshot."""
    rebuilt_versions = type(store).rebuilt_versions  # the backend's own method

    def then_a_poll_writes(self: Store, article_id: int, since: str | None = None):
        yield from rebuilt_versions(self, article_id, since)
        if article_id == 1:  # between reading article 1's history and loading its search index
            other = Store.open(db_path)
            other.add_version(ArticleRecord(paragraphs=(*BASE, "A new paragraph."), title="Aleppo", url=KEY), key=KEY)
            other.close()

    monkeypatch.setattr(type(store), "rebuilt_versions", then_a_poll_writes)
    report = check(store)
    assert report.ok, report.lines()
    assert report.versions == 7
    assert check(store).versions == 8  # the next check sees it


def test_a_busy_database_is_checked_all_the_same(store: Store, db_path: Path) -> None:
    """A long write under way (a poll) neither delays `check` nor looks like damage: it only reads."""
    writer = Store.open(db_path)
    writer.db.execute("BEGIN IMMEDIATE")
    store.db.execute("PRAGMA busy_timeout = 50")
    try:
        report = check(store)
    finally:
        writer.db.execute("ROLLBACK")
        writer.close()
    assert report.ok and report.verified == report.versions == 7, report.lines()


def test_a_corrupt_page_is_reported_line_by_line_and_export_fails_in_one_line(store: Store, db_path: Path) -> None:
    pages = store.db.execute(
        "SELECT pageno, ncell FROM dbstat WHERE name = 'versions' AND pagetype = 'leaf'").fetchall()
    page_size = store.db.execute("PRAGMA page_size").fetchone()[0]
    store.close()  # checkpoints the WAL into the file
    with db_path.open("r+b") as f:
        f.seek((pages[0][0] - 1) * page_size + 8)  # past the page header: the cell pointers
        f.write(b"\x00\x20" * pages[0][1])  # every cell pointer aimed into the pointer array itself
    report = check(Store.open(db_path))
    assert not report.ok
    assert all("\n" not in line for line in report.lines())
    assert any(line.startswith("SQLite integrity check: ") for line in report.lines())
    for command in (["check"], ["export"]):
        result = subprocess.run([sys.executable, "-c", "from newsdiff.cli import main; main()", "--db", str(db_path),
                                 *command], capture_output=True, text=True, timeout=60)
        assert result.returncode == 1, command
        if command != ["check"]:
            assert result.stderr.endswith("; `newsdiff check` lists all damage\n")
            assert result.stderr.startswith("newsdiff: database error: ") and result.stderr.count("\n") == 1
