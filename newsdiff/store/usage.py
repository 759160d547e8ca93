"""What `newsdiff stats` shows: how much is tracked, how often it changes, and what the history costs on disk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .passage_index import INDEX_TABLES

if TYPE_CHECKING:
    import sqlite_utils

    from .sqlite import SQLiteStore

# Which tables (with their indexes and FTS5 shadow tables) make up each part of the file `stats` shows.
PARTS: dict[str, tuple[str, ...]] = {
    "versions": ("versions",),
    "raws": ("raws",),
    "index": INDEX_TABLES,
    "reports": ("derived",),
}
# Without dbstat, a part's size is the bytes its rows hold (the rest of the pages counts as other).
_PAYLOAD = {
    "versions": "SELECT coalesce(sum(length(CAST(text AS BLOB)) + coalesce(length(data), 0)), 0) FROM versions",
    "raws": "SELECT coalesce(sum(length(data)), 0) FROM raws",
    "reports": "SELECT coalesce(sum(length(CAST(data AS BLOB))), 0) FROM derived",
}


def btree_bytes(db: sqlite_utils.Database) -> dict[str, tuple[int, int]]:
    """(bytes of pages, bytes unused inside them) per table and index of the file, biggest first; empty
    when SQLite has no dbstat table. `scripts/bench_size.py --btrees` shows where a history's bytes go."""
    if not db.execute("SELECT 1 FROM pragma_module_list WHERE name = 'dbstat'").fetchone():
        return {}
    return {name: (size, spare or 0) for name, size, spare in db.execute(
        "SELECT name, sum(pgsize), sum(unused) FROM dbstat GROUP BY name ORDER BY 2 DESC, 1")}


def _table_bytes(db: sqlite_utils.Database) -> tuple[dict[str, int], int | None]:
    """Bytes per table (indexes and FTS shadow tables included) and the bytes left unused inside pages,
    when SQLite has the dbstat table."""
    btrees = btree_bytes(db)
    if not btrees:
        return {}, None
    sizes: dict[str, int] = {}
    unused = 0
    owners = {name: table for name, table in db.execute("SELECT name, tbl_name FROM sqlite_master")}
    for name, (size, spare) in btrees.items():
        unused += spare
        owner = owners.get(name, name)
        for suffix in ("_data", "_idx", "_docsize", "_config", "_content"):  # FTS5 shadow tables
            if owner.endswith(suffix) and owner[: -len(suffix)] in owners:
                owner = owner[: -len(suffix)]
        sizes[owner] = sizes.get(owner, 0) + size
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1])), unused


def part_bytes(db: sqlite_utils.Database, tables: dict[str, int] | None = None) -> dict[str, int]:
    """Bytes of the file per part: versions, raws, index, reports, and other (the rest: articles,
    events, fetches, schema, free pages). Pages per table from dbstat; without it, row payloads."""
    tables = _table_bytes(db)[0] if tables is None else tables
    page_bytes = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    if tables:
        parts = {part: sum(tables.get(t, 0) for t in names) for part, names in PARTS.items()}
    else:
        parts = {part: db.execute(_PAYLOAD[part]).fetchone()[0] if part in _PAYLOAD else 0 for part in PARTS}
    return {**parts, "other": page_bytes - sum(parts.values())}


def stats(store: SQLiteStore, top: int) -> dict[str, Any]:
    """Counts, edits per source, the most edited articles and storage figures, as one JSON document."""
    db = store.db
    articles, versions = db.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM versions)"
    ).fetchone()
    per_article = (
        "SELECT a.id, a.key, a.title, s.name AS source, count(v.id) AS versions FROM articles a "
        "LEFT JOIN sources s ON s.id = a.source_id LEFT JOIN versions v ON v.article_id = a.id GROUP BY a.id, s.name"
    )
    sources = list(db.query(
        f"SELECT source, count(*) AS articles, sum(versions) AS versions, "
        f"sum(CASE WHEN versions > 1 THEN versions - 1 ELSE 0 END) AS edits FROM ({per_article}) per "
        "GROUP BY source ORDER BY edits DESC, articles DESC"
    ))
    most_edited = [
        {**row, "display_title": row["title"] or store.lede(row["article_id"])}
        for row in db.query(f"SELECT id AS article_id, key, title, source, versions FROM ({per_article}) per "
                            f"WHERE versions > 1 ORDER BY versions DESC, id LIMIT ?", [top])
    ]
    text_bytes, stored_bytes = db.execute(
        "SELECT coalesce(sum(text_size), 0), coalesce(sum(length(CAST(text AS BLOB)) + coalesce(length(data), 0)), 0) "
        "FROM versions"
    ).fetchone()
    raws, raw_bytes, raw_stored = db.execute(
        "SELECT count(*), coalesce(sum(size), 0), coalesce(sum(length(data)), 0) FROM raws"
    ).fetchone()
    return {
        "articles": articles,
        "versions": versions,
        "edits": sum(s["edits"] or 0 for s in sources),
        "sources": sources,
        "most_edited": most_edited,
        "history": {"text_bytes": text_bytes, "stored_bytes": stored_bytes,
                    "ratio": round(stored_bytes / text_bytes, 4) if text_bytes else None},
        "raws": {"count": raws, "bytes": raw_bytes, "stored_bytes": raw_stored},
        "database": store._database_usage(),
    }


def file_usage(store: SQLiteStore) -> dict[str, Any]:
    """What the SQLite file holds: its pages, free and unused bytes, and bytes per part and table."""
    db = store.db
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages, free = db.execute("PRAGMA page_count").fetchone()[0], db.execute("PRAGMA freelist_count").fetchone()[0]
    tables, unused = _table_bytes(db)
    # unused: free pages plus the space left inside pages (an old version's text turned into a small
    # delta leaves most of its page empty); `newsdiff vacuum` gives back most of what edits left.
    return {"path": str(store.path) if store.path else None, "bytes_on_disk": store.size_on_disk(),
            "page_bytes": pages * page_size, "free_bytes": free * page_size,
            "unused_bytes": None if unused is None else free * page_size + unused,
            "parts": part_bytes(db, tables), "tables": tables}
