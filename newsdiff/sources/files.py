"""Reading an input file (or standard input) safely: capped, never waiting on a pipe nobody writes, gzip undone."""

from __future__ import annotations

import os
import stat
import sys
import zlib
from pathlib import Path
from typing import BinaryIO

from ..model import InputError

MAX_FILE_BYTES = 50 * 1024 * 1024  # far above any article page; stops a stray disk image being read
STDIN = "-"  # the path that names standard input: the way to import a stream


def read_bytes(path: Path, *, streams: bool = False) -> bytes:
    """The bytes of an input as newsdiff reads them: capped, gzip undone; `streams` lets a named pipe
    through (`diff <(curl ...) page.html`), still capped. InputError with a one-line reason otherwise."""
    return _gunzip(read_capped(path, streams=streams))


_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
          (stat.S_ISSOCK, "a socket"))


def read_capped(path: Path, *, streams: bool = False) -> bytes:
    """At most MAX_FILE_BYTES of `path`, never more read than one byte past that, whatever the size says
    (`/dev/zero` says 0). Devices and sockets are refused, and pipes unless `streams` (`-` reads standard
    input instead); a refused one is never opened in a way that could wait for a writer."""
    try:
        if str(path) == STDIN:
            return _capped(sys.stdin.buffer)
        if path.is_dir():
            raise InputError("is a folder")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once instead of waiting for a writer
        with os.fdopen(fd, "rb") as stream:
            mode = os.fstat(fd).st_mode
            for test, kind in _KINDS:
                if streams and test(mode) and not stat.S_ISFIFO(mode):
                    raise InputError(f"{kind}, not a file")
                if not streams and test(mode):
                    raise InputError(f"{kind}, not a file (to read a stream, pipe it to `newsdiff import -`)")
            os.set_blocking(fd, True)
            return _capped(stream)
    except FileNotFoundError:
        raise InputError("no such file") from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc)) from None


def _capped(stream: BinaryIO) -> bytes:
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return data


def _gunzip(data: bytes) -> bytes:
    """A gzip file's content (every member), decompressed to at most MAX_FILE_BYTES: a gzip bomb is refused."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    out, rest = bytearray(), data
    try:
        while rest.startswith(b"\x1f\x8b"):
            inflate = zlib.decompressobj(wbits=31)
            out += inflate.decompress(rest, MAX_FILE_BYTES + 1 - len(out))
            if len(out) > MAX_FILE_BYTES:
                raise InputError(f"gzip data expanding beyond {MAX_FILE_BYTES // (1024 * 1024)} MB, not read")
            if not inflate.eof:
                raise InputError("truncated gzip file")
            rest = inflate.unused_data
    except zlib.error as exc:
        raise InputError(f"damaged gzip file ({exc})") from None
    return bytes(out)
