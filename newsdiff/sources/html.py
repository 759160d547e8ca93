"""Article pages (HTML): bytes in, one cleaned ArticleRecord out.

Decoding follows browsers (BOM, HTTP header, <meta>, then detection) but checks each claim
against the bytes, because pages lie about their charset. The body comes from the outlet's
site rule when there is one (beautifulsoup4 + CSS selectors) and from trafilatura otherwise;
metadata comes from the page's own declarations (JSON-LD, Open Graph, <time>, <title>).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import bs4
import charset_normalizer
import lxml.html
import soupsieve
import trafilatura
from lxml import etree

from ..model import ArticleRecord, InputError, ParsedInput, clean_text, format_time, parse_time
from .sites import Ruleset, SiteRule, drop_ignored, ruleset

__all__ = ["decode_html", "decode_page", "parse_html"]

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta\b[^>]{0,500}?\bcharset\s*=\s*["']?\s*([\w.:-]{1,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# The legacy encodings of the WHATWG Encoding Standard: what a browser could be reading.
_WEB_CODECS = (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "cp866",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_10",
    "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u", "mac_roman", "mac_cyrillic",
    "gb18030", "big5", "euc_jp", "iso2022_jp", "shift_jis", "euc_kr",
)
# A symbol between two letters: how a text read in the wrong legacy charset gives itself away.
_INWORD_SYMBOL = re.compile(r"(?<=[^\W\d_])(?:[^\w\s'’.,:;/&@·<>-]|[²³¹¼½¾µº])+(?=[^\W\d_])")
_META_SCAN = 65536  # the <meta charset> of real pages sits in <head>, well inside this
_LEAD_WINDOW = 1500  # letters of text after the headline within which a standfirst is looked for
_STANDFIRST_CLASSES = {"standfirst", "perex", "dek", "lede", "subhead", "subheadline", "subtitle", "excerpt",
                       "chapo", "chapeau", "bajada", "entradilla", "sottotitolo"}
_MAX_ELEMENTS = 40_000  # real article pages stay under a few thousand once scripts are gone
_MAX_CHARACTERS = 1_000_000  # the longest articles are a tenth of this
_MAX_ATTRIBUTE = 2_000  # longer values (inline JSON, a runaway class) are no text, yet stall class and id patterns
_MIN_WORDS = 30  # fewer words than this is a stub, an error page or a teaser, not an article
_STUB_WORDS = 150  # a paywalled or error page may show a paragraph or two; more is an article
_CARDS = 10  # paragraphs that are whole link texts (headlines) from which a page may be a list of stories
_PRUNE = ("script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas")
# Posts embedded from social networks: quoted from elsewhere, not the outlet's text, on every path.
_EMBEDS = etree.XPath("//blockquote[" + " or ".join(
    f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
    for name in ("twitter-tweet", "twitter-video", "instagram-media", "tiktok-embed", "bluesky-embed",
                 "text-post-media", "reddit-embed-bq", "reddit-card")
) + "]")
_ARTICLE_TYPES = ("Article", "BlogPosting", "Report", "LiveBlogPosting")
_FRONT_TYPES = {"CollectionPage", "ItemList", "SearchResultsPage", "WebSite"}
# What SEO plugins describe besides the page itself, on every page of a site: with only these beside it, a
# JSON-LD WebSite is the page's own description (a home page); with a WebPage, Product, Recipe, ... it is
# the site's, and says nothing about the page.
_SITE_TYPES = {"WebSite", "Organization", "Corporation", "NewsMediaOrganization", "Person", "Brand", "ImageObject",
               "BreadcrumbList", "ListItem", "SearchAction", "EntryPoint", "PostalAddress", "ContactPoint", "Place"}
_ERROR_TITLE = re.compile(r"\b(?:404|410|page not found|not found|error|access denied|forbidden)\b", re.IGNORECASE)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " « ", " » ")
_BYLINE_PREFIX = re.compile(r"^(?:by|par|por|von|di|door)\s+", re.IGNORECASE)
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
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
_TAG_LIST = re.compile(r"^(?:topics|tags|filed under|more about)\s*:", re.IGNORECASE)
_BREAK = "\x1e"  # stands for <br> while a block's text is gathered
# Starts only where a run of whitespace does (as its leftmost match always did): tried inside the run,
# each start rescanned the rest of it, quadratic in a long run.
_BREAKS = re.compile(rf"(?<!\s)\s*{_BREAK}(?:\s*{_BREAK})+\s*")
# C0 controls other than tab, line feed and carriage return, typed (as UTF-8 bytes, which no other
# character's bytes contain) or as numeric references (the ending semicolon is optional in HTML,
# so a reference ends where its digits do).
_C0_BYTES = bytes.maketrans(bytes(c for c in range(32) if c not in b"\t\n\r"), b" " * 29)
_C0_REFERENCE = re.compile(
    rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])(?![0-9a-fA-F])|0*(?:[0-8]|1[1-24-9]|2[0-9]|3[01])(?![0-9]));?"
)
_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody "
    "tfoot thead tr ul".split()
)


# --- decoding -------------------------------------------------------------------------------


def _codec(label: str | bytes | None) -> str | None:
    """Python's name for a charset label, with WHATWG's reading of Latin-1 and ASCII as windows-1252."""
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    try:
        name = codecs.lookup((label or "").strip().lower()).name
    except LookupError:
        return None
    return "cp1252" if name in ("iso8859-1", "latin-1", "ascii") else name


def _strict_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _fits(data: bytes, encoding: str) -> bool:
    """Whether a declared charset reads these bytes, or the declaration is a lie.

    A page that is valid UTF-8 with non-ASCII text is UTF-8 whatever it declares (legacy text
    almost never forms valid UTF-8 by chance); otherwise a few broken bytes (a truncated page)
    are tolerated but a stream of them means the page is in some other charset.
    """
    if encoding != "utf-8" and not data.isascii() and _strict_utf8(data):
        return False
    text = data.decode(encoding, "replace")
    broken = text.count("\ufffd")
    readable = len(text) - len(text.encode("ascii", "ignore")) - broken
    return broken == 0 or broken * 20 <= readable


_TAG = re.compile(r"<[^<>]*>|&\w+;")  # [^<>]: an unclosed "<" costs one scan to the next "<", never to the end
_LATIN1_LETTER = re.compile("[\u00c0-\u00ff]")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)", re.IGNORECASE)
_CLOSING_TAG = {name: re.compile(f"</{name}", re.IGNORECASE) for name in ("script", "style")}


def _visible(markup: str) -> str:
    """The text of a page's markup, roughly: scripts, styles and tags taken out, in linear time (each
    search starts where the last one ended)."""
    parts, at = [], 0
    while opening := _SCRIPT_OR_STYLE.search(markup, at):
        parts.append(markup[at:opening.start()])
        closing = _CLOSING_TAG[opening.group(1).lower()].search(markup, opening.end())
        if closing is None:
            break
        at = closing.start()
    else:
        parts.append(markup[at:])
    return _TAG.sub(" ", " ".join(parts))


def _foreign_in_latin(text: str) -> bool:
    """Whether a page read as windows-1252 is really in another charset (a Russian page declared
    ISO-8859-1 reads "Ãîðîäñêîé"). Western European text has an accented letter here and there, a
    few per cent of its letters even in Icelandic; a misread one is made of them."""
    words = _visible(text[:200_000])
    letters = sum(map(str.isalpha, words))
    return letters >= 40 and len(_LATIN1_LETTER.findall(words)) > 0.4 * letters


def decode_page(data: bytes, content_type: str | None = None) -> tuple[str, str, str]:
    """(text, encoding, where the encoding came from): BOM, HTTP header, <meta>, then detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace"), encoding, "bom"
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(data[:_META_SCAN])
    meta_codec = _codec(meta.group(1)) if meta else None
    if meta_codec and meta_codec.startswith(("utf-16", "utf-32")):
        meta_codec = "utf-8"  # a page read far enough to see its <meta> is ASCII-compatible (WHATWG)
    for encoding, source in ((_codec(header.group(1)) if header else None, "header"), (meta_codec, "meta")):
        if encoding and _fits(data, encoding):
            text = data.decode(encoding, "replace")
            if encoding == "cp1252" and _foreign_in_latin(text):
                detected = _detect(data)
                if detected and detected != "cp1252":
                    return data.decode(detected, "replace"), detected, "detected"
            return text, encoding, source
    if _strict_utf8(data):
        return data.decode("utf-8"), "utf-8", "detected"
    encoding = _detect(data)
    if encoding:
        return data.decode(encoding, "replace"), encoding, "detected"
    return data.decode("cp1252", "replace"), "cp1252", "default"


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess among the encodings browsers know, with two tie-breaks.

    Legacy charsets often read a text equally well by its measures; the right one does not
    put symbols inside words (Polish "zag³osowa³a" is windows-1257 misreading windows-1250),
    then reads most like a language, and on a tie windows-1252, by far the web's commonest,
    wins (French è is č in windows-1250, which charset-normalizer rates just as likely).
    """
    matches = charset_normalizer.from_bytes(data, cp_isolation=list(_WEB_CODECS))
    best = matches.best()
    if best is None:
        return None
    sample = data[:200_000]

    def misfit(match: Any) -> int:
        text = sample.decode(match.encoding, "replace")
        return len(_INWORD_SYMBOL.findall(text)) + text.count("\ufffd")

    likeliest = [m for m in matches if m.percent_chaos <= best.percent_chaos][:6]
    chosen = min(likeliest, key=lambda m: (misfit(m), -m.percent_coherence, "cp1252" not in m.could_be_from_charset))
    return "cp1252" if "cp1252" in chosen.could_be_from_charset else _codec(chosen.encoding)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Page bytes to text: BOM, HTTP header, <meta>, then detection; broken bytes become U+FFFD."""
    return decode_page(data, content_type)[0]


# --- page metadata --------------------------------------------------------------------------


def _word_count(paragraphs: Iterable[str]) -> int:
    """Words, with every two Chinese, Japanese or Korean characters counted as one (they use no spaces)."""
    return sum(len(p.split()) + len(_CJK.findall(p)) // 2 for p in paragraphs)


def _text(element: Any) -> str:
    return clean_text(element.text_content()) if element is not None else ""


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
    """Every JSON-LD object on the page, @graph members included; broken blocks are skipped."""
    objects: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            stack: list[Any] = [json.loads(script.text or "")]
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


def _time(value: str | None) -> str | None:
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


def _host(url: str | None) -> str | None:
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:  # a malformed address in the page's own metadata
        return None


def _host_label(host: str) -> str:
    """The outlet's name as its host spells it: 'theguardian' for www.theguardian.com."""
    parts = [p for p in host.lower().split(".") if p not in ("www", "m", "amp", "edition", "mobile")]
    if len(parts) >= 3 and len(parts[-2]) <= 3:  # bbc.co.uk, lanacion.com.ar
        return parts[-3]
    return parts[-2] if len(parts) >= 2 else (parts[0] if parts else "")


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _strip_site(title: str, site_names: list[str], byline: str | None = None) -> str:
    """Drop a leading or trailing ' | Site Name' (or ' | Author Name') from a headline."""
    names = [_squash(n) for n in site_names if _squash(n)]
    authors = {_squash(a) for a in (byline, *(byline or "").split(",")) if a and _squash(a)}

    def is_furniture(part: str) -> bool:
        part = _squash(part)
        return bool(part) and (part in authors or any(n in part or part in n for n in names))

    for separator in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and is_furniture(tail) and head.strip():
            return _strip_site(head.strip(), site_names, byline)
        head, found, tail = title.partition(separator)
        if found and is_furniture(head) and tail.strip():
            return _strip_site(tail.strip(), site_names, byline)
    return title


@dataclass
class _Page:
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


def _read_page(root: lxml.html.HtmlElement, url: str | None) -> _Page:
    meta = _meta_tags(root)
    objects = _linked_data(root)
    article = next((o for o in objects if any(t.endswith(_ARTICLE_TYPES) for t in _types(o))), {})
    ld_types = set().union(*(_types(o) for o in objects)) if objects else set()
    if not url:
        canonical = next((l.get("href") for l in root.iter("link") if "canonical" in (l.get("rel") or "").lower().split()), None)
        for candidate in (canonical, meta.get("og:url"), article.get("url") if isinstance(article.get("url"), str) else None):
            candidate = (candidate or "").strip()
            candidate = "https:" + candidate if candidate.startswith("//") else urljoin(meta.get("og:url", ""), candidate)
            if candidate.startswith(("http://", "https://")) and _host(candidate):
                url = candidate
                break
    host = _host(url) or ""
    titles = {_squash(t) for t in (meta.get("og:title"), meta.get("twitter:title"), _text(next(root.iter("title"), None))) if t}
    site_names = [n for n in (meta.get("og:site_name"), meta.get("application-name"), _host_label(host))
                  if n and _squash(n) not in titles]  # some pages give the app the article's name
    byline = _page_byline(root, meta, article)
    return _Page(
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
    <title>) agrees with once site name and author are cut off it, else the first declared one.

    Agreeing is being equal or one a prefix of the other (a declared title may be cut short, or
    carry a source in brackets), so a section name in the <title> does not confirm an <h1>.
    """
    headline = article.get("headline")
    declared = [clean_text(t) for t in (headline if isinstance(headline, str) else None, meta.get("og:title"),
                                        meta.get("twitter:title")) if t and clean_text(t)]
    tag = _text(next(root.iter("title"), None))
    h1s = [t for t in (_text(h) for h in root.iter("h1")) if t]
    keys = [_squash(_strip_site(t, site_names, byline)) for t in (*declared, tag) if t]
    for h1 in h1s:
        key = _squash(h1)
        if len(key) >= 10 and any(len(d) >= 10 and (key.startswith(d) or d.startswith(key)) for d in keys):
            return h1
    sites = {_squash(n) for n in site_names}
    for candidate in (*declared, *(h1s if len(h1s) == 1 else ()), tag):
        stripped = _strip_site(candidate, site_names, byline) if candidate else ""
        if _squash(stripped) and _squash(stripped) not in sites:
            return stripped
    return None


def _page_lead(root: lxml.html.HtmlElement, meta: dict[str, str]) -> str | None:
    """The standfirst under the headline: the element showing the page's description, or one
    whose class calls it a standfirst (perex, dek, chapô...).

    Only the text just below the <h1> is searched, so a teaser for this very story further down
    the page is not taken for it; the caller keeps it only if the body does not already hold it.
    """
    description = meta.get("og:description") or meta.get("description") or meta.get("twitter:description")
    target = _squash(re.sub(r"(?:\.\.\.|…)\s*$", "", description or ""))
    headline = next(root.iter("h1"), None)
    if headline is None:
        return None
    seen, passed = 0, False
    for element in root.iter():
        passed = passed or element is headline
        if not passed or not isinstance(element.tag, str) or element.tag in _PRUNE:
            continue
        hints = set(re.split(r"[^a-z]+", f"{element.get('class', '')} {element.get('id', '')}".lower()))
        if element is not headline and hints & _STANDFIRST_CLASSES and 40 <= len(_text(element)) <= 800:
            return _text(element)
        for run, owner in ((element.text, element), (element.tail, element.getparent())):
            run = _squash(run or "")
            seen += len(run)
            if seen > _LEAD_WINDOW:
                return None
            if len(target) < 40 or len(run) < 3 or not target.startswith(run[:30]) or owner is None:
                continue
            while owner is not None:
                found = _squash(owner.text_content())
                if len(found) >= len(target):
                    if found.startswith(target) and len(found) < len(target) * 1.3:
                        return _text(owner)
                    break
                owner = owner.getparent()
    return None


def _page_byline(root: lxml.html.HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    names = _names(article.get("author"))
    if names:
        return ", ".join(dict.fromkeys(names))
    for key in ("author", "byl", "parsely-author", "sailthru.author", "dc.creator", "article:author"):
        value = meta.get(key)
        if value and "://" not in value:
            return _tidy_byline(value)
    for element in root.xpath("//*[@rel='author'] | //*[@itemprop='author']//*[@itemprop='name'] | //*[@itemprop='author']"):
        value = element.get("content") or _text(element)
        if value and len(value) < 120:
            return _tidy_byline(value)
    return None


def _tidy_byline(value: str) -> str | None:
    """"By Jane Doe" as "Jane Doe"; a long run of text is a selector that missed, not a byline."""
    value = _BYLINE_PREFIX.sub("", clean_text(value))
    return value if value and len(value) <= 200 else None


def _page_published(root: lxml.html.HtmlElement, meta: dict[str, str], article: dict[str, Any]) -> str | None:
    candidates: list[Any] = [article.get("datePublished")]
    candidates += [meta.get(k) for k in ("article:published_time", "og:published_time", "datepublished",
                                         "publish-date", "pubdate", "sailthru.date", "parsely-pub-date",
                                         "dcterms.created", "dc.date.issued", "dc.date", "date")]
    candidates += [e.get("datetime") or e.get("content") for e in root.xpath("//*[@itemprop='datePublished']")]
    candidates += [e.get("datetime") for e in root.xpath("//time[@pubdate]")]
    # Last, a visible <time>: the article's own before any in a sidebar, never a "last modified" one.
    times = "//time[@datetime][not(contains(@itemprop, 'dateModified'))]"
    candidates += [e.get("datetime") for e in (root.xpath("//article" + times)[:1] or root.xpath(times)[:1])]
    for candidate in candidates:
        published = _time(candidate) if isinstance(candidate, str) else None
        if published:
            return published
    return None


# --- body extraction ------------------------------------------------------------------------


def _without_controls(data: bytes) -> bytes:
    """UTF-8 bytes with every C0 control but tab and line breaks, typed or referenced, made a space."""
    data = data.translate(_C0_BYTES)
    return _C0_REFERENCE.sub(b" ", data) if b"&#" in data else data


def _document(text: str) -> lxml.html.HtmlElement:
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


_ELEMENTS = etree.XPath("count(descendant-or-self::node()[not(self::text())])")
_LONG_ATTRIBUTES = etree.XPath("descendant-or-self::*[@*[string-length() > $limit]]")


def _check_size(root: lxml.html.HtmlElement) -> None:
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


def _prune(root: lxml.html.HtmlElement) -> None:
    etree.strip_elements(root, *_PRUNE, with_tail=False)
    for embed in _EMBEDS(root):
        embed.drop_tree()


def _soup_paragraphs(nodes: Iterable[bs4.Tag]) -> list[str]:
    """Block-level text of the given nodes, one paragraph per block; walked without recursion."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        for part in _BREAKS.split("".join(buffer)):
            part = clean_text(part.replace(_BREAK, " "))
            if part:
                paragraphs.append(part)
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


def _first_text(soup: bs4.BeautifulSoup, selectors: tuple[str, ...], attributes: tuple[str, ...] = ("content",)) -> str | None:
    """Text (or attribute) of the first element found by the earliest selector that finds one.

    One walk of the page for all the selectors, stopped as soon as the first selector matches.
    """
    best: tuple[int, str] | None = None
    matchers = [soupsieve.compile(selector) for selector in selectors]
    for element in soupsieve.iselect(", ".join(selectors), soup) if selectors else ():
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
class _Extraction:
    paragraphs: list[str]
    extractor: str
    version: str
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    standfirst: str | None = None


def _by_rule(root: lxml.html.HtmlElement, rule: SiteRule, rules: Ruleset) -> _Extraction | str:
    """Extraction by the outlet's selectors, or the reason they did not find the article."""
    soup = bs4.BeautifulSoup(lxml.html.tostring(root, encoding="unicode"), "lxml")
    if rule.front and soupsieve.select_one(", ".join(rule.front), soup):
        raise InputError("no article found (a section front or index page, not an article)")
    body: list[bs4.Tag] = []
    for selector in rule.body:
        body = _outermost(soup.select(selector))
        if body:
            break
    else:
        return f"site rule {rule.name}: no body matched"
    strip = soupsieve.compile(", ".join((*rule.strip, *rules.default_strip)))
    for node in body:
        for element in strip.select(node):
            element.decompose()
        for element in node.find_all(("p", "li", "h2", "h3", "h4")):
            links = element.find_all("a", limit=2)
            if len(links) == 1 and _squash(links[0].get_text()) == _squash(element.get_text()) != "":
                element.decompose()  # a promo for another article, not part of this one
    published = _first_text(soup, rule.published, ("datetime", "content", "data-timestamp", "data-source"))
    version = f"newsdiff-{rules.version}" + (f"+{rule.overridden}" if rule.overridden else "")
    return _Extraction(
        paragraphs=_soup_paragraphs(body),
        extractor=rule.name,
        version=f"{version}/beautifulsoup4-{bs4.__version__}",
        title=_first_text(soup, rule.title),
        byline=_tidy_byline(_first_text(soup, rule.byline) or ""),
        published=_epoch_or_time(published),
        standfirst=_first_text(soup, rule.standfirst),
    )


def _epoch_or_time(value: str | None) -> str | None:
    """Some outlets (AP) give milliseconds since the epoch instead of a date."""
    if value and value.isdigit() and len(value) in (10, 13):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        return format_time(datetime.fromtimestamp(seconds, timezone.utc))
    return _time(value)


def _precise(published: str | None, declared: str | None) -> str | None:
    """The site rule's time, unless it is a bare date (read as midnight UTC) and the page declares a
    precise time on that date in some time zone (UTC-12 to UTC+14): NYT's visible <time> gives the day only."""
    if published and declared and published.endswith("T00:00:00Z"):
        hours = (datetime.fromisoformat(declared) - datetime.fromisoformat(published)).total_seconds() / 3600
        if -14 <= hours < 36:
            return declared
    return published or declared


def _xml_paragraphs(body: etree._Element) -> Iterator[str]:
    """trafilatura's output tree (p, head, list/item, quote, table/row/cell) as paragraphs."""
    for line_break in body.iter("lb"):
        line_break.tail = " " + (line_break.tail or "")
    for cell in body.iter("cell"):
        cell.tail = " " + (cell.tail or "")
    if body.text and body.text.strip():
        yield body.text
    for element in body:
        if element.tag == "list":
            items: Iterable[etree._Element] = element.iter("item")
        elif element.tag == "table":
            items = element.iter("row")
        elif element.tag == "quote" and len(element) and all(child.tag == "p" for child in element):
            items = element
        else:
            items = [element]
        for item in items:
            yield "".join(item.itertext())
        if element.tail and element.tail.strip():  # text between blocks is a paragraph of its own
            yield element.tail


def _trafilatura(root: lxml.html.HtmlElement, url: str | None, precision: bool) -> list[str]:
    """One trafilatura pass as cleaned paragraphs.

    The precise pass only marks the article's ends, so it skips trafilatura's fallback
    extractors; the balanced pass supplies the text and keeps them (they rescue odd layouts).
    """
    document = trafilatura.bare_extraction(
        root, url=url, fast=precision, favor_precision=precision, include_comments=False, include_tables=True,
        include_images=False, with_metadata=False, deduplicate=False,
    )
    paragraphs = [clean_text(p) for p in _xml_paragraphs(document.body)] if document is not None else []
    return [p for p in paragraphs if p]


def _generic(root: lxml.html.HtmlElement, url: str | None, rules: Ruleset) -> _Extraction:
    """trafilatura twice: the balanced pass supplies the text, the precise pass says where in it the
    article starts and ends (the balanced pass runs on into teasers; the precise one drops
    subheadings and text after embeds). A precise pass that shares no paragraph with the balanced one
    marks no ends in it: the longer of the two is taken whole (a blog or magazine layout the precise
    pass gives up on, or where it keeps only a comment prompt)."""
    precise = _trafilatura(root, url, precision=True)  # trafilatura copies the tree it is given
    balanced = _trafilatura(root, url, precision=False)
    keys = [_squash(p) for p in balanced]
    known = set(keys)  # a set: membership in the list made this quadratic in the paragraphs
    shared = [key for key in (_squash(p) for p in precise) if key in known]
    paragraphs = precise if shared else max(precise, balanced, key=_word_count)
    if shared:
        first, last = keys.index(shared[0]), len(keys) - 1 - keys[::-1].index(shared[-1])
        if first <= last:
            paragraphs = balanced[first:last + 1]
    return _Extraction(
        paragraphs=paragraphs,
        extractor="generic",
        version=f"newsdiff-{rules.version}/trafilatura-{trafilatura.__version__}",
    )


def _is_dateline(paragraph: str) -> bool:
    """A line that is only a date or time, with the words outlets wrap them in."""
    rest = _DATE_WORDS.sub(" ", paragraph.lower())
    return len(paragraph) < 80 and any(ch.isdigit() for ch in paragraph) and not re.search(r"\w", rest)


def _trim(paragraphs: list[str], furniture: Iterable[str | None]) -> list[str]:
    """Drop what surrounds the text: headline, byline and date repeated at the top, share and gallery
    controls, and everything from a "related stories"-style heading near the end onwards (a read-more
    box in mid-article must not cost the rest of it)."""
    repeats = {_squash(x) for x in furniture if x}
    repeats |= {"by" + x for x in repeats}
    start = 0
    while start < min(len(paragraphs), 4) and (_squash(paragraphs[start]) in repeats or _is_dateline(paragraphs[start])):
        start += 1
    kept: list[str] = []
    total = _word_count(paragraphs[start:])
    for paragraph in paragraphs[start:]:
        short = len(paragraph.split()) <= 6
        if short and _END_OF_ARTICLE.match(paragraph) and _word_count(kept) >= 0.7 * total:
            break
        if re.search(r"\w", paragraph) and not (short and _CONTROLS.match(paragraph)) and not _TAG_LIST.match(paragraph):
            kept.append(paragraph)
    return kept


@dataclass
class _Listing:
    """Traces of a list of stories, read only when a page's metadata leaves open that it is one
    (trafilatura works on its own copy of the tree, so the page is still whole then)."""

    links: str  # the squashed text of every link, one a line
    stamps: int  # lines such as "3 hours ago": a list of stories dates each one


def _listing(root: lxml.html.HtmlElement) -> _Listing:
    return _Listing(
        links="\n".join(_squash(a.text_content()) for a in root.iter("a")),
        stamps=sum(1 for t in root.itertext() if len(t) < 40 and _TIME_AGO.fullmatch(t.strip())),
    )


def _section_address(url: str | None) -> bool:
    """/world/ or /news/: one path segment at most, with no digits or hyphens (an article's slug has them)."""
    try:
        segments = [s for s in urlsplit(url or "").path.split("/") if s]
    except ValueError:
        return False
    return len(segments) <= 1 and not any(ch.isdigit() or ch == "-" for s in segments for ch in s)


def _looks_like_front(page: _Page, paragraphs: list[str], root: lxml.html.HtmlElement) -> bool:
    """A section front declares itself (a JSON-LD collection, or og:type website at a section-like
    address) over little text, or reads as a list of stories: many paragraphs that are whole link
    texts (card headlines), confirmed by time-ago stamps, most text inside links, or a declaration.

    Article metadata (JSON-LD Article, article:published_time) makes a page an article. So does a
    full text on a page that calls itself a website (yahoo-2), and a listicle whose few item headings
    are links (yahoo-1): each has one sign of a front, not cards and a second sign. A JSON-LD WebSite
    beside a description of the page itself (WebPage, Product, Recipe: SEO plugins put the site's
    WebSite on every page) is no collection.
    """
    if page.article or "article:published_time" in page.meta:
        return False
    front_types = page.ld_types & _FRONT_TYPES if page.ld_types <= _SITE_TYPES | _FRONT_TYPES else page.ld_types & (
        _FRONT_TYPES - {"WebSite"})
    collection = bool(front_types and not page.ld_types & {"NewsArticle", "Article"})
    website = page.meta.get("og:type", "").lower() == "website"
    section = _section_address(page.url)
    words = _word_count(paragraphs)
    if words < _STUB_WORDS and (collection or website and section):
        return True
    listing = _listing(root)
    cards = [p for p in paragraphs if len(p.split()) >= 3 and _squash(p) in listing.links]
    if len(cards) < _CARDS or len(cards) * 4 < len(paragraphs):
        return False
    return collection or website or section or listing.stamps >= 3 or _word_count(cards) * 2 >= words


def _is_paywall_prompt(paragraph: str) -> bool:
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
               for element in root.iter() if isinstance(element.tag, str) and (element.get("class") or element.get("id")))


def _refuse_stub(page: _Page, words: int, prompted: bool, root: lxml.html.HtmlElement) -> None:
    """Raise for pages whose few words are not an article: a paywall (declared and shown, or a
    subscribe prompt under a paragraph or two), an error page, a teaser."""
    free = page.article.get("isAccessibleForFree", True)
    if (str(free).lower() == "false" and words < _STUB_WORDS
            and (prompted or _paywall_marks(root, page.article))):
        raise InputError(f"no article found (paywalled: only {words} words visible)")
    if prompted and words < _STUB_WORDS:
        raise InputError(f"no article found (paywall stub: only {words} words before a subscribe prompt)")
    if page.title and _ERROR_TITLE.search(page.title) and words < _STUB_WORDS:
        raise InputError(f"no article found (an error page: {page.title[:80]!r})")
    if words == 0:
        raise InputError("no article found (no body text on the page)")
    if words < _MIN_WORDS:
        raise InputError(f"no article found (only {words} words of text)")


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
    root = _document(text)
    page = _read_page(root, url)
    _prune(root)
    _check_size(root)
    rules = ruleset(sites)
    rule = rules.find(_host(page.url))
    details: dict[str, Any] = {"charset": encoding, "charset_source": charset_source}
    extraction: _Extraction | str | None = _by_rule(root, rule, rules) if rule else None
    if isinstance(extraction, _Extraction) and _word_count(extraction.paragraphs) < _MIN_WORDS:
        extraction = f"site rule {rule.name}: body too short" if rule else None
    generic = not isinstance(extraction, _Extraction)
    if not isinstance(extraction, _Extraction):
        if extraction:
            details["fallback"] = extraction
        extraction = _generic(root, page.url, rules)
    title = extraction.title or page.title
    byline = extraction.byline or page.byline
    trimmed = _trim(extraction.paragraphs, (title, byline, extraction.standfirst))
    if rule:
        trimmed = drop_ignored(rule, trimmed)
    paragraphs = [p for p in trimmed if not _is_paywall_prompt(p)]
    standfirst = extraction.standfirst
    if extraction.extractor == "generic" and page.lead and _squash(page.lead) not in _squash(" ".join(paragraphs)):
        standfirst = page.lead  # a site rule knows where its outlet's standfirst is, or that there is none
    words = _word_count(paragraphs)
    if generic and _looks_like_front(page, paragraphs, root):
        raise InputError("no article found (a section front or index page, not an article)")
    _refuse_stub(page, words, len(paragraphs) < len(trimmed), root)
    record = ArticleRecord(
        paragraphs=tuple(paragraphs),
        title=title,
        url=page.url,
        byline=byline,
        standfirst=standfirst,
        published=_precise(extraction.published, page.published),
        source=rule.name if rule else (_host_label(_host(page.url) or "") or None),
        format="html",
        extractor=extraction.extractor,
        extractor_version=extraction.version,
    )
    details.update(extractor=extraction.extractor, extractor_version=extraction.version)
    return ParsedInput(format="html", versions=[record], details=details)
