"""What `check` asks of the database itself: SQLite's integrity check, FTS5's check of the search index,
rows pointing at missing parents. Each answer is a list of `Damage`; the store never repairs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from .records import Damage
    from .database import Database


class Integrity:
    """`Store` methods that look for damage."""

    db: Database

    def integrity_damage(self) -> list[Damage]:
        """SQLite's own integrity check, then FTS5's check of the search index."""
        from .passage_index import FTS

        from .records import Damage

        found = []
        for (rows,) in self.db.execute("PRAGMA integrity_check"):
            for message in rows.splitlines():  # one problem a line; a row can hold several
                if message != "ok" and not message.startswith("*** in database"):
                    found.append(Damage("integrity", f"SQLite integrity check: {message}"))
        try:
            self._check_search_index()
        except OSError as exc:
            found.append(Damage("integrity", f"search index ({FTS}) not checked: no temporary copy ({exc})"))
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")):
                message = f"search index ({FTS}) not checked: no temporary copy ({exc})"  # the scratch file's trouble
            else:
                message = f"search index ({FTS}) is corrupt: {exc}"
            found.append(Damage("integrity", message))
        return found

    def _check_search_index(self) -> None:
        """FTS5's own check of its index. SQLite counts that check as a write, which a read-only database
        refuses, so it runs on a copy of the index's tables in a private temporary file: `check` only reads."""
        from .passage_index import FTS

        create = self.db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [FTS]).fetchone()
        shadows = [name for (name,) in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?", [f"{FTS}_*"])]
        import tempfile  # only `check` needs it: every command loads this module

        with tempfile.TemporaryDirectory(prefix="newsdiff-check-") as folder:
            scratch = sqlite3.connect(Path(folder) / "index.db", isolation_level=None)
            try:
                scratch.execute("PRAGMA journal_mode = OFF")  # a throwaway copy: nothing to recover
                scratch.execute("PRAGMA synchronous = OFF")
                scratch.execute("BEGIN")
                scratch.execute(create[0])
                for name in shadows:
                    columns = len(self.db.execute(f'SELECT * FROM "{name}" LIMIT 0').description)
                    scratch.execute(f'DELETE FROM "{name}"')
                    scratch.executemany(f'INSERT INTO "{name}" VALUES ({", ".join("?" * columns)})',
                                        self.db.execute(f'SELECT * FROM "{name}"'))
                scratch.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('integrity-check')")
                scratch.execute("COMMIT")
            finally:
                scratch.close()

    def orphan_damage(self) -> list[Damage]:
        """Rows pointing at a missing parent, search index entries without their passage (and the
        reverse), raw inputs nothing uses."""
        from .passage_index import FTS, TABLE

        from .records import Damage

        found = []
        for table, rowid, parent, _ in self.db.execute("PRAGMA foreign_key_check").fetchall():
            article_id = version = None
            if table == "versions":
                article_id, version = self.db.execute(
                    "SELECT article_id, number FROM versions WHERE rowid = ?", [rowid]).fetchone()
            found.append(Damage("orphan", f"{table} row {rowid} points at a missing {parent} row", article_id, version))
        for (rowid,) in self.db.execute(f"SELECT rowid FROM {FTS} WHERE rowid NOT IN (SELECT id FROM {TABLE})"):
            found.append(Damage("orphan", f"search index entry {rowid} has no passage row"))
        for rowid, article_id in self.db.execute(
                f"SELECT id, article_id FROM {TABLE} WHERE id NOT IN (SELECT rowid FROM {FTS})"):
            found.append(Damage("index", f"passage {rowid} is missing from the search index", article_id))
        return found + self._unused_raws()

    def _unused_raws(self) -> list[Damage]:
        """Raw inputs no version or fetch uses (a backend whose engine enforces references checks only this)."""
        from .records import Damage

        return [Damage("orphan", f"raw input {rowid} is used by no version or fetch") for (rowid,) in self.db.execute(
            "SELECT id FROM raws WHERE id NOT IN (SELECT raw_id FROM versions WHERE raw_id IS NOT NULL) "
            "AND id NOT IN (SELECT raw_id FROM fetches WHERE raw_id IS NOT NULL) ORDER BY id")]

    def article_keys(self) -> dict[int, str]:
        """Every article's key, by id, in id order."""
        return dict(self.db.execute("SELECT id, key FROM articles ORDER BY id").fetchall())

    def raw_ids(self) -> list[int]:
        """Every raw input's id, in order."""
        return [raw_id for (raw_id,) in self.db.execute("SELECT id FROM raws ORDER BY id").fetchall()]

    def has_alert_queue(self) -> bool:
        """False for a database opened without its migrations (read-only, made by an older newsdiff)."""
        found = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alerts'")
        return found.fetchone() is not None
