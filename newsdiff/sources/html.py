"""Article pages (HTML): bytes in, one cleaned ArticleRecord out.

The steps, each in a module of its own: decoding (charset), the page's tree (document), what the page
says about itself (metadata), the body (extraction: the outlet's site rule, else trafilatura), and
what is not an article (guards).
"""

from __future__ import annotations

import re
from typing import Any

from ..model import ArticleRecord, InputError, ParsedInput
from .charset import decode_page
from .document import parse_document, prune
from .extraction import Extraction, extract_by_rule, extract_generic, precise_published, trim
from .guards import MIN_WORDS, check_size, is_paywall_prompt, looks_like_front, refuse_stub
from .metadata import host_label, host_of, read_page
from .sites import drop_ignored, ruleset
from .words import squash, word_count

__all__ = ["parse_html"]


def parse_html(
    data: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    sites: dict[str, dict[str, Any]] | None = None,
    decoded: tuple[str, str, str] | None = None,
) -> ParsedInput:
    """Extract the article from a page; raises InputError('no article found (reason)') for anything else.

    `decoded` is decode_page's reading of these bytes when the caller has it already (a page is
    decoded once, not once to sniff it and again to extract it).
    """
    text, encoding, charset_source = decoded or decode_page(data, content_type)
    root = parse_document(text)
    page = read_page(root, url)
    prune(root)
    check_size(root)
    rules = ruleset(sites)
    rule = rules.find(host_of(page.url))
    details: dict[str, Any] = {"charset": encoding, "charset_source": charset_source}
    extraction: Extraction | str | None = extract_by_rule(root, rule, rules) if rule else None
    if isinstance(extraction, Extraction) and word_count(extraction.paragraphs) < MIN_WORDS:
        extraction = f"site rule {rule.name}: body too short" if rule else None
    generic = not isinstance(extraction, Extraction)
    if not isinstance(extraction, Extraction):
        if extraction:
            details["fallback"] = extraction
        extraction = extract_generic(root, rules)
    title = extraction.title or page.title
    byline = extraction.byline or page.byline
    trimmed = trim(extraction.paragraphs, (title, byline, extraction.standfirst))
    if rule:
        trimmed = drop_ignored(rule, trimmed)
    paragraphs = [p for p in trimmed if not is_paywall_prompt(p)]
    standfirst = extraction.standfirst
    if extraction.extractor == "generic" and page.lead and not _is_body_text(page.lead, paragraphs):
        standfirst = page.lead  # a site rule knows where its outlet's standfirst is, or that there is none
    words = word_count(paragraphs)
    if generic and looks_like_front(page, paragraphs, root):
        raise InputError("no article found (a section front or index page, not an article)")
    refuse_stub(page, words, len(paragraphs) < len(trimmed), root)
    record = ArticleRecord(
        paragraphs=tuple(paragraphs),
        title=title,
        url=page.url,
        byline=byline,
        standfirst=standfirst,
        published=precise_published(extraction.published, page.published),
        source=rule.name if rule else (host_label(host_of(page.url) or "") or None),
        format="html",
        extractor=extraction.extractor,
        extractor_version=extraction.version,
    )
    details.update(extractor=extraction.extractor, extractor_version=extraction.version)
    return ParsedInput(format="html", versions=[record], details=details)


def _is_body_text(lead: str, paragraphs: list[str]) -> bool:
    """Whether a lead is the body's own text: all of it, or all its sentences but one when two or more
    are in the body (the body's opening with a byline or a link glued on). A standfirst that shares
    only its first sentence with the body's first paragraph is still a standfirst."""
    body = squash(" ".join(paragraphs))
    sentences = [key for key in (squash(s) for s in re.split(r"(?<=[.!?…])", lead)) if key]
    inside = sum(1 for key in sentences if key in body)
    return inside == len(sentences) or inside >= 2 and inside >= len(sentences) - 1
