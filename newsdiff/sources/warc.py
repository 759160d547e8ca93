"""WARC files in: every record classified as an HTML page to store, a record skipped (and why) or damage.

Records stream one at a time through warcio, each page's body capped, so a crawl of any size is read in
bounded memory. A record that cannot be read is reported by its offset and reading resumes at the next
record that can be found (the next gzip member of a .warc.gz, the next `WARC/1.` header otherwise).
"""

from __future__ import annotations

import contextlib
import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..urls import shown

HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MAGIC = b"\x1f\x8b"
WARC_MAGIC = b"WARC/"  # what a WARC file (once ungzipped) starts with
_SCAN_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WarcPage:
    """An HTML response record with status 200: a capture of `url` at `captured_at` (WARC-Date)."""

    offset: int
    url: str
    captured_at: str
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class WarcSkip:
    """A record that holds no page to store; `reason` is what `import` counts it under."""

    offset: int
    reason: str


@dataclass(frozen=True)
class WarcDamage:
    """A record that could not be read (truncated, corrupt): reported, never stored."""

    offset: int
    reason: str


WarcItem = WarcPage | WarcSkip | WarcDamage


def is_warc(path: Path) -> bool:
    """True when the file opens like a WARC (plain or gzip-compressed), judged by its content, not its name."""
    if not path.is_file():  # a pipe or a device is never opened here: `read_input` refuses it by name
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    if head.startswith(_GZIP_MAGIC):
        try:
            head = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16).decompress(head, 16)
        except zlib.error:
            return False
    return head.startswith(WARC_MAGIC)


def read_warc(path: Path, *, max_body: int) -> Iterator[WarcItem]:
    """Every record of a WARC file in order. Raises OSError only when the file cannot be opened."""
    from warcio.archiveiterator import ArchiveIterator

    class Quiet(ArchiveIterator):
        """warcio writes a record's stray bytes straight to stderr (a terminal): they are the file's."""

        def _consume_blanklines(self) -> Any:
            with contextlib.redirect_stderr(io.StringIO()):
                return super()._consume_blanklines()

    with open(path, "rb") as fh:
        marker = b"\x1f\x8b\x08" if fh.read(2) == _GZIP_MAGIC else b"WARC/1."
        start: int | None = 0
        reported = False  # a damaged stretch is reported once, however many false starts it holds
        while start is not None:
            fh.seek(start)
            records = Quiet(fh)
            try:
                for record in records:
                    offset = records.offset  # where this record starts, until read_to_end moves on
                    item = _classify(record, offset, max_body)
                    records.read_to_end()
                    missing = getattr(record.raw_stream, "limit", 0)
                    if missing:
                        raise _Truncated(offset, f"truncated: {missing:,} bytes of the record are missing")
                    reported = False
                    yield item
                if records.offset < os.fstat(fh.fileno()).st_size:  # a gzip member cut short ends warcio quietly
                    raise _Truncated(records.offset, "truncated: the file ends inside a record")
                start = None
            except Exception as exc:  # warcio raises many kinds for a broken record; every one is damage
                at = exc.offset if isinstance(exc, _Truncated) else records.offset
                if not reported:
                    yield WarcDamage(at, _reason(exc))
                reported = True
                start = _next_start(fh, at + 1, marker)


def _classify(record: Any, offset: int, max_body: int) -> WarcItem:
    """What one record is; only an HTML 200 response has its body read (up to `max_body` bytes)."""
    kind = record.rec_type
    if kind != "response":
        return WarcSkip(offset, kind or "unknown")
    if record.http_headers is None:
        return WarcSkip(offset, "not HTTP")
    status = record.http_headers.get_statuscode()
    if status != "200":
        return WarcSkip(offset, f"status {status}")
    content_type = record.http_headers.get_header("content-type")
    if (content_type or "").split(";")[0].strip().lower() not in HTML_TYPES:
        return WarcSkip(offset, "not HTML")
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
    captured_at = record.rec_headers.get_header("WARC-Date")
    if not url or not captured_at:
        return WarcSkip(offset, "no URL or date")
    body = _read_capped(record.content_stream(), max_body)
    if body is None:
        return WarcSkip(offset, "too large")
    return WarcPage(offset, url, captured_at, content_type, body)


def _read_capped(stream: IO[bytes], limit: int) -> bytes | None:
    """The stream's bytes, or None once they pass `limit` (the rest is left for warcio to skip)."""
    data = bytearray()
    while chunk := stream.read(65536):
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


class _Truncated(Exception):
    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset


def _reason(exc: Exception) -> str:
    """One printable line: warcio quotes the broken record's bytes, which are the file's, not ours."""
    text = shown(" ".join(str(exc).split()))
    return text if isinstance(exc, _Truncated) else f"unreadable record ({type(exc).__name__}: {text})"


def _next_start(fh: IO[bytes], after: int, marker: bytes) -> int | None:
    """The offset of the next `marker` at or after `after`, scanning in bounded chunks; None at the end."""
    fh.seek(after)
    position, tail = after, b""
    while chunk := fh.read(_SCAN_CHUNK):
        found = (tail + chunk).find(marker)
        if found >= 0:
            return position - len(tail) + found
        tail = chunk[-(len(marker) - 1):]
        position += len(chunk)
    return None
