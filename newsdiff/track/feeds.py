"""Feeds in: the articles an RSS/Atom document lists, each under its canonical URL."""

from __future__ import annotations

import asyncio
import calendar
import html
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import feedparser
import httpx

from ..model import clean_text
from ..urls import (
    BadURL,
    canonical_url,
    host_key,
    host_of,
    is_web_url,
    joined,
    looks_like_web_url,
    shown,
)
from .fetch import Fetcher
from .settings import FetchSettings

# feedparser does not say whether an RSS guid was marked isPermaLink="false"; the raw XML does.
# Linear on hostile feeds: a tag or CDATA value never runs past the next "<" (unclosed `<guid ` or
# `<![CDATA[` were each scanned to the end of the feed), the attribute is found by one lookahead, not
# retried per copy, and possessive runs keep whitespace from being split every way (cubic).
_NOT_PERMALINK = re.compile(
    rb"<guid\b(?=[^<>]*\bisPermaLink\s*=\s*[\"']false[\"'])[^<>]*+>\s*+"
    rb"(?:<!\[CDATA\[([^<]*?)\]\]>|([^<]*+))\s*</guid>",
    re.IGNORECASE,
)
# Problems feedparser recovers from completely; anything else means the XML itself was broken.
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class FeedEntry:
    urls: tuple[str, ...]  # canonical URLs, the one to key the article by first
    title: str | None = None
    published: datetime | None = None  # the entry's own date (published, else updated), when it gives one


@dataclass(frozen=True)
class BadLink:
    """An entry's http(s) link that `check_url` refused: `url` is shown escaped and shortened."""

    url: str
    reason: str


@dataclass
class Feed:
    title: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    problem: str | None = None  # set for a malformed feed, which still yields what it could
    bad_links: list[BadLink] = field(default_factory=list)  # each once, in feed order


def _not_permalinks(data: bytes) -> set[str]:
    found = set()
    for match in _NOT_PERMALINK.finditer(data):
        value = (match.group(1) or match.group(2) or b"").decode("utf-8", "replace").strip()
        found.add(html.unescape(value))
    return found


def entry_urls(entry: dict[str, Any], not_permalinks: set[str], *,
               atom: bool = False) -> tuple[tuple[str, ...], list[BadLink]]:
    """The guid when it is a permalink (it outlives tracking redirects in `link`), then the link; and the
    http(s) links among them that `check_url` refused (anything else, a `tag:` id, is no link at all).

    An RSS guid is a permalink unless marked otherwise; an Atom id never says so (it may be a `?p=123`
    identifier), so there the link leads and a web-URL id only follows it.
    """
    guid = entry.get("id") or ""
    guids = [guid] if guid.strip() and guid.strip() not in not_permalinks else []
    links = [entry.get("link")] + [ln.get("href") for ln in entry.get("links", []) if ln.get("rel") == "alternate"]
    urls: list[str] = []
    bad: list[BadLink] = []
    for candidate in links + guids if atom else guids + links:
        if not isinstance(candidate, str) or not looks_like_web_url(candidate):
            continue
        try:
            url = canonical_url(candidate)
        except BadURL as exc:
            bad.append(BadLink(shown(candidate.strip()), exc.reason))
            continue
        if url not in urls:
            urls.append(url)
    return tuple(urls), bad


def _entry_date(entry: dict[str, Any]) -> datetime | None:
    """When the entry says it was published (or else updated), in UTC; None when it does not say."""
    for key in ("published_parsed", "updated_parsed"):
        stamp = dict.get(entry, key)  # feedparser's own get() maps one to the other, with a warning
        if stamp:
            try:
                return datetime.fromtimestamp(calendar.timegm(stamp), timezone.utc)
            except (TypeError, ValueError, OverflowError, OSError):
                continue
    return None


def parse_feed(data: bytes, *, url: str, content_type: str | None = None) -> Feed:
    """Entries with at least one web URL; `problem` names what was wrong with a malformed document, and
    `bad_links` the links refused, so that one broken item costs that item alone."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    not_permalinks = _not_permalinks(data)
    feed = Feed(title=clean_text(parsed.feed.get("title") or "") or None)  # `&#x1b;[2J` is valid XML
    for entry in parsed.entries:
        urls, bad = entry_urls(entry, not_permalinks, atom=parsed.get("version", "").startswith("atom"))
        feed.bad_links.extend(bad)
        if urls:
            feed.entries.append(FeedEntry(urls=urls, title=clean_text(entry.get("title") or "") or None,
                                          published=_entry_date(entry)))
    feed.bad_links = list(dict.fromkeys(feed.bad_links))  # a link listed twice is one problem
    if not parsed.get("version") and not feed.entries:
        reason = parsed.get("bozo_exception")
        feed.problem = f"not an RSS or Atom feed ({reason})" if reason else "not an RSS or Atom feed"
    elif parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _BENIGN):
        feed.problem = f"malformed feed ({parsed.bozo_exception}); read {len(feed.entries)} entries"
    return feed


# The feed types a page may announce in <link rel="alternate">, as RSS and Atom readers look for them.
FEED_TYPES = ("application/rss+xml", "application/atom+xml")


@dataclass(frozen=True)
class FeedCheck:
    """What one fetch of a feed URL found: a feed (`problem` None), or why not, with the feeds the page
    links when it is an HTML page (`alternates`: (title, absolute URL))."""

    url: str
    problem: str | None = None
    title: str | None = None
    entries: int = 0
    alternates: tuple[tuple[str | None, str], ...] = ()


def linked_feeds(page: bytes, base: str) -> tuple[tuple[str | None, str], ...]:
    """The RSS and Atom feeds an HTML page announces (`<link rel="alternate" type="application/rss+xml">`),
    each with its title and its absolute http(s) URL, in page order, once each."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return ()
    found: dict[str, str | None] = {}
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES and (href := link.get("href")):
            url = joined(base, href.strip())  # None: an address urllib cannot read, no feed of the page's
            # printable: a person reads it, a terminal shows it
            if url and is_web_url(url) and url.isprintable() and url not in found:
                found[url] = clean_text(link.get("title") or "") or None
    return tuple((title, url) for url, title in found.items())


def check_feed(url: str, settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> FeedCheck:
    """Fetch `url` once (no retries: a person is waiting) and say whether it is an RSS or Atom feed. Its
    host may be internal: the user named it, as a feed added unchecked would be fetched by a poll."""
    named = host_key(host_of(url))

    async def get() -> Any:
        async with Fetcher(replace(settings, retries=0), transport=transport,
                           is_named=lambda host: host == named) as fetcher:
            return await fetcher.get(url)

    fetched = asyncio.run(get())
    if fetched.error:
        return FeedCheck(url, fetched.error)
    if fetched.status != 200:
        return FeedCheck(url, f"HTTP {fetched.status} {fetched.reason}".rstrip())
    parsed = parse_feed(fetched.body, url=fetched.final_url, content_type=fetched.content_type)
    if parsed.problem is None or parsed.entries:
        return FeedCheck(url, None, parsed.title and clean_text(parsed.title), len(parsed.entries))
    kind = (fetched.content_type or "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml") or b"<html" in fetched.body[:4096].lower():
        return FeedCheck(url, "an HTML page, not an RSS or Atom feed",
                         alternates=linked_feeds(fetched.body, fetched.final_url))
    return FeedCheck(url, parsed.problem)
