"""Real HTTP servers on 127.0.0.1 for alert tests: a webhook that records what it receives and answers
as told, and a fake Mastodon API (the three endpoints a status with a picture needs)."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from .track_server import QuietServer


class _Server(QuietServer):
    owner: "Receiver"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None,
               content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.owner.get(self)

    def do_POST(self) -> None:
        self.server.owner.post(self)


class Receiver:
    """A webhook: every POST is recorded (path, headers, JSON body); `answers` (status, headers) are
    given in turn, then 200; while `hold` is set, requests wait (a process can be killed mid-send)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.hold = threading.Event()
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hold.clear()
        self._server.shutdown()
        self._server.server_close()

    def get(self, handler: _Handler) -> None:
        handler._reply(404, b"{}")

    def post(self, handler: _Handler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        with self.lock:
            self.received.append({"path": handler.path, "headers": dict(handler.headers), "body": body})
            answer = self.answers.pop(0) if self.answers else (200, {})
        self.arrived.set()
        while self.hold.is_set():
            threading.Event().wait(0.05)
        handler._reply(answer[0], b'{"ok": true}' if answer[0] == 200 else b'{"error": "no"}', answer[1])

    def messages(self) -> list[dict[str, Any]]:
        """The JSON bodies Apprise's json:// sent (title, message, attachments ...)."""
        with self.lock:
            return [json.loads(r["body"]) for r in self.received]


class FakeMastodon(Receiver):
    """/api/v1/accounts/verify_credentials, /api/v1 and v2 /media, /api/v1/statuses, as Mastodon answers
    them; `media` and `statuses` keep what was posted."""

    def __init__(self) -> None:
        super().__init__()
        self.media: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []

    def get(self, handler: _Handler) -> None:
        if handler.path.startswith("/api/v1/accounts/verify_credentials"):
            handler._reply(200, json.dumps({"id": "1", "username": "desk", "acct": "desk"}).encode())
        elif handler.path.startswith("/api/v1/instance"):
            handler._reply(200, json.dumps({"version": "4.2.0", "uri": "127.0.0.1"}).encode())
        else:
            handler._reply(404, b"{}")

    def post(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length", 0))
        body = handler.rfile.read(length)
        if handler.headers.get("Authorization") != "Bearer sekrit-token":
            handler._reply(401, b'{"error": "The access token is invalid"}')
            return
        fields = _form(handler.headers.get("Content-Type", ""), body)
        if handler.path in ("/api/v1/media", "/api/v2/media"):
            self.media.append(fields)
            handler._reply(200, json.dumps({"id": "77", "type": "image", "url": "http://127.0.0.1/m.png",
                                            "description": fields.get("description")}).encode())
        elif handler.path == "/api/v1/statuses":
            self.statuses.append(fields)
            handler._reply(200, json.dumps({"id": "99", "content": fields.get("status"),
                                            "created_at": "2026-01-01T00:00:00.000Z"}).encode())
        else:
            handler._reply(404, b"{}")


def _form(content_type: str, body: bytes) -> dict[str, Any]:
    """A multipart or urlencoded or JSON request body as a dict (a file field as its bytes)."""
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body,
                                           policy=email.policy.HTTP)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            fields[name] = data if part.get_filename() else data.decode("utf-8")
        return fields
    from urllib.parse import parse_qs

    parsed = parse_qs(body.decode("utf-8"))
    return {key: values if key.endswith("[]") else values[0] for key, values in parsed.items()}
