"""Feeds in: the articles an RSS/Atom document lists, each under its canonical URL."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import feedparser

from ..model import clean_text
from ..urls import canonical_url, is_web_url

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


@dataclass
class Feed:
    title: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    problem: str | None = None  # set for a malformed feed, which still yields what it could


def _not_permalinks(data: bytes) -> set[str]:
    found = set()
    for match in _NOT_PERMALINK.finditer(data):
        value = (match.group(1) or match.group(2) or b"").decode("utf-8", "replace").strip()
        found.add(html.unescape(value))
    return found


def entry_urls(entry: dict[str, Any], not_permalinks: set[str], *, atom: bool = False) -> tuple[str, ...]:
    """The guid when it is a permalink (it outlives tracking redirects in `link`), then the link.

    An RSS guid is a permalink unless marked otherwise; an Atom id never says so (it may be a `?p=123`
    identifier), so there the link leads and a web-URL id only follows it.
    """
    guid = (entry.get("id") or "").strip()
    guids = [guid] if guid and guid not in not_permalinks and is_web_url(guid) else []
    links = [link for link in [entry.get("link")] + [ln.get("href") for ln in entry.get("links", [])
                                                     if ln.get("rel") == "alternate"] if link and is_web_url(link)]
    candidates = links + guids if atom else guids + links
    urls: list[str] = []
    for candidate in candidates:
        url = canonical_url(candidate)
        if url not in urls:
            urls.append(url)
    return tuple(urls)


def parse_feed(data: bytes, *, url: str, content_type: str | None = None) -> Feed:
    """Entries with at least one web URL; `problem` names what was wrong with a malformed document."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    not_permalinks = _not_permalinks(data)
    feed = Feed(title=clean_text(parsed.feed.get("title") or "") or None)  # `&#x1b;[2J` is valid XML
    for entry in parsed.entries:
        urls = entry_urls(entry, not_permalinks, atom=parsed.get("version", "").startswith("atom"))
        if urls:
            feed.entries.append(FeedEntry(urls=urls, title=clean_text(entry.get("title") or "") or None))
    if not parsed.get("version") and not feed.entries:
        reason = parsed.get("bozo_exception")
        feed.problem = f"not an RSS or Atom feed ({reason})" if reason else "not an RSS or Atom feed"
    elif parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _BENIGN):
        feed.problem = f"malformed feed ({parsed.bozo_exception}); read {len(feed.entries)} entries"
    return feed
