"""The storage boundary holds: SQL is written only under newsdiff/store/, nothing else imports the store's
modules, and the SQLite store implements every method of the interface everything else calls."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import newsdiff
from newsdiff.store.interface import Store
from newsdiff.store.sqlite import SQLiteStore

PACKAGE = Path(newsdiff.__file__).parent
STORE = PACKAGE / "store"
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA)\b")


def _outside_store() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if STORE not in path.parents]


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant in a module (docstrings included: prose says "select", SQL says SELECT)."""
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_no_sql_is_written_outside_the_store() -> None:
    found = [f"{path.relative_to(PACKAGE)}:{line}: {text[:60]!r}"
             for path in _outside_store() for line, text in _strings(ast.parse(path.read_text(encoding="utf-8")))
             if SQL.search(text)]
    assert found == []


def test_the_check_finds_sql_where_there_is_some() -> None:
    """The test above would catch a statement: the store's own modules hold plenty."""
    assert any(SQL.search(text) for _, text in _strings(ast.parse((STORE / "tracking.py").read_text())))


def _imports(path: Path) -> list[str]:
    """The modules a file imports, as absolute names (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            names += [base] + [f"{base}.{alias.name}" for alias in node.names if base == "newsdiff.store"]
    return names


def test_nothing_outside_the_store_imports_its_modules() -> None:
    modules = {f"newsdiff.store.{path.stem}" for path in STORE.glob("*.py") if path.stem != "__init__"}
    found = [f"{path.relative_to(PACKAGE)}: {name}" for path in _outside_store() for name in _imports(path)
             if name in modules or name.startswith(tuple(m + "." for m in modules))]
    assert found == []
    assert "newsdiff.store.sqlite" in modules  # the check looks for the modules that exist


def test_nothing_outside_the_store_imports_a_database_driver() -> None:
    """Callers catch the store's errors (STORE_ERRORS), never sqlite3's: a second backend changes nothing above."""
    found = [f"{path.relative_to(PACKAGE)}: {name}" for path in _outside_store() for name in _imports(path)
             if name.split(".")[0] in ("sqlite3", "sqlite_utils")]
    assert found == []


def test_the_sqlite_store_implements_the_whole_interface() -> None:
    abstract = sorted(Store.__abstractmethods__)
    assert len(abstract) > 50 and SQLiteStore.__abstractmethods__ == frozenset()
    for name in abstract:
        mine, theirs = inspect.signature(getattr(SQLiteStore, name)), inspect.signature(getattr(Store, name))
        assert list(mine.parameters) == list(theirs.parameters), name


def test_every_public_store_method_is_part_of_the_interface() -> None:
    """What the rest of newsdiff may call is what a second backend must implement: nothing more."""
    public = {name for name in dir(SQLiteStore) if not name.startswith("_")}
    assert public - set(dir(Store)) == set()
