"""Shared fixtures: paths to the seeds and a CLI runner bound to a fresh database."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdiff.cli import app

from .pg_server import PgServer, server_bin

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "fixtures"
SEED_REUTERS = SEEDS / "000_aba298a48d93a9a3.txt"
SEED_RT = SEEDS / "001_291a403795b47fa2.txt"
SEED_PRESSTV = SEEDS / "002_31c1b58ab70737c4.txt"
SEED_DUMP = SEEDS / "003_2a9cfbafb26fb99c.txt"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL server for the whole run; skipped only when its programs are not installed."""
    pytest.importorskip("psycopg", reason="psycopg not installed (pip install -e '.[postgres]')")
    if server_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: scripts/ci_install_postgresql.sh")
    server = PgServer.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return pg_server.new_database()


@pytest.fixture
def cli(db_path: Path) -> Callable[..., "CliResult"]:
    """Run `newsdiff --db <tmp db> ARGS...`; `.json` parses stdout."""
    return cli_for(str(db_path))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, db_path: Path) -> str:
    """Each backend in turn, as `--db` names it: a fresh SQLite file, then a fresh database on the test
    server (skipped only when no PostgreSQL server binary is installed, or for a `sqlite_only` test)."""
    if request.param == "sqlite":
        return str(db_path)
    if marker := request.node.get_closest_marker("sqlite_only"):
        pytest.skip(f"SQLite's own: {marker.args[0]}" if marker.args else "looks at the SQLite file itself")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_cli(any_db: str, db_path: Path) -> Callable[..., "CliResult"]:
    """`cli` on each backend in turn (`any_db`); on a server, with the config a test wrote beside the
    SQLite file, where a file database would find it."""
    return cli_for(any_db, config_beside=None if any_db == str(db_path) else db_path)


def import_captures(cli: Callable[..., "CliResult"], folder: Path, captures: dict[str, str], *args: str) -> None:
    """Import each text as a capture of its time (`captures`: {time: text}), in the order given, with `args`."""
    for n, (when, body) in enumerate(captures.items()):
        path = folder / f"capture{n}.txt"
        path.write_text(body)
        result = cli("import", path, *args, "--captured-at", when)
        assert result.code == 0, result


def cli_for(db: str, config_beside: Path | None = None) -> Callable[..., "CliResult"]:
    """Run `newsdiff --db DB ARGS...`; `.json` parses stdout. With `config_beside`, the newsdiff.toml
    beside that path, when there is one, is passed with --config."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> CliResult:
        config = None if config_beside is None else config_beside.parent / "newsdiff.toml"
        chosen = ["--config", str(config)] if config is not None and config.exists() and "--config" not in args else []
        result = runner.invoke(app, ["--db", db, *chosen, *map(str, args)], input=input)
        return CliResult(result.exit_code, result.stdout, result.stderr, result.exception, result.stdout_bytes)

    return run


class CliResult:
    def __init__(self, code: int, stdout: str, stderr: str, exception: BaseException | None,
                 stdout_bytes: bytes = b"") -> None:
        self.code, self.stdout, self.stderr, self.exception = code, stdout, stderr, exception
        self.stdout_bytes = stdout_bytes

    @property
    def json(self) -> object:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<exit {self.code} stdout={self.stdout[:500]!r} stderr={self.stderr[:500]!r} exc={self.exception!r}>"


def on_terminal(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """Run `newsdiff ARGS...` with stdout on a pseudo-terminal: (exit code, what reached the screen, stderr)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "newsdiff", *args], stdout=follower, stderr=subprocess.PIPE,
                            env=env)
    os.close(follower)
    screen = b""
    while select.select([leader], [], [], 60)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the command exits
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    code = proc.wait(timeout=60)
    assert proc.stderr is not None
    return code, screen, proc.stderr.read().decode()
