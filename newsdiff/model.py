"""Plain records that flow down the pipeline: sources make them, the store keeps them.

The records themselves (ArticleRecord, ParsedInput, FileResult) live in newsdiff.records and load the first
time one is asked for here (PEP 562): `--help`, `list` and a cached `log` use this module's functions only.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .lazy import lazy_exports, pattern_on_use, sha256

if TYPE_CHECKING:  # `X as X`: re-exported, loaded on first use by `__getattr__` below
    from .records import ArticleRecord as ArticleRecord, FileResult as FileResult, ParsedInput as ParsedInput

# Invisible characters that carry no meaning in article text are dropped: zero-width spaces, soft
# hyphens and bidi controls (marks, embeddings, overrides, isolates). ZWNJ and ZWJ stay: they shape
# Persian and Indic words and join emoji sequences.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Control characters other than whitespace become a space, so words they separated stay apart.
_CONTROL = "".join(map(chr, (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))))
_STRAY = pattern_on_use(f"[{re.escape(_INVISIBLE + _CONTROL)}]")  # compiled by writes, not by `list`
_STRAY_TABLE = str.maketrans(dict.fromkeys(_INVISIBLE, None) | dict.fromkeys(_CONTROL, " "))


def clean_text(text: str) -> str:
    """NFC, no invisible or control characters, whitespace folded: the form every stored string takes.

    `str.split()` folds exactly the whitespace that `\\s` matches, several times faster than a regex
    substitution (scripts/bench_clean_text.py); the table is applied only to the rare text that
    needs it, since `str.translate` is slow on non-Latin scripts.
    """
    text = unicodedata.normalize("NFC", text)
    if _STRAY().search(text):
        text = text.translate(_STRAY_TABLE)
    return " ".join(text.split())


def clean_paragraphs(paragraphs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Cleaned paragraphs with the empty ones dropped."""
    return tuple(p for p in (clean_text(p) for p in paragraphs) if p)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 version`, `2 versions`, `0 versions`: every count a person reads agrees with its noun."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


LEDE_WORDS = 10  # an untitled article is named by this many words of its text
LEDE_CHARS = 600  # enough text to hold them: a store reads no more of it


def display_title(title: str | None, text: str | None) -> str | None:
    """What names an article to a reader: its headline, else the first words of its text, cut at a word
    ("The United Nations mediator on Syria said moribund peace talks…"); None for neither."""
    if title:
        return title
    words = (text or "")[:LEDE_CHARS].split()
    if not words:
        return None
    if len(words) <= LEDE_WORDS + 2 and len(text or "") <= LEDE_CHARS:
        return " ".join(words)
    return " ".join(words[:LEDE_WORDS]).rstrip(",;:.-–—") + "…"


def utc_now() -> str:
    return format_time(datetime.now(timezone.utc))


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second: one sortable form for every stored time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> str:
    """Normalise a user- or page-supplied ISO 8601 time; raises ValueError with the bad value."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return format_time(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from None


def content_hash(title: str | None, text: str) -> str:
    """Identity of a version: headline and body, already normalised."""
    payload = f"{title or ''}\n\n{text}".encode("utf-8", "surrogatepass")
    return sha256(payload).hexdigest()


def hex_digest(stored: bytes | str) -> str:
    """A stored SHA-256 as hex digits: the store keeps digests as their 32 bytes (raws since m011, versions'
    content hashes since m013), and migrations before those read rows that still hold hex."""
    return stored.hex() if isinstance(stored, bytes) else stored


class InputError(Exception):
    """An input newsdiff cannot read; the message is one line that names the reason."""


class NotFound(LookupError):
    """An ARTICLE reference or version number that the store does not hold."""


_RECORDS = {"ArticleRecord": "records", "ParsedInput": "records", "FileResult": "records"}  # name -> its module
__getattr__ = lazy_exports(__name__, _RECORDS, _RECORDS, within=__package__)[0]
