"""A throwaway PostgreSQL server for the tests and benchmarks: initdb and pg_ctl in a temporary folder,
listening on a free port of 127.0.0.1 only, removed when stopped.

PostgreSQL refuses to run as root, so when this process is root the folder belongs to the `postgres`
user and the server's programs run as that user. Connections over TCP need the password (SCRAM), so
the tests can check that a wrong one fails and that it is never shown.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

USER = "newsdiff"
PASSWORD = "s3cret-pw"  # a throwaway server's; tests check it never reaches an error message
_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def server_bin() -> Path | None:
    """The folder of initdb and pg_ctl: NEWSDIFF_PG_BIN, the newest Debian server, or PATH; None if absent."""
    candidates = [os.environ.get("NEWSDIFF_PG_BIN", "")]
    versions = {folder: Path(folder).parent.name for folder in glob.glob(_BIN_GLOB)}
    candidates += sorted(versions, key=lambda f: int(versions[f]) if versions[f].isdigit() else 0, reverse=True)
    which = shutil.which("pg_ctl")
    candidates.append(str(Path(which).parent) if which else "")
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """One running server; `url(db)` names a database on it, `new_database()` makes an empty one."""

    bin: Path
    root: Path
    port: int
    _names: count = field(default_factory=lambda: count(1))

    @classmethod
    def start(cls, bin_dir: Path | None = None) -> PgServer:
        bin_dir = bin_dir or server_bin()
        if bin_dir is None:
            raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl)")
        root = Path(tempfile.mkdtemp(prefix="newsdiff-pg-"))
        server = cls(bin_dir, root, _free_port())
        try:
            server._init()
            server.resume()
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def resume(self) -> None:
        """Start the server on its files (after `start` made them, or after `pause`)."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60", "start")

    def pause(self) -> None:
        """Stop the server cleanly (every page written to its file), keeping its files for `resume`."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def relation_file(self, database_url: str, table: str) -> Path:
        """The file holding `table`'s first segment, in that database."""
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_relation_filepath(%s)", [table]).fetchone()
        assert row is not None
        return self.root / "data" / row[0]

    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self._as_owner(), str(self.bin / program), *args], capture_output=True, text=True,
                                timeout=120, check=False)
        if result.returncode:
            log = self.root / "log"
            raise RuntimeError(f"{program} failed: {result.stderr.strip()} {log.read_text() if log.exists() else ''}")

    def _init(self) -> None:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self._run("initdb", "-D", str(self.root / "data"), "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
                  "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        pwfile.unlink()

    def url(self, database: str = "postgres", *, password: str | None = PASSWORD) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{USER}{secret}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """An empty database's URL (each test its own, on one server started once)."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
