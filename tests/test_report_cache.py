"""The report cache: a pair diffed once comes back as the same typed `Report`, an older cached form is
recomputed, and every command that shows edits reads it (and says the same summary line)."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newsdiff.publish import feed, publish
from newsdiff.render.edits import Edit
from newsdiff.render.htmlfrag import render_html
from newsdiff.render.layout import layout
from newsdiff.reports import Report, compare
from newsdiff.reports import report as report_format
from newsdiff.reports.cache import PREFIX, Reports, engine
from newsdiff.search import search_changed
from newsdiff.store import Store

from .publish_helpers import STORY, add, story_store

BASE = "https://edits.example.org/"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return story_store(tmp_path / "news.db")


@pytest.fixture
def diffs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """Every pair the engine diffs from now on, as (article id, old number, new number)."""
    seen: list[tuple[int, int, int]] = []
    real = compare.diff_versions

    def counted(store: Store, article_id: int, a: int, b: int):  # type: ignore[no-untyped-def]
        seen.append((article_id, a, b))
        return real(store, article_id, a, b)

    monkeypatch.setattr(compare, "diff_versions", counted)
    return seen


def _edit(store: Store, key: str, new: int, reports: Reports | None = None) -> Edit:
    """Version `new` of an article against the one before it, through `reports` (by default, new ones)."""
    row = store.edit_pairs(article_id=store.resolve(key)["id"], number=new)[0]
    return (reports or Reports(store)).edit_of(row)


def test_a_cached_report_comes_back_equal_to_a_fresh_one(store: Store, diffs: list[tuple[int, int, int]]) -> None:
    first = _edit(store, STORY, 3)
    assert diffs == [(first.article.id, 2, 3)]
    cached = _edit(store, STORY, 3).report
    assert len(diffs) == 1, "the second read diffed the pair again"
    engine_report = compare.diff_versions(store, first.article.id, 2, 3)
    fresh = Report.of(engine_report, fragment=render_html(layout(engine_report, hints=False))).packed()
    assert isinstance(cached, Report) and cached == fresh == first.report
    assert cached.summary_line() == "1 sentence added; headline changed"
    # the full report, kept sentences restored from the version's text, is the engine's own
    full = Reports(store).full(first.article, first.old, first.new).report
    assert full.to_json() == engine_report.to_json(all=True)


def test_a_report_cached_in_an_older_format_is_recomputed_and_dropped(
    store: Store, diffs: list[tuple[int, int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(store, STORY, 3)
    assert len(diffs) == 1
    old_kind = engine()
    monkeypatch.setattr(report_format, "FORMAT", report_format.FORMAT + 1)
    assert engine() != old_kind
    reports = Reports(store)
    _edit(store, STORY, 3, reports)
    assert reports.computed == 1 and len(diffs) == 2 and diffs[0] == diffs[1]
    reports.prune()
    kinds = [row[0] for row in store.db.execute("SELECT kind FROM derived WHERE kind GLOB 'edit/*'")]
    assert kinds and all(kind.startswith(f"edit/{engine()}/") for kind in kinds)


def test_a_feed_looks_for_stale_reports_once_per_engine(any_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `feed` prunes the cache, but reads every cached report for stale ones only once per version of
    the code: a second feed reads reports by their key alone; after another code change the reports of the
    one before are dropped again."""
    store = story_store(any_db)  # type: ignore[arg-type]
    statements: list[str] = []
    real = store.db.execute

    def recorded(sql: str, *args: object, **kwargs: object) -> object:
        statements.append(sql)
        return real(sql, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store.db, "execute", recorded)

    def kinds() -> set[str]:
        return {row[0].rsplit("/from-", 1)[0] for row in real("SELECT kind FROM derived") if row[0].startswith("edit/")}

    def scans() -> list[str]:
        """Statements that read the cache other than by a version's key (its pruned marker aside)."""
        return [s for s in statements if "derived" in s and "version_id" not in s and "derived_pruned" not in s]

    for change in (1, 2):
        _edit(store, STORY, 3)  # a report cached by the code before the change
        before = kinds()
        monkeypatch.setattr(report_format, "FORMAT", report_format.FORMAT + 1)
        current = f"edit/{engine()}/plain"
        assert before and current not in before
        statements.clear()
        feed(store)
        assert kinds() == {current}, f"change {change}: a stale report was kept"
        assert scans(), "the first feed after a change did not look for stale reports"
        statements.clear()
        feed(store)
        assert kinds() == {current}
        assert scans() == [], "a second feed read the whole cache again"
    store.close()


STALE = "edit/0/older-code/plain/from-1"  # a report's kind as an older newsdiff cached it


def _first_feed_prunes(database: str) -> None:
    """Opened by this newsdiff (migrated), the database's first feed drops the older code's report and
    records the code it pruned for."""
    store = Store.open(database)
    assert store.db.execute("SELECT count(*) FROM derived WHERE kind = ?", [STALE]).fetchone()[0] == 1
    assert store.last_pruned(PREFIX) is None
    feed(store)
    assert store.db.execute("SELECT count(*) FROM derived WHERE kind = ?", [STALE]).fetchone()[0] == 0
    assert store.last_pruned(PREFIX) == f"{PREFIX}{engine()}/"
    store.close()


def test_a_sqlite_archive_made_before_m014_is_pruned_by_its_first_feed(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).resolve().parent.parent / "fixtures" / "history" / "pre-m008.db", old)
    with sqlite3.connect(old) as db:
        db.execute("INSERT INTO derived (version_id, kind, data) SELECT max(id), ?, '{}' FROM versions", [STALE])
    _first_feed_prunes(str(old))


def test_a_server_database_made_before_m008_is_pruned_by_its_first_feed(pg_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdiff.store import postgres

    # before m008, with the columns a version's write sets (m009's page digest, m010's reader marks): this
    # store writes the rows
    monkeypatch.setattr(postgres, "MIGRATIONS", [m for m in postgres.MIGRATIONS if m[0] < "m008" or m[0] in (
        "m009_page_digest", "m010_reader_change")])
    store = story_store(pg_url)  # type: ignore[arg-type]
    store.db.execute("INSERT INTO derived (version_id, kind, data) SELECT max(id), ?, '{}' FROM versions", [STALE])
    assert store.db.execute("SELECT to_regclass('derived_pruned')").fetchone() == (None,)
    store.close()
    monkeypatch.undo()
    _first_feed_prunes(pg_url)


def test_reports_are_cached_compressed_and_older_or_damaged_entries_still_read(
        store: Store, diffs: list[tuple[int, int, int]]) -> None:
    """The cache keeps each entry's JSON compressed (every report of an archive took four times the room
    of its history), under a kind an older newsdiff never asks for (it reads every entry as JSON text):
    a report comes back the same from it, an entry an older newsdiff kept as JSON text under the plain
    kind still reads, and a damaged one is computed again instead of stopping the command."""
    first = _edit(store, STORY, 3)
    db = store.db
    [(kind, data)] = db.execute("SELECT kind, data FROM derived WHERE kind LIKE 'edit/%'").fetchall()
    text = json.dumps(first.report.to_cache(), ensure_ascii=False)
    assert kind.endswith("+zlib") and isinstance(data, bytes) and len(data) < len(text) / 2
    assert _edit(store, STORY, 3).report == first.report and len(diffs) == 1
    plain = kind.removesuffix("+zlib")
    db.execute("UPDATE derived SET kind = ?, data = ? WHERE kind = ?", [plain, text, kind])  # an older entry
    assert _edit(store, STORY, 3).report == first.report and len(diffs) == 1
    db.execute("UPDATE derived SET kind = ?, data = ? WHERE kind = ?", [kind, b"\x78\x9c damaged", plain])
    assert _edit(store, STORY, 3).report == first.report and len(diffs) == 2  # diffed again, and kept again
    assert isinstance(db.execute("SELECT data FROM derived WHERE kind = ?", [kind]).fetchone()[0], bytes)


def test_a_damaged_or_foreign_entry_is_not_a_report() -> None:
    for junk in (None, {}, {"report": {}, "kept": [], "fragment": ""}, {"report": [], "kept": "x", "fragment": 1}):
        with pytest.raises(ValueError):
            Report.from_cache(junk)


def test_search_changed_reads_the_cache(store: Store, tmp_path: Path, diffs: list[tuple[int, int, int]]) -> None:
    first = search_changed(store, "21")
    searched = set(diffs)
    assert {(h.article["article_id"], h.from_version, h.to_version) for h in first} == searched == {
        (store.resolve(STORY)["id"], 1, 2), (store.resolve(STORY)["id"], 2, 3)}
    diffs.clear()
    assert search_changed(store, "21") == first
    assert diffs == [], "search --changed diffed pairs it had cached"
    # the cache is the one `publish` (and `log`, `feed`) read: it diffs only the pairs search did not
    publish(store, tmp_path / "site", base_url=BASE)
    assert diffs and not searched & set(diffs)


def test_export_reads_the_cache(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdiff import export

    before = io.StringIO()
    export.export(store, before, sentences=True)
    publish(store, tmp_path / "site", base_url=BASE, cosmetic=True)  # every pair cached as an export shows it

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("export diffed a pair it had cached")

    monkeypatch.setattr(export, "diff_records", refuse)
    after = io.StringIO()
    assert export.export(store, after, sentences=True) == 3
    assert after.getvalue() == before.getvalue()


def test_summary_line_is_the_same_in_log_feed_and_publish(tmp_path: Path, db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    store = story_store(db_path)
    mixed = "https://news.example.org/2024/05/mixed"  # a real change and a cosmetic one
    add(store, mixed, ['He said "we are ready". Up to 19 died.'], title="Mixed", at="2024-05-02T08:00:00Z",
        source="wire")
    add(store, mixed, ["He said \u201cwe are ready\u201d. Up to 21 died."], title="Mixed", at="2024-05-02T09:00:00Z",
        source="wire")
    store.close()
    lines = {}
    for key in (STORY, mixed):
        versions = cli("log", key, "--json").json["versions"]
        lines.update({(key, v["number"]): v["changes"]["line"] for v in versions if v["changes"]})
    assert lines == {(STORY, 2): "1 sentence changed", (STORY, 3): "1 sentence added; headline changed",
                     (mixed, 2): "1 sentence changed (1 cosmetic change hidden)"}
    assert "1 sentence changed (1 cosmetic change hidden)" in cli("log", mixed).stdout
    rss = cli("feed").stdout
    assert all(f"{line[:1].upper()}{line[1:]}." in rss for line in lines.values()), rss
    site = tmp_path / "site"
    assert cli("publish", site, "--base-url", BASE).code == 0
    pages = "".join(page.read_text(encoding="utf-8") for page in site.rglob("*.html"))
    assert all(f">{line}<" in pages for line in lines.values())


LOADED = """
import json, os, sys
from newsdiff.cli import main
sys.argv = ["newsdiff", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
with open(os.environ["LOADED_OUT"], "w") as f:
    json.dump(sorted(sys.modules), f)
"""


def test_a_log_whose_reports_are_cached_loads_no_part_of_the_engine(tmp_path: Path, db_path: Path) -> None:
    story_store(db_path).close()
    out = tmp_path / "modules.json"
    for run in range(2):  # the first `log` diffs and caches, the second only reads
        subprocess.run([sys.executable, "-c", LOADED, "-", "--db", str(db_path), "log", STORY], check=True,
                       capture_output=True, env={**os.environ, "LOADED_OUT": str(out)})
        engine_loaded = {"newsdiff.diff", "nupunkt"} & set(json.loads(out.read_text()))
        assert engine_loaded == ({"newsdiff.diff", "nupunkt"} if run == 0 else set())
