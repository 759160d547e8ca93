"""The article's body: by the outlet's site rule when there is one (beautifulsoup4 + CSS selectors),
by trafilatura otherwise, then trimmed of the furniture around it (repeated headline, controls, related links)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import bs4
import lxml.html
import soupsieve
import soupsieve.css_types
import trafilatura
from lxml import etree
from trafilatura.settings import MANUALLY_CLEANED, Extractor
from soupsieve.css_match import RE_NOT_WS, CSSMatch
from soupsieve.util import lower

from ..model import InputError, clean_text, format_time
from .document import linear_paragraph_text
from .metadata import page_time, tidy_byline
from .sites import Ruleset, SiteRule
from .words import squash, word_count

if TYPE_CHECKING:
    from trafilatura.settings import Document

__all__ = ["Extraction", "extract_by_rule", "extract_generic", "precise_published", "trim"]

_DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|"
    r"\b(?:posted|published|updated|last|modified|on|at|am|pm|a\.m|p\.m|gmt|utc|bst|edt|est|cet|cest|et)\b|[\d\s\W]+"
)
_END_OF_ARTICLE = re.compile(
    r"^(?:you (?:might|may) (?:also )?like|related(?: \w+)?|more (?:from|on|in|stories|news|like this)\b.*|"
    r"other .{0,30}\b(?:columns|stories|news|articles)|recommended(?: for you| stories| reading)?|"
    r"most (?:read|popular|viewed|shared)|trending(?: now| stories)?|read (?:more|next|this next)|what to read next|"
    r"(?:further|more) reading|see also|"
    r"(?:featured|recent) slide ?shows|related videos|comments|loading comments.*|top stories|"
    r"(?:sponsored|promoted) (?:content|stories|links)|around the web)\W*$",
    re.IGNORECASE,
)
_CONTROLS = re.compile(
    r"^(?:share(?: (?:on|via) \w+| this(?: article| story)?)?|tweet|email|print|close|next|previous|"
    r"previousnext|fullscreen|thumbnails|advertisement|advertising|skip advert(?:isement)?|now watching|"
    r"view (?:photo|gallery|comments)|\d+ of \d+|continue reading(?: the main story)?|read more|"
    r"(?:image|photo|video)(?: credit)?|loading)\W*$",  # one \W*: two in a row split a long run every way
    re.IGNORECASE,
)
_PRECISE_GAVE_UP = 150  # words: ends around fewer (with far more text beside) are a teaser or a box, not the article
_WORDS = re.compile(r"\w+")
_WORD = re.compile(r"\w")
_FEW_SHARED = 10  # a precise pass sharing under 1/10 of its words with the balanced one marks no ends in it
_TAG_LIST = re.compile(r"^(?:topics|tags|filed under|more about)\s*:", re.IGNORECASE)
# Stands for <br> while a block's text is gathered: U+2028 LINE SEPARATOR, a line break itself where a
# page's text holds one, and a character XML allows (trafilatura's output tree holds it).
_BREAK = "\u2028"
_OPENING = "\"'“‘„‚«‹¿¡([{"  # what may come before a line's first letter
_CLOSING = "\"'”’»›)]}"  # what may come after a line's last punctuation
_ENDS_UNIT = frozenset(".!?…:。！？：؟")  # a sentence's end, or a colon before a list or a quotation
_RUNS_ON = frozenset(",;-‐–—&/(")  # a line that ends so continues on the next
# A line of running prose that a break cut at a width: a sentence ends inside it and another runs on
# to its last word.
_WRAP_WIDTH = 200  # characters: the end of a line that is looked at for a sentence's end (a wrapped line is shorter)
_WRAPPED_PROSE = re.compile(r"[.!?][\"'”’»)]*\s+\w+(?:\W+\w+){3,}$")
_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody "
    "tfoot thead tr ul".split()
)


def _runs_on(before: str, after: str) -> bool:
    """Whether a line break between two cleaned lines falls inside a sentence. A break ends a unit where
    the line before ends a sentence, or is a line of its own (a list item, a ranking's entry, a "Posted
    by" line, a label) and the next begins with a capital, a digit or a bullet; it is inside a sentence
    where the next line goes on in lower case, the line before ends on a comma, a semicolon or a dash,
    or it is running prose wrapped at a width. A script without case (Chinese, Japanese, Arabic) tells
    only by the end of the line before."""
    first = after.lstrip(_OPENING)[:1] or after[0]
    if first.islower():
        return True
    last = before.rstrip(_CLOSING)[-1:] or before[-1]
    if last in _ENDS_UNIT:
        return False
    if last in _RUNS_ON:
        return True
    if first.isalpha() and not first.isupper():
        return True  # a letter without case, after a line that does not end a sentence
    return last.isalnum() and bool(_WRAPPED_PROSE.search(before[-_WRAP_WIDTH:]))


def _break_lines(text: str) -> list[str]:
    """A block's text (line breaks as _BREAK) as paragraphs: a single break that falls inside a sentence
    is a space (the sentence must stay whole for the diff engine), one between units, or two in a row,
    separate paragraphs (lines glued into one paragraph read as one giant sentence)."""
    paragraphs: list[list[str]] = []  # each paragraph's lines, joined once at the end (linear time)
    before = ""  # the line before this break; none at the block's start or after a blank line
    for part in text.split(_BREAK):
        line = clean_text(part)
        if not line:
            before = ""
            continue
        if before and _runs_on(before, line):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        before = line
    return [text for text in (" ".join(lines) for lines in paragraphs) if _WORD.search(text)]  # no debris ("•", "|")


def _code_lines(text: str) -> list[str]:
    """A preformatted block (code, a listing) as its lines, each a paragraph of its own: its line breaks
    are the ones a reader sees, and its lines are not prose that a break could cut inside a sentence
    ("list: [" and the next "list: [" glued read as one giant line). A line of brackets alone is code too."""
    return [line for line in (clean_text(part) for part in re.split(f"[\n\r{_BREAK}]", text)) if line]


def _soup_paragraphs(nodes: Iterable[bs4.Tag]) -> list[str]:
    """Block-level text of the given nodes, one paragraph per block; walked without recursion."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        paragraphs.extend(_break_lines("".join(buffer)))
        buffer.clear()

    stack: list[tuple[Any, bool]] = [(node, False) for node in reversed(list(nodes))]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            flush()
        elif type(node) is bs4.NavigableString:
            buffer.append(str(node))
        elif isinstance(node, bs4.Tag):
            if node.name == "br":
                buffer.append(_BREAK)
                continue
            if node.name == "pre":
                flush()
                paragraphs.extend(_code_lines("".join(
                    "\n" if isinstance(part, bs4.Tag) else str(part) for part in node.descendants
                    if type(part) is bs4.NavigableString or isinstance(part, bs4.Tag) and part.name == "br")))
                continue
            if node.name in ("td", "th"):
                buffer.append(" ")
            if node.name in _BLOCKS:
                flush()
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
    flush()
    return paragraphs


def _outermost(nodes: list[bs4.Tag]) -> list[bs4.Tag]:
    chosen = {id(n) for n in nodes}
    return [n for n in nodes if not any(id(p) in chosen for p in n.parents)]


class _Page:
    """A page's bs4 tree whose elements are indexed once, by what the last part of a CSS selector can
    name (tag, id, class, attribute): a selection then asks soupsieve about the elements that have all
    one of its selectors names, not about every element of the page (a site rule selects seven times
    or more a page, and most of a page is menus and links none of its selectors names).

    soupsieve still decides every match, with the matcher its own `select` uses and against the tree
    as it is then (after `strip`), so each selection gives what soupsieve's would, in page order.
    """

    def __init__(self, soup: bs4.BeautifulSoup) -> None:
        self.soup = soup
        # Every element soupsieve's select visits (it never enters a <template>), in page order.
        walk = CSSMatch(soupsieve.compile("*").selectors, soup, None, 0)
        self.elements: list[bs4.Tag] = list(walk.get_tag_descendants(soup, template_contents=True))
        self.position = {id(element): i for i, element in enumerate(self.elements)}
        self.end = list(range(len(self.elements)))  # the position of each element's last descendant
        self.removed = bytearray(len(self.elements))  # 1: taken out of the tree by `decompose`
        self.index: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        open_: list[int] = []
        for i, element in enumerate(self.elements):
            while open_ and self.elements[open_[-1]] is not element.parent:
                self.end[open_.pop()] = i - 1
            open_.append(i)
            self.index["tag", lower(element.name)].append(i)
            found: dict[str, Any] = {}
            for name, value in element.attrs.items():
                key = lower(name)
                found.setdefault(key, value)  # the first of a name, as soupsieve reads it
                self.index["attribute", key].append(i)
            if isinstance(found.get("id"), str):
                self.index["id", found["id"]].append(i)
            classes = found.get("class", [])
            for name in set(RE_NOT_WS.findall(classes) if isinstance(classes, str) else classes):
                self.index["class", name].append(i)
        for i in open_:
            self.end[i] = len(self.elements) - 1

    def _named(self, selector: Any) -> list[tuple[str, str]]:
        """What one selector's last part requires an element to have (soupsieve matches tag and
        attribute names without regard to ASCII case in HTML, ids and classes exactly)."""
        keys = [("id", name) for name in selector.ids] + [("class", name) for name in selector.classes]
        keys += [("attribute", lower(a.attribute)) for a in selector.attributes if a.prefix is None]
        if selector.tag is not None and selector.tag.prefix is None and selector.tag.name != "*":
            keys.append(("tag", lower(selector.tag.name)))
        return keys

    def _candidates(self, selectors: Any, start: int, stop: int) -> Iterable[int]:
        """Positions in [start, stop) of the elements that could match one of `selectors`."""
        if selectors.is_not or selectors.is_html:
            return range(start, stop)
        found: set[int] = set()
        for selector in selectors:
            if selector is soupsieve.css_types.Null:
                continue  # matches nothing
            keys = self._named(selector)
            if not keys:
                return range(start, stop)  # names nothing: any element may match
            fewest = min((self.index.get(key, []) for key in keys), key=len)
            found.update(fewest[bisect_left(fewest, start):bisect_left(fewest, stop)])
        return sorted(found)

    def iselect(self, compiled: soupsieve.SoupSieve, scope: bs4.Tag | None = None) -> Iterator[bs4.Tag]:
        """What `compiled.iselect(scope)` gives (scope: the whole page by default), one element at a time;
        the tree must not change until the last is taken."""
        scope = scope or self.soup
        if scope is self.soup:
            start, stop = 0, len(self.elements)
        elif id(scope) in self.position and lower(scope.name) != "template":
            start, stop = self.position[id(scope)] + 1, self.end[self.position[id(scope)]] + 1
        else:
            yield from compiled.iselect(scope)
            return
        matcher = CSSMatch(compiled.selectors, scope, compiled.namespaces, compiled.flags)
        for i in self._candidates(compiled.selectors, start, stop):
            element = self.elements[i]
            if not self.removed[i] and matcher.match(element):
                yield element

    def decompose(self, element: bs4.Tag) -> None:
        """Take an element and all it holds out of the tree (and out of every later selection)."""
        i = self.position.get(id(element))
        if i is not None:
            self.removed[i:self.end[i] + 1] = b"\x01" * (self.end[i] + 1 - i)
        element.decompose()

    def select(self, compiled: soupsieve.SoupSieve, scope: bs4.Tag | None = None) -> list[bs4.Tag]:
        """What `compiled.select(scope)` gives: every match, in page order."""
        return list(self.iselect(compiled, scope))


def _first_text(page: _Page, selectors: tuple[str, ...],
                attributes: tuple[str, ...] = ("content",)) -> str | None:
    """Text (or attribute) of the first element found by the earliest selector that finds one.

    One selection for all the selectors, stopped as soon as the first selector matches.
    """
    best: tuple[int, str] | None = None
    matchers = [soupsieve.compile(selector) for selector in selectors]
    for element in page.iselect(soupsieve.compile(", ".join(selectors))) if selectors else ():
        rank = next(i for i, matcher in enumerate(matchers) if matcher.match(element))
        if best is not None and rank >= best[0]:
            continue
        value = next((element.get(a) for a in attributes if element.get(a)), None) or element.get_text(" ")
        value = clean_text(str(value))
        if value:
            best = (rank, value)
            if rank == 0:
                break
    return best[1] if best else None


@dataclass
class Extraction:
    paragraphs: list[str]
    extractor: str
    version: str
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    standfirst: str | None = None


def extract_by_rule(root: lxml.html.HtmlElement, rule: SiteRule, rules: Ruleset) -> Extraction | str:
    """Extraction by the outlet's selectors, or the reason they did not find the article."""
    soup = bs4.BeautifulSoup(lxml.html.tostring(root, encoding="unicode"), "lxml")
    page = _Page(soup)
    front = next(page.iselect(soupsieve.compile(", ".join(rule.front))), None) if rule.front else None
    if front is not None:
        raise InputError("no article found (a section front or index page, not an article)")
    body: list[bs4.Tag] = []
    for selector in rule.body:
        body = _outermost(page.select(soup.css.compile(selector)))  # as soup.select(selector) compiles it
        if body:
            break
    else:
        return f"site rule {rule.name}: no body matched"
    strip = soupsieve.compile(", ".join((*rule.strip, *rules.default_strip)))
    for node in body:
        for element in page.select(strip, node):
            page.decompose(element)
        for element in node.find_all(("p", "li", "h2", "h3", "h4")):
            links = element.find_all("a", limit=2)
            if len(links) == 1 and squash(links[0].get_text()) == squash(element.get_text()) != "":
                page.decompose(element)  # a promo for another article, not part of this one
    published = _first_text(page, rule.published, ("datetime", "content", "data-timestamp", "data-source"))
    version = f"newsdiff-{rules.version}" + (f"+{rule.overridden}" if rule.overridden else "")
    return Extraction(
        paragraphs=_soup_paragraphs(body),
        extractor=rule.name,
        version=f"{version}/beautifulsoup4-{bs4.__version__}",
        title=_first_text(page, rule.title),
        byline=tidy_byline(_first_text(page, rule.byline) or ""),
        published=_epoch_or_time(published),
        standfirst=_first_text(page, rule.standfirst),
    )


def _epoch_or_time(value: str | None) -> str | None:
    """Some outlets (AP) give milliseconds since the epoch instead of a date."""
    if value and value.isdigit() and len(value) in (10, 13):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        return format_time(datetime.fromtimestamp(seconds, timezone.utc))
    return page_time(value)


def precise_published(published: str | None, declared: str | None) -> str | None:
    """The site rule's time, unless it is a bare date (read as midnight UTC) and the page declares a
    precise time on that date in some time zone (UTC-12 to UTC+14): NYT's visible <time> gives the day only."""
    if published and declared and published.endswith("T00:00:00Z"):
        hours = (datetime.fromisoformat(declared) - datetime.fromisoformat(published)).total_seconds() / 3600
        if -14 <= hours < 36:
            return declared
    return published or declared


# The elements of trafilatura's output that are blocks of their own, not runs of text in one.
_XML_BLOCKS = frozenset({"p", "head", "list", "quote", "code", "table"})


def _xml_paragraphs(body: etree._Element) -> Iterator[str]:
    """trafilatura's output tree (p, head, list/item, quote, table/row/cell) as cleaned paragraphs, none
    empty, a block's line breaks read as _break_lines reads them."""
    for line_break in body.iter("lb"):
        line_break.tail = _BREAK + (line_break.tail or "")
    for cell in body.iter("cell"):
        cell.tail = " " + (cell.tail or "")
    yield from _blocks(body)


def _blocks(element: etree._Element) -> Iterator[str]:
    """The paragraphs of a block holding blocks. A quotation of several paragraphs, a code block or a
    list is read block by block like the body: read whole, its paragraphs' texts ran together ("…to
    generate.In my case…")."""
    if element.text and element.text.strip():
        yield from _break_lines(element.text)
    for child in element:
        if child.tag == "code":  # a block of code: trafilatura keeps its spacing, line breaks included
            yield from _code_lines("".join(child.itertext()))
            items: Iterable[etree._Element] = ()
        elif child.tag == "list":
            items = child.iter("item")
        elif child.tag == "table":
            items = child.iter("row")
        elif child.tag == "quote" and any(grandchild.tag in _XML_BLOCKS for grandchild in child):
            yield from _blocks(child)
            items = ()
        else:
            items = [child]
        for item in items:
            yield from _break_lines("".join(item.itertext()))
        if child.tail and child.tail.strip():  # text between blocks is a paragraph of its own
            yield from _break_lines(child.tail)


@cache
def _pass_options(precision: bool) -> Extractor:
    """A pass's options, built once (building them reads trafilatura's settings file each time: 1% of
    an extraction). No url: trafilatura reads it only to resolve the targets of links and images,
    both left out. The output format is XML, whose tree is all that is read: in the default "python"
    format trafilatura also writes the body out as plain text (3% of an extraction)."""
    return Extractor(output_format="xml", fast=precision, precision=precision, comments=False, tables=True,
                     images=False, links=False, formatting=False, dedup=False, with_metadata=False)


def _trafilatura(root: lxml.html.HtmlElement, precision: bool) -> list[str]:
    """One trafilatura pass as cleaned paragraphs.

    The precise pass only marks the article's ends, so it skips trafilatura's fallback
    extractors; the balanced pass supplies the text and keeps them (they rescue odd layouts).
    """
    with linear_paragraph_text():
        document = cast("Document | None", trafilatura.bare_extraction(root, options=_pass_options(precision)))
    return list(_xml_paragraphs(document.body)) if document is not None else []  # cleaned, none empty


def _holds(wider: str, narrower: str) -> bool:
    """Whether a balanced paragraph is a precise one with link text put back: all the precise one's words,
    in order, and no more than as many again (the precise pass leaves a link's text out of a paragraph:
    "…especially high for ." where the balanced pass gives "…especially high for Joe Biden.")."""
    inner, outer = _WORDS.findall(narrower.lower()), _WORDS.findall(wider.lower())
    remaining = iter(outer)
    return bool(inner) and 2 * len(inner) >= len(outer) and all(word in remaining for word in inner)


def _widened(precise: list[str], keys: list[str], balanced: list[str], shared: list[str], first: int,
             last: int) -> tuple[int, int]:
    """The precise pass's ends in the balanced text, moved out over the paragraphs each pass gives in its
    own wording: the precise ones (`keys`: squashed) before the first shared paragraph (after the last)
    that the balanced ones just outside the ends hold, link text aside. An opening paragraph holding a
    link was lost."""
    start, end = keys.index(shared[0]), len(keys) - 1 - keys[::-1].index(shared[-1])
    while first > 0 and start > 0 and _holds(balanced[first - 1], precise[start - 1]):
        first, start = first - 1, start - 1
    while last + 1 < len(balanced) and end + 1 < len(precise) and _holds(balanced[last + 1], precise[end + 1]):
        last, end = last + 1, end + 1
    return first, last


def _without_discarded(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of the page without the elements trafilatura's cleaning deletes first, whatever they hold
    (its list: the <head>, asides, footers, navigation, figures, controls ...), as that cleaning leaves a
    figure holding a table, as a block, and forms (one holding most of the page's text is its body). Each
    pass then copies and walks the page without them, and the balanced pass's fallbacks (readability,
    its baseline), which read the page uncleaned, no longer weigh them: the passes take a quarter less
    time, for a copy costing a twentieth of that (scripts/bench_extract_overhead.py). The page itself
    stays whole for the guards."""
    cleaned = deepcopy(root)
    for figure in cleaned.iter("figure"):
        if figure.find(".//table") is not None:
            figure.tag = "div"
    etree.strip_elements(cleaned, *(tag for tag in MANUALLY_CLEANED if tag != "form"), with_tail=False)
    return cleaned


def extract_generic(root: lxml.html.HtmlElement, rules: Ruleset) -> Extraction:
    """trafilatura twice: the balanced pass supplies the text, the precise pass says where in it the
    article starts and ends (the balanced pass runs on into teasers; the precise one drops
    subheadings and text after embeds). A precise pass that shares no paragraph with the balanced one,
    or only a few short ones (under a tenth of its words: headings, where the two passes cut the text
    into paragraphs differently), marks no ends in it: the longer of the two is taken whole (a blog or
    magazine layout the precise pass gives up on, or where it keeps only a comment prompt). Nor does one
    whose ends hold fewer words than a stub and under half the balanced text: it kept a teaser, a date
    line or one box of a page whose text the balanced pass found (a guide, a list of results), and the
    balanced text is taken."""
    cleaned = _without_discarded(root)
    precise = _trafilatura(cleaned, precision=True)  # trafilatura copies the tree it is given
    # Where the precise pass keeps under a stub, trafilatura's own reading failed and the balanced pass's
    # text comes from its fallbacks, which read the whole page (what the cleaning drops is sometimes the
    # only text there is: a settings table in a <form>'s labels, a story set in a <figure>).
    balanced = _trafilatura(cleaned if word_count(precise) >= _PRECISE_GAVE_UP else root, precision=False)
    keys = [squash(p) for p in balanced]
    known = set(keys) - {""}  # a set: membership in the list made this quadratic in the paragraphs; a
    # code block's line of brackets alone marks no end (it recurs)
    precise_keys = [squash(p) for p in precise]
    found = [(key, p) for key, p in zip(precise_keys, precise, strict=True) if key in known]
    shared = [key for key, _ in found]
    if word_count(p for _, p in found) * _FEW_SHARED < word_count(precise):
        shared = []  # a few headings alike
    paragraphs = precise if shared else max(precise, balanced, key=word_count)
    if shared:
        first, last = keys.index(shared[0]), len(keys) - 1 - keys[::-1].index(shared[-1])
        if first <= last:
            first, last = _widened(precise, precise_keys, balanced, shared, first, last)
            paragraphs = balanced[first:last + 1]
    if word_count(paragraphs) < min(_PRECISE_GAVE_UP, word_count(balanced) / 2):
        paragraphs = balanced
    return Extraction(
        paragraphs=paragraphs,
        extractor="generic",
        version=f"newsdiff-{rules.version}/trafilatura-{trafilatura.__version__}",
    )


def _is_dateline(paragraph: str) -> bool:
    """A line that is only a date or time, with the words outlets wrap them in."""
    rest = _DATE_WORDS.sub(" ", paragraph.lower())
    return len(paragraph) < 80 and any(ch.isdigit() for ch in paragraph) and not re.search(r"\w", rest)


def trim(paragraphs: list[str], furniture: Iterable[str | None]) -> list[str]:
    """Drop what surrounds the text: headline, byline and date repeated at the top, share and gallery
    controls, and everything from a "related stories"-style heading near the end onwards (a read-more
    box in mid-article must not cost the rest of it)."""
    repeats = {squash(x) for x in furniture if x}
    repeats |= {"by" + x for x in repeats}
    start = 0
    while start < min(len(paragraphs), 4) and (squash(paragraphs[start]) in repeats or _is_dateline(paragraphs[start])):
        start += 1
    kept: list[str] = []
    total = word_count(paragraphs[start:])
    for paragraph in paragraphs[start:]:
        short = len(paragraph.split()) <= 6
        if short and _END_OF_ARTICLE.match(paragraph) and word_count(kept) >= 0.7 * total:
            break
        if not (short and _CONTROLS.match(paragraph)) and not _TAG_LIST.match(paragraph):
            kept.append(paragraph)
    return kept
