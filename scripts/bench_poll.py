#!/usr/bin/env python
"""Polling speed: `poll` against a sequential one-at-a-time re-check, and the cost of a poll with nothing due.

1. Re-check: ARTICLES tracked articles on a local outlet (a separate process answering on HOSTS
   loopback addresses, each response delayed by LATENCY) are fetched once, then re-checked with
   `poll --now` (fetch, extract, compare with the latest version, schedule; a page met byte for byte as
   last read into the latest version is not extracted again). The baseline re-checks a sample the way
   diffengine does: one request at a time, then extract, compare and store.
   Both run in this process on the same database; the report gives articles per second for each,
   their ratio, and how close `poll` comes to its bound, min(jobs, hosts * per_host) / latency.
   Pages are short plain-text articles so the figures measure fetching, not HTML extraction.
   With --html the pages are instead the 30 real news pages of fixtures/readability-news, served
   without validators and their first versions stored without a poll (no page digest), so every one is
   extracted again. Extraction runs in one worker process per
   core, so the bound becomes the lower of the fetching bound and cores / (mean extraction time),
   measured here on the same pages (fewer articles by default: ~0.1 s of CPU each); the re-check is
   also timed with extraction in the poll's own process (`workers=0`), and the two rates compared.
2. Nothing due: `poll` on a database of IDLE tracked articles none of which is due, as a library
   call and as a whole `newsdiff poll` process, against the same on an empty database.

    python scripts/bench_poll.py [--articles 2000] [--latency 0.05] [--jobs 32] [--per-host 4]
                                 [--hosts 8] [--sample 200] [--idle 100000] [--html]

    python scripts/bench_poll.py --html --articles 500 --latency 0   # extraction in workers vs in-process
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from newsdiff.model import ArticleRecord, format_time, utc_now
from newsdiff.sources import parse_bytes
from newsdiff.sources.pool import cores
from newsdiff.store import Store
from newsdiff.track.poll import poll
from newsdiff.track.settings import FetchSettings, TrackSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "readability-news"
TEXT, HTML = "text/plain; charset=utf-8", "text/html; charset=utf-8"


def real_pages() -> list[bytes]:
    return [gzip.decompress((folder / "source.html.gz").read_bytes()) for folder in sorted(FIXTURES.iterdir())]


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended (a poll's extraction workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far (Linux's /proc): the outlet's, which serves every
    page from one Python process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, in ticks


def article_text(number: int) -> bytes:
    return (f"Story number {number}\n\n" + "\n\n".join(
        f"Paragraph {p} of story {number}: officials said the measure would take effect next week." for p in range(6)
    )).encode()


def serve(hosts: list[str], latency: float, html: bool, ports: "multiprocessing.Queue[tuple[str, int]]") -> None:
    """The outlet: every GET /N answers article N (plain text, or real page N mod 30) after `latency` seconds."""
    pages = real_pages() if html else []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(latency)
            number = int(self.path.strip("/"))
            body = pages[number % len(pages)] if html else article_text(number)
            self.send_response(200)
            self.send_header("Content-Type", HTML if html else TEXT)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    for host in hosts:
        server = Server((host, 0), Handler)
        ports.put((host, server.server_address[1]))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait()


def baseline(store: Store, urls: list[tuple[str, str]], user_agent: str) -> float:
    """diffengine's loop: get one page, extract, store if changed, next. Returns seconds."""
    started = time.perf_counter()
    with httpx.Client(headers={"User-Agent": user_agent}, timeout=30, follow_redirects=True) as client:
        for key, url in urls:
            response = client.get(url)
            record = parse_bytes(response.content, url=url, content_type=response.headers.get("content-type"))
            with store.write():
                store.add_version(replace(record.versions[0], url=url), key=key)
                store.db.execute("UPDATE articles SET last_checked_at = ? WHERE key = ?", [utc_now(), key])
    return time.perf_counter() - started


def extracted_pages(url: str) -> tuple[list[ArticleRecord], float]:
    """Each real page as the first poll would store it, and the mean seconds a (warm) extraction takes."""
    pages = real_pages()
    records = [parse_bytes(body, url=url, content_type=HTML).versions[0] for body in pages]
    started = time.perf_counter()
    for body in pages:
        parse_bytes(body, url=url, content_type=HTML)
    return records, (time.perf_counter() - started) / len(pages)


def recheck(args: argparse.Namespace, folder: Path) -> None:
    hosts = [f"127.0.0.{i + 1}" for i in range(args.hosts)]
    ports: multiprocessing.Queue[tuple[str, int]] = multiprocessing.Queue()
    outlet = multiprocessing.Process(target=serve, args=(hosts, args.latency, args.html, ports), daemon=True)
    outlet.start()
    try:
        bases = [f"http://{host}:{port}" for host, port in (ports.get(timeout=10) for _ in hosts)]
        store = Store.open(folder / "recheck.db")
        now = utc_now()
        with store.write():
            for n in range(args.articles):
                url = f"{bases[n % len(bases)]}/{n}"
                # as `track` records them: the user named these loopback hosts, so a poll may fetch them
                store.event(store.new_tracked_article([url], source_id=None, title=None, now=now), "tracked",
                            {"url": url})
        settings = TrackSettings(fetch=FetchSettings(jobs=args.jobs, per_host=args.per_host))
        if args.html:  # version 1 of each article straight from one extraction per page: quicker than a poll
            records, extraction = extracted_pages(f"{bases[0]}/0")
            for key, url in store.db.execute("SELECT key, url FROM articles ORDER BY id").fetchall():
                number = int(url.rsplit("/", 1)[1])
                store.add_version(replace(records[number % len(records)], url=url, captured_at=now), key=key)
        else:
            first = poll(store, settings, check_all=True)
            assert first.new_versions == args.articles and not first.errors, first

        assert outlet.pid is not None
        cpu, workers_cpu, outlet_cpu = time.process_time(), children_cpu(), process_cpu(outlet.pid)
        timed = poll(store, settings, check_all=True)
        cpu = time.process_time() - cpu  # the poll's own process: fetching, storing, handing pages out
        outlet_cpu = process_cpu(outlet.pid) - outlet_cpu  # serving the pages, with their latency
        workers_cpu = children_cpu() - workers_cpu  # its extraction workers, ended with the poll
        assert timed.unchanged == args.articles and not timed.errors, timed
        if args.html:  # the pages were just read: forgotten, so that the in-process poll extracts them too
            with store.write():
                store.db.execute("UPDATE articles SET page_digest = NULL")
        inline_cpu = time.process_time()
        inline = poll(store, settings, check_all=True, workers=0) if args.html else None
        inline_cpu = time.process_time() - inline_cpu
        assert inline is None or (inline.unchanged == args.articles and not inline.errors), inline
        sample = [(r[0], r[1]) for r in store.db.execute("SELECT key, url FROM articles ORDER BY id LIMIT ?",
                                                         [args.sample])]
        sequential = baseline(store, sample, settings.fetch.user_agent)
    finally:
        outlet.terminate()

    concurrency = min(args.jobs, args.hosts * args.per_host)
    bound = concurrency / args.latency if args.latency else float("inf")  # no latency: no fetching bound
    poll_rate = args.articles / timed.duration_s
    base_rate = len(sample) / sequential
    pages = "real HTML pages (30 fixtures)" if args.html else "plain-text pages (fetching, not extraction)"
    print(f"re-check of {pages}, {args.latency * 1000:.0f} ms per response, {args.hosts} hosts, "
          f"--jobs {args.jobs}, per host {args.per_host}")
    print(f"  poll        {args.articles:>6} articles in {timed.duration_s:6.2f} s  {poll_rate:8.1f} articles/s"
          + (f"  (extraction in {min(cores(), args.articles)} worker processes)" if args.html else ""))
    if inline is not None:
        inline_rate = args.articles / inline.duration_s
        print(f"  in-process  {args.articles:>6} articles in {inline.duration_s:6.2f} s  {inline_rate:8.1f} articles/s"
              f"  (extraction in the poll's own process); workers: {poll_rate / inline_rate:.2f}x its rate")
        print(f"  CPU         poll {cpu:.1f} s + workers {workers_cpu:.1f} s, in-process {inline_cpu:.1f} s: on "
              f"{cores()} idle cores workers would give at most {cores() * inline_cpu / (cpu + workers_cpu):.2f}x "
              f"(load average {os.getloadavg()[0]:.1f}; a busy machine's cores are shared between sessions)")
    print(f"  sequential  {len(sample):>6} articles in {sequential:6.2f} s  {base_rate:8.1f} articles/s")
    print(f"  ratio       {poll_rate / base_rate:.1f}x  "
          f"({'extraction sets the pace' if args.html else 'target >= 10x'})")
    how = f"{concurrency} in flight / {args.latency:g} s"
    if args.html:
        bound = min(bound, cores() / extraction)
        how += f", or one extraction per core ({cores()}) at a time: {extraction * 1000:.0f} ms each on average"
    print(f"  bound       {bound:.0f} articles/s ({how}); poll reaches {poll_rate / bound:.0%} of it")
    print(f"  pace        the poll's own process was on a CPU {cpu:.2f} s of its {timed.duration_s:.2f} s "
          f"({cpu / timed.duration_s:.0%}; {cpu / args.articles * 1000:.2f} ms per article): near 100% means its "
          "fetching and storing, not the network, set the pace")
    print(f"  outlet      on a CPU {outlet_cpu:.2f} s of the same {timed.duration_s:.2f} s "
          f"({outlet_cpu / timed.duration_s:.0%}; one Python process, its threads taking turns on one core): "
          "near 100% means the outlet serving the pages sets the pace")


def idle(args: argparse.Namespace, folder: Path) -> None:
    later = format_time(datetime.now(timezone.utc) + timedelta(days=1))
    busy_path, empty_path = folder / "idle.db", folder / "empty.db"
    store = Store.open(busy_path)
    with store.write():
        store.db.conn.executemany(
            "INSERT INTO articles (key, url, created_at, tracked, status, next_check_at) "
            "VALUES (?, ?, ?, 1, 'active', ?)",
            ((f"https://example.com/{n}", f"https://example.com/{n}", later, later) for n in range(args.idle)),
        )
    store.close()
    Store.open(empty_path).close()
    settings = TrackSettings()

    def library(path: Path) -> float:
        """Open the database, poll, close: what a cron run does once Python is up."""
        started = time.perf_counter()
        target = Store.open(path)
        summary = poll(target, settings)
        target.close()
        assert summary.articles_checked == 0
        return time.perf_counter() - started

    def process(path: Path) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(path), "poll"], check=True)
        return time.perf_counter() - started

    calls: dict[Path, list[float]] = {busy_path: [], empty_path: []}
    runs: dict[Path, list[float]] = {busy_path: [], empty_path: []}
    for _ in range(5):  # interleaved, so a busy moment on the machine hits both alike
        for path in (busy_path, empty_path):
            calls[path].append(library(path))
    for _ in range(3):
        for path in (busy_path, empty_path):
            runs[path].append(process(path))
    print(f"nothing due, {args.idle:,} tracked articles (best of several runs)")
    print(f"  open + poll + close  {min(calls[busy_path]) * 1000:7.1f} ms   "
          f"empty database {min(calls[empty_path]) * 1000:7.1f} ms")
    print(f"  newsdiff poll        {min(runs[busy_path]) * 1000:7.1f} ms   "
          f"empty database {min(runs[empty_path]) * 1000:7.1f} ms (Python start-up and imports included)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, help="tracked articles re-checked (default 2000, 150 with --html)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every response")
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--hosts", type=int, default=8, help="loopback addresses the outlet answers on")
    parser.add_argument("--sample", type=int,
                        help="articles the sequential baseline re-checks (default 200, 30 with --html)")
    parser.add_argument("--idle", type=int, default=100_000, help="tracked articles for the nothing-due poll")
    parser.add_argument("--html", action="store_true", help="re-check real HTML pages instead (extraction included); "
                                                            "skips the nothing-due part")
    args = parser.parse_args()
    args.articles = args.articles or (150 if args.html else 2000)
    args.sample = args.sample or (30 if args.html else 200)
    with tempfile.TemporaryDirectory() as folder:
        recheck(args, Path(folder))
        if not args.html:
            print()
            idle(args, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
