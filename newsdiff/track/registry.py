"""What is tracked: feeds, and articles followed with or without a feed. Pure database work, no fetching."""

from __future__ import annotations

from collections.abc import Iterable
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
        return store.add_feed(url, source, from_config=from_config, default_source=host_of(url))


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
        if not store.remove_feed([url, given]):
            raise NotFound(f"no feed {given!r} in the database")


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
    for url in store.config_feed_urls():
        if url not in listed:
            remove_feed(store, url)


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
        article_id = store.find_article([url, given])
        created = article_id is None
        if article_id is None:
            article_id = store.new_tracked_article([url], source_id=store.source_id(source or host_of(url)),
                                                   title=None, now=now)
        else:
            store.retrack(article_id, now=now, source=source)
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
    return any(url and host_key(host_of(url)) == key for url in store.named_urls(spelled))


def untrack(store: Store, ref: str) -> dict[str, Any]:
    """Stop checking an article (by id, key or any URL); its versions stay."""
    row = store.resolve(ref)
    with store.write():
        store.set_untracked(row["id"])
    return row
