#!/usr/bin/env python
"""Poll workers sharing one PostgreSQL database, and the store's queries on a large synthetic archive.

1. Throughput: ARTICLES tracked articles on a local outlet (a separate process, every response delayed by
   LATENCY) are re-checked by 1 worker process, then by WORKERS worker processes, each claiming batches
   of due articles with a lease (newsdiff.store.postgres.claim_due: FOR UPDATE SKIP LOCKED), fetching them
   JOBS at a time, recording each fetch and giving the article back with its next check time, in one
   transaction per article. Reports articles per second for each, their ratio, and from the outlet's
   own count that every article was fetched exactly once.
2. Politeness: the workers again, each request waiting for a turn at its host shared through the
   database (newsdiff.store.postgres.take_host_turn, PER_HOST at once); the outlet reports the most requests
   it had in flight at once.
3. A killed worker: two workers with a short lease; one is SIGKILLed mid-batch. The other takes the
   killed one's articles once the lease runs out. Reports that every article's check was recorded
   exactly once (nothing lost, nothing stored twice), and how many pages the killed worker had fetched
   without recording (fetched again by the other).
4. Synthetic archive: ARCHIVE articles with VERSIONS versions each (generated rows, not fetched), the
   same rows on PostgreSQL and in a SQLite store; times the due-article claim, `log` of one article
   (its versions), the feed of the latest 50 edits and a full-text search, and each database's bytes
   per version.

    python scripts/bench_scale.py [--articles 1000] [--latency 0.05] [--workers 4] [--jobs 8] [--per-host 4]
                                  [--archive 20000] [--versions 10] [--skip-throughput] [--skip-archive]

What the workers do is the coordination of a poll (claim, fetch, record, release), not extraction or
storing versions: the numbers measure how the queue scales across processes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsdiff.dburl import ServerUrl, parse_db
from newsdiff.store.postgres import (
    claim_due,
    connect,
    end_host_turn,
    migrate,
    release,
    take_host_turn,
)
from tests.pg_server import PgServer

DUE = "2026-01-01T00:00:00Z"
NOW = "2026-06-01T00:00:00Z"
LATER = "2099-01-01T00:00:00Z"


# -- the outlet -------------------------------------------------------------------------------------


def serve_outlet(port_out: Any, latency: float) -> None:
    """A page per path after `latency` seconds; GET /_hits answers each path's count as JSON."""
    hits: dict[str, int] = {}
    in_flight = [0, 0]  # now, most at once (reported as "_most_at_once")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path == "/_hits":
                with lock:
                    body = json.dumps({**hits, "_most_at_once": in_flight[1]}).encode()
                    in_flight[1] = 0
            else:
                with lock:
                    in_flight[0] += 1
                    in_flight[1] = max(in_flight)
                time.sleep(latency)
                with lock:
                    hits[self.path] = hits.get(self.path, 0) + 1
                    in_flight[0] -= 1
                body = f"Article {self.path}. It says one thing.".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
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

    server = Server(("127.0.0.1", 0), Handler)
    port_out.send(server.server_address[1])
    server.serve_forever()


def hits(port: int) -> dict[str, int]:
    import httpx

    return httpx.get(f"http://127.0.0.1:{port}/_hits").json()


# -- a worker ---------------------------------------------------------------------------------------


def worker(url: str, name: str, jobs: int, lease_s: float, started: Any = None, ready: Any = None,
           go: Any = None, per_host: int = 0) -> None:
    """Claim, fetch, record and release until nothing is due; `started` is set after the first claim.
    With `ready` and `go`, says it is connected and waits for the start, so start-up is not timed.
    With `per_host`, each request waits for a turn at its host shared by all workers (take_host_turn)."""
    import httpx

    server = parse_db(url)
    assert isinstance(server, ServerUrl)
    conn = connect(server)
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=jobs))
    if ready is not None:
        ready.put(name)
        go.wait()

    def check(article: Any) -> None:
        begun = time.monotonic()
        host = article.url.split("/")[2]
        slot = None
        while per_host and slot is None:
            with lock:
                slot, wait = take_host_turn(conn, name, host, per_host=per_host, delay_s=0, lease_s=lease_s)
            time.sleep(wait)
        response = client.get(article.url)
        if slot is not None:
            with lock:
                end_host_turn(conn, name, host, slot)
        with lock, conn.transaction():  # one connection per worker: its threads' transactions take turns
            conn.execute("INSERT INTO fetches (at, url, article_id, status_code, outcome, duration_ms) "
                         "VALUES (%s, %s, %s, %s, 'same', %s)",
                         [NOW, article.url, article.id, response.status_code,
                          round((time.monotonic() - begun) * 1000)])
            if not release(conn, name, article.id, checked_at=NOW, next_check_at=LATER, status="active"):
                raise RuntimeError(f"lease on article {article.id} lost")

    lock = threading.Lock()
    with ThreadPoolExecutor(jobs) as pool:
        while True:
            with lock:
                batch = claim_due(conn, name, due_by=NOW, limit=jobs * 2, lease_s=lease_s)
            if started is not None:
                started.set()
            if batch:
                list(pool.map(check, batch))
                continue
            with lock:  # nothing free: done, unless due articles are leased to a worker that may have died
                leased = conn.execute("SELECT extract(epoch FROM min(lease_until) - now()) FROM articles "
                                      "WHERE next_check_at <= %s AND lease_until IS NOT NULL", [NOW]).fetchone()[0]
            if leased is None:
                break
            time.sleep(min(0.5, max(0.05, float(leased))))  # others' leases mostly end as they finish
    conn.close()


def reset_articles(url: str, count: int, port: int) -> None:
    with connect(_server(url)) as conn:
        migrate(conn)
        conn.execute("DELETE FROM fetches")
        conn.execute("DELETE FROM articles")
        conn.execute(
            "INSERT INTO articles (key, url, created_at, tracked, next_check_at) SELECT 'k' || i, "
            "'http://127.0.0.1:' || %s || '/a/' || i, %s, 1, %s FROM generate_series(1, %s) i",
            [port, DUE, DUE, count])


def _server(url: str) -> ServerUrl:
    server = parse_db(url)
    assert isinstance(server, ServerUrl)
    return server


def run_workers(url: str, count: int, jobs: int, lease_s: float = 300, per_host: int = 0) -> float:
    """Seconds for `count` worker processes to empty the queue, from when all are connected."""
    context = multiprocessing.get_context("spawn")
    ready, go = context.Queue(), context.Event()
    procs = [context.Process(target=worker, args=(url, f"w{i}", jobs, lease_s, None, ready, go, per_host))
             for i in range(count)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    started = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"worker exited {p.exitcode}")
    return time.perf_counter() - started


def throughput(url: str, port: int, articles: int, workers: int, jobs: int, latency: float) -> None:
    rates = {}
    for count in (1, workers):
        reset_articles(url, articles, port)
        before = hits(port)
        elapsed = run_workers(url, count, jobs)
        after = hits(port)
        fetched = {path: after.get(path, 0) - before.get(path, 0) for path in after if path.startswith("/a/")}
        counts = [fetched.get(f"/a/{i}", 0) for i in range(1, articles + 1)]
        with connect(_server(url)) as conn:
            recorded = conn.execute("SELECT count(*), count(DISTINCT article_id) FROM fetches").fetchone()
        rates[count] = articles / elapsed
        exactly_once = all(c == 1 for c in counts) and recorded == (articles, articles)
        print(f"{count} worker(s) x {jobs} jobs: {articles} articles in {elapsed:.2f} s = {rates[count]:.0f}/s; "
              f"bound {count * jobs / latency:.0f}/s; every article fetched exactly once: {exactly_once} "
              f"(min {min(counts)}, max {max(counts)}, {recorded[0]} checks recorded)")
    print(f"ratio {workers} workers / 1: {rates[workers] / rates[1]:.2f}x")


def politeness(url: str, port: int, articles: int, workers: int, jobs: int, per_host: int) -> None:
    """The same run with a per-host limit shared through the database: the outlet counts the most
    requests it ever had in flight at once."""
    reset_articles(url, articles, port)
    hits(port)  # resets the outlet's count of requests at once
    elapsed = run_workers(url, workers, jobs, per_host=per_host)
    most = hits(port)["_most_at_once"]
    print(f"{workers} workers x {jobs} jobs, per_host {per_host} shared: {articles} articles in {elapsed:.2f} s "
          f"= {articles / elapsed:.0f}/s; most requests in flight at the outlet: {most} (limit {per_host})")


def killed_worker(url: str, port: int, articles: int, jobs: int, lease_s: float) -> None:
    reset_articles(url, articles, port)
    before = hits(port)
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    doomed = context.Process(target=worker, args=(url, "doomed", jobs, lease_s, started))
    doomed.start()
    started.wait(60)
    time.sleep(0.3)  # mid-batch: some of its pages fetched, some recorded
    os.kill(doomed.pid or 0, signal.SIGKILL)
    doomed.join()
    began = time.perf_counter()
    survivor = context.Process(target=worker, args=(url, "survivor", jobs, lease_s))
    survivor.start()
    survivor.join()
    elapsed = time.perf_counter() - began
    with connect(_server(url)) as conn:
        per_article = dict(conn.execute("SELECT article_id, count(*) FROM fetches GROUP BY article_id").fetchall())
        left = conn.execute("SELECT count(*) FROM articles WHERE next_check_at <= %s", [NOW]).fetchone()[0]
    after = hits(port)
    fetched = sum(after.get(p, 0) - before.get(p, 0) for p in after if p.startswith("/a/"))
    once = len(per_article) == articles and set(per_article.values()) == {1}
    print(f"SIGKILL mid-batch (lease {lease_s:g} s): survivor finished in {elapsed:.2f} s; articles still due: {left}; "
          f"each of {articles} checks recorded exactly once: {once}; "
          f"pages fetched {fetched} (= {fetched - articles} fetched by the killed worker and not recorded, "
          "fetched again after its lease)")


# -- the synthetic archive --------------------------------------------------------------------------

WORDS = ["minister", "council", "election", "budget", "storm", "flood", "court", "police", "hospital", "school",
         "energy", "price", "market", "report", "ceasefire", "border", "summit", "strike", "vaccine", "climate"]


def generate_postgres(url: str, articles: int, versions: int) -> float:
    """Articles, their versions (keyframe-sized text) and one passage each, by generate_series."""
    began = time.perf_counter()
    with connect(_server(url)) as conn:
        migrate(conn)
        for table in ("passages", "events", "fetches", "versions", "article_urls", "articles", "sources"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("INSERT INTO sources (id, name, created_at) VALUES (1, 'Outlet', %s)", [DUE])
        conn.execute(
            "INSERT INTO articles (id, key, url, source_id, title, created_at, tracked, status, last_changed_at, "
            "last_checked_at, next_check_at) SELECT i, 'https://outlet.example/a/' || i, "
            "'https://outlet.example/a/' || i, 1, 'Headline ' || i, %s, 1, 'active', %s, %s, "
            "to_char(timestamp '2026-01-01' + (i %% 10000) * interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
            "FROM generate_series(1, %s) i", [DUE, DUE, DUE, articles])
        conn.execute(
            "INSERT INTO versions (article_id, number, captured_at, title, text, content_hash, word_count, storage, "
            "data, text_size) SELECT a, n, to_char(timestamp '2025-01-01' + (a * %s + n) * interval '1 second', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'Headline ' || a, '', md5(a || '-' || n) || md5(n || '-' || a), "
            "120, CASE WHEN n = %s THEN 'keyframe' ELSE 'delta' END, "
            "convert_to(CASE WHEN n = %s THEN repeat('A sentence of the story, number ' || a || '. ', 20) "
            "ELSE 'delta ' || n END, 'UTF8'), 700 "
            "FROM generate_series(1, %s) a, generate_series(1, %s) n",
            [versions, versions, versions, articles, versions])
        conn.execute(
            "INSERT INTO passages (article_id, kind, hash, versions, terms) SELECT a, 'text', a, '1-' || %s, "
            "to_tsvector('newsdiff', (%s::text[])[1 + a %% 20] || ' ' || (%s::text[])[1 + (a / 20) %% 20] "
            "|| ' story ' || a) "
            "FROM generate_series(1, %s) a", [versions, WORDS, WORDS, articles])
        conn.execute("SELECT setval('articles_id_seq', %s)", [articles])
        conn.execute("ANALYZE")
    return time.perf_counter() - began


def generate_sqlite(path: Path, url: str) -> float:
    """The same rows in a SQLite store (its own schema and search index), copied from PostgreSQL."""
    from newsdiff.store import Store

    began = time.perf_counter()
    Store.open(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    with connect(_server(url)) as conn:
        db.execute("INSERT INTO sources (id, name, created_at) VALUES (1, 'Outlet', ?)", [DUE])
        with conn.cursor() as cur:
            cur.execute("SELECT id, key, url, source_id, title, created_at, tracked, status, last_changed_at, "
                        "last_checked_at, next_check_at FROM articles")
            db.executemany("INSERT INTO articles (id, key, url, source_id, title, created_at, tracked, status, "
                           "last_changed_at, last_checked_at, next_check_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", cur)
            cur.execute("SELECT article_id, number, captured_at, title, text, content_hash, word_count, storage, "
                        "data, text_size FROM versions")
            db.executemany("INSERT INTO versions (article_id, number, captured_at, title, text, content_hash, "
                           "word_count, storage, data, text_size) VALUES (?,?,?,?,?,?,?,?,?,?)", cur)
            cur.execute("SELECT id, article_id, kind, hash, versions, array_to_string(tsvector_to_array(terms), ' ') "
                        "FROM passages")
            for pid, article_id, kind, digest, held, text in cur:
                db.execute("INSERT INTO passages (id, article_id, kind, hash, versions) VALUES (?,?,?,?,?)",
                           [pid, article_id, kind, digest, held])
                db.execute("INSERT INTO passages_fts (rowid, text) VALUES (?, ?)", [pid, text])
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - began


# The pairs a feed shows (a version and the one before it), newest first, as the SQLite store selects them
# (store/edit_pairs.py), here cut at 50 by the database.
EDIT_PAIRS = (
    "SELECT v.article_id, a.key, a.url, s.name AS source, a.title AS article_title, p.id AS old_id, "
    "p.number AS old_number, p.captured_at AS old_captured_at, p.title AS old_title, p.content_hash AS old_hash, "
    "v.id AS new_id, v.number AS new_number, v.captured_at AS new_captured_at, v.title AS new_title, "
    "v.content_hash AS new_hash FROM versions v JOIN versions p ON p.article_id = v.article_id "
    "AND p.number = v.number - 1 JOIN articles a ON a.id = v.article_id LEFT JOIN sources s ON s.id = a.source_id "
    "WHERE v.number > 1 ORDER BY v.captured_at DESC, v.id DESC"
)

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

    pg = {
        "due articles (claim 100)": due,
        "log of one article": lambda: conn.execute(LOG_VERSIONS.format("%s"), [middle]).fetchall(),
        "feed of latest 50 edits": lambda: conn.execute(EDIT_PAIRS + " LIMIT 50").fetchall(),
        "search": lambda: conn.execute(
            "SELECT p.article_id, p.versions FROM passages p WHERE p.terms @@ plainto_tsquery('newsdiff', %s) "
            "ORDER BY ts_rank(p.terms, plainto_tsquery('newsdiff', %s)) DESC LIMIT 20",
            ["minister storm", "minister storm"]).fetchall(),
    }
    pg_times = {name: timed(run) for name, run in pg.items()}
    pg_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    conn.close()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.db"
        copied = generate_sqlite(path, url)
        db = sqlite3.connect(path)
        sq = {
            "due articles (claim 100)": lambda: db.execute(
                "SELECT id FROM articles WHERE tracked = 1 AND status IN ('active', 'gone') AND next_check_at <= ? "
                "ORDER BY last_checked_at IS NULL DESC, next_check_at, id LIMIT 100",
                ["2026-01-01T00:05:00Z"]).fetchall(),
            "log of one article": lambda: db.execute(LOG_VERSIONS.format("?"), [middle]).fetchall(),
            "feed of latest 50 edits": lambda: db.execute(EDIT_PAIRS + " LIMIT 50").fetchall(),
            "search": lambda: db.execute(
                "SELECT p.article_id, p.versions FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid "
                "WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts) LIMIT 20", ["minister storm"]).fetchall(),
        }
        sq_times = {name: timed(run) for name, run in sq.items()}
        db.close()
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
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--lease", type=float, default=3.0, help="lease of the killed-worker run, seconds")
    parser.add_argument("--per-host", type=int, default=4, help="requests in flight per host, shared by workers")
    parser.add_argument("--archive", type=int, default=20000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-archive", action="store_true")
    args = parser.parse_args()
    server = PgServer.start()
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    outlet = context.Process(target=serve_outlet, args=(send, args.latency), daemon=True)
    outlet.start()
    port = receive.recv()
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        if not args.skip_throughput:
            url = server.new_database()
            throughput(url, port, args.articles, args.workers, args.jobs, args.latency)
            politeness(url, port, min(args.articles, 400), args.workers, args.jobs, args.per_host)
            killed_worker(url, port, min(args.articles, 400), args.jobs, args.lease)
        if not args.skip_archive:
            archive(server.new_database(), args.archive, args.versions)
    finally:
        outlet.kill()
        server.stop()


if __name__ == "__main__":
    main()
