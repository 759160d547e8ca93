"""Packages whose public names load on first use (PEP 562), so importing the package costs nothing more.

A command's start-up pays only for the modules it uses: `newsdiff --help` must not load the SQLite
helpers, and `log` must not build every verb's result class.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str],
                 public: Iterable[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, which loads each name of `exports` (name -> its
    submodule) the first time it is asked for and keeps it, so later lookups do not come back here."""
    module = sys.modules[package]
    names = tuple(public)

    def load(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{exports[name]}", package), name)
        setattr(module, name, value)
        return value

    def listing() -> list[str]:
        return sorted({*names, *(name for name in vars(module) if name.startswith("__"))})

    return load, listing
