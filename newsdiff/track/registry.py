"""What is tracked: feeds, and articles followed with or without a feed. Pure database work, no fetching."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..model import NotFound, utc_now
from ..urls import canonical_url, check_url, feed_url, host_key, host_of, is_web_url

if TYPE_CHECKING:
    from ..store import Store
    from .settings import FeedSpec


def add_feed(store: Store, url: str, source: str | None = None, *, from_config: bool = False) -> bool:
    """Register a feed (checked at the next poll); False when it was already there.

    A feed added by command stays when its config line goes; one known only from the config does not.
    The URL is kept in one spelling (`feed_url`), so `HTTP://Host:80/rss` is the feed `http://host/rss`.
    """
    url = feed_url(url)
    with store.write():
        row = store.db.execute("SELECT id, from_config FROM feeds WHERE url = ?", [url]).fetchone()
        if row is not None:
            if from_config and source:
                store.db.execute("UPDATE feeds SET source_id = ? WHERE id = ?", [store.source_id(source), row[0]])
            elif row[1] and not from_config:
                store.db.execute("UPDATE feeds SET from_config = 0 WHERE id = ?", [row[0]])
            return False
        store.db["feeds"].insert({"url": url, "source_id": store.source_id(source or host_of(url)),
                                  "added_at": utc_now(), "from_config": int(from_config)})
    return True


def remove_feed(store: Store, url: str, config_feeds: Iterable[FeedSpec] | None = None) -> None:
    """Forget a feed; the articles it brought stay tracked until they retire.

    Any spelling of the URL finds the feed; the text as given also finds a row stored before feed URLs
    were kept in one spelling.
    """
    given = url.strip()
    url = feed_url(given) if is_web_url(given) else given
    if any(spec.url == url for spec in config_feeds or ()):
        raise ValueError(f"feed {url} is listed in the config file; remove it there")
    with store.write():
        row = store.db.execute("SELECT id FROM feeds WHERE url IN (?, ?)", [url, given]).fetchone()
        if row is None:
            raise NotFound(f"no feed {given!r} in the database")
        store.db.execute("UPDATE fetches SET feed_id = NULL WHERE feed_id = ?", [row[0]])
        store.db.execute("DELETE FROM feeds WHERE id = ?", [row[0]])


def sync_config_feeds(store: Store, specs: Iterable[FeedSpec] | None) -> None:
    """Feeds named in the config file are tracked like added ones, and those taken out of it are dropped
    (their articles stay tracked, as after `feeds remove`), so commands and config agree.

    `specs` is None when no config file is in effect: a command run without the config then leaves its
    feeds, and their ETag and Last-Modified, alone instead of dropping them all.
    """
    if specs is None:
        return
    listed = set()
    for spec in specs:
        add_feed(store, spec.url, spec.source, from_config=True)
        listed.add(spec.url)
    for (url,) in store.db.execute("SELECT url FROM feeds WHERE from_config = 1").fetchall():
        if url not in listed:
            remove_feed(store, url)


def list_feeds(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query(
        "SELECT f.id, f.url, s.name AS source, f.title, f.added_at, f.last_checked_at, f.last_status, f.last_error, "
        "f.etag, f.last_modified FROM feeds f LEFT JOIN sources s ON s.id = f.source_id ORDER BY f.id"
    ))


def find_article(store: Store, urls: Iterable[str]) -> int | None:
    """The article already known under any of these URLs (as key, current URL or earlier alias)."""
    urls = list(urls)
    marks = ", ".join("?" * len(urls))
    row = store.db.execute(
        f"SELECT article_id FROM article_urls WHERE url IN ({marks}) UNION ALL "
        f"SELECT id FROM articles WHERE key IN ({marks}) LIMIT 1", urls + urls
    ).fetchone()
    return row[0] if row else None


def add_alias(store: Store, article_id: int, url: str) -> bool:
    """Remember another URL for an article; False when that URL already belongs to some article."""
    cursor = store.db.execute(
        "INSERT OR IGNORE INTO article_urls (url, article_id, added_at) VALUES (?, ?, ?)", [url, article_id, utc_now()]
    )
    return cursor.rowcount == 1


def new_article(store: Store, urls: Sequence[str], *, source_id: int | None, title: str | None, now: str) -> int:
    """A tracked article keyed by the first (canonical) URL, due at once."""
    article_id = store.db["articles"].insert({
        "key": urls[0], "url": urls[0], "source_id": source_id, "title": title, "created_at": now,
        "tracked": 1, "status": "active", "next_check_at": now,
    }).last_pk
    for url in urls:
        add_alias(store, article_id, url)
    return article_id


def track(store: Store, url: str, source: str | None = None) -> tuple[int, bool]:
    """Follow one article without a feed; (article id, True when it is new to the database).

    Every call records a `tracked` event naming the URL: its host is one the user named, which a poll
    fetches even at an internal address (see `names_host`). Tracking a known article again (an imported
    one, a retired one) restarts the schedule's count of quiet time from that event, so an article last
    changed long ago is not retired at once. Raises BadURL (a ValueError) for a URL `check_url` refuses.
    """
    given = check_url(url)
    url = canonical_url(given)
    now = utc_now()
    with store.write():
        article_id = find_article(store, [url, given])
        created = article_id is None
        if article_id is None:
            article_id = new_article(store, [url], source_id=store.source_id(source or host_of(url)), title=None,
                                     now=now)
        else:
            store.db.execute(
                "UPDATE articles SET tracked = 1, status = CASE WHEN status = 'retired' THEN 'active' ELSE status END, "
                "next_check_at = ?, source_id = coalesce(source_id, ?) WHERE id = ?",
                [now, store.source_id(source), article_id],
            )
        store.event(article_id, "tracked", {"url": url})
    return article_id, created


def names_host(store: Store, host: str) -> bool:
    """Whether the user named this host, so that a poll may fetch it at an internal address: a feed's host,
    or the host of a URL given to `track` (its `tracked` event) for an article still tracked.

    It reads every such event: a poll asks only about hosts that resolved to an internal address.
    """
    import idna

    key = host_key(host)
    try:  # a URL keeps an international host name in Unicode
        spelled = idna.decode(key) if "xn--" in key else key
    except (idna.IDNAError, UnicodeError):
        spelled = key
    urls = [row[0] for row in store.db.execute("SELECT url FROM feeds")]
    urls += [row[0] for row in store.db.execute(
        "SELECT json_extract(e.detail, '$.url') FROM events e JOIN articles a ON a.id = e.article_id "
        "WHERE e.kind = 'tracked' AND a.tracked = 1 AND instr(e.detail, ?) > 0", [spelled])]
    return any(url and host_key(host_of(url)) == key for url in urls)


def untrack(store: Store, ref: str) -> dict[str, Any]:
    """Stop checking an article (by id, key or any URL); its versions stay."""
    row = store.resolve(ref)
    with store.write():
        store.db.execute("UPDATE articles SET tracked = 0 WHERE id = ?", [row["id"]])
    return row
