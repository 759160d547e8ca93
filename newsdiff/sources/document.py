"""Decoded page text to the lxml tree every later step reads: parsed leniently, control characters made
spaces, scripts, styles and embedded social posts taken out, and answering trafilatura's paragraph-text
query in linear time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import lxml.html
from lxml import etree

from ..model import InputError, clean_text

__all__ = ["PRUNED_TAGS", "linear_paragraph_text", "paragraph_texts", "parse_document", "prune"]

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


# The paragraph-text queries trafilatura runs on the page (main_extractor: whether the frame holds enough
# text in <p>s), by whether they start from the document's root or the element they are asked of.
# libxml2 answers them in time quadratic in the <p>s (it merges each one's text nodes into the result
# one node set at a time): 38 s for a page of 39,000 short paragraphs.
_PARAGRAPH_TEXT = {"//p//text()": True, ".//p//text()": False}


def paragraph_texts(top: Any, include_top: bool) -> list[str]:
    """The text runs inside <p> elements under `top` (and `top` itself if `include_top`), in document
    order, as libxml2 gives them for `//p//text()`, in one walk of the tree.

    A node's tail belongs to its parent, so it is taken when the node is closed: a stack of the open
    nodes, each with whether it is or sits inside a <p>, is popped down to the next node's parent.
    Comments and processing instructions hold no text node of their own, but their tails count.
    """
    texts: list[str] = []
    open_nodes: list[tuple[Any, bool]] = []
    for node in top.iter():
        if open_nodes:
            parent = node.getparent()
            while open_nodes[-1][0] is not parent:
                closed = open_nodes.pop()[0]
                if closed.tail and open_nodes[-1][1]:
                    texts.append(closed.tail)
            inside = open_nodes[-1][1] or node.tag == "p"
        else:
            inside = include_top and node.tag == "p"
        if inside and node.text and isinstance(node.tag, str):
            texts.append(node.text)
        open_nodes.append((node, inside))
    while len(open_nodes) > 1:
        closed = open_nodes.pop()[0]
        if closed.tail and open_nodes[-1][1]:
            texts.append(closed.tail)
    return texts


class _LinearParagraphText:
    """Mixed into every element of a parsed page: trafilatura's paragraph-text queries are answered by
    paragraph_texts, every other query by libxml2. trafilatura only measures the text (its total
    length, or whether there is any), so plain strings serve where libxml2 would give smart strings."""

    def xpath(self, _path: str, **variables: Any) -> Any:
        include_top = _PARAGRAPH_TEXT.get(_path)
        if include_top is None or variables:
            return super().xpath(_path, **variables)  # type: ignore[misc]
        return paragraph_texts(self.getroottree().getroot() if include_top else self, include_top)  # type: ignore[attr-defined]


# The mixin's xpath takes the queries trafilatura sends (a str path, variables), narrower than lxml's stubs.
class _Element(_LinearParagraphText, lxml.html.HtmlElement):  # type: ignore[misc]
    """Every element of a parsed page. lxml.html's own lookup gives forms, inputs and labels classes of
    their own, through a Python call for each element that Python touches (5% of an extraction); nothing
    here uses their form methods, so one class for all is looked up by lxml itself."""


# The lookup belongs to the parser, so copies of the tree (trafilatura works on copies) keep it, and no
# other tree is touched.
_LOOKUP = etree.ElementDefaultClassLookup(element=_Element, comment=lxml.html.HtmlComment,
                                          pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity)


class _BuiltElement(_LinearParagraphText, etree.ElementBase):  # type: ignore[misc]  # xpath: see _Element
    """An element trafilatura builds itself (its output tree), with the same linear answer."""


_BUILT_LOOKUP = etree.ElementDefaultClassLookup(element=_BuiltElement)


@contextmanager
def linear_paragraph_text() -> Iterator[None]:
    """For a trafilatura call: the elements it builds itself answer the paragraph-text queries by
    paragraph_texts too (its output body is asked `.//p//text()` when readability's result is weighed).

    lxml gives a new element the classes of the default parser of the thread, so a parser like lxml's
    default but for those classes is made the default for the call, and the previous one put back.
    """
    parser = etree.XMLParser()
    parser.set_element_class_lookup(_BUILT_LOOKUP)
    previous = etree.get_default_parser()
    etree.set_default_parser(parser)
    try:
        yield
    finally:
        etree.set_default_parser(previous)


def parse_document(text: str) -> lxml.html.HtmlElement:
    """Parse leniently; libxml2 caps nesting depth itself, so deep or broken markup cannot hang us.

    huge_tree lets a multi-megabyte inline script pass instead of ending the parse before the body.
    C0 control characters, typed or as references, become spaces first (as clean_text makes them):
    libxml2 keeps them, and trafilatura's XML output then refuses the whole body for one of them.
    """
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    parser.set_element_class_lookup(_LOOKUP)
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
