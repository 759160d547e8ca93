#!/usr/bin/env python
"""A small local news outlet for the offline demo: real article pages, an RSS feed of them, and an editor.

    python scripts/demo_outlet.py serve DIR [--port 8765] [--background] [--exit-with PID]
        Serve DIR/articles/* and an RSS feed of them at /feed.xml on 127.0.0.1. An empty DIR is first
        filled with three real news pages from fixtures/readability-news. Pages carry an ETag, so
        unchanged ones answer 304. With --background the server detaches once it is listening and
        prints "PID URL" (URL is the feed's), so a script can start it, use it and `kill PID`; with
        --exit-with it also stops by itself once process PID (the script) has ended, however it ended.
    python scripts/demo_outlet.py edit DIR
        Make a newsroom-style edit to one article: the death toll changes and a sentence grows.

A demo run: serve in the background, `newsdiff feeds add URL`, `newsdiff poll`, `edit`,
`newsdiff poll --now`, `newsdiff diff <article URL>`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import os
import re
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "readability-news"
SEED = {  # file name in the outlet -> fixture page
    "tunisia-museum-attack.html": "wapo-1",
    "us-israel-relations.html": "wapo-2",
    "obama-gun-laws.html": "bbc-1",
}
EDITED = "tunisia-museum-attack.html"
# (pattern, replacement): a corrected toll and a sentence that grows, the commonest edits to a breaking story
EDITS = [
    (r"killing at least 19 people", "killing at least 21 people"),
    (r"in\s+defending\s+itself\.", "in defending itself and would hunt down everyone involved."),
]
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def seed(folder: Path) -> None:
    articles = folder / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    if any(articles.iterdir()):
        return
    for name, fixture in SEED.items():
        (articles / name).write_bytes(gzip.decompress((FIXTURES / fixture / "source.html.gz").read_bytes()))


def edit(folder: Path) -> str:
    """Apply the scripted edit; says what happened (it is applied once, a second call changes nothing)."""
    page = folder / "articles" / EDITED
    text = page.read_text(encoding="utf-8")
    changed = text
    for pattern, replacement in EDITS:
        changed = re.sub(pattern, replacement, changed)
    if changed == text:
        return f"{page}: already edited"
    page.write_text(changed, encoding="utf-8")
    return f"{page}: death toll raised to 21, a sentence extended"


def title_of(page: bytes, fallback: str) -> str:
    match = _TITLE.search(page)
    return html.unescape(match.group(1).decode("utf-8", "replace")).split(" - ")[0].strip() if match else fallback


def feed(folder: Path, base: str) -> bytes:
    """RSS 2.0 listing every article in the folder, newest file first."""
    pages = sorted((folder / "articles").iterdir(), key=lambda p: (-p.stat().st_mtime, p.name))
    items = "".join(
        f"<item><title>{escape(title_of(p.read_bytes(), p.stem))}</title><link>{base}/articles/{p.name}</link>"
        f"<guid>{base}/articles/{p.name}</guid><pubDate>{formatdate(p.stat().st_mtime, usegmt=True)}</pubDate></item>"
        for p in pages
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Demo outlet</title>'
            f"<link>{base}/</link><description>Real news pages served locally</description>{items}</channel></rss>"
            ).encode("utf-8")


def make_server(folder: Path, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            name = self.path.split("?")[0]
            if name == "/feed.xml":
                self._send(feed(folder, base), "application/rss+xml; charset=utf-8")
                return
            page = folder / "articles" / name.removeprefix("/articles/")
            if name.startswith("/articles/") and "/" not in name.removeprefix("/articles/") and page.is_file():
                self._send(page.read_bytes(), "text/html; charset=utf-8")
                return
            self._send(b"not found", "text/plain", status=404)

        def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
            etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def exit_with(pid: int) -> None:
    """Stop this process once `pid` is gone: a script killed before its cleanup leaves no server behind."""
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass  # alive, just not ours to signal
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the outlet")
    serve.add_argument("folder", type=Path)
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--background", action="store_true", help="detach once listening; print PID and feed URL")
    serve.add_argument("--exit-with", type=int, metavar="PID", help="stop once process PID has ended")
    editor = commands.add_parser("edit", help="edit one article")
    editor.add_argument("folder", type=Path)
    args = parser.parse_args()

    if args.command == "edit":
        print(edit(args.folder))
        return 0
    seed(args.folder)
    try:
        server = make_server(args.folder.resolve(), args.port)
    except OSError as exc:
        print(f"demo_outlet: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    if args.background:
        child = os.fork()
        if child:
            print(child, url, flush=True)
            return 0
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(devnull, stream)
    else:
        print(f"serving {url} (Ctrl-C to stop)", flush=True)
    if args.exit_with:
        threading.Thread(target=exit_with, args=(args.exit_with,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
