"""What loads on first use, so that a command's start-up pays only for what it uses: packages' and modules'
public names (PEP 562), so `newsdiff --help` does not load the SQLite helpers nor `log` every verb's result
class; regular expressions that only rare text is matched against; and SHA-256, which only writes and
checks need.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashlib import _Hash


def lazy_exports(package: str, exports: Mapping[str, str], public: Iterable[str], *,
                 within: str | None = None) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, which loads each name of `exports` (name -> its
    submodule) the first time it is asked for and keeps it, so later lookups do not come back here.
    The submodules are `package`'s own, or those of the package `within` (for a plain module's names)."""
    module = sys.modules[package]
    names = tuple(public)

    def load(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{exports[name]}", within or package), name)
        setattr(module, name, value)
        return value

    def listing() -> list[str]:
        return sorted({*names, *(name for name in vars(module) if name.startswith("__"))})

    return load, listing


def pattern_on_use(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """`pattern` compiled the first time the returned function is called, then kept. Python's compiler
    takes about a millisecond for a pattern with a set of non-Latin-1 characters such as curly quotes,
    so one that a module consults only for rare text need not cost every process that imports it."""

    @cache
    def compiled() -> re.Pattern[str]:
        return re.compile(pattern, flags)

    return compiled


def sha256(data: bytes = b"") -> _Hash:
    """`hashlib.sha256(data)`, with hashlib loaded on first use: it loads OpenSSL's libcrypto, about 11 M
    instructions (3-4 ms), which `--help`, `list` and `log` do not need (scripts/bench_startup.py)."""
    import hashlib

    return hashlib.sha256(data)
