"""Page-type guards: what is not an article (a section front, a paywall or error stub, a page far too large)
raises InputError with the reason."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from ..model import InputError
from .metadata import Page
from .words import squash, word_count

__all__ = ["MIN_WORDS", "check_size", "is_paywall_prompt", "looks_like_front", "refuse_stub"]

_MAX_ELEMENTS = 40_000  # real article pages stay under a few thousand once scripts are gone
_MAX_CHARACTERS = 1_000_000  # the longest articles are a tenth of this
_MAX_ATTRIBUTE = 2_000  # longer values (inline JSON, a runaway class) are no text, yet stall class and id patterns
MIN_WORDS = 30  # fewer words than this is a stub, an error page or a teaser, not an article
_STUB_WORDS = 150  # a paywalled or error page may show a paragraph or two; more is an article
_CARDS = 10  # paragraphs that are whole link texts (headlines) from which a page may be a list of stories
_FRONT_TYPES = {"CollectionPage", "ItemList", "SearchResultsPage", "WebSite"}
# What SEO plugins describe besides the page itself, on every page of a site: with only these beside it, a
# JSON-LD WebSite is the page's own description (a home page); with a WebPage, Product, Recipe, ... it is
# the site's, and says nothing about the page.
_SITE_TYPES = {"WebSite", "Organization", "Corporation", "NewsMediaOrganization", "Person", "Brand", "ImageObject",
               "BreadcrumbList", "ListItem", "SearchAction", "EntryPoint", "PostalAddress", "ContactPoint", "Place"}
# An error page's title has a part (between separators) made of error words alone ("404", "Error 404 |
# Site", "Page not found - Site"). A headline may hold any of them ("404 residents evacuated", "Error in
# vote count", "Hiker not found", "Forbidden City reopens" are news).
_TITLE_SEPARATORS = re.compile(r"[|:–—-]")
_ERROR_WORDS = re.compile(r"\b(?:error|404|410|page not found|not found|access denied|forbidden)\b", re.IGNORECASE)
_NOT_WORDS = re.compile(r"\W+")
# A short line asking the reader to subscribe or sign in to read on: a paywall's prompt, not the article.
# English, then French, Spanish, German, Portuguese and Italian: a word of access and a word of reading on.
_PAYWALL_ACCESS = re.compile(
    r"\b(?:subscrib\w*|sign(?:ing)? in|log(?:ging)? in|login|register|account|members(?:hip)?|"
    r"abonn\w*|connectez|suscr[ií]\w*|inici[ae] sesi[oó]n|anmelden|einloggen|assin\w*|abbon\w*|accedi)\b",
    re.IGNORECASE,
)
_PAYWALL_GOAL = re.compile(
    r"\b(?:(?:continue|keep|start|finish) reading|read (?:the|this|our) (?:full|rest|entire|whole)|"
    r"rest of (?:the|this) (?:article|story)|(?:full|unlimited|digital|premium) access|(?:for|to) subscribers|"
    r"(?:subscribers?|members)[ -]only|"
    r"lire la suite|continuer (?:à|a) lire|r[ée]serv[ée]e? aux abonn[ée]s|"
    r"(?:seguir|continuar) leyendo|exclusiv[oa] para suscriptores|"
    r"weiterlesen|nur f[üu]r abonnenten|"
    r"continuar (?:lendo|a ler)|exclusiv[oa] para assinantes|"
    r"continua(?:re)? a leggere|riservat[oa] agli abbonati)\b",
    re.IGNORECASE,
)
# Class or id names that mark a paywall's box or the locked part of a story.
_PAYWALL_NAMES = re.compile(
    r"paywall|pay-wall|regwall|metered|meter-|premium-content|subscriber-only|subscribers-only|locked-content|"
    r"article-locked|tp-modal|piano-|fence-body", re.IGNORECASE)
_PROMPT_WORDS = 40  # a prompt is a line or two; a longer paragraph that mentions subscribers is text
# A card's age: "3 hours ago", "il y a 3 heures", "hace 3 horas", "vor 3 Stunden", "há 3 horas", "3 ore fa".
_TIME_AGO = re.compile(
    r"(?:\d+|an?|one)\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|months?)\s+ago|"
    r"(?:il y a|hace|vor|há)\s+\d+\s*[^\W\d_]+\.?|\d+\s*[^\W\d_]+\s+fa",
    re.IGNORECASE,
)
_ELEMENTS = etree.XPath("count(descendant-or-self::node()[not(self::text())])")
_LONG_ATTRIBUTES = etree.XPath("descendant-or-self::*[@*[string-length() > $limit]]")


def check_size(root: lxml.html.HtmlElement) -> None:
    """Refuse pages far beyond any article before the extractors spend minutes on them, and drop
    attribute values long enough to do the same (trafilatura matches patterns against class and id)."""
    if _ELEMENTS(root) > _MAX_ELEMENTS:  # counted and searched by libxml2, without a Python object per element
        raise InputError(f"no article found (page too large: over {_MAX_ELEMENTS} elements after scripts and styles)")
    for element in _LONG_ATTRIBUTES(root, limit=_MAX_ATTRIBUTE):
        for name in [n for n, value in element.attrib.items() if len(value) > _MAX_ATTRIBUTE]:
            del element.attrib[name]
    characters = len(root.text_content())
    if characters > _MAX_CHARACTERS:
        raise InputError(f"no article found (page too large: {characters} characters of text)")


def _link_texts(root: lxml.html.HtmlElement) -> str:
    """The squashed text of every link, one a line: what a list of stories' card headlines are
    (trafilatura works on its own copy of the tree, so the page is still whole then)."""
    return "\n".join(squash(a.text_content()) for a in root.iter("a"))


def _time_stamps(root: lxml.html.HtmlElement) -> int:
    """Lines such as "3 hours ago": a list of stories dates each one."""
    return sum(1 for t in root.itertext() if len(t) < 40 and _TIME_AGO.fullmatch(t.strip()))


def _section_address(url: str | None) -> bool:
    """/world/ or /news/: one path segment at most, with no digits or hyphens (an article's slug has them)."""
    try:
        segments = [s for s in urlsplit(url or "").path.split("/") if s]
    except ValueError:
        return False
    return len(segments) <= 1 and not any(ch.isdigit() or ch == "-" for s in segments for ch in s)


def looks_like_front(page: Page, paragraphs: list[str], root: lxml.html.HtmlElement) -> bool:
    """A section front declares itself (a JSON-LD collection, or og:type website at a section-like
    address) over little text, or reads as a list of stories: many paragraphs that are whole link
    texts (card headlines), confirmed by time-ago stamps, most text inside links, or a declaration.

    Article metadata (JSON-LD Article, article:published_time) makes a page an article. So does a
    full text on a page that calls itself a website (yahoo-2), and a listicle whose few item headings
    are links (yahoo-1): each has one sign of a front, not cards and a second sign. A JSON-LD WebSite
    beside a description of the page itself (WebPage, Product, Recipe: SEO plugins put the site's
    WebSite on every page) is no collection, nor is a site's WebSite and Organization on a page whose
    og:type says article.
    """
    if page.article or "article:published_time" in page.meta:
        return False
    front_types = page.ld_types & _FRONT_TYPES if page.ld_types <= _SITE_TYPES | _FRONT_TYPES else page.ld_types & (
        _FRONT_TYPES - {"WebSite"})
    og_type = page.meta.get("og:type", "").lower()
    collection = bool(front_types and not page.ld_types & {"NewsArticle", "Article"} and og_type != "article")
    website = og_type == "website"
    section = _section_address(page.url)
    words = word_count(paragraphs)
    if words < _STUB_WORDS and (collection or website and section):
        return True
    def many(cards: list[str]) -> bool:
        return len(cards) >= _CARDS and len(cards) * 4 >= len(paragraphs)

    # The page is read only for what the paragraphs leave open: too few of them could be cards, and
    # the time stamps are counted only when no declaration or address has decided.
    cards = [p for p in paragraphs if len(p.split()) >= 3]
    if not many(cards):
        return False
    links = _link_texts(root)
    cards = [p for p in cards if squash(p) in links]
    if not many(cards):
        return False
    return collection or website or section or word_count(cards) * 2 >= words or _time_stamps(root) >= 3


def is_paywall_prompt(paragraph: str) -> bool:
    return (len(paragraph.split()) <= _PROMPT_WORDS and bool(_PAYWALL_ACCESS.search(paragraph))
            and bool(_PAYWALL_GOAL.search(paragraph)))


def _paywall_marks(root: lxml.html.HtmlElement, article: dict[str, Any]) -> bool:
    """Whether the page shows a paywall: the locked part it declares (JSON-LD `hasPart` with a
    `cssSelector`) is there, or a box is named for one. Many outlets declare every story not free,
    so the declaration alone does not make a short story a paywall stub."""
    parts = article.get("hasPart")
    for part in parts if isinstance(parts, list) else [parts]:
        selector = part.get("cssSelector") if isinstance(part, dict) else None
        if isinstance(selector, str) and selector[:1] in ".#" and re.fullmatch(r"[.#][\w-]+", selector):
            attribute = "class" if selector[0] == "." else "id"
            if root.xpath(f"//*[contains(concat(' ', normalize-space(@{attribute}), ' '), $name)]",
                          name=f" {selector[1:]} "):
                return True
    return any(_PAYWALL_NAMES.search(f"{element.get('class') or ''} {element.get('id') or ''}")
               for element in root.iter()
               if isinstance(element.tag, str) and (element.get("class") or element.get("id")))


def _error_title(title: str) -> bool:
    """Is one part of the title nothing but error words? (Splits and substitutions only: linear time.)"""
    for part in _TITLE_SEPARATORS.split(title):
        rest, found = _ERROR_WORDS.subn("", part)
        if found and not _NOT_WORDS.sub("", rest):
            return True
    return False


def refuse_stub(page: Page, words: int, prompted: bool, root: lxml.html.HtmlElement) -> None:
    """Raise for pages whose few words are not an article: a paywall (declared and shown, or a
    subscribe prompt under a paragraph or two), an error page, a teaser."""
    free = page.article.get("isAccessibleForFree", True)
    if (str(free).lower() == "false" and words < _STUB_WORDS
            and (prompted or _paywall_marks(root, page.article))):
        raise InputError(f"no article found (paywalled: only {words} words visible)")
    if prompted and words < _STUB_WORDS:
        raise InputError(f"no article found (paywall stub: only {words} words before a subscribe prompt)")
    if page.title and words < _STUB_WORDS and _error_title(page.title):
        raise InputError(f"no article found (an error page: {page.title[:80]!r})")
    if words == 0:
        raise InputError("no article found (no body text on the page)")
    if words < MIN_WORDS:
        raise InputError(f"no article found (only {words} words of text)")
