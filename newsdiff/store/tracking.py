"""What a poll reads and writes: feeds, tracked articles and their schedule, the log of fetches. The policy
(what is due, when an article retires, which URL is whose) lives in track/; these are its rows."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .database import new_row
from .interface import DEFAULT_LEASE_S

if TYPE_CHECKING:
    from .database import Database

# What a poll needs of a tracked article.
_ARTICLE = ("SELECT a.id, a.key, a.url, a.title, a.status, a.etag, a.last_modified, a.last_checked_at, "
            "s.name AS source, a.page_digest, a.read_by FROM articles a LEFT JOIN sources s ON s.id = a.source_id ")
_LIVE = "a.tracked = 1 AND a.status IN ('active', 'gone')"


class Tracking:
    """`Store` methods for feeds, tracked articles and fetches. Writes join the caller's transaction
    (`Store.write`) unless they say otherwise."""

    db: Database
    source_id: Callable[[str | None], int | None]

    # -- feeds -------------------------------------------------------------------------------------

    def add_feed(self, url: str, source: str | None, *, from_config: bool, default_source: str) -> bool:
        """Register a feed under `source` (else `default_source`); False when it was there already, in
        which case the config's outlet name wins, and a feed added by command stops being the config's."""
        row = self.db.execute("SELECT id, from_config FROM feeds WHERE url = ?", [url]).fetchone()
        if row is not None:
            feed_id, was_from_config = row
            if from_config and source:
                self.db.execute("UPDATE feeds SET source_id = ? WHERE id = ?", [self.source_id(source), feed_id])
            elif was_from_config and not from_config:
                self.db.execute("UPDATE feeds SET from_config = 0 WHERE id = ?", [feed_id])
            return False
        self.db.insert_row("feeds", {"url": url, "source_id": self.source_id(source or default_source),
                                     "added_at": _now(), "from_config": int(from_config)})
        return True

    def remove_feed(self, urls: Sequence[str]) -> bool:
        """Forget the feed stored under any of these URLs (its fetches stay, unlinked); False if none is."""
        row = self.db.execute(f"SELECT id FROM feeds WHERE url IN ({_marks(urls)})", list(urls)).fetchone()
        if row is None:
            return False
        self.db.execute("UPDATE fetches SET feed_id = NULL WHERE feed_id = ?", [row[0]])
        self.db.execute("DELETE FROM feeds WHERE id = ?", [row[0]])
        return True

    def config_feed_urls(self) -> list[str]:
        """Feeds that were copied in from the config file."""
        return [url for (url,) in self.db.execute("SELECT url FROM feeds WHERE from_config = 1").fetchall()]

    def feeds(self) -> list[dict[str, Any]]:
        """Every feed with its outlet and last check, as `feeds list` shows them."""
        return list(self.db.query(
            "SELECT f.id, f.url, s.name AS source, f.title, f.added_at, f.last_checked_at, f.last_status, "
            "f.last_error, f.etag, f.last_modified FROM feeds f LEFT JOIN sources s ON s.id = f.source_id "
            "ORDER BY f.id"))

    def feeds_to_poll(self, limit: int | None = None, *, skip: Collection[int] = (),
                      lease_s: float = DEFAULT_LEASE_S) -> list[dict[str, Any]]:
        """Each feed's id, URL, outlet id and validators (ETag, Last-Modified), in the order added; at most
        `limit`, none in `skip`. No lease: one poll at a time runs on a file (its run lock)."""
        import json

        return list(self.db.query("SELECT id, url, source_id, etag, last_modified FROM feeds WHERE id NOT IN "
                                  "(SELECT value FROM json_each(?)) ORDER BY id LIMIT ?",
                                  [json.dumps(sorted(skip)), -1 if limit is None else limit]))

    def update_feed(self, feed_id: int, changes: dict[str, Any]) -> None:
        """Set these columns of a feed (last_checked_at, last_status, last_error, etag, last_modified, title)."""
        self.db.update_row("feeds", feed_id, changes)

    # -- tracked articles --------------------------------------------------------------------------

    def find_article(self, urls: Iterable[str]) -> int | None:
        """The article already known under any of these URLs (as key, current URL or earlier alias)."""
        urls = list(urls)
        row = self.db.execute(
            f"SELECT article_id FROM article_urls WHERE url IN ({_marks(urls)}) UNION ALL "
            f"SELECT id FROM articles WHERE key IN ({_marks(urls)}) LIMIT 1", urls + urls).fetchone()
        return row[0] if row else None

    def add_alias(self, article_id: int, url: str) -> bool:
        """Remember another URL for an article; False when that URL already belongs to some article."""
        cursor = self.db.execute("INSERT OR IGNORE INTO article_urls (url, article_id, added_at) VALUES (?, ?, ?)",
                                 [url, article_id, _now()])
        return cursor.rowcount == 1

    def new_tracked_article(self, urls: Sequence[str], *, source_id: int | None, title: str | None, now: str) -> int:
        """A tracked article keyed by the first URL, known under all of them, due at `now`."""
        article_id = new_row(self.db, "articles", {
            "key": urls[0], "url": urls[0], "source_id": source_id, "title": title, "created_at": now,
            "tracked": 1, "status": "active", "next_check_at": now,
        })
        for url in urls:
            self.add_alias(article_id, url)
        return article_id

    def retrack(self, article_id: int, *, now: str, source: str | None) -> None:
        """Track a known article again, due at `now` (a retired one becomes active); `source` fills a missing outlet."""
        self.db.execute(
            "UPDATE articles SET tracked = 1, status = CASE WHEN status = 'retired' THEN 'active' ELSE status END, "
            "next_check_at = ?, source_id = coalesce(source_id, ?) WHERE id = ?",
            [now, self.source_id(source), article_id])

    def set_untracked(self, article_id: int) -> None:
        """Stop checking an article; its versions stay."""
        self.db.execute("UPDATE articles SET tracked = 0 WHERE id = ?", [article_id])

    def named_urls(self, mentioning: str) -> list[str]:
        """URLs the user named: every feed's, and each still-tracked article's `tracked` URL that contains
        `mentioning` (a host name)."""
        urls = [url for (url,) in self.db.execute("SELECT url FROM feeds")]
        return urls + [url for (url,) in self.db.execute(
            "SELECT json_extract(e.detail, '$.url') FROM events e JOIN articles a ON a.id = e.article_id "
            "WHERE e.kind = 'tracked' AND a.tracked = 1 AND instr(e.detail, ?) > 0", [mentioning])]

    def due_articles(self, due_by: str | None, limit: int | None, *, skip: Collection[int] = (),
                     checked_since: str | None = None, again: Collection[int] = (),
                     lease_s: float = DEFAULT_LEASE_S) -> list[dict[str, Any]]:
        """Tracked, live articles due by `due_by` (None: all of them), never-fetched ones first, then the
        most overdue; at most `limit`, none in `skip`, none checked since `checked_since` but those in
        `again`. No lease: one poll at a time runs on a file."""
        import json

        sql = _ARTICLE + "WHERE " + _LIVE + " "
        params: list[Any] = []
        if skip:
            sql += "AND a.id NOT IN (SELECT value FROM json_each(?)) "
            params.append(json.dumps(sorted(skip)))
        if checked_since is not None:
            sql += ("AND (a.last_checked_at IS NULL OR a.last_checked_at < ? "
                    "OR a.id IN (SELECT value FROM json_each(?))) ")
            params += [checked_since, json.dumps(sorted(again))]
        if due_by is not None:
            sql += "AND a.next_check_at <= ? "
            params.append(due_by)
        sql += "ORDER BY a.last_checked_at IS NULL DESC, a.next_check_at, a.id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return list(self.db.query(sql, params))

    def checked_since(self, at: str, due_by: str | None) -> list[int]:
        """Live articles due by `due_by` last checked at or after `at` (by an earlier poll in a poll's first
        second); the index of due articles finds them without reading the others."""
        due, params = ("", [at]) if due_by is None else ("AND a.next_check_at <= ? ", [at, due_by])
        return [row[0] for row in self.db.execute(
            f"SELECT a.id FROM articles a WHERE {_LIVE} AND a.last_checked_at >= ? {due}", params)]

    def update_article(self, article_id: int, changes: dict[str, Any]) -> None:
        """Set these columns of an article (url, status, etag, last_modified, last_checked_at, next_check_at,
        page_digest, read_by)."""
        self.db.update_row("articles", article_id, changes)

    def fold_article(self, article_id: int, into: int) -> dict[str, Any]:
        """Merge an article without versions into another (its URLs, fetches and events move there) and
        give the other as a poll reads it."""
        for table in ("article_urls", "fetches", "events"):
            self.db.execute(f"UPDATE {table} SET article_id = ? WHERE article_id = ?", [into, article_id])
        self.db.execute("DELETE FROM articles WHERE id = ?", [article_id])
        return next(self.db.query(_ARTICLE + "WHERE a.id = ?", [into]))

    def next_due(self) -> str | None:
        """When the next tracked article falls due."""
        return self.db.execute(f"SELECT min(next_check_at) FROM articles a WHERE {_LIVE}").fetchone()[0]

    def quiet_since(self, article_id: int) -> list[str]:
        """What a schedule counts quiet time from: the last change (or creation), and the last time the
        article was tracked again, when it was."""
        row = self.db.execute(
            "SELECT coalesce(last_changed_at, created_at), (SELECT max(at) FROM events "
            "WHERE article_id = articles.id AND kind = 'tracked') FROM articles WHERE id = ?", [article_id]).fetchone()
        return [stamp for stamp in row if stamp]

    # -- fetches and versions ----------------------------------------------------------------------

    def log_fetch(self, *, at: str, url: str, status_code: int | None, outcome: str, error: str | None,
                  duration_ms: int | None, article_id: int | None = None, feed_id: int | None = None,
                  raw_id: int | None = None) -> None:
        """One request made (a page, a feed, an archive capture) and what came of it."""
        self.db.insert_row("fetches", {
            "at": at, "url": url, "article_id": article_id, "feed_id": feed_id, "status_code": status_code,
            "outcome": outcome, "error": error, "duration_ms": duration_ms, "raw_id": raw_id})

    def fetched_urls(self, urls: Sequence[str], outcomes: Sequence[str]) -> set[str]:
        """Which of these URLs were fetched before with one of these outcomes."""
        import json

        return {url for (url,) in self.db.execute(
            f"SELECT url FROM fetches WHERE outcome IN ({_marks(outcomes)}) "
            "AND url IN (SELECT value FROM json_each(?))", [*outcomes, json.dumps(list(urls))])}

    def version_count(self, article_id: int) -> int:
        return self.db.execute("SELECT count(*) FROM versions WHERE article_id = ?", [article_id]).fetchone()[0]

    def version_raw_id(self, article_id: int, number: int) -> int | None:
        """The raw input a version was read from, if one was kept."""
        row = self.db.execute("SELECT raw_id FROM versions WHERE article_id = ? AND number = ?",
                              [article_id, number]).fetchone()
        return row[0] if row else None


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


def _now() -> str:
    from ..model import utc_now

    return utc_now()
