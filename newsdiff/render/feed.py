"""RSS 2.0 and Atom 1.0 feeds of edits, each item carrying the change itself.

Built with feedgen (lxml underneath, so every string is escaped by the serializer). The output depends
only on the edits passed in: feed dates come from the newest item, never the clock, so the same
database always yields the same bytes.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .edits import Edit, clean, parse_utc, safe_url

from . import FEED_FORMATS as FORMATS
EXCERPT_CHANGES = 3  # changed sentences quoted in an item's plain summary
EXCERPT_CHARS = 240  # per quoted sentence, so one rewritten paragraph cannot fill a feed reader's list
EXCERPT_LEAD = 60  # characters quoted before a change found late in a long sentence
# The channel link of a feed with no web page of its own (no site, no http(s) article URL): a web URL is
# required there, and a reserved name (RFC 2606) that never resolves is stable and misleads no one.
NO_PAGE = "https://newsdiff.invalid/"


@dataclass(frozen=True)
class FeedMeta:
    """What the feed as a whole says about itself."""

    id: str
    title: str
    description: str
    link: str | None = None  # the HTML page the feed stands for (NO_PAGE when it is not an http(s) URL)
    self_url: str | None = None  # where the feed itself is served, when known
    fallback_updated: str = "1970-01-01T00:00:00Z"  # feed date when there are no items


def _text(sentences: Sequence[str]) -> str:
    return " ".join(clean(s) for s in sentences)


def _quote(text: str, start: int = 0) -> str:
    """`text` from `start` (a word boundary), cut to EXCERPT_CHARS, in quotation marks."""
    text = ("\u2026" if start else "") + text[start:]
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rstrip() + "\u2026"
    return f"\u201c{text}\u201d"


def _before_and_after(old: Sequence[str], new: Sequence[str]) -> str:
    """Both sides quoted from a few words before their first difference, so that a change late in a long
    sentence still shows within the excerpt."""
    before, after = _text(old), _text(new)
    start = max(0, len(os.path.commonprefix([before, after])) - EXCERPT_LEAD)
    start = before.rfind(" ", 0, start) + 1 if start else 0
    return f"{_quote(before, start)} \u2192 {_quote(after, start)}"


def plain_summary(edit: Edit) -> str:
    """Counts and the first changed sentences, as plain text a feed reader can show in its list."""
    lines = [edit.summary_line[:1].upper() + edit.summary_line[1:] + "."]
    shown = edit.report.edited[:EXCERPT_CHANGES]
    for change in shown:
        op, old, new = change["op"], change.get("old") or [], change.get("new") or []
        if op == "added":
            lines.append(f"Added: {_quote(_text(new))}")
        elif op == "removed":
            lines.append(f"Removed: {_quote(_text(old))}")
        elif op == "moved" and old == new:
            lines.append(f"Moved: {_quote(_text(new))}")
        else:
            lines.append(f"{op.capitalize()}: {_before_and_after(old, new)}")
    return "\n".join(lines)


def render_feed(
    meta: FeedMeta, edits: Sequence[Edit], link_for: Callable[[Edit], str | None], fmt: str = "rss"
) -> bytes:
    """The feed document, items in the order given (newest first is the caller's job)."""
    if fmt not in FORMATS:
        raise ValueError(f"feed format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    links = [safe_url(link_for(e)) for e in edits]
    self_url = safe_url(meta.self_url)

    from feedgen.feed import FeedGenerator  # lxml behind it: loaded when a feed is written, not with `log`

    fg = FeedGenerator()
    fg.id(meta.id)
    fg.title(clean(meta.title))
    fg.description(clean(meta.description))
    if self_url:
        fg.link(href=self_url, rel="self", type=f"application/{fmt}+xml")
    fg.link(href=safe_url(meta.link) or NO_PAGE, rel="alternate")  # last: feedgen makes it the RSS <link>
    fg.author({"name": "newsdiff"})
    fg.generator("newsdiff")
    fg.language("en")
    updated = parse_utc(edits[0].new.captured_at if edits else meta.fallback_updated)
    fg.updated(updated)
    fg.lastBuildDate(updated)

    for edit, link in zip(edits, links, strict=True):
        entry = fg.add_entry(order="append")
        entry.id(edit.id)
        entry.guid(edit.id, permalink=False)
        entry.title(clean(edit.title))
        if link:
            entry.link(href=link, rel="alternate")
        captured = parse_utc(edit.new.captured_at)
        entry.published(captured)
        entry.updated(captured)
        if edit.article.source:
            entry.category(term=clean(edit.article.source))
        summary = plain_summary(edit)
        content = clean(edit.fragment)
        archived = safe_url(edit.new.archived)  # evidence anyone can check: the Wayback Machine's copy
        if archived:
            summary += f"\nArchived copy: {archived}"
            content += f'\n<p class="archived"><a href="{html.escape(archived)}">archived copy</a></p>'
        if fmt == "rss":  # readers take <description> as HTML, so the plain text is escaped once more
            entry.description(html.escape(summary).replace("\n", "<br>\n"))
        else:
            entry.summary(summary, type="text")
        entry.content(content, type="html")  # after the summary: feedgen lets either set both
    return fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True)
