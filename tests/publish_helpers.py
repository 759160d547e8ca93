"""Stores with known edits for the feed and site tests, and checks that parsed HTML is inert."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import lxml.html

from newsdiff import ArticleRecord, Store

STORY = "https://news.example.org/2024/05/storm"
QUOTES = "https://daily.example.com/plan"
STILL = "https://news.example.org/2024/05/still"
HOSTILE = "https://evil.example.net/story"

P1 = "A storm hit the coast on Tuesday. Fighting the floods left up to 19 dead, officials said."
P2 = "The mayor said the town would rebuild. Schools were closed for the day."
P3 = "Residents were told to stay indoors. Power was cut to 4,000 homes."
RESCUE = "Rescue teams arrived from the capital."

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
CDATA_END = "]]>"
# A payload a browser would run if it were ever markup: it marks the page, which the browser test looks for.
MARKER = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">"


def add(store: Store, key: str, paragraphs: Iterable[str], *, title: str | None, at: str, source: str | None,
        url: str | None = None) -> int:
    """Store one version as a source would hand it over; returns its number."""
    record = ArticleRecord(paragraphs=tuple(paragraphs), title=title, url=url or key, source=source, captured_at=at)
    result = store.add_version(record, key=key)
    assert result.outcome == "new", result
    return result.number


def story_store(path: Path) -> Store:
    """Three articles: one edited twice (a figure, then the headline and a new sentence), one whose only
    edit is cosmetic (quote style), one never edited."""
    store = Store.open(path)
    add(store, STILL, ["Nothing here ever changes. It is a quiet story."], title="Quiet", at="2024-05-01T07:00:00Z",
        source="wire")
    add(store, STORY, [P1, P2, P3], title="Storm hits coast", at="2024-05-01T08:00:00Z", source="wire")
    add(store, QUOTES, ['He said "we are ready" to reporters. The plan starts today.'], title="Plan",
        at="2024-05-01T08:30:00Z", source="daily")
    add(store, STORY, [P1.replace("19", "21"), P2, P3], title="Storm hits coast", at="2024-05-01T09:00:00Z",
        source="wire")
    add(store, QUOTES, ["He said \u201cwe are ready\u201d to reporters. The plan starts today."], title="Plan",
        at="2024-05-01T09:30:00Z", source="daily")
    add(store, STORY, [P1.replace("19", "21"), P2 + " " + RESCUE, P3], title="Storm kills 21 on coast",
        at="2024-05-01T10:00:00Z", source="wire")
    return store


def hostile_store(path: Path) -> Store:
    """An article whose headline, text, URL and source name are attacks on whatever renders them."""
    store = Store.open(path)
    source = f"<b onmouseover=alert(1)>{CDATA_END}</b>"
    body = [f"The council met {SCRIPT} on Tuesday. Its chair spoke at length.", "Nothing else happened today."]
    add(store, HOSTILE, body, title=f"{SCRIPT} council", at="2024-06-01T08:00:00Z", source=source,
        url="javascript:alert(1)")
    edited = [
        f"The council met {SCRIPT} on Monday {IMG}. Its chair spoke at length {CDATA_END} \x07 and left.",
        f"Nothing else happened today {MARKER}. See <a href=\"javascript:alert(1)\">this</a>.",
    ]
    add(store, HOSTILE, edited, title=f"{IMG} council{CDATA_END}\x1b\x00", at="2024-06-01T09:00:00Z", source=source,
        url="javascript:alert(1)")
    return store


def assert_inert(markup: str | bytes) -> lxml.html.HtmlElement:
    """Parse as a browser would and fail on anything that could run: scripts, event handlers, script URLs,
    embedded objects. Returns the parsed document."""
    doc = lxml.html.document_fromstring(markup)
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "iframe", "object", "embed", "img", "form"), lxml.html.tostring(element)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name, value)
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                compact = "".join(value.split()).lower()
                assert not compact.startswith(("javascript:", "data:", "vbscript:")), (element.tag, name, value)
    return doc
