"""Edits as the store knows them: each version after an article's first, paired with the one before it.
What the pair changed is the diff engine's to say (reports.cache); this is which pairs there are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .database import Database

# A version's snapshot in the Wayback Machine (archive/save.py records it as an `archived` event).
_ARCHIVED = ("(SELECT json_extract(e.detail, '$.url') FROM events e WHERE e.article_id = {v}.article_id "
             "AND e.version_id = {v}.id AND e.kind = 'archived' ORDER BY e.id DESC LIMIT 1)")
# `{newer}`: the versions that end a pair, `versions` itself or the page of them a feed reads (`_newer`).
_PAIRS = (
    "SELECT v.article_id, a.key, a.url, s.name AS source, a.title AS article_title, "
    "p.id AS old_id, p.number AS old_number, p.captured_at AS old_captured_at, p.title AS old_title, "
    "lower(hex(p.content_hash)) AS old_hash, v.id AS new_id, v.number AS new_number, v.captured_at AS new_captured_at, "
    "v.title AS new_title, lower(hex(v.content_hash)) AS new_hash, "
    f"{_ARCHIVED.format(v='p')} AS old_archived, {_ARCHIVED.format(v='v')} AS new_archived, "
    "p.reader_change AS old_reader_change, v.reader_change AS new_reader_change "
    "FROM {newer} v JOIN versions p ON p.article_id = v.article_id AND p.number = v.number - 1 "
    "JOIN articles a ON a.id = v.article_id LEFT JOIN sources s ON s.id = a.source_id "
    "WHERE v.number > 1 "
)
_NEWEST_FIRST = "ORDER BY v.captured_at DESC, v.id DESC"


def _scope(article_id: int | None, source: str | None, version_id: int | None,
           number: int | None = None) -> tuple[str, list[Any]]:
    """The `AND ...` clauses (versions `v`, sources `s`) that keep what belongs to the scope."""
    where, params = "", []
    for clause, value in (("v.article_id", article_id), ("s.name", source), ("v.id", version_id),
                          ("v.number", number)):
        if value is not None:
            where += f"AND {clause} = ? "
            params.append(value)
    return where, params


class EditPairs:
    """`Store` methods that list edits (pairs of consecutive versions) and what the site cached about them."""

    db: Database

    def edit_pairs(self, *, article_id: int | None = None, source: str | None = None,
                   version_id: int | None = None, number: int | None = None, limit: int | None = None,
                   after: tuple[str, int] | None = None) -> list[dict[str, Any]]:
        """Each version after an article's first with the one before it (`old_*`, `new_*` and the
        article's key, url, source and article_title; `*_archived`: the Wayback Machine snapshot's URL or
        None; `*_reader_change`: 1 for a version only newsdiff's reading changed), newest capture first:
        all of them, an article's, a source's, the one ending at version `version_id`, or those ending at
        version `number`.

        `limit` cuts the list; `after` (a row's `new_captured_at` and `new_id`) starts it past that row:
        a keyset page, which stays right while versions are added. Versions are indexed by capture time
        (`idx_versions_captured_at`): the page is taken from the versions alone, newest first from that
        index, and only its rows are joined, so the newest 50 of a large archive are read without sorting
        the rest (and without the parallel scan PostgreSQL's estimate of the whole join would start). One
        source's pairs start from its articles instead.
        """
        where, params = _scope(article_id, source, version_id, number)
        if after is not None:
            where += "AND (v.captured_at, v.id) < (?, ?) "
            params.extend(after)
        cut = ""
        if limit is not None:
            cut = " LIMIT ?"
            params.append(limit)
        if source is None:  # every condition is on the newer version: pick the page from its rows alone
            newer = f"(SELECT * FROM versions v WHERE v.number > 1 {where}{_NEWEST_FIRST}{cut})"
            return list(self.db.query(_PAIRS.replace("{newer}", newer) + _NEWEST_FIRST, params))
        return list(self.db.query(_PAIRS.replace("{newer}", "versions") + where + _NEWEST_FIRST + cut, params))

    def first_capture(self, *, article_id: int | None = None, source: str | None = None) -> str | None:
        """When the earliest version of an article, of a source, or of anything was captured (the
        latter from the capture time index alone: no join)."""
        if article_id is None and source is None:
            return self.db.execute("SELECT min(captured_at) FROM versions").fetchone()[0]
        where, params = _scope(article_id, source, None)
        return self.db.execute(
            "SELECT min(v.captured_at) FROM versions v JOIN articles a ON a.id = v.article_id "
            "LEFT JOIN sources s ON s.id = a.source_id WHERE TRUE " + where, params).fetchone()[0]

    def all_versions(self) -> list[dict[str, Any]]:
        """Every version's id, article_id, number, captured_at, title, content_hash, archived (its Wayback
        Machine snapshot's URL or None) and reader_change, by article and number."""
        return list(self.db.query("SELECT id, article_id, number, captured_at, title, "
                                  "lower(hex(content_hash)) AS content_hash, reader_change, "
                                  f"{_ARCHIVED.format(v='versions')} AS archived FROM versions "
                                  "ORDER BY article_id, number"))

    def last_pruned(self, prefix: str) -> str | None:
        """The `current` of the last `drop_stale_derived(prefix, current)`: while it is still the current
        one, nothing stale of `prefix` is kept, and pruning need not read the derived data again."""
        row = self.db.execute("SELECT engine FROM derived_pruned WHERE prefix = ?", [prefix]).fetchone()
        return None if row is None else str(row[0])

    def drop_stale_derived(self, prefix: str, current: str) -> int:
        """Delete derived data of a kind starting with `prefix` but not with `current` (made by another
        version of the code that computes it), inside the caller's write transaction, and record `current`
        as the last pruned (`last_pruned`); how many rows went."""
        dropped = self.db.execute("DELETE FROM derived WHERE substr(kind, 1, ?) = ? AND substr(kind, 1, ?) != ?",
                                  [len(prefix), prefix, len(current), current]).rowcount
        self.db.execute("INSERT INTO derived_pruned (prefix, engine) VALUES (?, ?) "
                        "ON CONFLICT (prefix) DO UPDATE SET engine = excluded.engine", [prefix, current])
        return dropped
