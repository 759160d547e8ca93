"""Inputs in: decide what a blob of bytes is (from its content, never its name) and parse it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..model import InputError, ParsedInput

__all__ = ["ParseOptions", "parse_bytes", "decode_text", "extraction_error", "reader"]

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# What may precede a page's first element: comments, a doctype, an XML declaration, in any order.
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PROLOGUE = re.compile(rf"(?:\s*(?:{_COMMENT.pattern}|<!doctype[^>]*>|<\?xml[^>]*>))*\s*", re.DOTALL)
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"SQLite format 3")


@dataclass
class ParseOptions:
    """Choices a caller makes about parsing; the defaults suit most inputs."""

    single_as: str = "added"  # where a NewsSniffer row seen once goes: "added" or "removed"
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-site extraction rules from config


def reader(options: ParseOptions) -> str:
    """What decides how `parse_bytes` reads a page, apart from the page, its address and content type: the
    package's parsing code and built-in site rules (a digest of their files, as `reports.cache.digest` names
    the diff engine's code), trafilatura's and Beautiful Soup's versions, and these options (the user's
    overrides of site rules by their hash, as `extractor_version` names them). A poll extracts a page again
    only when its bytes or this have changed since it was last read."""
    import bs4
    import trafilatura

    from .sites import ruleset

    overrides = sorted(f"{rule.domains[0]}+{rule.overridden}" for rule in ruleset(options.sites).rules
                       if rule.overridden)
    return "/".join((_parsing_code(), f"trafilatura-{trafilatura.__version__}", f"beautifulsoup4-{bs4.__version__}",
                     f"single-as-{options.single_as}", *overrides))


@cache
def _parsing_code() -> str:
    """The digest of the parsing code and built-in rules, read once per process (a poll every minute with
    `--loop` need not read the files again: the code it runs is the code it loaded)."""
    from ..reports.cache import digest

    return digest("sources", "sites.toml", "model.py")


def extraction_error(exc: Exception) -> str:
    """One line for a page that gave no article: the input's own reason, or the extractor's failure named
    (a hostile page must cost one article or capture, never the run)."""
    return str(exc) if isinstance(exc, InputError) else f"could not extract the article: {type(exc).__name__}: {exc}"


def decode_text(data: bytes) -> str:
    """Text files are UTF-8 (or UTF-16/32 with a BOM); anything else is refused rather than guessed."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {encoding} despite its byte-order mark "
                                 f"({exc.reason} at byte {exc.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}) and no encoding is declared"
        ) from None


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if any(head.startswith(magic) for magic in _BINARY_MAGIC):
        return True
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return False  # UTF-16/32 text has NUL bytes by design
    return b"\x00" in head


def _head(data: bytes) -> str:
    """The first 4 KB as text, read through its byte-order mark (a UTF-16 page is no UTF-8 prose)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):4096].decode(encoding, "replace")
    return data[:4096].decode("utf-8", "replace")


def _sniff_markup(head: str, content_type: str | None = None) -> str | None:
    """'html', 'feed', 'json' or None for prose, from the first characters after any comments,
    doctype and XML declaration (real pages open with `<!--?xml ...-->` or a licence comment);
    a text/html Content-Type decides what the characters leave open."""
    start = head.lower()
    prologue = _PROLOGUE.match(start)
    assert prologue is not None  # it matches the empty string
    declared = _COMMENT.sub("", prologue.group(0))  # a doctype or declaration, not one quoted in a comment
    start = start[prologue.end():]
    if start.startswith(("<rss", "<feed", "<rdf:rdf")):
        return "feed"
    if "<!doctype html" in declared or start.startswith(
        ("<html", "<head", "<body", "<meta", "<table", "<div", "<article")
    ):
        return "html"
    if "<?xml" in declared:
        return "html" if "<html" in start else "xml"
    if start.startswith("<") and "<p" in start and "</" in start:
        return "html"
    if start[:1] in "{[":
        try:
            json.loads(head)
        except ValueError:
            return None
        return "json"
    media_type = (content_type or "").split(";")[0].strip().lower()
    return "html" if media_type in ("text/html", "application/xhtml+xml") else None


def parse_bytes(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    options: ParseOptions | None = None,
) -> ParsedInput:
    """Parse any supported input. Raises InputError with a one-line reason for anything else."""
    from . import charset, html, newssniffer, text  # HTML parsing pulls in trafilatura and lxml: loaded on first parse
    from .warc import WARC_MAGIC
    options = options or ParseOptions()
    if not data.strip():
        raise InputError("empty file")
    if _looks_binary(data):
        raise InputError("binary file, not an article")
    if data.startswith(WARC_MAGIC):  # standard input, `parse`, `diff`: only `import FILE` reads one, record by record
        raise InputError("a WARC file, not an article: `newsdiff import` reads one by its file name")
    kind = _sniff_markup(_head(data), content_type)
    if kind in ("feed", "xml"):
        raise InputError("an XML feed or document, not an article (add feeds with `newsdiff feeds add`)")
    if kind == "json":
        raise InputError("JSON, not an article")
    if kind == "html":
        decoded = charset.decode_page(data, content_type)
        if newssniffer.is_dump_html(decoded[0]):
            return newssniffer.parse_dump_html(decoded[0])
        return html.parse_html(data, url=url, content_type=content_type, sites=options.sites, decoded=decoded)
    body = decode_text(data)
    if newssniffer.is_dump_text(body):
        return newssniffer.parse_dump_text(body, single_as=options.single_as)
    return text.parse_text(body, url=url)
