"""What a page says about itself: JSON-LD, Open Graph and <meta>, <title>, <h1>, <time>, bylines and standfirsts."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from ..model import clean_text, format_time, parse_time
from ..urls import joined
from .document import PRUNED_TAGS
from .words import squash

__all__ = ["Page", "host_label", "host_of", "page_time", "read_page", "tidy_byline"]

_LEAD_WINDOW = 1500  # letters of text after the headline within which a standfirst is looked for
_STANDFIRST_CLASSES = {"standfirst", "perex", "dek", "lede", "subhead", "subheadline", "subtitle", "excerpt",
                       "chapo", "chapeau", "bajada", "entradilla", "sottotitolo"}
# Names a standfirst shares with other stories' teasers and boxes: they count right under the headline only,
# with no more than a date, a byline or a kicker (this many letters) between.
_TEASER_CLASSES = {"lead", "intro", "teaser", "abstract"}
_TEASER_WINDOW = 400
_ARTICLE_TYPES = ("Article", "BlogPosting", "Report", "LiveBlogPosting")
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " « ", " » ")
_SOURCE = re.compile(r"\s*[(（\[][^()（）\[\]]{1,60}[)）\]]$")  # "(CNET Japan)" after a headline
_DANGLING = re.compile(r"^(?:[|·–—-]|::)\s+|\s+(?:[|·–—-]|::)$")
# a CDATA section or an HTML comment that hides a script from old parsers
_WRAPPER = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)\s*$")
_BYLINE_PREFIX = re.compile(r"^(?:by|par|por|von|di|door)\s+", re.IGNORECASE)


def _text(element: Any) -> str:
    return clean_text(element.text_content()) if element is not None else ""


def _pieces(element: lxml.html.HtmlElement) -> list[str]:
    """An element's runs of visible text: a <style> or <script> inside it (a theme's CSS set in the <h1>) is no text."""
    return [str(piece) for piece in element.xpath(".//text()[not(ancestor::style or ancestor::script)]")]


def _meta_tags(root: lxml.html.HtmlElement) -> dict[str, str]:
    """First non-empty content of each <meta> by property, name or itemprop, lower-cased."""
    found: dict[str, str] = {}
    for element in root.iter("meta"):
        value = (element.get("content") or "").strip()
        for attribute in ("property", "name", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key and value and key not in found:
                found[key] = value
    return found


def _linked_data(root: lxml.html.HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members included; broken blocks are skipped. A block
    wrapped in a CDATA section or an HTML comment (the Article object of some news pages) is read without it."""
    objects: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            stack: list[Any] = [json.loads(_WRAPPER.sub("", script.text or ""))]
        except ValueError:
            continue
        while stack and len(objects) < 500:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                objects.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return objects


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    return {str(k) for k in (kind if isinstance(kind, list) else [kind]) if k}


def _names(value: Any) -> list[str]:
    """Author names from JSON-LD's many shapes: a string, an object, or a list of either."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and clean_text(name) and "://" not in name:
            names.append(clean_text(name))
    return names


def page_time(value: str | None) -> str | None:
    """A page's date as ISO 8601 UTC, or None rather than a guess; times without a zone are read as UTC."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return parse_time(value)
    except ValueError:
        pass
    try:
        return format_time(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def host_of(url: str | None) -> str | None:
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:  # a malformed address in the page's own metadata
        return None


def host_label(host: str) -> str:
    """The outlet's name as its host spells it: 'theguardian' for www.theguardian.com."""
    parts = [p for p in host.lower().split(".") if p not in ("www", "m", "amp", "edition", "mobile")]
    if len(parts) >= 3 and len(parts[-2]) <= 3:  # bbc.co.uk, lanacion.com.ar
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")


def _strip_site(title: str, site_names: list[str], byline: str | None = None) -> str:
    """Drop a leading or trailing ' | Site Name' (or ' | Author Name', a part without a letter or
    digit, or a trailing '(site name)') from a headline, and a separator left dangling at either end
    ('Headline -' once a CMS has joined it to an empty site name)."""
    title = _DANGLING.sub("", title)
    names = [squash(n) for n in site_names if squash(n)]
    authors = {squash(a) for a in (byline, *(byline or "").split(",")) if a and squash(a)}

    def is_furniture(part: str) -> bool:
        """A site or author name, or a part without a letter or digit ('☆☆☆☆☆' rating stars)."""
        part = squash(part)
        return not part or part in authors or any(n in part or part in n for n in names)

    source = _SOURCE.search(title)
    if source and is_furniture(source.group()) and title[:source.start()].strip():
        return _strip_site(title[:source.start()], site_names, byline)
    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and is_furniture(tail) and head.strip():
            return _strip_site(head.strip(), site_names, byline)
        head, found, tail = title.partition(separator)
        if found and is_furniture(head) and tail.strip():
            return _strip_site(tail.strip(), site_names, byline)
    return title


@dataclass
class Page:
    """What a page says about itself, before any body extraction."""

    meta: dict[str, str]
    article: dict[str, Any]  # the JSON-LD Article object, or {}
    ld_types: set[str]
    url: str | None
    site_names: list[str]
    title: str | None
    byline: str | None
    published: str | None
    lead: str | None  # visible text matching the page's own description: its standfirst, if not in the body


def read_page(root: lxml.html.HtmlElement, url: str | None) -> Page:
    meta = _meta_tags(root)
    objects = _linked_data(root)
    article = next((o for o in objects if any(t.endswith(_ARTICLE_TYPES) for t in _types(o))), {})
    ld_types = set().union(*(_types(o) for o in objects)) if objects else set()
    if not url:
        canonical = next((link.get("href") for link in root.iter("link")
                          if "canonical" in (link.get("rel") or "").lower().split()), None)
        ld_url = article.get("url") if isinstance(article.get("url"), str) else None
        for candidate in (canonical, meta.get("og:url"), ld_url):
            text = (candidate or "").strip()
            found = "https:" + text if text.startswith("//") else joined(meta.get("og:url", ""), text)
            if found and found.startswith(("http://", "https://")) and host_of(found):
                url = found
                break
    host = host_of(url) or ""
    page_title = _text(next(root.iter("title"), None))
    titles = {squash(t) for t in (meta.get("og:title"), meta.get("twitter:title"), page_title) if t}
    site_names = [n for n in (meta.get("og:site_name"), meta.get("application-name"), host_label(host))
                  if n and squash(n) not in titles]  # some pages give the app the article's name
    byline = _page_byline(root, meta, article)
    return Page(
        meta=meta,
        article=article,
        ld_types=ld_types,
        url=url,
        site_names=site_names,
        title=_page_title(root, meta, article, site_names, byline),
        byline=byline,
        published=_page_published(root, meta, article),
        lead=_page_lead(root, meta),
    )


def _page_title(root: lxml.html.HtmlElement, meta: dict[str, str], article: dict[str, Any], site_names: list[str],
                byline: str | None) -> str | None:
    """The headline: the visible <h1> that a title the page declares (JSON-LD, Open Graph, Twitter,
    <title>, asked in that order) agrees with once site name and author are cut off it, else the
    first declared one.

    Agreeing is being equal or one a prefix of the other (a declared title may be cut short, or
    carry a source in brackets), so a section name in the <title> does not confirm an <h1>. The
    declared titles are asked in turn, so an <h1> holding the blog's name, a prefix of a <title>
    "Blog name: Post title", loses to the <h1> that the og:title confirms. Where the declared title
    is the whole headline (the same letters, or the <h1> and a source in brackets), its own wording
    is kept: the page's metadata spells the headline as the outlet published it, while the <h1> may
    be typeset (curly quotes) or shortened; so is it where the <h1> is the declared title and the
    site's name (a theme that prints the whole <title> as the <h1>), or the declared title and, in
    an element of its own, a subtitle, a date or the rest of a roofline. An <h1> that ends with a
    declared title after a shorter run of words, or after an element of its own (the <title> too, and
    a kicker of any length), is that title under a kicker ("Weekly drill" + "Pyramid sets"), whose
    markup may even leave no space between them: the declared title is the headline. Likewise a
    title that is the <h1> after a shorter kicker and a colon ("Press release: Pyramid sets",
    "Site: Pyramid sets") confirms the <h1>, without the kicker.
    """
    headline = article.get("headline")
    declared = [d for d in (_declared(t) for t in (headline if isinstance(headline, str) else None,
                                                   meta.get("og:title"), meta.get("twitter:title")) if t) if d]
    tag = _declared(_text(next(root.iter("title"), None)))
    h1s = [(t, pieces) for t, pieces in ((clean_text("".join(p)), p) for p in map(_pieces, root.iter("h1"))) if t]
    titles = [_strip_site(t, site_names, byline) for t in (*declared, tag) if t]
    sites = {squash(n) for n in site_names}
    for rank, title in enumerate(titles):
        found = squash(title)
        for h1, pieces in h1s:
            key = squash(h1)
            if len(key) < 10 or len(found) < 10:
                continue
            if key != found and key.endswith(found) and (
                    found in _cuts(pieces)[1] or (rank < len(declared) and len(key) - len(found) < len(found))):
                return title
            kicker = title[:-len(h1)] if title.endswith(h1) else ""
            if kicker.rstrip().endswith(":") and len(squash(kicker)) < len(key):
                return h1
            if not (key.startswith(found) or found.startswith(key)):
                continue
            unsourced = _SOURCE.sub("", title)
            more = len(key) > len(found) and (key[len(found):] in sites or found in _cuts(pieces)[0])
            whole = _letters(title) == _letters(h1) or more
            return title if whole or (unsourced != title and squash(unsourced) == key) else h1
    # A declared title that is the name the page gives its site (og:site_name, application-name) is
    # a headline only when nothing else is: no <h1> confirmed it, and some pages give the site's name
    # as every title while the story's headline is in the <h1>. A lone <h1> that no declared title
    # agreed with, and that is the shorter end of the <title> cut off at a separator, is the site's
    # name set as a logo ("Post title | Blog name" and an <h1> "Blog name"): the rest of the <title>.
    shown = [h1 for h1, _ in h1s[:1] if len(h1s) == 1]
    rest = next((cut for h1 in shown for sep in _TITLE_SEPARATORS for cut in (
        tag[len(h1 + sep):] if tag.startswith(h1 + sep) else "", tag[:-len(sep + h1)] if tag.endswith(sep + h1) else "")
        if len(squash(cut)) > len(squash(h1))), "")
    declared_sites = {squash(clean_text(meta.get(k) or "")) for k in ("og:site_name", "application-name")}
    for skipped in (sites | declared_sites, sites):
        for candidate in (*declared, rest) if rest else (*declared, *shown, tag):
            stripped = _strip_site(candidate, site_names, byline) if candidate else ""
            if squash(stripped) and squash(stripped) not in skipped:
                return stripped
    return None


def _cuts(pieces: list[str]) -> tuple[set[str], set[str]]:
    """An element's visible text (its `_pieces`) up to, and from, each boundary between the elements
    inside it, squashed: where a kicker, a subtitle, a date or a roofline set inside an <h1> ends or begins."""
    return ({squash("".join(pieces[:i])) for i in range(1, len(pieces) + 1)},
            {squash("".join(pieces[i:])) for i in range(len(pieces))})


def _declared(title: str) -> str:
    """A declared title as text: JSON-LD strings are never decoded as HTML, and some CMSs escape a
    <meta> content or <title> twice, so character references left in it ("Tom &#038; Jerry") are decoded."""
    return clean_text(html.unescape(title) if "&" in title else title)


def _letters(text: str) -> str:
    """Letters and digits as written (case kept): an all-capitals og:title is not the <h1>'s wording."""
    return re.sub(r"\W+", "", text)


def _page_lead(root: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    """The standfirst under the headline: the element showing the page's description, or one
    whose class calls it a standfirst (perex, dek, chapô...) or, right under the headline, a teaser
    or an intro (a CMS's news teaser); a named one only when it is text of its own (_own_text).

    Only the text just below the <h1> is searched, so a teaser for this very story further down
    the page is not taken for it; the caller keeps it only if the body does not already hold it.
    """
    description = meta.get("og:description") or meta.get("description") or meta.get("twitter:description")
    target = squash(re.sub(r"(?:\.\.\.|…)\s*$", "", description or ""))
    headline = next(root.iter("h1"), None)
    if headline is None:
        return None
    seen = 0
    for element in _onwards(headline):
        if not isinstance(element.tag, str) or element.tag in PRUNED_TAGS:
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}"
        named = set(re.split(r"[^a-z]+", names.lower())) if names != " " and element is not headline else set()
        if ((named & _STANDFIRST_CLASSES or named & _TEASER_CLASSES and seen <= _TEASER_WINDOW)
                and 40 <= len(_text(element)) <= 800 and _own_text(element, headline)):
            return _text(element)
        for run, owner in ((element.text, element), (element.tail, element.getparent())):
            run = squash(run or "")
            seen += len(run)
            if seen > _LEAD_WINDOW:
                return None
            if len(target) < 40 or len(run) < 3 or not target.startswith(run[:30]) or owner is None:
                continue
            while owner is not None:
                found = squash(owner.text_content())
                if len(found) >= len(target):
                    if found.startswith(target) and len(found) < len(target) * 1.3:
                        return _text(owner)
                    break
                owner = owner.getparent()
    return None


def _own_text(element: lxml.html.HtmlElement, headline: lxml.html.HtmlElement) -> bool:
    """Whether an element named like a standfirst shows text of its own: not the headline again, nor a
    teaser for another story (mostly link text: a card, a 'more' box, a price comparison), nor the lead
    picture and its caption, nor a byline with the author's picture."""
    if next(element.iter("figure", "img", "picture", "video"), None) is not None:
        return False
    text = squash(element.text_content())
    if squash(headline.text_content()) in text and len(text) < 1.3 * len(squash(headline.text_content())):
        return False
    linked = sum(len(squash(a.text_content())) for a in element.iter("a"))
    return linked * 2 < len(text)


def _onwards(element: lxml.html.HtmlElement) -> Iterator[Any]:
    """The page's nodes in document order from `element` on (itself first), as `root.iter()` gives
    them once it reaches `element`, without walking through the nodes before it."""
    yield from element.iter()
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        for sibling in node.itersiblings():
            yield from sibling.iter()
        node = node.getparent()


def _page_byline(root: lxml.html.HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    names = _names(article.get("author"))
    if names:
        return ", ".join(dict.fromkeys(names))
    for key in ("author", "byl", "parsely-author", "sailthru.author", "dc.creator", "article:author"):
        value = meta.get(key)
        if value and "://" not in value:
            return tidy_byline(value)
    for element in root.xpath("//*[@rel='author'] | //*[@itemprop='author']//*[@itemprop='name']"
                              " | //*[@itemprop='author']"):
        value = element.get("content") or _text(element)
        if value and len(value) < 120:
            return tidy_byline(value)
    return None


def tidy_byline(value: str) -> str | None:
    """"By Jane Doe" as "Jane Doe"; a long run of text is a selector that missed, not a byline."""
    value = _BYLINE_PREFIX.sub("", clean_text(value))
    return value if value and len(value) <= 200 else None


def _page_published(root: lxml.html.HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    """The first readable time the page declares, asked in order of trust; the page is searched only
    as far as the declarations above it give none (most give one in JSON-LD or <meta>)."""
    for candidate in _published_candidates(root, meta, article):
        published = page_time(candidate) if isinstance(candidate, str) else None
        if published:
            return published
    return None


def _published_candidates(root: lxml.html.HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> Iterator[Any]:
    yield article.get("datePublished")
    yield from (meta.get(k) for k in ("article:published_time", "og:published_time", "datepublished",
                                      "publish-date", "pubdate", "sailthru.date", "parsely-pub-date",
                                      "dcterms.created", "dc.date.issued", "dc.date", "date"))
    yield from (e.get("datetime") or e.get("content") for e in root.xpath("//*[@itemprop='datePublished']"))
    yield from (e.get("datetime") for e in root.xpath("//time[@pubdate]"))
    # Last, a visible <time>: the article's own before any in a sidebar, never a "last modified" one.
    times = "//time[@datetime][not(contains(@itemprop, 'dateModified'))]"
    yield from (e.get("datetime") for e in (root.xpath("//article" + times)[:1] or root.xpath(times)[:1]))
