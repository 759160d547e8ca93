"""Decoded page text to the lxml tree every later step reads: parsed leniently, control characters made
spaces, scripts, styles and embedded social posts taken out."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..model import InputError, clean_text

__all__ = ["PRUNED_TAGS", "parse_document", "prune"]

_NOSCRIPT_ARTICLE = 100  # words: more in a <noscript> is the page's text, not a notice
PRUNED_TAGS = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas")
# Posts embedded from social networks: quoted from elsewhere, not the outlet's text, on every path.
_EMBEDS = etree.XPath("//blockquote[" + " or ".join(
    f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
    for name in ("twitter-tweet", "twitter-video", "instagram-media", "tiktok-embed", "bluesky-embed",
                 "text-post-media", "reddit-embed-bq", "reddit-card")
) + "]")
# C0 controls other than tab, line feed and carriage return, typed (as UTF-8 bytes, which no other
# character's bytes contain) or as numeric references (the ending semicolon is optional in HTML,
# so a reference ends where its digits do).
_C0_BYTES = bytes.maketrans(bytes(c for c in range(32) if c not in b"\t\n\r"), b" " * 29)
_C0_REFERENCE = re.compile(
    rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])(?![0-9a-fA-F])|0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01])(?![0-9]));?"
)


def _without_controls(data: bytes) -> bytes:
    """UTF-8 bytes with every C0 control but tab and line breaks, typed or referenced, made a space."""
    data = data.translate(_C0_BYTES)
    return _C0_REFERENCE.sub(b" ", data) if b"&#" in data else data


def parse_document(text: str) -> lxml.html.HtmlElement:
    """Parse leniently; libxml2 caps nesting depth itself, so deep or broken markup cannot hang us.

    huge_tree lets a multi-megabyte inline script pass instead of ending the parse before the body.
    C0 control characters, typed or as references, become spaces first (as clean_text makes them):
    libxml2 keeps them, and trafilatura's XML output then refuses the whole body for one of them.
    """
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(_without_controls(text.encode("utf-8", "replace")), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"no article found (unreadable HTML: {clean_text(str(exc)) or 'empty document'})") from None
    if any("Excessive depth" in str(error.message) for error in parser.error_log):
        raise InputError("no article found (markup nested too deeply to read)")
    return root


def prune(root: lxml.html.HtmlElement) -> None:
    """Drop what a reader does not see as text. A <noscript> of an article's length is kept, unwrapped:
    some blogs render the post by script and give it whole only there, some sites a 'no JS' copy of
    the page; a short one ('enable JavaScript', a tracking pixel) goes with the scripts."""
    for noscript in list(root.iter("noscript")):
        if len(noscript.text_content().split()) >= _NOSCRIPT_ARTICLE:
            noscript.drop_tag()
    etree.strip_elements(root, *PRUNED_TAGS, with_tail=False)
    for embed in _EMBEDS(root):
        embed.drop_tree()
