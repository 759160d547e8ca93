"""One edit (a version against the one before it) as feeds and pages see it, and the text rules they share.

Everything here is plain data and pure functions: the publishing layer loads edits from the store,
the feed and site renderers only read them. Article text, titles and URLs are attacker-controlled,
so every string that reaches XML or HTML goes through `clean` and every link through `safe_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..lazy import pattern_on_use, sha256

if TYPE_CHECKING:
    from ..reports import Report

# Characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF), plus
# DEL and the C1 controls that HTML treats as parse errors: none of them carries meaning in an article.
# Each compiled on first use: `log` loads this module for its records, and shows no feed or page.
_NOT_XML_CHARS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]"
_SURROGATE_CHARS = "[\ud800-\udfff]"
_NOT_XML = pattern_on_use(_NOT_XML_CHARS)
_SURROGATE = pattern_on_use(_SURROGATE_CHARS)
_UNCLEAN = pattern_on_use(f"{_NOT_XML_CHARS}|{_SURROGATE_CHARS}")  # one scan for the usual, clean, text
_URL_SPACE = pattern_on_use(r"[\x00-\x20\x7f]")
# Marks and overrides that reorder the text around them: page text in a message or picture must not
# turn the rest of it around.
BIDI_CONTROLS = pattern_on_use("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")

# RFC 4151 tag URIs for feed and item ids: independent of where the site is published, so moving the
# site or running `newsdiff feed` without a base URL never changes the id a feed reader already holds.
TAG_PREFIX = "tag:newsdiff.invalid,2026:"


def clean(text: str | None) -> str:
    """`text` with what XML cannot carry removed; a lone surrogate becomes U+FFFD so the gap stays visible."""
    if not text or not _UNCLEAN().search(text):
        return text or ""
    return _NOT_XML().sub("", _SURROGATE().sub("\ufffd", text))


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL a reader may follow, else None (javascript:, data:, junk)."""
    if not url:
        return None
    url = _URL_SPACE().sub("", clean(url))
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def check_base_url(base_url: str | None) -> str | None:
    """The base URL with one trailing slash; ValueError unless it is an absolute http(s) URL with no query
    or fragment (page paths are joined onto it, and would lose or misplace either)."""
    if base_url is None:
        return None
    url = base_url.strip()
    if not url or safe_url(url) != url or "?" in url or "#" in url:
        raise ValueError(f"base URL must be an absolute http(s) URL without a query or fragment, not {base_url!r}")
    return url.rstrip("/") + "/"


@dataclass(frozen=True)
class ArticleRef:
    """The article an edit belongs to, as its pages name and link it."""

    id: int
    key: str
    url: str | None
    source: str | None
    title: str | None
    lede: str | None = None  # an untitled article's first words (`model.display_title`), which name it

    @property
    def tag(self) -> str:
        """A global id for the article: its key (canonical URL) hashed, so two databases agree."""
        return TAG_PREFIX + "article/" + sha256(self.key.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    @property
    def name(self) -> str:
        return clean(self.title) or clean(self.lede) or clean(self.url) or clean(self.key)


@dataclass(frozen=True)
class VersionRef:
    """One stored version, as much of it as listings need."""

    id: int
    number: int
    captured_at: str
    title: str | None
    content_hash: str
    archived: str | None = None  # its snapshot in the Wayback Machine, once saved there (archive/save.py)
    reader_change: bool = False  # differs from the version before only in how newsdiff reads the same page


@dataclass(frozen=True)
class Edit:
    """Version `new` of `article` against version `old`, with its report (`reports.Report`: the changes
    and the engine's HTML fragment of them, `<del>`/`<ins>`, escaped, which feed items carry).

    Listings and feeds hold a report without unchanged sentences; diff pages the full one.
    """

    article: ArticleRef
    old: VersionRef
    new: VersionRef
    report: Report

    @property
    def id(self) -> str:
        """Stable and unique: the article, the version number and the content it has (never the site URL)."""
        return f"{self.article.tag}/v{self.new.number}-{self.new.content_hash[:12]}"

    @property
    def headline_changed(self) -> bool:
        return self.report.headline_changed

    @property
    def title(self) -> str:
        """What a feed reader lists: "Edited: <headline>" or "Headline changed: <old> → <new>"."""
        if self.headline_changed:
            old = clean(self.old.title) or "(no headline)"
            new = clean(self.new.title) or "(no headline)"
            return f"Headline changed: {old} \u2192 {new}"
        return f"Edited: {clean(self.new.title) or self.article.name}"

    @property
    def cosmetic(self) -> bool:
        """The engine's verdict that only quote style, spaces or invisible characters changed: such
        edits are left out of feeds and listings unless a reader asks for them."""
        return self.report.cosmetic_only

    @property
    def reader_change(self) -> bool:
        """The newer version is the older one's own page as newsdiff reads it now (an upgrade, a changed
        site rule): not the outlet's edit, so never in a feed or an alert."""
        return self.new.reader_change

    @property
    def fragment(self) -> str:
        return self.report.fragment

    @property
    def summary_line(self) -> str:
        return self.report.summary_line()


def parse_utc(value: str) -> datetime:
    """A stored ISO 8601 time as an aware UTC datetime (stored times are UTC with a Z)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
