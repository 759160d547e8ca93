"""A real HTTP server on 127.0.0.1 for tracking tests: pages, feeds and every way a server misbehaves."""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
WAPO = "https://www.washingtonpost.com"

Responder = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "Outlet.Server"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        outlet = self.server.outlet
        path = self.path
        with outlet.lock:
            outlet.hits[path] += 1
            outlet.requests[path].append({**dict(self.headers), "_at": time.monotonic()})
            outlet.active[path] += 1
            outlet.peak = max(outlet.peak, sum(outlet.active.values()))
        try:
            responder = outlet.routes.get(path)
            if responder is None:
                send(self, b"not here", status=404)
            else:
                responder(self)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with outlet.lock:
                outlet.active[path] -= 1


def send(handler: Handler, body: bytes, *, status: int = 200, content_type: str = "text/plain; charset=utf-8",
         headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class QuietServer(ThreadingHTTPServer):
    """A test server that never prints a traceback: a client that resets or abandons a request is what
    several tests do on purpose, and the trace would land in the stderr a command's test reads."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Outlet:
    """`routes` maps a path to a responder; `hits`, `requests` and `peak` record what clients did."""

    class Server(QuietServer):
        outlet: "Outlet"

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Responder] = {}
        self.hits: Counter[str] = Counter()
        self.requests: dict[str, list[dict[str, Any]]] = defaultdict(list)  # headers, and "_at" when received
        self.active: Counter[str] = Counter()
        self.peak = 0
        self.lock = threading.Lock()
        self._server = self.Server((host, 0), Handler)
        self._server.outlet = self
        self.base = f"http://{host}:{self._server.server_address[1]}"
        # a short poll interval: shutting down waits for it, once per test
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Outlet":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path


# -- responders --------------------------------------------------------------------------------------


def page(body: bytes | str, *, content_type: str = "text/plain; charset=utf-8", etag: str | None = None,
         last_modified: str | None = None, delay: float = 0.0) -> Responder:
    """A page that honours conditional GET when given validators."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def respond(handler: Handler) -> None:
        time.sleep(delay)
        headers = {}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = last_modified
        if (etag and handler.headers.get("If-None-Match") == etag) or (
            not etag and last_modified and handler.headers.get("If-Modified-Since") == last_modified
        ):
            handler.send_response(304)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        send(handler, data, content_type=content_type, headers=headers)

    return respond


def status(code: int, headers: dict[str, str] | None = None) -> Responder:
    return lambda handler: send(handler, f"status {code}".encode(), status=code, headers=headers)


def redirect(to: str, code: int = 301) -> Responder:
    return lambda handler: send(handler, b"", status=code, headers={"Location": to})


def sequence(*responders: Responder) -> Responder:
    """The first request gets the first responder and so on; the last one repeats."""
    calls = iter(responders)
    current = [responders[-1]]

    def respond(handler: Handler) -> None:
        current[0] = next(calls, responders[-1])
        current[0](handler)

    return respond


def alternate(*responders: Responder) -> Responder:
    """Round and round: an A/B test that never settles."""
    state = {"n": 0}

    def respond(handler: Handler) -> None:
        state["n"] += 1
        responders[(state["n"] - 1) % len(responders)](handler)

    return respond


def reset(handler: Handler) -> None:
    """Drop the connection with a TCP reset before answering."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def endless(handler: Handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.close_connection = True
    line = b"and on and on " * 1000
    while True:
        handler.wfile.write(line)


def gzip_bomb(expands_to: int) -> Responder:
    bomb = gzip.compress(b" " * expands_to, compresslevel=9)
    return lambda handler: send(handler, bomb, headers={"Content-Encoding": "gzip"})


def slow(delay: float, body: str = "Too late\n\nThis text arrives after every timeout.") -> Responder:
    return page(body, delay=delay)


# -- fixture feeds rewritten to point here -------------------------------------------------------------


def rewritten_feed(name: str, base: str) -> bytes:
    """A real Washington Post feed whose article links all lead to `base`."""
    return (FEEDS / name).read_bytes().replace(WAPO.encode(), base.encode())


def article_paths(feed: bytes, base: str) -> Iterator[str]:
    for entry in feedparser.parse(feed).entries:
        yield entry.link[len(base):]
