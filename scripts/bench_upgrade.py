#!/usr/bin/env python
"""What upgrading newsdiff does to an archive it tracks: pages read differently must not become edits.

Real pages (the 30 of fixtures/readability-news and the first PAGES of trafilatura's benchmark in
../shared/fixtures/trafilatura-eval) are served by a local outlet and listed in its feed. An earlier
newsdiff (BASELINE, a git ref, run from its own copy of the code) follows the feed and polls every page
into an archive with an alert rule; the outlet then renders every page again (new bytes, same text), as
outlets do all the time, and this checkout polls the same archive. Both run as whole `newsdiff` processes.

Whatever text this checkout reads differently from BASELINE comes from newsdiff, not from the outlet. The
report counts the pages read differently (each page extracted by both versions of the code, outside any
archive), and what the second poll made of them: versions stored as reader changes, versions stored as
edits, alerts queued, and entries in `newsdiff feed`. Every page read differently should be a reader
change, and none an edit, an alert or a feed entry.

    python scripts/bench_upgrade.py [--baseline REF] [--pages 300] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from bench_extract import eval_pages

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT / "fixtures" / "readability-news"
RENDERED_AGAIN = b"\n<!-- rendered again -->\n"


def outlet(pages: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    """Serve `pages` (name: bytes, read at each request so they can change) and /feed.xml listing them all."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            name = self.path.removeprefix("/a/")
            if self.path == "/feed.xml":
                items = "".join(f"<item><title>{escape(n)}</title><link>{base}/a/{escape(n)}</link></item>"
                                for n in pages)
                body, kind = f'<rss version="2.0"><channel><title>Outlet</title>{items}</channel></rss>'.encode(), (
                    "application/rss+xml")
            elif name in pages:
                body, kind = pages[name], "text/html"
            else:
                body, kind = b"not found", "text/plain"
            self.send_response(200 if kind != "text/plain" else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def checkout(ref: str, into: Path) -> Path:
    """The code of git ref `ref`, unpacked into `into` (imported from there with PYTHONPATH)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "newsdiff"],
                             check=True, capture_output=True).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def newsdiff(code: Path, db: Path, *args: str) -> str:
    """One `newsdiff` command run with the package at `code`, in the archive's folder (its config there);
    what it printed. Exit 2 (finished, some pages refused) is a result, exit 1 (failed) ends the benchmark."""
    done = subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(db), *args], capture_output=True,
                          text=True, cwd=db.parent, env={**os.environ, "PYTHONPATH": str(code)})
    if done.returncode not in (0, 2):
        raise SystemExit(f"newsdiff {' '.join(args)} ({code}): exit {done.returncode}\n{done.stderr}")
    return done.stdout


READ_PAGES = """
import json, sys
from newsdiff.sources import parse_bytes
out = {}
for path in sys.argv[2:]:
    try:
        record = parse_bytes(open(path, "rb").read(), url=sys.argv[1] + "/a/" + path.rsplit("/", 1)[1],
                             content_type="text/html").versions[0]
        out[path] = [record.title, record.text]
    except Exception as exc:
        out[path] = str(exc)
print(json.dumps(out))
"""


def readings(code: Path, base: str, files: list[Path]) -> dict[str, object]:
    """How the package at `code` reads each page (headline and text, or why it refused it)."""
    done = subprocess.run([sys.executable, "-c", READ_PAGES, base, *map(str, files)], check=True, cwd=files[0].parent,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(code)})
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="HEAD~1", help="git ref of the earlier newsdiff")
    parser.add_argument("--pages", type=int, default=300, help="pages of trafilatura's benchmark (0: none)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()

    pages = {f"news-{d.name}.html": gzip.decompress((d / "source.html.gz").read_bytes())
             for d in sorted(NEWS.iterdir()) if (d / "source.html.gz").is_file()}
    if args.pages:
        archive = args.shared / "fixtures" / "trafilatura-eval" / "eval.tar.gz"
        pages.update((f"eval-{i:04d}.html", data) for i, (_, data) in enumerate(eval_pages(archive, args.pages)[1]))
    server, base = outlet(pages)
    with tempfile.TemporaryDirectory(prefix="bench-upgrade-") as tmp:
        folder = Path(tmp)
        before, after = checkout(args.baseline, folder / "before"), ROOT
        files = []
        for name, data in pages.items():
            (folder / "pages").mkdir(exist_ok=True)
            files.append(folder / "pages" / name)
            files[-1].write_bytes(data)
        old, new = readings(before, base, files), readings(after, base, files)
        both = [str(f) for f in files if isinstance(old[str(f)], list) and isinstance(new[str(f)], list)]
        differ = sum(1 for f in both if old[f] != new[f])
        now_read = sum(1 for f in files if not isinstance(old[str(f)], list) and isinstance(new[str(f)], list))
        now_refused = sum(1 for f in files if isinstance(old[str(f)], list) and not isinstance(new[str(f)], list))
        db = folder / "archive" / "newsdiff.db"
        db.parent.mkdir()
        (db.parent / "newsdiff.toml").write_text(
            '[fetch]\nmax_new_per_feed = 10000\nper_host = 8\n\n'
            '[[alerts]]\nname = "desk"\nurl = "json://127.0.0.1:9/hook"\n', encoding="utf-8")
        newsdiff(before, db, "feeds", "add", f"{base}/feed.xml")
        first = json.loads(newsdiff(before, db, "poll", "--json"))
        for name in pages:
            pages[name] += RENDERED_AGAIN
        second = json.loads(newsdiff(after, db, "poll", "--now", "--json"))
        queued = json.loads(newsdiff(after, db, "alerts", "list", "--json"))
        feed_entries = newsdiff(after, db, "feed", "--format", "atom", "--limit", "1000").count("<entry>")
    server.shutdown()

    print(f"{len(pages)} real pages ({len(pages) - min(args.pages, len(pages))} news pages, the rest from "
          f"trafilatura's benchmark); baseline {args.baseline}")
    print(f"  read as articles by both: {len(both)}, read differently: {differ}; refused by the baseline only: "
          f"{now_read}, by this checkout only: {now_refused}")
    print(f"  baseline poll: {first.get('new_versions')} versions stored, {len(first.get('errors', []))} errors")
    print(f"  this checkout's poll of the same pages rendered again: {second.get('reader_changes')} reader "
          f"changes, {second.get('new_versions')} new versions ({now_read} expected: pages read for the first "
          f"time), {second.get('unchanged')} unchanged, {len(second.get('suspect', []))} suspect, "
          f"{len(second.get('errors', []))} errors")
    for suspect in second.get("suspect", []):
        print(f"    suspect: {suspect['url'].rsplit('/', 1)[-1]}: {suspect['reason']}")
    print(f"  alerts queued: {len(queued.get('alerts', []))}; feed entries: {feed_entries}")
    ok = (second.get("reader_changes") == differ and second.get("new_versions") == now_read
          and not queued.get("alerts") and not feed_entries)
    print(f"  every page read differently a reader change, none an edit: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
