"""The full-text index: every distinct paragraph (and headline) of an article once, with its versions.

Indexing each version whole would cost ten times the compact history itself, because consecutive
versions share almost every paragraph. Instead a paragraph is indexed the first time it appears and
`passages.versions` records, as ranges ("1-4,7"), which versions contain it. The FTS5 table is
contentless: the text lives only in the history, and search rebuilds it to show a snippet. A passage
is known by a 64-bit integer hash of its text (an 8-byte key where a hex digest took 33, stored twice).

A figure written with thousands separators ("1,500", "1.500", "1 500") is indexed as the tokens the
tokenizer makes of it and, after the passage, as its digits alone ("1500"), so `search 1500` finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..lazy import pattern_on_use, sha256

if TYPE_CHECKING:
    import sqlite_utils

class PassageInsert(Protocol):
    """How a backend stores a new passage with its indexed text (`indexed_text`): its id."""

    def __call__(self, db: Any, article_id: int, kind: str, digest: int, versions: str, text: str) -> int: ...


TABLE = "passages"
FTS = "passages_fts"
TOKENIZE = "unicode61 remove_diacritics 2"  # "Jose" finds "José"
TITLE, TEXT = "title", "text"
INDEX_TABLES = (TABLE, FTS)  # what `stats` counts as the search index
# Bytes of an FTS5 index leaf. FTS5's default, 1000, is about one 1 KB database page (store.PAGE_SIZE), so
# nearly every leaf spills into a second page's slack; 4000-byte leaves make a merged index 3% smaller
# (scripts/bench_size.py). Leaves take the new size when segments are merged (`optimize`, run by vacuum).
LEAF_BYTES = 4000


# A figure grouped in thousands by a comma, a dot, an apostrophe or a (thin, no-break) space.
GROUPED_NUMBER = pattern_on_use(r"(?<![\d.,])\d{1,3}(?:[,.'\u00a0\u2009\u202f ]\d{3})+(?![\d]|[.,]\d)")


def create(db: sqlite_utils.Database) -> None:
    """The index tables, empty. Passages are looked up by article (an index update loads all of an
    article's); PassageIndex keeps (article, kind, hash) unique, as the text of one article is written
    under the store's write lock."""
    db.table(TABLE).create(
        {"id": int, "article_id": int, "kind": str, "hash": int, "versions": str},
        pk="id", not_null={"article_id", "kind", "hash", "versions"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db.table(TABLE).create_index(["article_id"])
    db.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(text, content='', tokenize='{TOKENIZE}')")
    set_leaf_bytes(db)


def set_leaf_bytes(db: sqlite_utils.Database) -> None:
    """Write index leaves of LEAF_BYTES from now on (a setting FTS5 keeps in its config table)."""
    db.execute(f"INSERT INTO {FTS}({FTS}, rank) VALUES ('pgsz', ?)", [LEAF_BYTES])


def drop(db: sqlite_utils.Database) -> None:
    """The index tables gone (a migration rebuilds them)."""
    db.execute(f"DROP TABLE IF EXISTS {FTS}")
    db.execute(f"DROP TABLE IF EXISTS {TABLE}")


def optimize(db: sqlite_utils.Database) -> None:
    """Merge the FTS5 index's segments (one per few writes) into one, as `vacuum` does before rewriting."""
    db.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')")


def passage_hash(text: str) -> int:
    """A passage's key within its article: the first 8 bytes of its SHA-256, as SQLite's signed integer."""
    return int.from_bytes(sha256(text.encode("utf-8")).digest()[:8], "big", signed=True)


def plain_number(figure: str) -> str:
    """"1,500" -> "1500": a grouped figure's digits alone."""
    return re.sub(r"\D", "", figure)


def indexed_text(text: str) -> str:
    """What the FTS5 table is given for a passage: its text, then its grouped figures as digits alone."""
    figures = [plain_number(m.group()) for m in GROUPED_NUMBER().finditer(text)]
    return " ".join([text, *figures]) if figures else text


def parse_ranges(value: str) -> list[list[int]]:
    """"1-4,7" -> [[1, 4], [7, 7]]."""
    pairs = []
    for part in value.split(","):
        first, _, last = part.partition("-")
        pairs.append([int(first), int(last or first)])
    return pairs


def format_ranges(pairs: Iterable[list[int]]) -> str:
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in pairs)


def _append(pairs: list[list[int]], number: int) -> bool:
    """Add `number`, never below the ranges' last one; False when it is already there."""
    if pairs and pairs[-1][1] >= number:
        return False
    if pairs and pairs[-1][1] == number - 1:
        pairs[-1][1] = number
    else:
        pairs.append([number, number])
    return True


def compress_ranges(numbers: Iterable[int]) -> str:
    """[1, 2, 3, 5] -> "1-3,5"."""
    pairs: list[list[int]] = []
    for number in sorted(set(numbers)):
        _append(pairs, number)
    return format_ranges(pairs)


def expand_ranges(value: str) -> list[int]:
    """Every version number in a ranges string."""
    return [n for a, b in parse_ranges(value) for n in range(a, b + 1)]


@dataclass
class Passage:
    id: int | None
    kind: str
    hash: int
    ranges: list[list[int]]
    text: str | None = None  # only for passages not yet written
    dirty: bool = False


@dataclass
class PassageIndex:
    """One article's passages, loaded once, extended version by version, written back in one go."""

    article_id: int
    passages: dict[tuple[str, int], Passage] = field(default_factory=dict)

    @classmethod
    def load(cls, db: sqlite_utils.Database, article_id: int) -> PassageIndex:
        index = cls(article_id)
        for pid, kind, digest, versions in db.execute(
            f"SELECT id, kind, hash, versions FROM {TABLE} WHERE article_id = ?", [article_id]
        ):
            index.passages[(kind, digest)] = Passage(pid, kind, digest, parse_ranges(versions))
        return index

    def add(self, number: int, title: str | None, text: str) -> None:
        """Record that version `number` (newer than any added before) has this headline and body."""
        for (kind, digest), value in texts(title, text).items():
            passage = self.passages.get((kind, digest))
            if passage is None:
                self.passages[(kind, digest)] = Passage(None, kind, digest, [[number, number]], value, True)
            elif _append(passage.ranges, number):  # False: the same paragraph twice in one version
                passage.dirty = True

    def insert(self, number: int, title: str | None, text: str) -> None:
        """Record an earlier capture stored as version `number`: versions from `number` on move up one."""
        present = set(texts(title, text))
        for key, passage in self.passages.items():
            numbers = [n + 1 if n >= number else n for n in expand_ranges(format_ranges(passage.ranges))]
            if key in present:
                numbers.append(number)
            ranges = parse_ranges(compress_ranges(numbers))
            if ranges != passage.ranges:
                passage.ranges, passage.dirty = ranges, True
        if present - self.passages.keys():
            self.add(number, title, text)  # indexes the passages new to the article; the rest have `number`

    def ranges(self) -> dict[tuple[str, int], str]:
        """What the index says, for comparing a stored index with one rebuilt from the history."""
        return {key: format_ranges(p.ranges) for key, p in self.passages.items()}

    def write(self, db: sqlite_utils.Database, insert: PassageInsert | None = None) -> None:
        """Insert new passages (and their index entries: `insert`, FTS5's by default) and update the ranges
        of extended ones."""
        for passage in self.passages.values():
            if not passage.dirty:
                continue
            versions = format_ranges(passage.ranges)
            if passage.id is None:
                passage.id = (insert or insert_fts)(db, self.article_id, passage.kind, passage.hash, versions,
                                                    indexed_text(passage.text or ""))
                passage.text = None
            else:
                db.execute(f"UPDATE {TABLE} SET versions = ? WHERE id = ?", [versions, passage.id])
            passage.dirty = False


def insert_fts(db: sqlite_utils.Database, article_id: int, kind: str, digest: int, versions: str, text: str) -> int:
    """A new passage's row and its entry in the FTS5 table (which keeps no copy of `text`); its id."""
    pid = db.execute(f"INSERT INTO {TABLE} (article_id, kind, hash, versions) VALUES (?, ?, ?, ?)",
                     [article_id, kind, digest, versions]).lastrowid
    assert pid is not None  # a plain insert adds its row or raises
    db.execute(f"INSERT INTO {FTS}(rowid, text) VALUES (?, ?)", [pid, text])
    return pid


def texts(title: str | None, text: str) -> dict[tuple[str, int], str]:
    """A version's passages by (kind, hash), as `PassageIndex.add` indexes them."""
    items = [(TITLE, title)] if title else []
    items += [(TEXT, p) for p in text.split("\n\n") if p]
    return {(kind, passage_hash(value)): value for kind, value in items}


def remove(db: sqlite_utils.Database, article_id: int, known: dict[tuple[str, int], str]) -> int:
    """Delete an article's passages and their FTS rows; `known` holds every passage's text (from `texts`
    over all its versions): a contentless FTS5 table forgets a row only when told exactly what it indexed,
    as `PassageIndex.write` inserted it. ValueError, and nothing deleted, when a passage's text is missing."""
    rows = db.execute(f"SELECT id, kind, hash FROM {TABLE} WHERE article_id = ?", [article_id]).fetchall()
    missing = [pid for pid, kind, digest in rows if (kind, digest) not in known]
    if missing:
        raise ValueError(f"passages {', '.join(map(str, missing))} match no text in the article's history")
    for pid, kind, digest in rows:
        db.execute(f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', ?, ?)",
                   [pid, indexed_text(known[kind, digest])])
    db.execute(f"DELETE FROM {TABLE} WHERE article_id = ?", [article_id])
    return len(rows)
