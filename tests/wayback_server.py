"""A fake Wayback Machine on 127.0.0.1: CDX listing, `id_` captures, Save Page Now jobs, and 429s."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

from .track_server import QuietServer, send


class Wayback:
    """Captures by URL: {url: [(timestamp, digest, body)]}; `throttle` maps a path to how many 429s it answers
    first; Save Page Now jobs turn from pending to success after `pending_polls` status checks."""

    def __init__(self) -> None:
        self.captures: dict[str, list[tuple[str, str, bytes]]] = {}
        self.throttle: Counter[str] = Counter()
        self.retry_after = "1"
        self.hits: Counter[str] = Counter()
        self.times: list[tuple[float, str]] = []
        self.saves: list[dict[str, Any]] = []  # every Save Page Now request: form fields and headers
        self.jobs: dict[str, list[Any]] = {}  # job id -> [status checks left before success, URL]
        self.pending_polls = 1
        self.lock = threading.Lock()
        self.server = QuietServer(("127.0.0.1", 0), _Handler)
        self.server.wayback = self  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    @property
    def wayback(self) -> Wayback:
        return self.server.wayback  # type: ignore[attr-defined]

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        send(self, body, status=status, content_type=content_type, headers=headers)

    def _throttled(self, path: str) -> bool:
        wb = self.wayback
        with wb.lock:
            wb.hits[path] += 1
            wb.times.append((time.monotonic(), path))
            if wb.throttle[path] > 0:
                wb.throttle[path] -= 1
                throttled = True
            else:
                throttled = False
        if throttled:
            self._send(429, b"slow down", "text/plain", {"Retry-After": wb.retry_after})
        return throttled

    def do_GET(self) -> None:
        wb = self.wayback
        parts = urlsplit(self.path)
        if self._throttled(parts.path):
            return
        if parts.path == "/cdx/search/cdx":
            query = parse_qs(parts.query)
            assert query["output"] == ["json"] and query["collapse"] == ["digest"]
            assert sorted(query["filter"]) == ["mimetype:text/html", "statuscode:200"]
            since, until = query.get("from", [""])[0], query.get("to", [""])[0]
            rows = [["timestamp", "original", "digest"]] + [
                [ts, query["url"][0], digest] for ts, digest, _ in wb.captures.get(query["url"][0], [])
                if ts[:len(since)] >= since and (not until or ts[:len(until)] <= until)]
            self._send(200, json.dumps(rows if len(rows) > 1 else []).encode())
        elif parts.path.startswith("/web/") and "id_/" in parts.path:
            stamp, original = self.path[len("/web/"):].split("id_/", 1)
            for ts, _, body in wb.captures.get(original, []):
                if ts == stamp:
                    self._send(200, body, "text/html; charset=utf-8")
                    return
            self._send(404, b"no capture", "text/plain")
        elif parts.path.startswith("/save/status/"):
            job = unquote(parts.path.rsplit("/", 1)[1])
            with wb.lock:
                left, url = wb.jobs.get(job, [None, None])
                if left:
                    wb.jobs[job][0] = left - 1
            if left is None:
                self._send(404, b'{"status": "error", "message": "no such job"}')
            elif left:
                self._send(200, json.dumps({"status": "pending", "job_id": job}).encode())
            else:
                self._send(200, json.dumps({"status": "success", "job_id": job, "timestamp": "20240305120000",
                                            "original_url": url}).encode())
        else:
            self._send(404, b"not here", "text/plain")

    def do_POST(self) -> None:
        wb = self.wayback
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self._throttled(parts.path):
            return
        if parts.path != "/save":
            self._send(404, b"not here", "text/plain")
            return
        form = dict(parse_qsl(body))
        with wb.lock:
            wb.saves.append({"form": form, "authorization": self.headers.get("Authorization"),
                             "accept": self.headers.get("Accept")})
            job = f"spn2-{len(wb.saves)}/x"  # a slash, which must reach us quoted
            wb.jobs[job] = [wb.pending_polls, form["url"]]
        self._send(200, json.dumps({"url": form["url"], "job_id": job}).encode())
