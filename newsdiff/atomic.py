"""Files written whole or not at all: a temp file beside the target, then a rename.

A reader (a web server, a script reading an export) never sees half a file, and a run killed mid-write
leaves the old file as it was. What such a kill leaves instead is the temp file, named by `TEMP`, which
`remove_stale_temps` clears on a later run.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# `.NAME.XXXXXXXX.tmp`: mkstemp's eight random characters between the target's name and the suffix.
TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


@contextmanager
def atomic_output(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """A file object whose content replaces `path` when the block ends without an error; on an error the
    temp file is removed and `path` is untouched. An OSError names `path`, never the temp file. A device
    or a pipe (`-o /dev/null`) is written directly: there is nothing there to replace."""
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8", newline="") if text else path.open("wb") as out:
            yield out
        return
    target = path.resolve() if path.is_symlink() else path  # through a link, as any write would go
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with (os.fdopen(handle, "w", encoding="utf-8", newline="") if text else os.fdopen(handle, "wb")) as out:
            yield out
        os.chmod(temp, 0o644)  # mkstemp makes it private; a web server must be able to read it
        os.replace(temp, target)
    except BaseException as exc:
        if temp:
            Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (see `atomic_output`)."""
    with atomic_output(path) as out:
        out.write(data)


def remove_stale_temps(folder: Path, before: float) -> list[Path]:
    """Remove the temp files (`TEMP`) below `folder` last written before `before` (a time.time()): those a
    killed run left. A run still writing has touched its own since it started, so they stay."""
    removed = []
    for path in folder.rglob(".*.tmp"):
        try:
            if TEMP.match(path.name) and path.is_file() and not path.is_symlink() and path.stat().st_mtime < before:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone meanwhile, or not ours to remove: the next run tries again
    return removed
