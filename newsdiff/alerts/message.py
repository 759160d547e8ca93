"""The text of an alert, written for the service that shows it (plain text, Markdown or HTML) and fitted
to its length limit.

Article text is hostile: it is escaped for the format, and made inert where a service would act on it
(mass mentions such as @everyone, autolinked URLs, right-to-left overrides that reorder the message).
When a message is too long, sentences are shortened around their changed words with "…" (never cutting
a word), then later changes are left out; the links to the article and its diff page are always kept.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..render import markdown
from ..render.edits import BIDI_CONTROLS, Edit, clean, parse_utc, safe_url
from ..render.shorten import ELLIPSIS, Tokens, changed_entries, shorten
from ..render.text import MARKERS

if TYPE_CHECKING:
    from ..reports import Report

FORMATS = ("text", "markdown", "html")
_MENTION = re.compile(r"([@\uff20])(?=\w)")  # @everyone, @here, @channel, @user: never a mention
_LINKISH = re.compile(r"(?i)(://|\bwww\.)")
_JOINER = "\u2060"  # WORD JOINER: invisible, and breaks what a service would parse as a mention or a link
# How much of each change is shown, most first: (unchanged words either side, words of a removed or added
# run). More changes at a readable level beat one change in full; below that, only the first change.
_READABLE: tuple[tuple[int | None, int | None], ...] = ((None, None), (12, 24), (8, 16), (5, 10), (3, 6))
_TERSE: tuple[tuple[int | None, int | None], ...] = ((2, 4), (1, 2), (0, 1))
_HEADLINE_WORDS = 24


@dataclass(frozen=True)
class Profile:
    """What a service renders and how much: its format, its limit and how it counts (characters,
    graphemes, Mastodon's 23 per link)."""

    format: str = "text"
    limit: int = 32768
    measure: Callable[[str], int] = len
    title_limit: int = 0  # 0: the service shows no separate title


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    format: str
    links: tuple[str, ...] = field(default=())  # URLs in the body, in order (Bluesky turns them into facets)


def inert(text: str | None) -> str:
    """Page text that can trigger nothing: no control or bidi-override characters, no @mention, no
    autolinked URL (a word joiner breaks `@` and `://` without changing what a reader sees)."""
    text = BIDI_CONTROLS().sub("", clean(text))
    text = _MENTION.sub(lambda m: m.group(1) + _JOINER, text)
    return _LINKISH.sub(lambda m: m.group(1)[0] + _JOINER + m.group(1)[1:], text)


def _escape(text: str, fmt: str) -> str:
    if fmt == "markdown":
        return markdown.escape(text)
    if fmt == "html":
        return html.escape(text)
    return text


def _mark(op: str, text: str, fmt: str) -> str:
    """Changed words as the format shows them: [-old-]{+new+}, ~~old~~ **new**, <del>/<ins>."""
    core = text.strip()
    if op == "=" or not core:
        return _escape(text, fmt)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    if fmt == "markdown":  # the marks hug the words, or Markdown ignores them
        mark = "~~" if op == "-" else "**"
        return f"{lead}{mark}{markdown.escape(core)}{mark}{trail}"
    if fmt == "html":
        tag = "del" if op == "-" else "ins"
        return f"{lead}<{tag}>{html.escape(core)}</{tag}>{trail}"
    return lead + MARKERS[op][0] + core + MARKERS[op][1] + trail


def _line(tokens: Tokens, fmt: str) -> str:
    # Runs of one op are marked together, so "[-three dead-]" reads as one edit, not two.
    parts: list[tuple[str, str]] = []
    for op, token in tokens:
        if parts and parts[-1][0] == op:
            parts[-1] = (op, parts[-1][1] + token)
        else:
            parts.append((op, token))
    return "".join(_mark(op, text, fmt) for op, text in parts).strip()


def _apart(old: str, new: str) -> str:
    seconds = max(0, int((parse_utc(new) - parse_utc(old)).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} later"
    return "moments later"


def _clip_words(text: str, words: int) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " " + ELLIPSIS


def _headline(edit: Edit, fallback: str, limit: int) -> str:
    """The headline, else the first words of the text, else the article's URL: shorter for a short message."""
    words = max(6, min(_HEADLINE_WORDS, limit // 25))
    return _clip_words(inert(edit.new.title) or inert(fallback) or inert(edit.article.name), words)


def _changes(report: Report) -> list[tuple[str, Tokens]]:
    """Each change to show, with a label: the headline first, then the sentences in reading order."""
    return [("Headline" if entry is None else entry["op"], items) for entry, items in changed_entries(report, inert)]


def _links(edit: Edit, base_url: str | None) -> list[tuple[str, str]]:
    from ..render.site import diff_path

    links = []
    if url := safe_url(edit.article.url):
        links.append(("Article", url))
    if base_url:
        links.append(("Diff", base_url + diff_path(edit.article.id, edit.old.number, edit.new.number)))
    return links


def _link_line(label: str, url: str, fmt: str) -> str:
    if fmt == "markdown":
        return f"{label}: <{url.replace('>', '%3E').replace('<', '%3C')}>"
    if fmt == "html":
        return f'{label}: <a href="{html.escape(url)}">{html.escape(url)}</a>'
    return f"{label}: {url}"


def compose(edit: Edit, profile: Profile, *, base_url: str | None = None, fallback: str = "") -> Message:
    """The alert for `edit` in the profile's format, within its limit (links always kept)."""
    fmt = profile.format if profile.format in FORMATS else "text"
    report = edit.report
    tags = sorted(report.tags())
    headline = _headline(edit, fallback, profile.limit)
    outlet = inert(edit.article.source) or "unknown outlet"
    apart = _apart(edit.old.captured_at, edit.new.captured_at)
    meta = f"{outlet} · version {edit.old.number} → {edit.new.number}, {apart}"
    summary = report.summary_line() + (f" · {', '.join(tags)}" if tags else "")
    links = _links(edit, base_url)
    newline = "<br>\n" if fmt == "html" else "\n"
    strong = {"markdown": "**{}**", "html": "<b>{}</b>"}.get(fmt, "{}")
    tail = newline.join(_link_line(label, url, fmt) for label, url in links)
    changes = _changes(report)

    def render(head: str, count: int, context: int | None, changed: int | None) -> str:
        lines = [strong.format(_escape(head, fmt)), _escape(meta, fmt), _escape(summary, fmt), ""]
        for label, items in changes[:count]:
            text = _line(shorten(items, context, changed, profile.limit // 4), fmt)
            lines.append(f"{_escape(label, fmt)}: {text}" if label == "Headline" else f"• {text}")
        if count < len(changes):
            more = len(changes) - count
            lines.append(_escape(f"{ELLIPSIS} and {more} more change{'s' if more != 1 else ''}", fmt))
        return newline.join(lines + ([""] if tail else []) + ([tail] if tail else []))

    def fits(text: str) -> bool:
        return profile.measure(text) <= profile.limit

    attempts = [(count, level) for count in range(len(changes), 0, -1) for level in _READABLE]
    attempts += [(min(1, len(changes)), level) for level in _TERSE]  # an edit of the byline alone shows none
    body = next((text for count, (context, changed) in attempts
                 if fits(text := render(headline, count, context, changed))), "")
    for words in (_HEADLINE_WORDS, 12, 6, 3, 1, 0):  # not even one change fits: the headline, shortened, and the links
        if body:
            break
        short = _clip_words(headline, words) if words else ELLIPSIS
        candidate = newline.join([strong.format(_escape(short, fmt)), _escape(summary, fmt), *([tail] if tail else [])])
        body = candidate if fits(candidate) or not words else ""
    title = ""
    if profile.title_limit:
        title = _clip_words(inert(edit.title), _HEADLINE_WORDS)
        while len(title) > profile.title_limit and len(title.split()) > 1:
            title = _clip_words(title.removesuffix(" " + ELLIPSIS), len(title.split()) - 2)
        title = title if len(title) <= profile.title_limit else ""
        if fmt == "markdown":  # a service may render the title as Markdown too; an HTML one puts it in a subject
            title = markdown.escape(title)
    return Message(title=title, body=body, format=fmt, links=tuple(url for _, url in links))
