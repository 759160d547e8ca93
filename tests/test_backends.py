"""The same archive on SQLite and on PostgreSQL answers every reading command with the same document."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from .conftest import SEED_PRESSTV, SEED_REUTERS, SEED_RT, cli_for, import_captures
from .pg_server import PASSWORD

URL = "https://example.org/a"
OTHER = "https://example.org/b"
# Stamps of when a command ran (not when a page was captured): they differ between any two runs.
RUN_TIMES = {"created_at", "last_checked_at", "at", "first_seen_at", "queued_at"}


def _timeless(value: Any) -> Any:
    """A JSON document without the stamps of when commands ran; the database's own figures (size,
    path, bytes per table) are each engine's and left out too."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in RUN_TIMES and k != "database"}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def _fill(cli: Any, tmp_path: Path) -> None:
    """Three articles, one of them edited twice and one capture backdated, one more re-imported unchanged."""
    text = SEED_REUTERS.read_text()
    edits = {"2016-05-03T12:00:00Z": text, "2016-05-03T15:00:00Z": text.replace("within hours", "soon"),
             "2016-05-04T08:00:00Z": text.replace("killing or injuring dozens", "killing at least 19"),
             "2016-05-03T09:00:00Z": text + "\nThe talks resume on Friday.\n"}
    import_captures(cli, tmp_path, edits, "--url", URL, "--source", "wire")
    for seed, when in ((SEED_RT, "2016-05-05T10:00:00Z"), (SEED_RT, "2016-05-06T10:00:00Z")):
        assert cli("import", seed, "--url", OTHER, "--source", "rt", "--captured-at", when).code == 0
    assert cli("import", SEED_PRESSTV, "--captured-at", "2016-05-07T10:00:00Z").code == 0


READS = [
    ("list", "--json"),
    ("list", "--source", "wire", "--json"),
    ("log", URL, "--json"),
    ("log", OTHER, "--json"),
    ("show", URL, "--version", "2", "--json"),
    ("diff", URL, "1", "4", "--format", "json"),
    ("diff", URL, "--format", "json"),
    ("search", "talks", "--json"),
    ("search", "killing", "Moscow", "--json"),
    ("search", "kill*", "--json"),
    ("search", "--changed", "killing", "--json"),
    ("check", "--json"),
    ("stats", "--json"),
    *(("search", "--fts", expression, "--json") for expression in (
        "talks NOT Moscow", "Moscow NOT talks", "NEAR(talks Moscow)", "NEAR(talks Moscow, 20)", "NEAR(Lavrov talks, 1)",
        'NEAR("foreign minister" Russian, 0)', "text: truce OR -text: Moscow",
        "{text}: ceasefire NOT (talks OR Aleppo)", '^"Staffan de"', "^MOSCOW", "peace + talks",
        "NEAR(ceasefire Syria, 0)", "kill* NOT soon",
        # malformed: SQLite's own message, exit 1, on both
        "title: talks", "talks AND", "NEAR(talks Moscow, x)", '"talks', "talks)")),
    ("log", "https://example.org/missing", "--json"),
    ("list", "--source", "nowhere", "--json"),
]


def test_every_reading_command_answers_alike_on_both(db_path: Path, pg_url: str, tmp_path: Path) -> None:
    on_sqlite, on_server = cli_for(str(db_path)), cli_for(pg_url)
    for cli in (on_sqlite, on_server):
        _fill(cli, tmp_path)
    for args in READS:
        file, server = on_sqlite(*args), on_server(*args)
        assert (server.code, server.stderr) == (file.code, file.stderr), args
        if file.stdout.strip():
            assert _timeless(server.json) == _timeless(file.json), args
    near = {window: [(a["article_id"], len(a["matches"])) for a in on_server(
        "search", "--fts", f"NEAR(talks Moscow{window})", "--json").json["articles"]] for window in ("", ", 20", ", 1")}
    assert near == {"": [(1, 3)], ", 20": [(1, 4)], ", 1": []}  # a wider window finds more paragraphs
    refused = on_server("search", "--fts", "title: talks")
    assert (refused.code, refused.stderr) == (1, "newsdiff: cannot search for 'title: talks': no such column: title\n")
    file_lines, server_lines = (cli("export").stdout.splitlines() for cli in (on_sqlite, on_server))
    assert ([_timeless(json.loads(line)) for line in server_lines]
            == [_timeless(json.loads(line)) for line in file_lines])
    assert on_server("check").stdout == on_sqlite("check").stdout
    forgotten = [cli("forget", URL, "--yes", "--json") for cli in (on_sqlite, on_server)]
    assert forgotten[0].code == 0 and _timeless(forgotten[1].json) == _timeless(forgotten[0].json)
    for args in (("list", "--json"), ("search", "talks", "--json"), ("check", "--json")):
        assert _timeless(on_server(*args).json) == _timeless(on_sqlite(*args).json), args
    vacuumed = on_server("vacuum", "--json")
    assert vacuumed.code == 0 and vacuumed.json["bytes_after"] > 0, vacuumed


def test_a_connection_lost_mid_write_is_one_line_naming_the_server(pg_url: str) -> None:
    import psycopg

    from newsdiff import ArticleRecord, Store
    from newsdiff.store import ServerLost

    store = Store.open(pg_url)
    store.add_version(ArticleRecord(paragraphs=("First text.",), title="T"), key="k")
    with psycopg.connect(pg_url, autocommit=True) as other:  # the server drops this store's connection
        other.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    with pytest.raises(ServerLost) as lost:
        store.add_version(ArticleRecord(paragraphs=("Second text.",), title="T"), key="k")
    message = str(lost.value)
    assert message.startswith("lost the connection to postgresql://") and "\n" not in message
    assert PASSWORD not in message
    again = Store.open(pg_url)  # nothing half-written: the next run finds the one version
    assert [v["number"] for v in again.versions(again.resolve("k")["id"])] == [1]


def test_overlapping_polls_on_a_server_share_the_articles(pg_url: str, tmp_path: Path) -> None:
    """No run lock on a server: two polls at once each take leased articles; every one is fetched once."""
    import subprocess
    import sys

    from .test_track_poll import FAST_LIMITS, text_page
    from .track_server import Outlet, page

    config = tmp_path / "newsdiff.toml"
    config.write_text(FAST_LIMITS, encoding="utf-8")
    cli = cli_for(pg_url, config_beside=config)
    with Outlet() as outlet:
        for i in range(12):
            outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Story {i} begins."), delay=0.2)
            assert cli("track", outlet.url(f"/{i}")).code == 0
        command = [sys.executable, "-m", "newsdiff", "--db", pg_url, "--config", str(config), "poll", "--json"]
        polls = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(poll.wait(timeout=120), *poll.communicate()) for poll in polls]
        assert [code for code, _, _ in results] == [0, 0], results
        assert sorted(outlet.hits[f"/{i}"] for i in range(12)) == [1] * 12
        assert sum(json.loads(out)["new_versions"] for _, out, _ in results) == 12
    assert [a["versions"] for a in cli("list", "--json").json["articles"]] == [1] * 12


def test_an_archive_migrated_to_a_server_reads_the_same_there(db_path: Path, pg_url: str, tmp_path: Path) -> None:
    """`migrate` copies every row with its id: afterwards each reading command gives the very same
    document on the server as on the file (the database's own figures aside)."""
    on_sqlite, on_server = cli_for(str(db_path)), cli_for(pg_url)
    _fill(on_sqlite, tmp_path)
    moved = on_sqlite("migrate", "--from", str(db_path), "--to", pg_url, "--json")
    assert moved.code == 0 and moved.json["ok"], moved
    for args in READS:
        file, server = on_sqlite(*args), on_server(*args)
        assert (server.code, server.stderr) == (file.code, file.stderr), args
        if file.stdout.strip():
            assert {k: v for k, v in server.json.items() if k != "database"} == \
                {k: v for k, v in file.json.items() if k != "database"}, args
    assert on_server("export").stdout == on_sqlite("export").stdout
    for cli in (on_sqlite, on_server):  # the server's ids carry on after the copied rows
        added = cli("import", SEED_PRESSTV, "--url", "https://example.org/c", "--json").json["imported"][0]
        assert added["article_id"] == 4, added


def test_two_writers_storing_versions_of_one_article_at_once_take_turns(pg_url: str) -> None:
    """Racing writers on a server queue as on SQLite: every version stored once, numbered 1..n, no error."""
    from concurrent.futures import ThreadPoolExecutor

    from newsdiff import ArticleRecord, Store

    def store_some(worker: int) -> list[str]:
        store = Store.open(pg_url)
        try:
            return [store.add_version(ArticleRecord(paragraphs=(f"Text {worker}-{i}.",), title="T",
                                                    source="wire"), key="shared").outcome for i in range(15)]
        finally:
            store.close()

    with ThreadPoolExecutor(3) as pool:
        outcomes = [o for found in pool.map(store_some, range(3)) for o in found]
    assert outcomes == ["new"] * 45
    store = Store.open(pg_url)
    assert [v["number"] for v in store.versions(store.resolve("shared")["id"])] == list(range(1, 46))


def test_senders_on_a_server_take_turns(pg_url: str) -> None:
    """Overlapping polls on a server would both deliver a pending alert: sending is held by one at a time."""
    import threading

    from newsdiff import Store

    first, second = Store.open(pg_url), Store.open(pg_url)
    entered = threading.Event()

    def send_too() -> None:
        with second.one_at_a_time("send"):
            entered.set()

    with first.one_at_a_time("send"):
        waiting = threading.Thread(target=send_too)
        waiting.start()
        assert not entered.wait(0.5)  # the second sender waits while the first sends
    assert entered.wait(10)
    waiting.join()


def _expression(rnd: random.Random, words: list[str], depth: int = 0) -> str:
    """A random FTS5 expression over `words`: phrases, prefixes, `+`, `^`, NEAR, columns, AND, OR, NOT."""
    def phrase() -> str:
        word, roll = rnd.choice(words), rnd.random()
        return (word[:3] + "*" if roll < 0.2 else f'"{word} {rnd.choice(words)}"' if roll < 0.35 else
                '","' if roll < 0.4 else "^" + word if roll < 0.45 else f"{word} + {rnd.choice(words)}" if roll < 0.5
                else word)

    roll = rnd.random()
    if depth > 2 or roll < 0.3:
        return phrase()
    if roll < 0.45:
        window = f", {rnd.randint(0, 5)}" if rnd.random() < 0.7 else ""
        return "NEAR(" + " ".join(phrase().lstrip("^") for _ in range(rnd.randint(2, 3))) + window + ")"
    if roll < 0.55:
        return f"{phrase()} {phrase()}"
    if roll < 0.65:
        return rnd.choice(["-text: ", "text: ", "{text}: "]) + f"({_expression(rnd, words, depth + 1)})"
    op = rnd.choice(["AND", "OR", "NOT"])
    return f"({_expression(rnd, words, depth + 1)}) {op} ({_expression(rnd, words, depth + 1)})"


def test_fts_expressions_find_the_same_passages_on_both(db_path: Path, pg_url: str) -> None:
    """400 random expressions over paragraphs of a few words (so NEAR's window, `^` and the order of
    words decide): each finds the very same paragraphs and headlines on both engines."""
    from newsdiff import ArticleRecord, Store
    from newsdiff.store import SearchError

    rnd = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "alphabet", "betamax"]
    stores = [Store.open(db_path), Store.open(pg_url)]
    for n in range(30):
        paragraphs = tuple(" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 14))) + "."
                           for _ in range(rnd.randint(1, 4)))
        title = " ".join(rnd.sample(words, 2))
        for store in stores:
            store.add_version(ArticleRecord(paragraphs=paragraphs, title=title), key=f"k{n}")

    def found(store: Store, expression: str) -> set[tuple[int, str, int]] | str:
        try:
            return {(r["article_id"], r["kind"], r["hash"]) for r in store.matching_passages(expression)}
        except SearchError as exc:
            return str(exc)

    answers = [(e, found(stores[0], e), found(stores[1], e)) for e in (_expression(rnd, words) for _ in range(400))]
    assert [a for a in answers if a[1] != a[2]] == []
    assert sum(1 for _, file, _ in answers if file and not isinstance(file, str)) > 200  # most find something


def _filled_server(pg_url: str, tmp_path: Path) -> Any:
    cli = cli_for(pg_url)
    for n in range(3):
        (tmp_path / f"s{n}.txt").write_text(f"Story {n}\n\nWhat happened in story {n}.\n")
        assert cli("import", tmp_path / f"s{n}.txt", "--url", f"https://example.org/{n}", "--source", "wire").code == 0
    return cli


def test_check_on_a_server_checks_its_pages_and_indexes(db_path: Path, pg_url: str, tmp_path: Path) -> None:
    """An index that no longer agrees with its table (rows indexed under what an `immutable` function
    returned before it was changed: what a corrupt index looks like to amcheck) is one problem line, exit 1,
    in the shape SQLite's check reports its own damage."""
    import psycopg

    on_server = _filled_server(pg_url, tmp_path)
    on_sqlite = _filled_server(str(db_path), tmp_path)
    healthy = on_server("check", "--json")
    assert healthy.code == 0 and healthy.json == on_sqlite("check", "--json").json
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION flip(t text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT t $$")
        conn.execute("CREATE INDEX articles_by_flip ON articles (flip(key))")
        conn.execute("CREATE OR REPLACE FUNCTION flip(t text) RETURNS text IMMUTABLE LANGUAGE sql "
                     "AS $$ SELECT reverse(t) || '!' $$")
    damaged = on_server("check")
    lines = damaged.stdout.splitlines()
    assert damaged.code == 1 and len(lines) == 2, damaged
    assert lines[0].startswith('PostgreSQL page check: index articles_by_flip: heap tuple (0,1) from table "articles" '
                               'lacks matching index tuple')
    assert lines[1] == "1 problem found; 3 articles, 3 of 3 versions rebuilt and verified, 3 raw inputs"
    report = on_server("check", "--json").json
    assert report.keys() == healthy.json.keys() and report["problems"][0]["kind"] == "integrity"


def test_check_on_a_server_says_when_its_page_check_could_not_run(pg_url: str, tmp_path: Path) -> None:
    """A role that may not create amcheck, or may not run its functions, is told so: never a pass."""
    import psycopg

    _filled_server(pg_url, tmp_path)
    role = f"reader_{pg_url.rsplit('/', 1)[1]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
        conn.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        conn.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    reader = cli_for(pg_url.replace(pg_url.split("@")[0], f"postgresql://{role}:pw"))
    refused = reader("check")
    assert refused.code == 1, refused
    assert refused.stdout.splitlines() == [
        'page check not run: cannot create the amcheck extension: permission denied to create extension "amcheck" '
        "(a superuser can run CREATE EXTENSION amcheck)",
        "1 problem found; 3 articles, 3 of 3 versions rebuilt and verified, 3 raw inputs"]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION amcheck")  # there, but its functions are not granted to the role
    assert reader("check").stdout.splitlines()[0] == (
        "page check not run: permission denied for function verify_heapam (a superuser can GRANT EXECUTE on "
        "amcheck's functions)")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}")
    allowed = reader("check")
    assert (allowed.code, allowed.stdout) == (0, "ok: 3 articles, 3 of 3 versions rebuilt and verified, 3 raw inputs\n")


def test_check_on_a_server_finds_a_damaged_table_page(tmp_path: Path) -> None:
    """A tuple header overwritten on disk (a server of this test's own, stopped while its file is changed)
    is found by the page check, and named by table, page and item."""
    pytest.importorskip("psycopg")
    from .pg_server import PgServer, server_bin

    if server_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    server = PgServer.start()
    try:
        url = server.new_database()
        cli = _filled_server(url, tmp_path)
        assert cli("check").code == 0
        path = server.relation_file(url, "sources")
        server.pause()
        page = bytearray(path.read_bytes()[:8192])
        pointer = int.from_bytes(page[24:28], "little")  # the first line pointer: offset, flags, length
        tuple_at = pointer & 0x7FFF
        mask = int.from_bytes(page[tuple_at + 18:tuple_at + 20], "little")  # t_infomask2: attribute count
        page[tuple_at + 18:tuple_at + 20] = ((mask & ~0x07FF) | 0x07FF).to_bytes(2, "little")
        with path.open("r+b") as file:
            file.write(page)
        server.resume()
        damaged = cli("check")
        assert damaged.code == 1, damaged
        assert damaged.stdout.startswith("PostgreSQL page check: table sources page 0 item 1: "), damaged
    finally:
        server.stop()
