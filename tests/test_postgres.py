"""The store on PostgreSQL: what --db names, reaching the server, migrations, and workers' leases."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from newsdiff.dburl import BadDatabaseUrl, ServerUrl, parse_db
from newsdiff.store import Store
from newsdiff.store.compact_history import rebuild
from newsdiff.store.postgres import (
    MIGRATIONS,
    MIGRATIONS_TABLE,
    ServerError,
    claim_due,
    claim_feeds,
    connect,
    end_host_turn,
    migrate,
    pending,
    release,
    release_feed,
    rows,
    take_host_turn,
)

from .conftest import SEED_DUMP, SEED_REUTERS, SEED_RT, CliResult, cli_for
from .pg_server import PASSWORD, PgServer


def test_db_names_a_file_or_a_server() -> None:
    assert parse_db("newsdiff.db") == Path("newsdiff.db")
    assert parse_db("dir/postgresql.db") == Path("dir/postgresql.db")
    url = parse_db("postgresql://ann:pw@db.example:5433/news")
    assert isinstance(url, ServerUrl)
    assert (url.host, url.port, url.user, url.database) == ("db.example", 5433, "ann", "news")
    assert str(url) == "postgresql://ann@db.example:5433/news"  # never the password
    assert str(parse_db("postgres://db.example/news")) == "postgresql://db.example/news"
    for odd in ("my news", "a?b", "a#b"):  # `cron` writes str() into the job: it must name the same database
        shown = str(parse_db(f"postgresql://db.example/{urllib.parse.quote(odd, safe='')}"))
        assert _server(shown).database == odd and "?" not in shown and "#" not in shown


@pytest.mark.parametrize("url, reason", [
    ("postgresql://ann:pw@db.example:99999/news", "port"),
    ("postgresql://ann:pw@db.example:port/news", "port"),
    ("postgresql://ann:pw@db.example", "no database"),
    ("postgresql://ann:pw@/news", "no server"),
    ("postgresql://ann:pw@db.example:0/news", "port"),
    ("postgresql://ann:pw@[::1/news", "Invalid IPv6 URL"),  # urllib's own error, once a traceback
    ("postgresql://ann:1/pw@db.example/news", "no database"),  # an unquoted slash: the password is no path
])
def test_bad_url_is_one_line_without_the_password(url: str, reason: str) -> None:
    with pytest.raises(BadDatabaseUrl) as caught:
        parse_db(url)
    assert reason in str(caught.value) and "pw" not in str(caught.value) and "\n" not in str(caught.value)


def _server(url: str) -> ServerUrl:
    parsed = parse_db(url)
    assert isinstance(parsed, ServerUrl)
    return parsed


def test_wrong_password_names_the_server_not_the_password(pg_server: PgServer) -> None:
    with pytest.raises(ServerError) as caught:
        connect(_server(pg_server.url(password="not-" + PASSWORD)))
    message = str(caught.value)
    assert message.startswith(f"cannot connect to postgresql://newsdiff@127.0.0.1:{pg_server.port}/postgres: ")
    assert "password authentication failed" in message and PASSWORD not in message


def test_refused_connection_is_one_line() -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ServerError) as caught:
        connect(_server(f"postgresql://newsdiff:{PASSWORD}@127.0.0.1:{port}/news"))
    assert f"127.0.0.1:{port}/news" in str(caught.value) and "refused" in str(caught.value)
    assert PASSWORD not in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("args", [["list"], ["poll"], ["log", "1"]])
def test_cli_bad_credentials_exit_1_with_one_line(pg_server: PgServer, args: list[str]) -> None:
    result = cli_for(pg_server.url(password="wrong"))(*args)
    assert result.code == 1, result
    assert result.stderr.count("\n") == 1 and "wrong" not in result.stderr
    assert f"cannot connect to postgresql://newsdiff@127.0.0.1:{pg_server.port}/postgres" in result.stderr


def test_cli_bad_url_exit_1() -> None:
    result = cli_for("postgresql://ann:topsecret@db.example:0x1/news")("list")
    assert result.code == 1 and "port" in result.stderr and "topsecret" not in result.stderr


def test_migrations_are_versioned_and_applied_once_by_racing_processes(pg_url: str) -> None:
    server = _server(pg_url)
    applied: list[list[str]] = []

    def first_open() -> None:
        with connect(server) as conn:
            applied.append(migrate(conn))

    threads = [threading.Thread(target=first_open) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(applied, key=len) == [[], [], [name for name, _ in MIGRATIONS]]
    with connect(server) as conn:
        assert pending(conn) == []
        assert [r[0] for r in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY name")] == \
            [name for name, _ in MIGRATIONS]
        # Words are matched as SQLite's index matches them: any case, accents folded ("Jose" finds "José").
        assert conn.execute("SELECT to_tsvector('newsdiff', 'Señor José said') @@ "
                            "plainto_tsquery('newsdiff', 'jose SENOR')").fetchone() == (True,)


def test_a_failing_migration_leaves_nothing_behind(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    broken = ("m999_broken", "CREATE TABLE half (x INT); SELEC 1")
    monkeypatch.setattr("newsdiff.store.postgres.MIGRATIONS", [*MIGRATIONS, broken])
    with connect(_server(pg_url)) as conn:
        with pytest.raises(psycopg.errors.SyntaxError):
            migrate(conn)
        assert pending(conn) == ["m999_broken"]
        assert conn.execute("SELECT to_regclass('half')").fetchone() == (None,)  # rolled back with its record


def test_a_search_is_not_split_over_parallel_workers_once_migrated(pg_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """m007 on a database made before it: the store's ranked search, which the planner splits over
    parallel workers when they look cheap (here made free), runs in one process, with the same answer."""
    from newsdiff.store import postgres

    from .publish_helpers import add

    # before m007, with the columns a version's write sets (m009's page digest, m010's reader marks): this
    # store writes the rows
    monkeypatch.setattr(postgres, "MIGRATIONS", [m for m in MIGRATIONS if m[0] < "m007" or m[0] in (
        "m009_page_digest", "m010_reader_change")])
    store = Store.open(pg_url)
    add(store, "https://news.example/storm", ["A storm hits the coast."], title="Storm", at="2024-05-01T08:00:00Z",
        source="wire")
    store.db.execute("INSERT INTO passages (article_id, kind, hash, versions, terms) SELECT 1, 'text', g, '1', "
                     "to_tsvector('newsdiff', repeat('rain ', mod(g, 7)) || 'storm ' || g) "
                     "FROM generate_series(1, 3000) g")
    store.db.execute("ANALYZE passages")

    def searched(store: Store) -> tuple[str, list[int]]:
        """The plan of the store's ranked search for `storm` when workers cost nothing, and its answer."""
        statement = store.search_statement("id", "storm", ranked=True)  # type: ignore[attr-defined]
        assert statement is not None
        conn = store.db.conn  # type: ignore[attr-defined]
        with conn.transaction():
            for cost in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
                conn.execute(f"SET LOCAL {cost} = 0")
            plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + statement[0], statement[1]))
        return plan, [row["id"] for row in store.matching_passages("storm")]

    before, found = searched(store)
    assert "Parallel" in before and len(found) == 3002  # the headline, the paragraph and the rows made
    store.close()
    monkeypatch.undo()
    store = Store.open(pg_url)
    after, found_after = searched(store)
    assert "Parallel" not in after and "Gather" not in after, after
    assert found_after == found
    store.close()


def test_a_search_translates_each_expression_once_however_many_articles_it_reads(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each translation of a search expression asks the server for its words' lexemes: a search reading
    ten articles asks once per expression (all the words, any of them, each one), not once per article."""
    from newsdiff.model import ArticleRecord
    from newsdiff.search import search
    from newsdiff.store import pg_store

    store = Store.open(pg_url)
    for i in range(10):
        url = f"https://example.org/story-{i}"
        store.add_version(ArticleRecord(paragraphs=(f"The council met on day {i}.", "Storm damage was reported."),
                                        title=f"Story {i}", url=url, source="wire"), key=url)
    asked: list[str] = []
    translate = pg_store.translate

    def counted(conn: object, config: str, fts: str) -> object:
        asked.append(fts)
        return translate(conn, config, fts)  # type: ignore[arg-type]

    monkeypatch.setattr(pg_store, "translate", counted)
    assert len(search(store, "council storm", limit=None)) == 10
    assert sorted(asked) == sorted(['"council" "storm"', '"council" OR "storm"', '"council"', '"storm"'])
    store.close()


def _tracked(conn: object, count: int, due: str = "2026-01-01T00:00:00Z") -> None:
    conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO articles (key, url, created_at, tracked, next_check_at) "
        "SELECT 'k' || i, 'http://127.0.0.1/a/' || i, '2025-01-01T00:00:00Z', 1, %s FROM generate_series(1, %s) i",
        [due, count])


def test_workers_claim_disjoint_batches_and_skip_what_is_not_due(pg_url: str) -> None:
    server = _server(pg_url)
    with connect(server) as setup:
        migrate(setup)
        _tracked(setup, 10)
        setup.execute(
            "INSERT INTO articles (key, url, created_at, tracked, next_check_at) VALUES "
            "('later', 'http://127.0.0.1/later', '2025-01-01T00:00:00Z', 1, '2099-01-01T00:00:00Z')")
    with connect(server) as one, connect(server) as two:
        with one.transaction():  # the first worker's claim still open when the second claims
            first = claim_due(one, "w1", due_by="2026-06-01T00:00:00Z", limit=6)
            second = claim_due(two, "w2", due_by="2026-06-01T00:00:00Z", limit=6)
        third = claim_due(two, "w3", due_by="2026-06-01T00:00:00Z", limit=6)
    assert len(first) == 6 and len(second) == 4 and third == []
    assert not {a.id for a in first} & {a.id for a in second}
    assert "later" not in {a.key for a in first + second}


def test_a_finished_check_gives_the_article_back_with_its_schedule(pg_url: str) -> None:
    server = _server(pg_url)
    with connect(server) as conn:
        migrate(conn)
        _tracked(conn, 1)
        [article] = claim_due(conn, "w1", due_by="2026-06-01T00:00:00Z", limit=5)
        assert not release(conn, "someone-else", article.id, checked_at="x", next_check_at=None, status="active")
        assert release(conn, "w1", article.id, checked_at="2026-06-01T00:00:00Z",
                       next_check_at="2026-06-01T01:00:00Z", status="active")
        assert claim_due(conn, "w1", due_by="2026-06-01T00:30:00Z", limit=5) == []
        assert [a.id for a in claim_due(conn, "w1", due_by="2026-06-01T01:00:00Z", limit=5)] == [article.id]


def test_a_killed_workers_articles_are_claimed_again_after_its_lease(pg_url: str) -> None:
    server = _server(pg_url)
    with connect(server) as conn:
        migrate(conn)
        _tracked(conn, 5)
    worker = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from newsdiff.dburl import parse_db
        from newsdiff.store.postgres import claim_due, connect
        conn = connect(parse_db({pg_url!r}))
        claimed = claim_due(conn, "doomed", due_by=None, limit=3, lease_s=2)
        print(len(claimed), flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert worker.stdout is not None and worker.stdout.readline().strip() == "3"
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    with connect(server) as conn:
        assert len(claim_due(conn, "heir", due_by=None, limit=10)) == 2  # the killed worker's 3 still leased
        time.sleep(2.2)
        taken = claim_due(conn, "heir", due_by=None, limit=10)
        assert len(taken) == 3
        assert conn.execute("SELECT count(*) FROM articles WHERE claimed_by = 'heir'").fetchone() == (5,)


def test_migrate_copies_a_sqlite_archive_verified_on_both_sides(cli: Callable[..., CliResult], db_path: Path,
                                                                 pg_url: str) -> None:
    assert cli("import", str(SEED_REUTERS), str(SEED_RT)).code == 0
    assert cli("import", str(SEED_DUMP)).code == 0
    with closing(Store.open(db_path, readonly=True)) as store:
        articles = store.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        versions = store.db.execute("SELECT count(*) FROM versions").fetchone()[0]
        texts = {(r["article_id"], r["number"]): r["text"] for a in store.articles()
                 for r in (store.version_row(a["id"], n["number"]) for n in store.versions(a["id"]))}
    result = cli("migrate", "--from", str(db_path), "--to", pg_url, "--json")
    assert result.code == 0, result
    report = result.json
    assert report["ok"] and report["verified"] == versions and report["rows"]["articles"] == articles
    assert report["source_check"]["ok"] and PASSWORD not in result.stdout
    with connect(_server(pg_url)) as conn:
        rebuilt = {}
        for (article_id,) in conn.execute("SELECT id FROM articles"):
            history = rows(conn, "SELECT * FROM versions WHERE article_id = %s ORDER BY number", [article_id])
            for item in rebuild(history):
                rebuilt[article_id, item.number] = item.text
        assert rebuilt == texts
        # The search index came along: a word from a headline finds its article's passages.
        word = max(re.findall(r"[A-Za-z]{6,}", next(iter(texts.values()))), key=len)
        assert conn.execute("SELECT count(*) FROM passages WHERE terms @@ plainto_tsquery('newsdiff', %s)",
                            [word]).fetchone()[0] > 0
        # New rows get new ids after the copied ones.
        conn.execute("INSERT INTO sources (name, created_at) VALUES ('after-copy', 'now')")

    again = cli("migrate", "--from", str(db_path), "--to", pg_url)
    assert again.code == 1 and "already holds articles" in again.stderr and PASSWORD not in again.stderr


def test_migrate_needs_a_server_url_and_an_existing_file(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = cli("migrate", "--from", str(tmp_path / "none.db"), "--to", "postgresql://u:pw@127.0.0.1/x")
    assert result.code == 1 and "no database at" in result.stderr
    result = cli("migrate", "--from", str(tmp_path / "none.db"), "--to", str(tmp_path / "other.db"))
    assert result.code == 1 and "not a PostgreSQL URL" in result.stderr


def test_each_feed_is_read_once_per_round_however_many_workers(pg_url: str) -> None:
    server = _server(pg_url)
    with connect(server) as conn:
        migrate(conn)
        conn.execute("INSERT INTO feeds (url, added_at, last_checked_at) SELECT 'http://127.0.0.1/f/' || i, "
                     "'2025-01-01T00:00:00Z', CASE WHEN i = 3 THEN '2026-06-01T00:00:00Z' END "
                     "FROM generate_series(1, 4) i")
    with connect(server) as one, connect(server) as two:
        with one.transaction():
            first = claim_feeds(one, "w1", read_before="2026-05-01T00:00:00Z", limit=2)
            second = claim_feeds(two, "w2", read_before="2026-05-01T00:00:00Z", limit=2)
        assert [f.url for f in first + second] == [f"http://127.0.0.1/f/{i}" for i in (1, 2, 4)]  # 3 read lately
        for feed in first:
            assert release_feed(one, "w1", feed.id, checked_at="2026-05-02T00:00:00Z")
        assert not release_feed(one, "w1", second[0].id, checked_at="2026-05-02T00:00:00Z")  # not its claim
        assert claim_feeds(one, "w1", read_before="2026-05-01T00:00:00Z", limit=10) == []
        assert [f.id for f in claim_feeds(one, "w1", read_before="2026-05-03T00:00:00Z", limit=10)] == \
            [f.id for f in first]


def test_a_database_migrated_by_a_newer_newsdiff_is_refused(pg_url: str) -> None:
    with connect(_server(pg_url)) as conn:
        migrate(conn)
        conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} (name) VALUES ('m999_future_layout')")
    result = cli_for(pg_url)("list")
    known = max(int(name[1:4]) for name, _ in MIGRATIONS)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (f"newsdiff: {_server(pg_url)}: made by a newer newsdiff (schema 999, this one knows "
                             f"{known}): upgrade newsdiff\n")


def test_migrate_refuses_a_damaged_archive_and_copies_nothing(cli: Callable[..., CliResult], db_path: Path,
                                                               pg_url: str) -> None:
    import sqlite3

    assert cli("import", str(SEED_REUTERS)).code == 0
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("UPDATE versions SET content_hash = zeroblob(32) WHERE id = 1")
    result = cli("migrate", "--from", str(db_path), "--to", pg_url)
    assert result.code == 1 and "is damaged" in result.stderr and "Nothing copied" in result.stderr
    with connect(_server(pg_url)) as conn:
        assert conn.execute("SELECT to_regclass('articles')").fetchone() == (None,)  # not even the tables


def test_politeness_per_host_is_shared_by_workers(pg_url: str) -> None:
    server = _server(pg_url)
    with connect(server) as one, connect(server) as two:
        migrate(one)
        slot, wait = take_host_turn(one, "w1", "outlet.example", per_host=1, delay_s=0)
        assert (slot, wait) == (0, 0.0)
        slot2, wait2 = take_host_turn(two, "w2", "outlet.example", per_host=1, delay_s=0)
        assert slot2 is None and wait2 > 0  # the only slot is in flight on the other worker
        assert take_host_turn(two, "w2", "other.example", per_host=1, delay_s=0)[0] == 0  # hosts are separate
        end_host_turn(one, "w1", "outlet.example", 0)
        assert take_host_turn(two, "w2", "outlet.example", per_host=2, delay_s=0.5) == (0, 0.0)
        slot3, wait3 = take_host_turn(one, "w1", "outlet.example", per_host=2, delay_s=0.5)
        assert slot3 is None and 0.3 < wait3 <= 0.5  # a slot is free, but the delay between requests holds
        time.sleep(wait3)
        assert take_host_turn(one, "w1", "outlet.example", per_host=2, delay_s=0.5) == (1, 0.0)


def test_a_killed_workers_host_slot_frees_after_its_lease(pg_url: str) -> None:
    server = _server(pg_url)
    with connect(server) as doomed, connect(server) as heir:
        migrate(doomed)
        assert take_host_turn(doomed, "doomed", "outlet.example", per_host=1, delay_s=0, lease_s=1)[0] == 0
        doomed.close()  # gone without giving it back
        assert take_host_turn(heir, "heir", "outlet.example", per_host=1, delay_s=0)[0] is None
        time.sleep(1.1)
        assert take_host_turn(heir, "heir", "outlet.example", per_host=1, delay_s=0)[0] == 0


def test_m006_keeps_an_older_servers_hashes_as_bytes_without_version_events(pg_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """m006 on a server database the layout before it wrote (hex content hashes, a 'version' event per
    version, a digest for a raw kept as its version's text): versions read back with the hex hashes they
    had, the raw with the digest it had, the same text is found again, and `check` passes."""
    import hashlib

    from newsdiff.check import check
    from newsdiff.model import ArticleRecord, content_hash
    from newsdiff.store.compact_history import KEYFRAME, encode_keyframe
    from newsdiff.store.passage_index import indexed_text, texts

    older = [m for m in MIGRATIONS if m[0] != "m006_compact_version_rows"]
    assert len(older) == len(MIGRATIONS) - 1
    monkeypatch.setattr("newsdiff.store.postgres.MIGRATIONS", older)
    title, text = "Headline", "The only paragraph."
    digest, raw = content_hash(title, text), f"{title}\n\n{text}\n".encode()
    with connect(_server(pg_url)) as conn:
        migrate(conn)
        conn.execute("INSERT INTO articles (id, key, created_at) VALUES (1, 'local:a', '2024-01-01T00:00:00Z')")
        conn.execute("INSERT INTO raws (id, sha256, size, compression) VALUES (1, %s, %s, 'version-text')",
                     [hashlib.sha256(raw).digest(), len(raw)])
        conn.execute("INSERT INTO versions (id, article_id, number, captured_at, title, text, content_hash, "
                     "word_count, storage, data, text_size, raw_id) VALUES (1, 1, 1, '2024-01-01T00:00:00Z', %s, '', "
                     "%s, 3, %s, %s, %s, 1)", [title, digest, KEYFRAME, encode_keyframe(text), len(text)])
        conn.execute("INSERT INTO events (at, article_id, version_id, kind, detail) VALUES "
                     "('2024-01-01T00:00:00Z', 1, 1, 'version', '{}'), ('2024-01-02T00:00:00Z', 1, NULL, 'gone', '{}')")
        for (kind, passage), value in texts(title, text).items():
            conn.execute("INSERT INTO passages (article_id, kind, hash, versions, terms) "
                         "VALUES (1, %s, %s, '1', to_tsvector('newsdiff', %s))", [kind, passage, indexed_text(value)])
        for table in ("articles", "raws", "versions"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 2, false)")
    monkeypatch.undo()
    store = Store.open(pg_url)
    assert store.version_row(1, 1)["content_hash"] == digest
    assert [e["kind"] for e in store.events(1)] == ["gone"]
    kept = store.raw(1, 1)
    assert kept is not None and kept.sha256 == hashlib.sha256(raw).hexdigest()
    assert store.raw_bytes(kept.id) == raw
    again = store.add_version(ArticleRecord(paragraphs=(text,), title=title), key="local:a")
    assert (again.outcome, again.existing) == ("same", 1)
    assert check(store).ok
