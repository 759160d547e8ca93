#!/usr/bin/env python
"""Real `newsdiff poll` processes sharing one PostgreSQL database, and the store's queries on a large
synthetic archive.

1. Throughput: ARTICLES articles on a local outlet (a separate process answering on HOSTS loopback
   addresses, 127.0.0.1 and up, every response delayed by LATENCY; each page a short news story whose
   figures change every round, so each check stores a version; with --same-pages every page keeps its
   bytes, so each check finds it unchanged) are tracked on one database and fetched once. Then all are
   made due and re-checked by 1 worker, then by WORKERS workers. A worker is a long-running
   `newsdiff --db URL poll --loop --every 1s` process, as a service would run it (started before the
   round, so its start-up is not counted; stopped with SIGTERM after it): each poll claims
   the due articles in batches, so the workers share them, and the per-host limit (fetch.per_host
   requests in flight, 2) is shared by all of them through the database. Reports articles per second for
   each and their ratio, the CPU the poll processes used per article and the cores the machine was
   busy, the most requests the outlet had in flight to one host, and from the outlet's own count that
   every article was fetched exactly once per round, each holding one version and one recorded check more.
2. A killed worker: WORKERS workers re-check every article; once the round has stored its first checks,
   a worker holding a batch is SIGKILLed. Its leases (articles and host turns) then run out: the
   benchmark moves their end to now (as the 300 s lease, fetch.lease, would; `--wait-lease` waits for it
   instead) and the others take those articles. Reports that every article was checked (nothing lost)
   and holds exactly one version more (nothing stored twice), and how many pages the killed worker had
   fetched without storing.
3. Synthetic archive: ARCHIVE articles with VERSIONS versions each (generated rows, not fetched), the
   same rows on PostgreSQL and in a SQLite store; times the due-article claim, `log` of one article
   (its versions), the store's reads for the feed of the latest 50 edits (`Store.edit_pairs`, as
   `newsdiff feed` calls it) and for the next 50, a full-text search of two words (`Store.matching_passages`,
   every matching passage best-ranked first, as `search --fts` asks for them: 1 in 200 passages), what
   `newsdiff search` (words anywhere in a version, not only in one passage) reads of the index, and
   each database's bytes per version. Each table is loaded without its indexes, which are then made in one pass.

    python scripts/bench_scale.py [--articles 4000] [--latency 0.05] [--workers 4] [--hosts 8] [--jobs 16]
                                  [--same-pages] [--wait-lease] [--archive 20000] [--versions 10]
                                  [--skip-throughput] [--skip-archive]

Every poll together fetches at most fetch.per_host (2) pages of one host at a time, and each poll at most
--jobs pages in all: the bound set by latency is min(WORKERS * jobs, HOSTS * 2) / LATENCY articles per second.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsdiff.dburl import ServerUrl, parse_db
from newsdiff.store import Store
from newsdiff.store.postgres import DEFAULT_LEASE_S, claim_due, connect, migrate
from tests.pg_server import PgServer

DUE = "2026-01-01T00:00:00Z"
PAST = "2000-01-01T00:00:00Z"  # the next check time that makes an article due for a round
NEWSDIFF = [sys.executable, "-m", "newsdiff"]


# -- the outlet -------------------------------------------------------------------------------------

PAGE = """<!doctype html><html><head><title>Council backs riverside flood plan</title></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<article><h1>Council backs riverside flood plan</h1><p class="byline">By a staff reporter</p>
<p>The city council on Tuesday approved a flood defence plan for district {n} after a debate that ran
late into the evening, with {votes} members voting in favour and {against} against.</p>
<p>The plan pays for new barriers along the river and for drains under the main road, which flooded
twice last winter. Officials put its cost at {cost} million, to be spent over four years.</p>
<p>Residents who had campaigned for the works welcomed the vote. "We have waited a long time for this,"
said one, who asked not to be named. Shop owners said the closures during building worried them.</p>
<p>The council said work would start in the spring and that it would publish a timetable next month.
Opposition members said the estimate was too low and asked for an independent review.</p></article>
<footer><p>Contact the newsroom. All rights reserved.</p></footer></body></html>"""


def serve_outlet(port_out: Any, latency: float, hosts: list[str]) -> None:
    """An article per path /a/N on each host after `latency` seconds, its figures set by the round; POST
    /_round starts the next round, GET /_hits answers each path's count since the last call and the most
    requests in flight to one host at once, as JSON."""
    hits: dict[str, int] = {}
    edition = [0]
    active: dict[str, int] = {}
    peak = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            with lock:
                edition[0] += 1
            self._answer(b"", "text/plain")

        def do_GET(self) -> None:
            if self.path == "/_hits":
                with lock:
                    body = json.dumps({"hits": hits, "peak": peak[0]}).encode()
                    hits.clear()
                    peak[0] = 0
                self._answer(body, "application/json")
                return
            host = self.server.server_address[0]
            with lock:
                active[host] = active.get(host, 0) + 1
                peak[0] = max(peak[0], active[host])
            try:
                time.sleep(latency)
            finally:
                with lock:
                    active[host] -= 1
            with lock:
                hits[self.path] = hits.get(self.path, 0) + 1
                votes = 20 + edition[0]
            page = PAGE.format(n=self.path.rsplit("/", 1)[-1], votes=votes, against=41 - votes, cost=votes * 3)
            self._answer(page.encode(), "text/html; charset=utf-8")

        def _answer(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the killed worker's connections break mid-answer: expected, not news

    servers = [Server((host, 0), Handler) for host in hosts]
    port_out.send([f"http://{host}:{server.server_address[1]}" for host, server in zip(hosts, servers, strict=True)])
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


def outlet(base: str, path: str) -> Any:
    """The outlet's answer to a control path: `/_hits` (GET) or `/_round` (POST)."""
    import httpx

    if path == "/_round":
        return httpx.post(f"{base}{path}")
    return httpx.get(f"{base}{path}").json()


# -- the polls --------------------------------------------------------------------------------------


def _server(url: str) -> ServerUrl:
    server = parse_db(url)
    assert isinstance(server, ServerUrl)
    return server


def sql(url: str, statement: str, params: list[Any] | None = None) -> Any:
    """The first row of one statement (None when it returns none)."""
    with connect(_server(url)) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchone() if cursor.description else None


def track(url: str, bases: list[str], articles: int) -> None:
    """ARTICLES articles tracked as `newsdiff track` does, in one process, spread over the outlet's hosts."""
    import newsdiff

    archive = newsdiff.open(url)
    for i in range(1, articles + 1):
        archive.track(f"{bases[i % len(bases)]}/a/{i}")


class Workers:
    """`count` long-running `newsdiff poll --loop` processes, as a service runs them; `stop()` sends SIGTERM
    (each finishes the poll under way) and waits for them."""

    def __init__(self, url: str, count: int, jobs: int) -> None:
        command = [*NEWSDIFF, "--db", url, "poll", "--loop", "--every", "1s", "--jobs", str(jobs), "--quiet"]
        self.procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                      for _ in range(count)]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            _, err = proc.communicate(timeout=120)
            if proc.returncode not in (0, -signal.SIGKILL):
                raise SystemExit(f"poll --loop exited {proc.returncode}: {err.strip()}")


def until_done(url: str) -> None:
    """Wait until no article is due or held (a killed worker's batch is waited for: its lease may run out)."""
    from newsdiff.model import utc_now

    due = "SELECT count(*) FROM articles WHERE next_check_at <= %s OR claimed_by IS NOT NULL"
    while sql(url, due, [utc_now()])[0]:
        time.sleep(0.1)


def new_round(url: str, base: str) -> None:
    """Every article due, and their pages changed (unless --same-pages)."""
    if CHANGING[0]:
        outlet(base, "/_round")
    outlet(base, "/_hits")
    sql(url, "UPDATE articles SET next_check_at = %s", [PAST])


def checked(url: str, base: str, articles: int, rounds: int, checks_before: int) -> tuple[int, bool, str]:
    """The round's pages fetched more than once (by the outlet's count); whether every article was checked
    and holds exactly one version and one recorded check more (nothing lost, nothing stored twice); and
    the counts as a line."""
    counted = outlet(base, "/_hits")
    counts = counted["hits"]
    fetched = [counts.get(f"/a/{i}", 0) for i in range(1, articles + 1)]
    due = sql(url, "SELECT count(*) FROM articles WHERE next_check_at <= %s", [PAST])[0]
    rounds = rounds if CHANGING[0] else 1
    versions, wrong = sql(url, "SELECT count(*), count(*) FILTER (WHERE n <> %s) FROM "
                          "(SELECT count(*) n FROM versions GROUP BY article_id) v", [rounds])
    checks = sql(url, "SELECT count(*) FROM fetches WHERE article_id IS NOT NULL")[0] - checks_before
    exact = 0 not in fetched and due == 0 and versions == articles and wrong == 0 and checks == articles
    return sum(fetched) - articles, exact, (
        f"pages fetched {sum(fetched)} (each {min(fetched)}-{max(fetched)} times), at most {counted['peak']} "
        f"in flight to one host, still due {due}, {checks} checks recorded, {rounds} versions on "
        f"{versions - wrong} of {articles} articles")


def busy_cores() -> float:
    """CPU seconds the whole machine has spent busy so far (every session's work, not only this one's)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class WriteLockWaits:
    """Samples, every 50 ms while running, how many polls wait for the store's write lock (the advisory
    lock every write transaction takes on PostgreSQL, pg_store.WRITE_LOCK): the writes' serialisation."""

    def __init__(self, url: str) -> None:
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(url,), daemon=True)
        self._thread.start()

    def _sample(self, url: str) -> None:
        with connect(_server(url)) as conn:
            while not self._stop.wait(0.05):
                self.samples.append(conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND wait_event = 'advisory'").fetchone()[0])

    def stop(self) -> float:
        """The mean number of polls waiting for the write lock."""
        self._stop.set()
        self._thread.join()
        return statistics.fmean(self.samples) if self.samples else 0.0


SERVER_PID: list[int] = []  # the benchmark's PostgreSQL postmaster, set by main
CHANGING = [True]  # whether each round changes every page (not with --same-pages), set by main


def server_cpu() -> float:
    """CPU seconds the benchmark's PostgreSQL server (its postmaster and every backend) has used so far."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if SERVER_PID and SERVER_PID[0] in (pid, parent):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def poll_round(url: str, base: str, workers: int, jobs: int) -> tuple[float, float, float, float, float]:
    """Seconds for `workers` long-running polls to re-check every article once all are made due; the CPU
    seconds their processes (and the extraction processes they started) used while running, the machine's
    busy CPU seconds during the round, the server's CPU seconds (the backends' with the postmaster's, as
    far as they ran during the round), and the mean number of polls waiting for the write lock."""
    import resource

    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    running = Workers(url, workers, jobs)
    time.sleep(3)  # started, and idle: nothing is due yet
    machine, served = busy_cores(), server_cpu()
    began = time.perf_counter()
    new_round(url, base)
    waits = WriteLockWaits(url)
    until_done(url)
    elapsed = time.perf_counter() - began
    machine, served = busy_cores() - machine, server_cpu() - served
    waiting = waits.stop()
    running.stop()
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime, served, machine, waiting


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def throughput(url: str, bases: list[str], articles: int, workers: int, jobs: int, latency: float) -> None:
    began = time.perf_counter()
    track(url, bases, articles)
    outlet(bases[0], "/_hits")
    first = Workers(url, workers, jobs)
    until_done(url)
    first.stop()
    again, exact, counts = checked(url, bases[0], articles, 1, 0)
    print(f"{articles} articles on {len(bases)} hosts tracked and first fetched by {workers} workers in "
          f"{time.perf_counter() - began:.1f} s: {counts}; exactly once: {exact and not again}")
    rates = {}
    cores = os.cpu_count() or 1
    for rounds, count in enumerate((1, workers), start=2):
        before = sql(url, "SELECT count(*) FROM fetches WHERE article_id IS NOT NULL")[0]
        elapsed, cpu, served, machine, waiting = poll_round(url, bases[0], count, jobs)
        rates[count] = articles / elapsed
        again, exact, counts = checked(url, bases[0], articles, rounds, before)
        bound = min(count * jobs, len(bases) * 2) / latency
        print(f"{count} worker(s): {articles} articles in {elapsed:.1f} s = {rates[count]:.1f}/s (latency bound "
              f"{bound:.0f}/s); poll processes' CPU {cpu * 1000 / articles:.1f} ms per article "
              f"({cpu / elapsed:.2f} cores), PostgreSQL's {served * 1000 / articles:.1f} ms ({served / elapsed:.2f} "
              f"cores), so {cores} cores bound {cores * articles / (cpu + served):.0f}/s; machine busy "
              f"{machine / elapsed:.2f} of {cores} cores; {waiting:.2f} polls waiting for the write lock on "
              f"average; {load()}; {counts}; exactly once: {exact and not again}")
    print(f"ratio {workers} workers / 1: {rates[workers] / rates[1]:.2f}x")


def killed_worker(url: str, base: str, articles: int, workers: int, jobs: int, wait_lease: bool) -> None:
    """WORKERS long-running polls; the first one found holding articles once the round has stored its
    first checks is SIGKILLed mid-batch."""
    rounds = sql(url, "SELECT max(number) FROM versions")[0] + 1
    before = sql(url, "SELECT count(*) FROM fetches WHERE article_id IS NOT NULL")[0]
    running = Workers(url, workers, jobs)
    time.sleep(3)
    began = time.perf_counter()
    new_round(url, base)
    held = 0
    while not held:  # a worker holding a batch once the round has stored its first checks: mid-batch
        time.sleep(0.05)
        for proc in running.procs:
            mine = f"%:{proc.pid}:%"
            held, stored = sql(url, "SELECT count(*) FILTER (WHERE claimed_by LIKE %s), count(*) FILTER "
                               "(WHERE next_check_at > %s) FROM articles", [mine, PAST])
            if held and stored:
                victim = proc
                break
            held = 0
    victim.kill()
    victim.wait()
    killed_at = time.perf_counter()
    mine = f"%:{victim.pid}:%"
    held = sql(url, "SELECT count(*) FROM articles WHERE claimed_by LIKE %s", [mine])[0]
    turns = sql(url, "SELECT count(*) FROM host_slots WHERE held_by LIKE %s AND lease_until > now()", [mine])[0]
    if wait_lease:
        time.sleep(DEFAULT_LEASE_S)
    else:  # as the leases running out would: the others' claims skip only leases still running
        sql(url, "UPDATE articles SET lease_until = now() - interval '1 second' WHERE claimed_by LIKE %s", [mine])
        sql(url, "UPDATE host_slots SET lease_until = now() - interval '1 second' WHERE held_by LIKE %s", [mine])
    until_done(url)
    running.stop()
    again, exact, counts = checked(url, base, articles, rounds, before)
    print(f"SIGKILL mid-batch: {workers} workers, one killed {killed_at - began:.1f} s in holding {held} articles "
          f"unrecorded and {turns} host turns; leases {'waited out' if wait_lease else 'ended by the benchmark'}; "
          f"others done {time.perf_counter() - killed_at:.1f} s later; {counts}; nothing lost, nothing stored "
          f"twice: {exact}; {again} pages fetched twice (by the killed worker, never stored, then by another)")


# -- the synthetic archive --------------------------------------------------------------------------

WORDS = ["minister", "council", "election", "budget", "storm", "flood", "court", "police", "hospital", "school",
         "energy", "price", "market", "report", "ceasefire", "border", "summit", "strike", "vaccine", "climate"]


@contextmanager
def pg_bulk_load(conn: Any, table: str) -> Iterator[None]:
    """`table`'s indexes, unique and foreign keys dropped while rows are loaded and made again after,
    each in one pass (as a restore does): updating every index and checking every key row by row costs
    far more."""
    kept = conn.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                        "AND contype IN ('u', 'f')", [table]).fetchall()
    indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                           "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                           [table, table]).fetchall()
    indexes = [(name, sql) for name, sql in indexes if not name.endswith("_pkey")]
    for name, _ in kept:
        conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    yield
    conn.execute("SET maintenance_work_mem = '1GB'")
    for _, sql in indexes:
        conn.execute(sql)
    for name, definition in kept:
        conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def generate_postgres(url: str, articles: int, versions: int) -> float:
    """Articles, their versions (keyframe-sized text) and one passage each, by generate_series, each table
    loaded without its indexes (`pg_bulk_load`)."""
    began = time.perf_counter()
    with connect(_server(url)) as conn:
        migrate(conn)
        for table in ("passages", "events", "fetches", "versions", "article_urls", "articles", "sources"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("INSERT INTO sources (id, name, created_at) VALUES (1, 'Outlet', %s)", [DUE])
        with pg_bulk_load(conn, "articles"):
            conn.execute(
                "INSERT INTO articles (id, key, url, source_id, title, created_at, tracked, status, last_changed_at, "
                "last_checked_at, next_check_at) SELECT i, 'https://outlet.example/a/' || i, "
                "'https://outlet.example/a/' || i, 1, 'Headline ' || i, %s, 1, 'active', %s, %s, "
                "to_char(timestamp '2026-01-01' + (i %% 10000) * interval '1 minute', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM generate_series(1, %s) i", [DUE, DUE, DUE, articles])
        with pg_bulk_load(conn, "versions"):
            conn.execute(
                "INSERT INTO versions (article_id, number, captured_at, title, text, content_hash, word_count, "
                "storage, data, text_size) SELECT a, n, to_char(timestamp '2025-01-01' + (a * %s + n) * interval "
                "'1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'Headline ' || a, '', decode(md5(a || '-' || n) || "
                "md5(n || '-' || a), 'hex'), 120, CASE WHEN n = %s THEN 'keyframe' ELSE 'delta' END, "
                "convert_to(CASE WHEN n = %s THEN repeat('A sentence of the story, number ' || a || '. ', 20) "
                "ELSE 'delta ' || n END, 'UTF8'), 700 "
                "FROM generate_series(1, %s) a, generate_series(1, %s) n",
                [versions, versions, versions, articles, versions])
        with pg_bulk_load(conn, "passages"):
            conn.execute(
                "INSERT INTO passages (article_id, kind, hash, versions, terms) SELECT a, 'text', a, '1-' || %s, "
                "to_tsvector('newsdiff', (%s::text[])[1 + a %% 20] || ' ' || (%s::text[])[1 + (a / 20) %% 20] "
                "|| ' story ' || a) "
                "FROM generate_series(1, %s) a", [versions, WORDS, WORDS, articles])
        conn.execute("SELECT setval('articles_id_seq', %s)", [articles])
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - began


def _copy_out(conn: Any, query: str) -> Iterator[tuple[Any, ...]]:
    """The rows of `query`, streamed from the server (a server-side cursor), never all held in memory."""
    with conn.transaction(), conn.cursor(name="copy_out") as cur:
        cur.itersize = 20000
        cur.execute(query)
        yield from cur


def generate_sqlite(path: Path, url: str) -> float:
    """The same rows in a SQLite store (its own schema and search index), copied from PostgreSQL, the
    tables' indexes dropped while they load and made again from the store's own definitions."""
    began = time.perf_counter()
    Store.open(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA cache_size = -1000000")
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
                         "tbl_name IN ('articles', 'versions', 'passages')").fetchall()
    db.execute("BEGIN")
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    with connect(_server(url)) as conn:
        db.execute("INSERT INTO sources (id, name, created_at) VALUES (1, 'Outlet', ?)", [DUE])
        db.executemany("INSERT INTO articles (id, key, url, source_id, title, created_at, tracked, status, "
                       "last_changed_at, last_checked_at, next_check_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       _copy_out(conn, "SELECT id, key, url, source_id, title, created_at, tracked, status, "
                                 "last_changed_at, last_checked_at, next_check_at FROM articles ORDER BY id"))
        db.executemany("INSERT INTO versions (id, article_id, number, captured_at, title, text, content_hash, "
                       "word_count, storage, data, text_size) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       _copy_out(conn, "SELECT id, article_id, number, captured_at, title, text, content_hash, "
                                 "word_count, storage, data, text_size FROM versions ORDER BY id"))
        passages = ("SELECT id, article_id, kind, hash, versions, array_to_string(tsvector_to_array(terms), ' ') "
                    "FROM passages ORDER BY id")
        db.executemany("INSERT INTO passages (id, article_id, kind, hash, versions) VALUES (?,?,?,?,?)",
                       (row[:5] for row in _copy_out(conn, passages)))
        db.executemany("INSERT INTO passages_fts (rowid, text) VALUES (?, ?)",
                       ((row[0], row[5]) for row in _copy_out(conn, passages)))
    for _, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - began


# Two words found together in 1 passage of 200 (each holds two of WORDS, by its article's id).
SEARCH = "minister storm"
# What `log` reads of one article, with each driver's placeholder.
LOG_VERSIONS = ("SELECT number, captured_at, title, word_count, storage, data FROM versions WHERE article_id = {} "
                "ORDER BY number")


def timed(run: Any, repeat: int = 20) -> float:
    """Median milliseconds of `repeat` runs (after one warm-up)."""
    run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def feed_reads(store: Store, pages: int = 1) -> None:
    """What `newsdiff feed` reads of the store for the latest 50 edits (`pages` 2: the 50 after them, a
    keyset page), before any diffing: the pairs and the first capture (the feed's date when empty)."""
    after = None
    for _ in range(pages):
        rows = store.edit_pairs(limit=50, after=after)
        after = (rows[-1]["new_captured_at"], rows[-1]["new_id"])
    store.first_capture()


def words_anywhere(store: Store) -> None:
    """What `newsdiff search minister storm` reads of the index for its 20 hits before it rebuilds any
    text for their snippets: the articles in the order of their best passage holding both words (then of
    their best holding either), and each one's passages holding each word, until 20 have versions holding
    both words (the synthetic versions cannot be rebuilt, so the snippets themselves are not timed)."""
    from newsdiff.search import _found, query_terms

    list(itertools.islice(_found(store, query_terms(SEARCH)), 20))


def archive(url: str, articles: int, versions: int) -> None:
    made = generate_postgres(url, articles, versions)
    print(f"synthetic archive: {articles} articles x {versions} versions = {articles * versions} versions "
          f"(PostgreSQL rows generated in {made:.1f} s)")
    server = _server(url)
    conn = connect(server)
    middle = articles // 2

    def due() -> None:
        import psycopg

        with conn.transaction():  # rolled back: the leases are not kept, so every run claims the same
            claim_due(conn, "bench", due_by="2026-01-01T00:05:00Z", limit=100)
            raise psycopg.Rollback()

    pg_store = Store.open(url)
    pg = {
        "due articles (claim 100)": due,
        "log of one article": lambda: conn.execute(LOG_VERSIONS.format("%s"), [middle]).fetchall(),
        "feed of latest 50 edits": lambda: feed_reads(pg_store),
        "feed, next 50 (keyset)": lambda: feed_reads(pg_store, pages=2),
        "search, two words, ranked": lambda: pg_store.matching_passages(SEARCH),
        "search, words in any passage": lambda: words_anywhere(pg_store),
    }
    pg_times = {name: timed(run) for name, run in pg.items()}
    pg_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    conn.close()
    pg_store.close()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.db"
        copied = generate_sqlite(path, url)
        db = sqlite3.connect(path)
        sq_store = Store.open(path)
        sq = {
            "due articles (claim 100)": lambda: db.execute(
                "SELECT id FROM articles WHERE tracked = 1 AND status IN ('active', 'gone') AND next_check_at <= ? "
                "ORDER BY last_checked_at IS NULL DESC, next_check_at, id LIMIT 100",
                ["2026-01-01T00:05:00Z"]).fetchall(),
            "log of one article": lambda: db.execute(LOG_VERSIONS.format("?"), [middle]).fetchall(),
            "feed of latest 50 edits": lambda: feed_reads(sq_store),
            "feed, next 50 (keyset)": lambda: feed_reads(sq_store, pages=2),
            "search, two words, ranked": lambda: sq_store.matching_passages(SEARCH),
            "search, words in any passage": lambda: words_anywhere(sq_store),
        }
        sq_times = {name: timed(run) for name, run in sq.items()}
        db.close()
        sq_store.close()
        sq_size = path.stat().st_size + sum(p.stat().st_size for p in Path(folder).glob("archive.db-*"))
    print(f"(SQLite copy made in {copied:.1f} s)")
    print(f"{'query':28} {'PostgreSQL ms':>14} {'SQLite ms':>10}")
    for name in pg:
        print(f"{name:28} {pg_times[name]:14.2f} {sq_times[name]:10.2f}")
    total = articles * versions
    print(f"bytes per version: PostgreSQL {pg_size / total:.0f} ({pg_size / 1e6:.1f} MB), "
          f"SQLite {sq_size / total:.0f} ({sq_size / 1e6:.1f} MB): {pg_size / sq_size:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=4000, help="articles tracked (the issue's figure: 4000)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--hosts", type=int, default=8, help="loopback addresses the outlet answers on")
    parser.add_argument("--jobs", type=int, default=16, help="each poll's --jobs (requests in flight)")
    parser.add_argument("--same-pages", action="store_true",
                        help="rounds leave every page as it was: each re-check finds its page unchanged")
    parser.add_argument("--wait-lease", action="store_true",
                        help=f"wait out the killed worker's lease ({DEFAULT_LEASE_S:g} s) instead of ending it")
    parser.add_argument("--archive", type=int, default=20000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-archive", action="store_true")
    args = parser.parse_args()
    CHANGING[0] = not args.same_pages
    server = PgServer.start()
    SERVER_PID.append(int((server.root / "data" / "postmaster.pid").read_text().split()[0]))
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    hosts = [f"127.0.0.{i + 1}" for i in range(args.hosts)]
    outlet_process = context.Process(target=serve_outlet, args=(send, args.latency, hosts), daemon=True)
    outlet_process.start()
    bases = receive.recv()
    try:
        print(f"machine: {os.cpu_count()} cores, {load()}")
        if not args.skip_throughput:
            if args.articles != 4000:
                print(f"scaled: {args.articles} articles (the issue names 4000)")
            url = server.new_database()
            throughput(url, bases, args.articles, args.workers, args.jobs, args.latency)
            killed_worker(url, bases[0], args.articles, args.workers, args.jobs, args.wait_lease)
        if not args.skip_archive:
            archive(server.new_database(), args.archive, args.versions)
        print(f"end: {load()}")
    finally:
        outlet_process.kill()
        server.stop()


if __name__ == "__main__":
    main()
