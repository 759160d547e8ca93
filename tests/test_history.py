"""Compact history: every version reads back exactly, whatever the edits, and old databases upgrade."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdiff.store import compact_history as history, passage_index as passages, raws
from newsdiff.model import ArticleRecord, content_hash
from newsdiff.sources import parse_bytes
from newsdiff.store import DamagedHistory, Store
from newsdiff.store.migrations import migrations

from .conftest import SEED_PRESSTV, SEED_REUTERS, SEED_RT

PARAGRAPHS = [p for seed in (SEED_REUTERS, SEED_RT, SEED_PRESSTV)
              for p in parse_bytes(seed.read_bytes()).versions[0].paragraphs]


def _store(path: Path, key: str, versions: list[list[str]], title: str = "Headline") -> Store:
    store = Store.open(path)
    for paragraphs in versions:
        store.add_version(ArticleRecord(paragraphs=tuple(paragraphs), title=title), key=key)
    return store


# One edit: (kind, paragraph position, word position, replacement paragraph from the seeds)
edit = st.tuples(
    st.sampled_from(["word", "insert-word", "drop-word", "new-paragraph", "drop-paragraph", "move", "emoji"]),
    st.integers(0, 1000), st.integers(0, 1000), st.sampled_from(PARAGRAPHS),
)


def _apply(paragraphs: list[str], kind: str, i: int, j: int, other: str) -> list[str]:
    out = list(paragraphs)
    i %= len(out)
    words = out[i].split()
    j %= len(words)
    if kind == "word":
        words[j] = other.split()[0]
    elif kind == "insert-word":
        words.insert(j, other.split()[-1])
    elif kind == "drop-word" and len(words) > 1:
        del words[j]
    elif kind == "emoji":
        words[j] += " \U0001f600 naïve 東京"
    elif kind == "new-paragraph":
        out.insert(i, other)
    elif kind == "drop-paragraph" and len(out) > 1:
        del out[i]
        return out
    elif kind == "move":
        out.append(out.pop(i))
        return out
    out[i] = " ".join(words)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.lists(edit, min_size=1, max_size=4), min_size=1, max_size=12),
       budget=st.sampled_from([history.CHAIN_BUDGET, 6_000]))
def test_every_version_reads_back_exactly(tmp_path: Path, steps: list, budget: int,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "CHAIN_BUDGET", budget)  # the small budget forces keyframes between deltas
    versions = [PARAGRAPHS[:12]]
    for step in steps:
        current = versions[-1]
        for e in step:
            current = _apply(current, *e)
        versions.append(current)
    path = tmp_path / f"h{abs(hash(str(steps))) % 10**9}.db"
    store = _store(path, "k", versions)
    stored = {v["number"]: v for v in store.versions(1)}
    # Identical texts (a revert) are not stored again, so compare against the distinct versions in order.
    expected, seen = [], set()
    for paragraphs in versions:
        text = "\n\n".join(paragraphs)
        if text not in seen:
            seen.add(text)
            expected.append(text)
    assert len(stored) == len(expected)
    for number, text in enumerate(expected, start=1):
        assert store.version_row(1, number)["text"] == text
        assert store.record(1, number).text == text
    assert [r.text for r in store.rebuilt_versions(1)] == expected
    assert all(r.problem is None for r in store.rebuilt_versions(1))
    storages = [r["storage"] for r in store.db.query("SELECT storage FROM versions ORDER BY number")]
    assert storages[-1] == history.KEYFRAME and history.PLAIN not in storages
    store.close()


def test_latest_is_compressed_and_older_versions_are_small(tmp_path: Path) -> None:
    versions = [PARAGRAPHS[:20]]
    for n in range(1, 10):
        versions.append(_apply(versions[-1], "word", n * 7, n * 3, f"edit{n} x"))
    store = _store(tmp_path / "s.db", "k", versions)
    rows = list(store.db.query("SELECT number, storage, text, length(data) AS size, text_size FROM versions "
                               "ORDER BY number"))
    latest = "\n\n".join(versions[-1])
    assert rows[-1]["storage"] == history.KEYFRAME and rows[-1]["text"] == ""
    assert rows[-1]["size"] < rows[-1]["text_size"] / 2 and store.version_row(1)["text"] == latest
    for row in rows[:-1]:
        assert row["storage"] == history.DELTA and row["text"] == ""
        assert row["size"] < row["text_size"] / 20
    assert store.version_row(1)["number"] == 10 and "data" not in store.version_row(1)


def test_a_rewrite_is_stored_as_a_keyframe_not_a_delta(tmp_path: Path) -> None:
    store = _store(tmp_path / "s.db", "k", [PARAGRAPHS[:10], PARAGRAPHS[20:30], PARAGRAPHS[20:29]])
    storages = [r["storage"] for r in store.db.query("SELECT storage FROM versions ORDER BY number")]
    assert storages == [history.KEYFRAME, history.DELTA, history.KEYFRAME]
    assert store.record(1, 1).paragraphs == tuple(PARAGRAPHS[:10])


def test_long_history_keyframes_bound_the_rebuild_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "CHAIN_BUDGET", 40_000)
    versions = [PARAGRAPHS[:30]]
    for n in range(1, 60):
        versions.append(_apply(versions[-1], "insert-word", n, n * 5, f"w{n} y"))
    store = _store(tmp_path / "s.db", "k", versions)
    rows = list(store.db.query("SELECT storage, text_size FROM versions ORDER BY number"))
    walked = 0
    for row in reversed(rows):  # text a rebuild walks through from each version up to a full text
        walked = row["text_size"] if row["storage"] != history.DELTA else walked + row["text_size"]
        assert walked <= 40_000
    assert history.KEYFRAME in {r["storage"] for r in rows}
    assert store.version_row(1, 1)["text"] == "\n\n".join(versions[0])


def test_tampered_delta_is_reported_with_article_and_version(tmp_path: Path) -> None:
    versions = [PARAGRAPHS[:10], _apply(PARAGRAPHS[:10], "word", 2, 2, "changed"),
                _apply(PARAGRAPHS[:10], "word", 4, 4, "again")]
    store = _store(tmp_path / "s.db", "k", versions)
    with store.write():
        store.db.execute("UPDATE versions SET data = ? WHERE number = 2",
                         [history.encode_delta("\n\n".join(versions[2]), "\n\n".join(versions[2]) + " extra")])
    with pytest.raises(DamagedHistory, match="article 1 version 2: text does not match its content hash"):
        store.version_row(1, 2)
    with pytest.raises(DamagedHistory,
                       match="article 1 version 1: cannot rebuild: stored against damaged version 2"):
        store.record(1, 1)
    assert store.record(1, 3).paragraphs == tuple(versions[2])


# -- migrating a database written before compact history ----------------------------------------------


def _old_database(path: Path, articles: dict[str, list[tuple[str | None, list[str]]]]) -> dict[tuple[int, int], str]:
    """A database at the schema before m003, filled the way the store wrote versions then (full text)."""
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m003_compact_history")
    texts = {}
    raw_id = db["raws"].insert({"sha256": "0" * 64, "size": 3, "compression": "zlib",
                                "data": zlib.compress(b"<p>")}).last_pk
    for article_id, (key, versions) in enumerate(articles.items(), start=1):
        db["articles"].insert({"id": article_id, "key": key, "created_at": "2024-01-01T00:00:00Z",
                               "tracked": 0, "status": "active"})
        for number, (title, paragraphs) in enumerate(versions, start=1):
            text = "\n\n".join(paragraphs)
            version_id = db["versions"].insert({
                "article_id": article_id, "number": number, "captured_at": f"2024-01-{number:02d}T00:00:00Z",
                "title": title, "byline": f"By {key}", "text": text, "content_hash": content_hash(title, text),
                "word_count": len(text.split()), "format": "text", "meta": '{"n": %d}' % number, "raw_id": raw_id,
            }).last_pk
            db["events"].insert({"at": "2024-01-01T00:00:00Z", "article_id": article_id, "version_id": version_id,
                                 "kind": "version", "detail": "{}"})
            texts[(article_id, number)] = text
    db.close()
    return texts


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table an old database has, in the columns it had (versions without their text,
    events without the 'version' ones)."""
    db = sqlite3.connect(path)
    tables = [t for (t,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%migrations'")]
    def digest(column: str) -> str:  # bytes since m011 (raws) and m013 (versions)
        return f"CASE typeof({column}) WHEN 'blob' THEN lower(hex({column})) ELSE {column} END"

    old_versions = "id, article_id, number, captured_at, title, byline, standfirst, published, " \
                   f"{digest('content_hash')}, word_count, format, extractor, extractor_version, label, meta, raw_id"
    old_articles = "id, key, url, source_id, title, created_at, tracked, status, last_changed_at, last_checked_at, " \
                   "next_check_at, etag, last_modified"  # m015 adds the page digest, empty for an old article
    columns = {"versions": old_versions, "raws": f"id, {digest('sha256')}, size, content_type, compression, data",
               "articles": old_articles}
    where = {"events": "WHERE kind != 'version'"}  # m013 drops these, read by nothing
    rows = {t: db.execute(f"SELECT {columns.get(t, '*')} FROM {t} {where.get(t, '')} ORDER BY rowid").fetchall()
            for t in tables if t not in (passages.TABLE,) and not t.startswith(passages.FTS)}
    db.close()
    return rows


OLD_ARTICLES = {
    "a": [("One", PARAGRAPHS[:8]), ("One", _apply(PARAGRAPHS[:8], "word", 3, 1, "Moscow")),
          ("One, updated", _apply(PARAGRAPHS[:8], "new-paragraph", 5, 0, PARAGRAPHS[30])),
          (None, PARAGRAPHS[:8][::-1])],
    "b": [("Two", PARAGRAPHS[10:14])],
    "c": [("Three \U0001f600", ["Ünïcödé 東京 text."]), ("Three", ["Ünïcödé 東京 text, edited."])],
}


def test_old_database_upgrades_and_every_version_reads_back_identical(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    texts = _old_database(path, OLD_ARTICLES)
    before = _rows(path)
    store = Store.open(path)
    assert not migrations.pending(store.db)
    for (article_id, number), text in texts.items():
        assert store.version_row(article_id, number)["text"] == text
    after = _rows(path)
    assert {table: after[table] for table in before} == before  # no other value changed, no row was lost
    storages = {(r["article_id"], r["number"]): r["storage"] for r in store.db.query("SELECT * FROM versions")}
    assert storages[(1, 1)] == history.DELTA and storages[(1, 4)] == history.KEYFRAME
    assert storages[(2, 1)] == history.KEYFRAME
    # the search index covers the migrated history
    hits = store.db.execute(f"SELECT p.article_id, p.versions FROM {passages.FTS} f JOIN {passages.TABLE} p "
                            f"ON p.id = f.rowid WHERE {passages.FTS} MATCH 'moscow'").fetchall()
    assert (1, "2") in hits
    # and new versions keep compacting on top of the migrated ones
    store.add_version(ArticleRecord(paragraphs=tuple(PARAGRAPHS[:3]), title="Two"), key="b")
    assert store.version_row(2, 1)["text"] == texts[(2, 1)]


def test_failed_migration_leaves_the_old_database_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.db"
    texts = _old_database(path, OLD_ARTICLES)
    monkeypatch.setattr(history, "apply_delta", lambda newer, data: newer + "!")
    with pytest.raises(RuntimeError, match="would change version"):
        Store.open(path)
    db = sqlite3.connect(path)
    assert {(a, n): t for a, n, t in db.execute("SELECT article_id, number, text FROM versions")} == texts
    assert "storage" not in {row[1] for row in db.execute("PRAGMA table_info(versions)")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(6)), budget=st.sampled_from([history.CHAIN_BUDGET, 3000]))
def test_captures_stored_in_any_order_read_back_in_capture_order(
        tmp_path_factory: pytest.TempPathFactory, order: list[int], budget: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Backfilled captures take their place: every version rebuilds exactly, and the index agrees."""
    monkeypatch.setattr(history, "CHAIN_BUDGET", budget)
    texts = [list(PARAGRAPHS[:8])]
    for n in range(1, 6):
        texts.append(_apply(texts[-1], ["word", "new-paragraph", "drop-paragraph", "move"][n % 4], n * 7, n * 3,
                            PARAGRAPHS[-n]))
    store = Store.open(tmp_path_factory.mktemp("order") / "t.db")
    for n in order:
        store.add_version(ArticleRecord(paragraphs=tuple(texts[n]), title=f"Headline {n % 2}",
                                        captured_at=f"2024-01-0{n + 1}T00:00:00Z"), key="k")
    rows = list(store.db.query("SELECT * FROM versions ORDER BY number"))
    assert [r["captured_at"] for r in rows] == [f"2024-01-0{n + 1}T00:00:00Z" for n in range(6)]
    assert [item.text for item in history.rebuild(rows)] == ["\n\n".join(t) for t in texts]
    assert [r["storage"] for r in rows][-1] == history.KEYFRAME
    index = passages.PassageIndex(1)
    for number, text in enumerate(texts, 1):
        index.add(number, f"Headline {(number - 1) % 2}", "\n\n".join(text))
    assert passages.PassageIndex.load(store.db, 1).ranges() == index.ranges()


def test_vacuum_gives_back_unused_space_and_merges_the_search_index(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(db_path)
    for a in range(60):  # articles of ~3 KB: each superseded text leaves most of a page empty
        paragraphs = [f"Article {a} paragraph {p}: " + " ".join(PARAGRAPHS[(a + p) % len(PARAGRAPHS)].split()[:40])
                      for p in range(10)]
        for v in range(4):
            paragraphs[v] += f" Edited in version {v}."
            store.add_version(ArticleRecord(paragraphs=tuple(paragraphs), title=f"Story {a}"), key=f"k{a}")
    texts = {(r["article_id"], r["number"]): store.version_row(r["article_id"], r["number"])["text"]
             for r in store.db.query("SELECT article_id, number FROM versions")}
    store.close()
    before = cli("stats", "--json").json["database"]
    result = cli("vacuum", "--json")
    assert result.code == 0 and result.json["bytes_before"] == before["bytes_on_disk"]
    assert result.json["bytes_after"] < before["bytes_on_disk"]
    after = cli("stats", "--json").json["database"]
    assert after["unused_bytes"] < before["unused_bytes"]
    assert after["parts"]["versions"] < before["parts"]["versions"]  # the superseded rows' emptied pages
    assert after["parts"]["index"] < before["parts"]["index"]  # the search index's segments merged
    assert cli("check").code == 0
    store = Store.open(db_path)
    assert {key: store.version_row(*key)["text"] for key in texts} == texts


PRE_M008 = Path(__file__).resolve().parent.parent / "fixtures" / "history" / "pre-m008.db"


def test_database_written_before_m008_is_converted_and_reads_back_the_same(db_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """m008 on a database the code before it wrote: the latest versions compressed, plain-text raws that
    are exactly their version kept as a mark, the index rebuilt; every read gives what it gave before."""
    from newsdiff.check import check
    from newsdiff.search import search

    path = db_path
    shutil.copyfile(PRE_M008, path)
    expected = json.loads(PRE_M008.with_suffix(".json").read_text("utf-8"))
    store = Store.open(path)
    assert not migrations.pending(store.db)
    assert check(store).ok
    for where, (digest, raw_sha) in expected["versions"].items():
        article_id, number = map(int, where.split("/"))
        row = store.version_row(article_id, number)
        assert row["content_hash"] == digest == content_hash(row["title"], row["text"])
        raw = store.raw(article_id, number)
        assert raw is not None and hashlib.sha256(store.raw_bytes(raw.id)).hexdigest() == raw_sha == raw.sha256
    storages = {(a, n): s for a, n, s in store.db.execute("SELECT article_id, number, storage FROM versions")}
    assert storages[(1, 3)] == storages[(2, 1)] == storages[(3, 2)] == history.KEYFRAME
    assert history.PLAIN not in storages.values()
    kept = dict(store.db.execute("SELECT v.article_id || '/' || v.number, r.compression FROM versions v "
                                 "JOIN raws r ON r.id = v.raw_id"))
    assert kept["1/1"] == kept["1/2"] == kept["1/3"] == raws.AS_TEXT  # exactly their versions' text
    assert kept["2/1"] != raws.AS_TEXT and kept["3/2"] == raws.AGAINST_BASE  # Markdown cleaned; a page
    for query, hits in expected["search"].items():
        assert [hit.to_json() for hit in search(store, query)] == hits
    assert [h.article["article_id"] for h in search(store, "1500")] == [1]  # figures reindexed with digits
    store.close()
    before = path.stat().st_size
    assert cli("vacuum", "--json").code == 0 and path.stat().st_size < before
    assert cli("show", "1", "--version", "1", "--raw").stdout.startswith("Aleppo fighting kills 1,500\n\n")


def test_database_written_before_m009_keeps_one_hash_index_that_still_refuses_duplicates(db_path: Path) -> None:
    """m009 on a database an older layout wrote: the whole-digest index is gone, one unique index on the
    digest's prefix and the article takes its place; a second row of one article's text is refused, and
    the same text stored again is found as the version it is."""
    shutil.copyfile(PRE_M008, db_path)
    before = sqlite_utils.Database(db_path).execute(
        "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'idx_versions_%'").fetchone()[0]
    store = Store.open(db_path)
    indexes = {row[1] for row in store.db.execute("PRAGMA index_list(versions)")}
    assert indexes == {"idx_versions_article_id_number", "idx_versions_hash_prefix_article",
                       "idx_versions_captured_at"}  # the last from m012
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("INSERT INTO versions (article_id, number, captured_at, text, content_hash, word_count) "
                         "SELECT article_id, 99, captured_at, '', content_hash, word_count FROM versions "
                         "WHERE article_id = 1 AND number = 1")
    first = store.version_row(1, 1)
    result = store.add_version(ArticleRecord(paragraphs=tuple(first["text"].split("\n\n")), title=first["title"]),
                               key=store.resolve("1")["key"])
    assert (result.outcome, result.existing) == ("revert", 1)
    store.vacuum()
    after = store.db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'idx_versions_%' "
                             "AND name != 'idx_versions_captured_at'").fetchone()[0]
    assert after < before


def test_search_index_leaves_are_bigger_on_new_and_migrated_databases(tmp_path: Path, db_path: Path) -> None:
    """m010 (and a new database) write 4000-byte search index leaves: FTS5's own 1000 bytes are a 1 KB page
    plus a spill into the next one's slack. Searches find what they found before."""
    from newsdiff.check import check
    from newsdiff.search import search

    shutil.copyfile(PRE_M008, db_path)
    expected = json.loads(PRE_M008.with_suffix(".json").read_text("utf-8"))
    for path in (db_path, tmp_path / "new.db"):
        store = Store.open(path)
        leaf = store.db.execute(f"SELECT v FROM {passages.FTS}_config WHERE k = 'pgsz'").fetchone()
        assert leaf == (passages.LEAF_BYTES,)
        store.close()
    store = Store.open(db_path)
    store.vacuum()
    for query, hits in expected["search"].items():
        assert [hit.to_json() for hit in search(store, query)] == hits
    assert check(store).ok


def test_raw_digests_are_kept_as_bytes_and_still_find_the_raw_stored_before(db_path: Path) -> None:
    """m011 on a database an older layout wrote: every raw's SHA-256 is 32 bytes, read back as hex, and the
    same input met again is the raw stored before, not a second copy."""
    shutil.copyfile(PRE_M008, db_path)
    store = Store.open(db_path)
    assert set(store.db.execute("SELECT typeof(sha256), length(sha256) FROM raws WHERE compression != ?",
                                [raws.AS_TEXT])) == {("blob", 32)}  # those kept as text keep none since m013
    kept = store.raw(3, 2)
    assert kept is not None
    page = store.raw_bytes(kept.id)
    assert kept.sha256 == hashlib.sha256(page).hexdigest()
    count = store.db.execute("SELECT count(*) FROM raws").fetchone()[0]
    result = store.add_version(ArticleRecord(paragraphs=("A later text read from the same page.",), title="T"),
                               key=store.resolve("3")["key"], raw=page)
    assert store.raw(3, result.number) == kept
    assert store.db.execute("SELECT count(*) FROM raws").fetchone()[0] == count


def test_database_written_before_m013_keeps_hashes_as_bytes_without_version_events(db_path: Path) -> None:
    """m013 on a database an older layout wrote: the 'version' events (one per version, read by nothing) are
    gone; content hashes are 32 bytes, still read (log, the Datasette view) as the hex digits they were and
    still finding a text stored before; raws kept as their version's text leave the digest index, while a
    page met again is still the raw stored before and a new plain-text version still keeps its input."""
    from newsdiff.check import check

    shutil.copyfile(PRE_M008, db_path)
    old = sqlite_utils.Database(db_path)
    assert old.execute("SELECT count(*) FROM events WHERE kind = 'version'").fetchone()[0] == 6
    digests = old.execute("SELECT article_id, number, content_hash FROM versions ORDER BY id").fetchall()
    raw_digests = dict(old.execute("SELECT r.id, r.sha256 FROM raws r JOIN versions v ON v.raw_id = r.id "
                                   "WHERE v.article_id = 1"))
    old.close()
    store = Store.open(db_path)
    assert store.db.execute("SELECT count(*) FROM events WHERE kind = 'version'").fetchone()[0] == 0
    assert set(store.db.execute("SELECT typeof(content_hash), length(content_hash) FROM versions")) == {("blob", 32)}
    assert [(v["number"], v["content_hash"]) for v in store.versions(1)] == [(n, h) for a, n, h in digests if a == 1]
    assert [store.version_row(a, n)["content_hash"] for a, n, _ in digests] == [h for _, _, h in digests]
    view = store.db.execute("SELECT article_id, version, content_hash FROM article_versions")
    assert sorted(view.fetchall()) == sorted(digests)
    first = store.version_row(1, 1)
    again = store.add_version(ArticleRecord(paragraphs=tuple(first["text"].split("\n\n")), title=first["title"]),
                              key=store.resolve("1")["key"])
    assert (again.outcome, again.existing) == ("revert", 1)
    as_text = store.db.execute("SELECT count(*) FROM raws WHERE compression = ?", [raws.AS_TEXT]).fetchone()[0]
    assert set(store.db.execute("SELECT sha256 FROM raws WHERE compression = ?", [raws.AS_TEXT])) == {(b"",)}
    pages = store.raw_digests(1)  # from the texts, as they were
    assert {item.row["raw_id"]: pages.of(item) for item in store.rebuilt_versions(1)} == raw_digests
    indexed = store.db.execute("SELECT count(*) FROM raws INDEXED BY idx_raws_sha256_prefix "
                               f"WHERE {raws.RAWS_WITH_DATA}").fetchone()[0]
    assert as_text == 3 and indexed == store.db.execute("SELECT count(*) FROM raws").fetchone()[0] - as_text
    page = store.raw(3, 2)
    assert page is not None
    result = store.add_version(ArticleRecord(paragraphs=("Read again from the same page.",), title="T"),
                               key=store.resolve("3")["key"], raw=store.raw_bytes(page.id))
    assert store.raw(3, result.number) == page
    text = ArticleRecord(paragraphs=("A plain text, new.",), title="Plain")
    added = store.add_version(text, key=store.resolve("1")["key"], raw=b"Plain\n\nA plain text, new.\n")
    kept = store.raw(1, added.number)
    assert kept is not None and store.raw_bytes(kept.id) == b"Plain\n\nA plain text, new.\n"
    assert [e["kind"] for e in store.events(1)] == ["revert"]  # no event for the version added
    assert check(store).ok


def test_an_input_read_again_whose_text_version_is_damaged_is_still_imported(db_path: Path) -> None:
    """A raw kept as its version's text has no digest of its own (m013): telling whether an input is read
    again rebuilds it, and a version that cannot be rebuilt makes that 'not known', not a failed import."""
    store = Store.open(db_path)
    first = ArticleRecord(paragraphs=("The first text of the story.",), title="Story")
    raw = b"Story\n\nThe first text of the story.\n"
    store.add_version(first, key="local:story", raw=raw)
    assert store.add_version(first, key="local:story", raw=raw, reread=True).outcome == "same"
    store.add_version(ArticleRecord(paragraphs=("The second text.",), title="Story"), key="local:story")
    assert store.add_version(first, key="local:story", raw=raw, reread=True).outcome == "same"  # read again
    with store.write():
        store.db.execute("UPDATE versions SET data = x'00' WHERE number = 1")
    again = store.add_version(first, key="local:story", raw=raw, reread=True)
    assert (again.outcome, again.existing) == ("revert", 1)
