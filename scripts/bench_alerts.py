#!/usr/bin/env python
"""Alerts: the picture's cost, delivery speed to a local webhook, and what queueing adds to `poll`.

1. Picture: a report with 5 changed sentences in a 5,000-word article, drawn REPEAT times: median
   milliseconds on the clock and in CPU (the machine may be shared).
2. Delivery: ALERTS queued alerts (ALERTS articles of two versions each, one rule) sent to a webhook in
   another process that answers after LATENCY seconds, with the default pool (8 in flight), against
   the same alerts sent one at a time (jobs=1) in the same run, each on its own copy of the database
   (no cached report shared). Without pictures (what the 10 s target is about), then PICTURES alerts
   with pictures, for their cost per alert.
3. Queueing on poll: two databases of POLLED tracked articles on a local outlet whose every page
   changes on each request; one has no rules, the other RULES rules. They are polled in turn (which goes
   first alternating), ROUNDS times each (every poll stores a new version of every article); the report
   gives milliseconds per stored version for each and their ratio.

    python scripts/bench_alerts.py [--repeat 20] [--alerts 1000] [--latency 0.01] [--pictures 100]
                                   [--polled 300] [--rounds 4] [--rules 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsdiff.alerts.deliver import send_pending
from newsdiff.alerts.queue import attach
from newsdiff.alerts.rules import AlertRule, Target
from newsdiff.diff import diff_records
from newsdiff.model import ArticleRecord, utc_now
from newsdiff.render.picture import render_picture
from newsdiff.store import Store
from newsdiff.track.poll import poll
from newsdiff.track.settings import FetchSettings, TrackSettings

WORDS = ("officials said the council would meet again on Monday to discuss the budget for the coming year "
         "while residents gathered outside the hall to protest against the closure of the library").split()


def article(words: int, seed: int) -> list[str]:
    """Paragraphs of plain news-like sentences, `words` words in all."""
    sentences, count = [], 0
    while count < words:
        n = 12 + (seed + len(sentences)) % 14
        sentence = " ".join(WORDS[(seed * 7 + len(sentences) * 3 + i) % len(WORDS)] for i in range(n))
        sentences.append(f"Item {len(sentences)} {sentence.capitalize()}.")
        count += n + 2
    return [" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5)]


def picture(repeat: int) -> None:
    paragraphs = article(5000, 1)
    edited = list(paragraphs)
    for k in range(5):  # five sentences changed: a figure in each
        p = (k * 7) % len(edited)
        edited[p] = edited[p].replace("Item", "Item 21", 1)
    old = ArticleRecord(paragraphs=tuple(paragraphs), title="Council budget talks resume", source="bench",
                        captured_at="2026-01-01T12:00:00Z")
    new = replace(old, paragraphs=tuple(edited), captured_at="2026-01-01T14:00:00Z")
    report = diff_records(old, new).to_json()
    report["changes"] = [c for c in report["changes"] if c["op"] != "unchanged"]
    changed = sum(1 for c in report["changes"])
    render_picture(report, headline="Council budget talks resume", outlet="bench", when="2026-01-01 14:00 UTC")
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        render_picture(report, headline="Council budget talks resume", outlet="bench", when="2026-01-01 14:00 UTC")
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    words = sum(len(p.split()) for p in paragraphs)
    print(f"picture: {words}-word article, {changed} changed sentences: median {statistics.median(wall) * 1000:.1f} ms "
          f"on the clock, {statistics.median(cpu) * 1000:.1f} ms CPU ({repeat} runs; target 50 ms)")


def webhook(latency: float, ports: "multiprocessing.Queue[int]") -> None:
    """The receiving end, in its own process: every POST answered 200 after `latency` seconds."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(latency)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    serve(Handler, ports)


def serve(handler: type[BaseHTTPRequestHandler], ports: "multiprocessing.Queue[int]") -> None:
    """Serve on a free loopback port, told through `ports`, until the process ends."""
    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    server = Server(("127.0.0.1", 0), handler)
    ports.put(server.server_address[1])
    server.serve_forever()


def queued(path: Path, count: int, rule: AlertRule) -> None:
    """`count` articles of two versions each, stored after the rule appeared: `count` queued alerts."""
    store = Store.open(path)
    attach(store, [rule])
    now = utc_now()
    for n in range(count):
        text = article(120, n)
        old = ArticleRecord(paragraphs=tuple(text), title=f"Story {n}", source="bench", captured_at=now,
                            url=f"https://example.org/{n}")
        store.add_version(old, key=old.url)
        edited = (text[0].replace("Item 1 ", "Item 21 ", 1),) + tuple(text[1:])
        store.add_version(replace(old, paragraphs=edited), key=old.url)
    store.close()


def delivery(args: argparse.Namespace, folder: Path) -> None:
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=webhook, args=(args.latency, ports), daemon=True)
    server.start()
    try:
        url = f"json://127.0.0.1:{ports.get(timeout=10)}/hook"
        for label, count, image in (("without pictures", args.alerts, False), ("with pictures", args.pictures, True)):
            rule = AlertRule("bench", (Target(url, url, "json"),), image=image)
            queued(folder / "base.db", count, rule)
            times, cpus = {}, {}
            for jobs in (1, 8):
                path = folder / f"jobs{jobs}.db"
                for suffix in ("", "-wal", "-shm"):
                    if (folder / f"base.db{suffix}").exists():
                        shutil.copy(folder / f"base.db{suffix}", f"{path}{suffix}")
                store = Store.open(path)
                started, cpu = time.perf_counter(), time.process_time()
                summary = send_pending(store, [rule], jobs=jobs)
                times[jobs] = time.perf_counter() - started
                cpus[jobs] = time.process_time() - cpu
                assert summary.sent == count and summary.ok, summary.to_json()
                store.close()
            print(f"delivery {label}: {count} alerts to a webhook answering after {args.latency * 1000:.0f} ms: "
                  f"{times[8]:.2f} s with 8 in flight ({count / times[8]:.0f}/s"
                  f"{'; target 1,000 in 10 s' if not image else ''}), "
                  f"{times[1]:.2f} s one at a time: {times[1] / times[8]:.1f}x; this process's CPU "
                  f"{cpus[8]:.2f} s and {cpus[1]:.2f} s")
            for file in folder.glob("*.db*"):
                file.unlink()
    finally:
        server.terminate()


def outlet(ports: "multiprocessing.Queue[int]") -> None:
    """Every GET /N answers article N with a revision number that grows on each request: a new version."""
    revisions: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with lock:
                revisions[self.path] = revision = revisions.get(self.path, 0) + 1
            number = int(self.path.strip("/").split("/")[-1])
            text = "\n\n".join(article(300, number))
            body = f"Story {number}\n\n{text}\n\nUpdated {revision} times, officials said.".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    serve(Handler, ports)


def queueing(args: argparse.Namespace, folder: Path) -> None:
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=outlet, args=(ports,), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{ports.get(timeout=10)}"
        rules = [AlertRule(f"rule{i}", (Target("json://127.0.0.1:9/x", "json://127.0.0.1:9/x", "json"),))
                 for i in range(args.rules)]
        # the outlet is on loopback, a host no `track` named here
        settings = TrackSettings(fetch=FetchSettings(jobs=16, per_host=16, allow_private_hosts=True))
        stores = {}
        for name in ("none", "rules"):
            store = Store.open(folder / f"{name}.db")
            now = utc_now()
            with store.write():
                for n in range(args.polled):
                    store.new_tracked_article([f"{base}/{name}/{n}"], source_id=None, title=None, now=now)
            if name == "rules":
                attach(store, rules)
            first = poll(store, settings, check_all=True)
            assert first.new_versions == args.polled and not first.errors, first
            stores[name] = store
        spent = {"none": 0.0, "rules": 0.0}
        stored = {"none": 0, "rules": 0}
        for turn in range(args.rounds):
            for name in (["none", "rules"] if turn % 2 == 0 else ["rules", "none"]):  # neither always goes first
                store = stores[name]
                started = time.perf_counter()
                summary = poll(store, settings, check_all=True)
                spent[name] += time.perf_counter() - started
                stored[name] += summary.new_versions
                assert summary.new_versions == args.polled and not summary.errors, summary
        queued_count = stores["rules"].db.execute("SELECT count(*) FROM alerts").fetchone()[0]
        per = {name: spent[name] / stored[name] * 1000 for name in spent}
        print(f"queueing on poll: {args.polled} articles, {args.rounds} polls each, every poll a new version of each: "
              f"{per['none']:.2f} ms per stored version with no rules, {per['rules']:.2f} ms with {args.rules} rules "
              f"({queued_count} alerts queued): {per['rules'] / per['none']:.3f}x (target at most 1.05x)")
    finally:
        server.terminate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--pictures", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.01)
    parser.add_argument("--polled", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--rules", type=int, default=3)
    args = parser.parse_args()
    picture(args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        delivery(args, Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        queueing(args, Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
