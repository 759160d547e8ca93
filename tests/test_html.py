"""HTML article pages: site rules on real and built pages, the generic path, decoding, bad input."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdiff.model import ArticleRecord, InputError, clean_text
from newsdiff.sources import ParseOptions, parse_bytes
from newsdiff.sources.charset import decode_html
from newsdiff.sources.html import parse_html

from .conftest import FIXTURES, CliResult
from .track_server import Outlet
from .track_server import page as served_page

PAGES = FIXTURES / "readability-news"
SENTENCES = [
    "The council voted on Tuesday to close the old bridge to traffic from next month.",
    "Engineers had warned for years that the steel supports were corroding faster than expected.",
    "Local businesses said the closure would cut them off from customers on the other bank.",
    "The mayor promised a temporary ferry service and a new crossing within three years.",
    "Opposition members called the plan rushed and demanded an independent inspection.",
    "A final decision on funding for the replacement is expected before the end of the year.",
]


def fixture(name: str) -> bytes:
    return gzip.decompress((PAGES / name / "source.html.gz").read_bytes())


def expected_text(name: str) -> str:
    markup = gzip.decompress((PAGES / name / "expected.html.gz").read_bytes()).decode("utf-8")
    return squash(lxml.html.fromstring(markup).text_content())


def squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def article(data: bytes, sites: dict[str, dict[str, Any]] | None = None, **kwargs: Any) -> ArticleRecord:
    """The page's record as import and poll see it: through parse_bytes, which first decides the bytes are HTML."""
    parsed = parse_bytes(data, options=ParseOptions(sites=sites or {}), **kwargs)
    assert parsed.format == "html"
    return parsed.versions[0]


def page(body: str, head: str = "", charset: str = "utf-8") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>Bridge to close</title>{head}</head>'
            f"<body>{body}</body></html>").encode(charset)


def paragraphs_html(sentences: list[str] = SENTENCES, tag: str = "p", attrs: str = "") -> str:
    return "".join(f"<{tag}{attrs}>{s}</{tag}>" for s in sentences)


# --- real pages --------------------------------------------------------------------------------

ARTICLE_PAGES = sorted(p.name for p in PAGES.iterdir() if p.name != "nytimes-5")


@pytest.mark.parametrize("name", ARTICLE_PAGES)
def test_real_page_body_is_the_article(name: str) -> None:
    """Nearly every long paragraph a reader sees is kept, and little else is."""
    record = article(fixture(name))
    expected = expected_text(name)
    markup = gzip.decompress((PAGES / name / "expected.html.gz").read_bytes()).decode("utf-8")
    long_paragraphs = [squash(p.text_content()) for p in lxml.html.fromstring(markup).iter("p")]
    long_paragraphs = [p for p in long_paragraphs if len(p) > 200]
    ours = squash((record.standfirst or "") + record.text)
    found = sum(p[len(p) // 2 - 50:len(p) // 2 + 50] in ours for p in long_paragraphs)  # the middle: prefixes vary
    assert found >= 0.8 * len(long_paragraphs), f"{found}/{len(long_paragraphs)} long paragraphs kept"
    ours_long = [squash(p) for p in record.paragraphs if len(p) > 150]
    foreign = [p for p in ours_long if p not in expected]
    assert len(foreign) <= 0.05 * len(ours_long) + 1, f"not in the article: {foreign[:3]}"


@pytest.mark.parametrize(("name", "rule", "title", "byline", "published"), [
    ("bbc-1", "bbc", "Obama admits US gun laws are his 'biggest frustration'", None, "2015-07-24T04:36:09Z"),
    ("guardian-1", "guardian", "'What is the sea telling us?': Māori tribes fearful over whale strandings",
     "Eleanor Ainge Roy", "2019-01-03T07:00:02Z"),
    ("nytimes-1", "nytimes", "United States to Lift Sudan Sanctions", "JEFFREY GETTLEMAN", "2017-01-13T05:00:04Z"),
    # the rule's visible <time> gives the day only; the page's precise datePublished on that day wins
    ("nytimes-3", "nytimes", "Manhole Fires and Burst Pipes: How Winter Wreaks Havoc on What’s Underneath N.Y.C.",
     "Corey Kilgannon", "2019-02-21T08:00:08Z"),
    ("nytimes-4", "nytimes", "As Debt Rises, the Government Will Soon Spend More on Interest Than on the Military",
     "Nelson D. Schwartz", "2018-09-25T21:28:31Z"),
    ("telegraph", "telegraph", "Zimbabwe coup: Robert Mugabe and wife Grace 'insisting he finishes his term', as "
     "priest steps in to mediate", "Our Foreign Staff", "2017-11-16T14:15:00Z"),
    ("wapo-1", "washingtonpost", "Attack stokes instability fears in North Africa", "Erin Cunningham", None),
    ("cnn", "cnn", "The 'birth lottery' and economic mobility", "Ahiza Garcia", "2016-02-01T01:28:49Z"),
])
def test_site_rule_on_real_page(name: str, rule: str, title: str, byline: str | None, published: str | None) -> None:
    parsed = parse_bytes(fixture(name))
    record = parsed.versions[0]
    assert (parsed.details["extractor"], record.extractor, record.source) == (rule, rule, rule)
    assert record.extractor_version.startswith("newsdiff-") and "beautifulsoup4-" in record.extractor_version
    assert record.title == title
    assert record.byline == byline
    assert record.published == published
    assert record.url and record.url.startswith("http")
    assert not any(p in (title, f"By {byline}") for p in record.paragraphs)


def test_site_rules_strip_captions_and_promos() -> None:
    bbc = article(fixture("bbc-1")).text
    assert "The president said he would continue fighting" not in bbc  # a figure caption
    assert "BBC Africa Live updates from Kenya" not in bbc  # a link-only "read more" item
    assert bbc.startswith("President Barack Obama has admitted")
    cnn = article(fixture("cnn")).text
    assert "Related:" not in cnn and "ADVERTISING" not in cnn and "inRead" not in cnn
    wapo = article(fixture("wapo-1")).text
    assert "[Read:" not in wapo and "Gunmen in military uniforms stormed" not in wapo
    assert not wapo.endswith("Read more:")
    nyt = article(fixture("nytimes-3"))
    assert "Credit" not in nyt.text and "appears in print" not in nyt.text
    assert nyt.standfirst and nyt.standfirst.startswith("New York’s aging below-street infrastructure")


def test_guardian_standfirst_and_typography_kept() -> None:
    record = article(fixture("guardian-1"))
    assert record.standfirst.startswith("New Zealand’s whale whisperers worry")
    assert record.paragraphs[0].startswith("Whale whisperer Hori Parata")  # drop cap rejoined
    assert "“Man’s greed in the ocean is hurting the whales,”" in record.text


def test_generic_pages() -> None:
    ars = parse_html(fixture("ars-1"))
    assert ars.details["extractor"] == "generic" and ars.versions[0].extractor == "generic"
    extractor_version = ars.versions[0].extractor_version
    assert extractor_version.startswith("newsdiff-") and "trafilatura-" in extractor_version
    assert ars.versions[0].title == "Just-released Minecraft exploit makes it easy to crash game servers"
    assert ars.versions[0].source == "arstechnica"
    japanese = article(fixture("yahoo-4"))  # no spaces between words, still an article
    assert "トレンドマイクロは3月9日" in japanese.text
    heise = article(fixture("heise"))
    assert heise.paragraphs[0] != "08.04.2015 12:46" and heise.title not in heise.paragraphs
    salon = article(fixture("salon-1")).text
    assert "You Might Also Like" not in salon and "Featured Slide Shows" not in salon
    perex = article(fixture("aktualne"))  # an "article__perex" under the headline, outside the body
    assert perex.standfirst.startswith("Zázrak jedné sezony? West Ham dává pochybovačům")
    assert not any(p.startswith("Zázrak jedné sezony?") for p in perex.paragraphs)


def test_a_quotation_holding_blocks_is_read_paragraph_by_paragraph() -> None:
    """A quotation of paragraphs around a code block was read whole: its paragraphs ran together,
    sentences glued at the seams ("…to generate.In my case…")."""
    quoted = ["Engineers found the flaw in the loader last spring.", "They wrote a short script to show it."]
    body = ("<article>" + paragraphs_html(SENTENCES[:3]) + "<blockquote>" + paragraphs_html(quoted)
            + "<pre><code>load(bridge, depth=5)</code></pre>" + paragraphs_html(SENTENCES[3:4]) + "</blockquote>"
            + paragraphs_html(SENTENCES[4:]) + "</article>")
    record = article(page(body))
    assert record.extractor == "generic"
    assert [*quoted, "load(bridge, depth=5)", SENTENCES[3]] == [
        p for p in record.paragraphs if p in quoted or "load(" in p or p == SENTENCES[3]]
    ars = article(fixture("ars-1")).paragraphs  # a real page's quoted exploit write-up, the same shape
    assert any(p.startswith("In my case") and p.endswith("what it looks like.") for p in ars)
    assert not any("generate.In my case" in p for p in ars)


def test_embedded_posts_are_dropped_on_the_generic_path() -> None:
    """A tweet or Instagram post quoted in the article is someone else's text, with counts that change."""
    tweet = ('<blockquote class="twitter-tweet"><p lang="en">Bridge closing! What a disgrace #bridge '
             '<a href="https://t.co/x">pic.twitter.com/x</a></p>— Angry Commuter (@commuter) '
             '<a href="https://twitter.com/commuter/status/1">May 1, 2024</a></blockquote>')
    instagram = ('<blockquote class="instagram-media" data-instgrm-permalink="x">'
                 '<p>A view of the old bridge at dusk</p></blockquote>')
    body = ("<article><h1>Bridge to close</h1>" + paragraphs_html(SENTENCES[:3]) + f"<div class='embed'>{tweet}</div>"
            + paragraphs_html(SENTENCES[3:5]) + instagram + paragraphs_html(SENTENCES[5:]) + "</article>")
    record = article(page(body))
    assert record.extractor == "generic" and list(record.paragraphs) == SENTENCES


def test_standfirst_is_the_description_shown_under_the_headline_not_a_teaser() -> None:
    dek = "Engineers say the steel supports of the old bridge are corroding much faster than expected"
    head = f'<meta name="description" content="{dek}">'
    body = f"<header><h1>Bridge to close</h1><div class='x'>{dek}</div></header><article>{paragraphs_html()}</article>"
    record = article(page(body, head))
    assert record.standfirst == dek and list(record.paragraphs) == SENTENCES
    filler = "".join(f"<li><a href='/n/{i}'>Another story about the city council number {i}</a></li>"
                     for i in range(60))
    teaser = f"<h1>Bridge to close</h1><article>{paragraphs_html()}</article><ul>{filler}</ul><div>{dek}</div>"
    assert article(page(teaser, head)).standfirst is None


def test_section_front_is_refused() -> None:
    with pytest.raises(InputError, match=r"^no article found \(a section front"):
        parse_bytes(fixture("nytimes-5"))


TEASER = ("Officials said the decision followed months of talks between the two sides and would be reviewed by a "
          "panel of experts before it takes effect next year.")


def section_front(cards: int = 30, head: str = '<meta property="og:type" content="website">',
                  url: str = "https://www.reuters.com/world/", stamps: bool = True, whole_card_links: bool = False,
                  age: str = "{} hours ago") -> bytes:
    """A section front as outlets build them: a section <h1>, then cards of headline link, teaser and age."""
    items = []
    for i in range(cards):
        headline = f"{SENTENCES[i % 6].split(' from ')[0].rstrip('.')} in region {i}"
        stamp = f"<span class='age'>{age.format(i % 11 + 1)}</span>" if stamps else ""
        if whole_card_links:
            items.append(f"<a class='card' href='/world/story-{i}/'><h3>{headline}</h3><p>{TEASER}</p></a>{stamp}")
        else:
            items.append("<div class='card'><h3><a "
                         f"href='/world/story-{i}/'>{headline}</a></h3><p>{TEASER}</p>{stamp}</div>")
    return page("<main><h1>World</h1>" + "".join(items) + "</main>", head + f'<link rel="canonical" href="{url}">')


@pytest.mark.parametrize("data", [
    section_front(),  # declares itself a website, at a section's address, with time-ago stamps
    section_front(head=""),  # no declaration: cards and stamps
    # at an article-like address with no declaration, only the cards' ages tell: French, German, Italian
    section_front(head="", url="https://example.com/2024/05/le-point", age="il y a {} heures"),
    section_front(head="", url="https://example.com/2024/05/le-point", age="vor {} Std."),
    section_front(head="", url="https://example.com/2024/05/le-point", age="{} ore fa"),
    section_front(head="", url="https://example.com/news/latest-world-news", stamps=False,
                  whole_card_links=True),  # each card one link: most of the text is link text
    section_front(cards=12, url="https://example.com/2024/05/world-news-roundup"),
])
def test_realistic_section_fronts_are_refused_on_the_generic_path(data: bytes) -> None:
    with pytest.raises(InputError, match=r"^no article found \(a section front"):
        parse_bytes(data)


def test_link_headed_items_with_article_metadata_are_an_article() -> None:
    """A listicle whose item headings link to what they review is no front when it says it is an article."""
    data = section_front(head='<meta property="article:published_time" content="2024-05-01T09:30:00Z">')
    record = article(data)
    assert record.published == "2024-05-01T09:30:00Z" and TEASER in record.text


# --- built pages for outlets without a fixture -------------------------------------------------

CAPTION = "A file photo of the bridge at dusk"
PROMO = "Read more: Ten bridges that changed the city"
OUTLETS = {
    "reuters": (
        "https://www.reuters.com/world/europe/bridge-close-2024-05-01/",
        '<meta property="article:published_time" content="2024-05-01T09:30:00Z">',
        '<main><h1 data-testid="Heading">Council votes to close old bridge</h1>'
        '<a data-testid="AuthorNameLink" href="/authors/jane-doe">Jane Doe</a>'
        '<div data-testid="ArticleBody">'
        + "".join(f'<div data-testid="paragraph-{i}">{s}</div>' for i, s in enumerate(SENTENCES[:3]))
        + f'<div data-testid="promo-box"><a href="/newsletters">Sign up here.</a></div>'
        f"<figure><img src=x.jpg><figcaption>{CAPTION}</figcaption></figure>"
        + "".join(f'<div data-testid="paragraph-{i + 3}">{s}</div>' for i, s in enumerate(SENTENCES[3:]))
        + "</div></main>",
        ("Council votes to close old bridge", "Jane Doe", "2024-05-01T09:30:00Z", None),
    ),
    "ap": (
        "https://apnews.com/article/bridge-council-0123456789abcdef",
        "",
        '<main><h1 class="Page-headline">Council votes to close old bridge</h1>'
        '<div class="Page-authors">By JANE DOE</div>'
        '<bsp-timestamp data-timestamp="1714555800000"></bsp-timestamp>'
        '<div class="RichTextStoryBody RichTextBody">' + paragraphs_html(SENTENCES[:2])
        + f'<div class="Enhancement"><a href="/x">{PROMO}</a></div>' + paragraphs_html(SENTENCES[2:])
        + '<div class="Advertisement">Advertisement</div></div></main>',
        ("Council votes to close old bridge", "JANE DOE", "2024-05-01T09:30:00Z", None),
    ),
    "independent": (
        "https://www.independent.co.uk/news/uk/bridge-close-b2500000.html",
        '<meta property="article:published_time" content="2024-05-01T10:30:00+01:00">',
        '<article><header><h1 id="articleHeader">Council votes to close old bridge</h1>'
        '<h2 id="articleSubHeader">Engineers warned of corrosion for years</h2>'
        '<a data-testid="author-link" href="/author/jane-doe">Jane Doe</a></header>'
        '<div id="main">' + paragraphs_html(SENTENCES[:3])
        + f'<div class="inline-readmore"><a href="/x">{PROMO}</a></div>'
        f'<div class="newsletter-component">Sign up to our free Morning Headlines email</div>'
        + paragraphs_html(SENTENCES[3:]) + "</div></article>",
        ("Council votes to close old bridge", "Jane Doe", "2024-05-01T09:30:00Z",
         "Engineers warned of corrosion for years"),
    ),
    "aljazeera": (
        "https://www.aljazeera.com/news/2024/5/1/council-votes-to-close-old-bridge",
        '<meta property="article:published_time" content="2024-05-01T09:30:00Z">',
        '<main id="main-content-area"><header class="article-header"><h1>Council votes to close old bridge</h1>'
        '<p class="article__subhead">Engineers warned of corrosion for years</p></header>'
        '<div class="article-author-name"><span class="article-author-name-item"><a href="/author/jd">Jane '
        'Doe</a></span></div>'
        '<div class="wysiwyg wysiwyg--all-content">' + paragraphs_html(SENTENCES[:4])
        + f'<div class="more-on"><h2>More on this</h2><a href="/x">{PROMO}</a></div>'
        '<div class="container--ads">Advertisement</div>' + paragraphs_html(SENTENCES[4:]) + "</div></main>",
        ("Council votes to close old bridge", "Jane Doe", "2024-05-01T09:30:00Z",
         "Engineers warned of corrosion for years"),
    ),
    "rt": (
        "https://www.rt.com/news/596000-bridge-close-council/",
        '<meta property="article:published_time" content="2024-05-01T09:30:00+00:00">',
        '<div class="article"><h1 class="article__heading">Council votes to close old bridge</h1>'
        '<div class="article__summary">Engineers warned of corrosion for years</div>'
        '<div class="article__text">' + paragraphs_html(SENTENCES[:3])
        + f'<div class="read-more"><div class="read-more__title">READ MORE</div><a href="/x">{PROMO}</a></div>'
        '<blockquote class="twitter-tweet"><p>Bridge closing! What a disgrace #bridge</p></blockquote>'
        + paragraphs_html(SENTENCES[3:]) + "</div></div>",
        ("Council votes to close old bridge", None, "2024-05-01T09:30:00Z", "Engineers warned of corrosion for years"),
    ),
    "presstv": (
        "https://www.presstv.ir/Detail/2024/05/01/725000/Council-bridge-close",
        '<meta property="article:published_time" content="2024-05-01T13:00:00+03:30">',
        '<div class="news-header"><h1 class="news-title">Council votes to close old bridge</h1>'
        '<h2 class="news-summary">Engineers warned of corrosion for years</h2></div>'
        '<div id="divDetail">' + paragraphs_html(SENTENCES[:3])
        + f'<div class="related-news"><a href="/x">{PROMO}</a></div>'
        + paragraphs_html(SENTENCES[3:]) + '</div><div class="news-tags">Tags: bridge, council</div>',
        ("Council votes to close old bridge", None, "2024-05-01T09:30:00Z", "Engineers warned of corrosion for years"),
    ),
    "bbc": (  # today's markup, not the 2015 fixture's
        "https://www.bbc.co.uk/news/articles/c0000000000o",
        '<meta property="og:type" content="article">',
        '<main><article><div data-component="headline-block">'
        '<h1 id="main-heading">Council votes to close old bridge</h1></div>'
        '<div data-component="byline-block"><div data-testid="byline-new-contributors"><span>Jane Doe</span></div>'
        '<time datetime="2024-05-01T09:30:00.000Z">1 May 2024</time></div>'
        + "".join(f'<div data-component="text-block"><p>{s}</p></div>' for s in SENTENCES[:3])
        + f'<div data-component="image-block"><figure><figcaption>{CAPTION}</figcaption></figure></div>'
        f'<div data-component="links-block"><a href="/x">{PROMO}</a></div>'
        + "".join(f'<div data-component="text-block"><p>{s}</p></div>' for s in SENTENCES[3:])
        + '<div data-component="tag-list"><a href="/t">Bridges</a></div></article></main>',
        ("Council votes to close old bridge", "Jane Doe", "2024-05-01T09:30:00Z", None),
    ),
    "cnn": (  # a subdomain of a rule's domain
        "https://edition.cnn.com/2024/05/01/europe/bridge-close-intl/index.html",
        '<meta property="article:published_time" content="2024-05-01T09:30:00.000Z">',
        '<h1 class="headline__text">Council votes to close old bridge</h1>'
        '<div class="byline__names"><span class="byline__name">Jane Doe</span></div>'
        '<div class="article__content">' + paragraphs_html(SENTENCES[:3], attrs=' class="paragraph"')
        + f'<div class="image"><div class="image__caption">{CAPTION}</div></div>'
        f'<div class="related-content"><a href="/x">{PROMO}</a></div>'
        + paragraphs_html(SENTENCES[3:], attrs=' class="paragraph"') + "</div>",
        ("Council votes to close old bridge", "Jane Doe", "2024-05-01T09:30:00Z", None),
    ),
}


@pytest.mark.parametrize("outlet", sorted(OUTLETS))
def test_site_rule_on_built_page(outlet: str) -> None:
    url, head, body, (title, byline, published, standfirst) = OUTLETS[outlet]
    record = article(page(body, head), url=url)
    assert record.extractor == outlet
    assert list(record.paragraphs) == SENTENCES
    assert (record.title, record.byline, record.published, record.standfirst) == (title, byline, published, standfirst)
    assert record.url == url


def test_rule_found_from_canonical_link_and_domain_alias() -> None:
    url, head, body, _ = OUTLETS["bbc"]
    alias = url.replace("bbc.co.uk", "bbc.com")
    record = article(page(body, head + f'<link rel="canonical" href="{alias}">'))
    assert (record.extractor, record.url) == ("bbc", alias)


def test_rule_whose_body_is_missing_falls_back_to_generic() -> None:
    body = "<article><h1>Council votes to close old bridge</h1>" + paragraphs_html() * 3 + "</article>"
    parsed = parse_html(page(body), url="https://www.reuters.com/world/bridge-2024-05-01/")
    assert parsed.details["extractor"] == "generic" and parsed.versions[0].source == "reuters"
    assert "no body matched" in parsed.details["fallback"]
    assert SENTENCES[0] in parsed.versions[0].text


# --- the user's TOML rules -----------------------------------------------------------------------

EXAMPLE_BODY = (
    '<div class="hed"><h1>Council votes to close old bridge</h1><span class="who">Jane Doe</span>'
    '<time class="when" datetime="2024-05-01T11:30:00+02:00">today</time></div>'
    '<div class="story">' + paragraphs_html(SENTENCES[:3]) + '<div class="box">Subscribe for more bridge news</div>'
    + paragraphs_html(SENTENCES[3:]) + "</div>"
    '<div class="story-extra"><p>Comments are closed on this story because of legal reasons.</p></div>'
)
EXAMPLE_RULE = {"body": ".story", "strip": [".box"], "title": ".hed h1", "byline": ".who", "published": ".when"}


def test_user_rule_for_a_new_site() -> None:
    record = article(page(EXAMPLE_BODY), url="https://news.example.com/bridge", sites={"example.com": EXAMPLE_RULE})
    assert record.extractor == "example.com"
    assert list(record.paragraphs) == SENTENCES
    assert (record.title, record.byline) == ("Council votes to close old bridge", "Jane Doe")
    assert re.match(r"newsdiff-\d+\+[0-9a-f]{8}/", record.extractor_version)  # a user rule is part of the version


@pytest.mark.parametrize(("domain", "url"), [
    ("[::1]", "http://[::1]:8080/bridge"),  # an address as a URL spells it
    ("::1", "http://[::1]/bridge"),
    ("Bücher.Example.", "https://www.xn--bcher-kva.example/bridge"),  # a name however it is spelled
    ("xn--bcher-kva.example", "https://bücher.example/bridge"),
])
def test_user_rule_for_a_host_spelled_otherwise_than_in_the_url(domain: str, url: str) -> None:
    record = article(page(EXAMPLE_BODY), url=url, sites={domain: EXAMPLE_RULE})
    assert record.extractor in ("::1", "xn--bcher-kva.example") and list(record.paragraphs) == SENTENCES


@pytest.mark.parametrize("domain", ["[::1", "::1]", "[192.0.2.1]", "[news.example]", "news example.com", "a..b",
                                    "example.com/news", "-news.example"])
def test_user_rule_for_what_names_no_host_is_refused(domain: str) -> None:
    """A rule no URL's host could ever match would be silently idle."""
    with pytest.raises(ValueError, match=re.escape(f"{domain!r} is not a host name")):
        article(page(EXAMPLE_BODY), url="https://news.example/x", sites={domain: EXAMPLE_RULE})


def test_user_rule_overrides_one_field_of_a_builtin_rule() -> None:
    url, head, body, _ = OUTLETS["rt"]
    data = page(body.replace('<p>' + SENTENCES[5], '<p class="kicker">' + SENTENCES[5]), head)
    builtin = article(data, url=url)
    assert builtin.paragraphs[-1] == SENTENCES[5] and re.match(r"newsdiff-\d+/", builtin.extractor_version)
    custom = article(data, url=url, sites={"rt.com": {"strip": [".read-more", ".kicker"]}})  # replaces the list
    assert custom.extractor == "rt" and list(custom.paragraphs) == SENTENCES[:5]
    assert custom.title == builtin.title  # fields the user did not set keep the built-in selectors
    assert custom.extractor_version != builtin.extractor_version


def test_bad_user_rule_is_reported_at_load() -> None:
    with pytest.raises(ValueError, match=r'site "example.com": bad body selector'):
        parse_html(page(EXAMPLE_BODY), url="https://example.com/x", sites={"example.com": {"body": "div[[["}})
    with pytest.raises(ValueError, match=r"unknown field 'bdy'"):
        parse_html(page(EXAMPLE_BODY), url="https://example.com/x", sites={"example.com": {"bdy": ".story"}})


def test_config_file_rules_reach_parse_through_the_cli(cli: Callable[..., CliResult], db_path: Path,
                                                       tmp_path: Path) -> None:
    html_file = tmp_path / "page.html"
    html_file.write_bytes(page(EXAMPLE_BODY, '<link rel="canonical" href="https://example.com/bridge">'))
    assert cli("parse", html_file, "--json").json["extractor"] == "generic"
    (db_path.parent / "newsdiff.toml").write_text(
        '[sites."example.com"]\nbody = ".story"\nstrip = [".box"]\ntitle = ".hed h1"\nbyline = ".who"\n'
        'published = ".when"\n'
    )
    result = cli("parse", html_file, "--json")
    assert result.code == 0, result
    document = result.json
    assert {k: document[k] for k in ("format", "extractor", "url", "title", "byline", "published")} == {
        "format": "html", "extractor": "example.com", "url": "https://example.com/bridge",
        "title": "Council votes to close old bridge", "byline": "Jane Doe", "published": "2024-05-01T09:30:00Z",
    }
    assert document["paragraphs"] == SENTENCES and document["text"] == "\n\n".join(SENTENCES)
    other = tmp_path / "other.toml"  # --config wins over the file beside the database
    other.write_text('[sites."example.com"]\nbody = ".story"\n')
    paragraphs = cli("--config", other, "parse", html_file, "--json").json["paragraphs"]
    assert paragraphs == [*SENTENCES[:3], "Subscribe for more bridge news", *SENTENCES[3:]]


@pytest.mark.parametrize(("toml", "message"), [
    ('[sites."example.com"\nbody = ".story"\n', "is not valid TOML"),
    ('[sites."example.com"]\nbody = "div[[["\n', 'site "example.com": bad body selector'),
    ('[sites."example.com"]\nbody = 3\n', "body must be a CSS selector"),
    ('[sites."[::1"]\nbody = ".story"\n', "'[::1' is not a host name"),
    ('[sites."example.com"]\ndomains = ["example.org", "exa mple.net"]\n', "domains: 'exa mple.net' is not a host"),
    ("[extraction]\nsuspect_ratio = 2\n", "suspect_ratio must be a number from 0 to 1"),
])
def test_bad_config_is_one_clear_error(cli: Callable[..., CliResult], tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    html_file = tmp_path / "page.html"
    html_file.write_bytes(page(EXAMPLE_BODY))
    result = cli("--config", config, "parse", html_file)
    assert result.code == 1 and message in result.stderr and str(config) in result.stderr
    assert "Traceback" not in result.stderr


# --- decoding ------------------------------------------------------------------------------------

FRENCH = [
    "Le café de la gare a fermé ; « c’est la fin d’une époque », déplore un habitué âgé.",
    "La propriétaire, Hélène Dupré, tenait l’établissement depuis vingt-deux ans.",
    "Elle évoque la hausse des loyers et la baisse de fréquentation après les travaux.",
    "Les riverains espèrent qu’un repreneur gardera l’enseigne et la terrasse ombragée.",
    "La mairie a promis d’étudier une aide pour les commerces du quartier.",
]


def french_page(charset_in_meta: str | None, encoding: str) -> bytes:
    meta = f'<meta charset="{charset_in_meta}">' if charset_in_meta else ""
    body = "<article><h1>Fermeture du café</h1>" + paragraphs_html(FRENCH) + "</article>"
    return f"<html><head>{meta}<title>Fermeture du café</title></head><body>{body}</body></html>".encode(encoding)


@pytest.mark.parametrize(("meta", "encoding", "content_type"), [
    ("iso-8859-1", "cp1252", None),  # declared Latin-1, read as windows-1252 like browsers do
    (None, "cp1252", None),  # undeclared: detected
    ("utf-8", "cp1252", None),  # lies: says UTF-8, is windows-1252
    ("iso-8859-1", "utf-8", None),  # lies the other way: says Latin-1, is UTF-8
    (None, "cp1252", "text/html; charset=windows-1252"),  # the HTTP header
    ("utf-8", "cp1252", "text/html; charset=ISO-8859-1"),  # header beats meta
    ("utf-8", "utf-8", "text/html; charset=ISO-8859-1"),  # a server that lies: its UTF-8 page stays UTF-8
])
def test_charsets(meta: str | None, encoding: str, content_type: str | None) -> None:
    record = article(french_page(meta, encoding), content_type=content_type)
    assert list(record.paragraphs) == FRENCH
    assert record.title == "Fermeture du café"


def test_byte_order_mark_wins_and_utf16_pages_read() -> None:
    text = french_page("iso-8859-1", "utf-8").decode("utf-8")
    assert FRENCH[0] in decode_html(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert FRENCH[0] in decode_html(b"\xff\xfe" + text.encode("utf-16-le"), "text/html; charset=iso-8859-1")


@pytest.mark.parametrize(("encoding", "sentence"), [
    ("cp1252", "Le café a fermé après des années ; « très triste », dit un habitué âgé."),  # è is č in cp1250
    ("cp1250", "Rada miasta zagłosowała za zamknięciem mostu, bo inżynierowie ostrzegali przed rdzą."),
    ("cp1254", "Belediye meclisi salı günü eski köprünün gelecek aydan itibaren trafiğe kapatılmasına karar verdi."),
    ("cp1251", "Городской совет проголосовал за закрытие старого моста для движения транспорта."),
    ("koi8-r", "Городской совет проголосовал за закрытие старого моста для движения транспорта."),
    ("cp1253", "Το δημοτικό συμβούλιο ψήφισε να κλείσει η παλιά γέφυρα για την κυκλοφορία."),
    ("shift_jis", "市議会は火曜日、来月から古い橋を通行止めにすることを決めた。"),
    ("gbk", "市议会周二投票决定从下个月起关闭旧桥，工程师多年来一直警告钢支架腐蚀。"),
])
def test_undeclared_legacy_charsets_are_detected(encoding: str, sentence: str) -> None:
    data = ("<html><body><article>" + f"<p>{sentence}</p>" * 3 + "</article></body></html>").encode(encoding)
    assert sentence in decode_html(data)
    assert sentence in decode_html(data, f"text/html; charset={encoding}")


@pytest.mark.parametrize(("encoding", "sentence"), [
    ("cp1251", "Городской совет проголосовал за закрытие старого моста для движения транспорта."),
    ("koi8-r", "Городской совет проголосовал за закрытие старого моста для движения транспорта."),
    ("cp1253", "Το δημοτικό συμβούλιο ψήφισε να κλείσει η παλιά γέφυρα για την κυκλοφορία."),
])
@pytest.mark.parametrize("declared", ["meta", "header"])
def test_a_page_falsely_declared_latin1_is_read_in_its_own_charset(encoding: str, sentence: str, declared: str) -> None:
    """Browsers would show "Ãîðîäñêîé": a reader of the diff wants the words."""
    meta = '<meta charset="iso-8859-1">' if declared == "meta" else ""
    data = (f"<html><head>{meta}</head><body><article>" + f"<p>{sentence}</p>" * 3
            + "</article></body></html>").encode(encoding)
    assert sentence in decode_html(data, "text/html; charset=ISO-8859-1" if declared == "header" else None)


@pytest.mark.parametrize("body", [b"<script " * 40_000, b"<" * 300_000, b"<style" * 40_000 + "é".encode("cp1252") * 99])
def test_hostile_markup_declared_latin1_is_decoded_without_a_stall(body: bytes) -> None:
    """The charset check scans the page's text once: unclosed tags cannot make it scan again and again."""
    assert decode_html(b'<meta charset="iso-8859-1">' + body).startswith("<meta")


def test_accented_western_text_declared_latin1_stays_latin1() -> None:
    icelandic = "Borgarráðið samþykkti á þriðjudag að loka gömlu brúnni fyrir umferð í næsta mánuði."
    data = ('<html><head><meta charset="iso-8859-1"></head><body>' + f"<p>{icelandic}</p>" * 3
            + "</body></html>").encode("cp1252")
    assert icelandic in decode_html(data)


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "idna", "undefined", "utf-7", "cp037"])
@pytest.mark.parametrize("declared", ["meta", "header"])
def test_a_charset_no_browser_reads_pages_in_is_ignored(charset: str, declared: str) -> None:
    """Python's byte transforms and codecs that fail on any page once stopped the whole command with a
    traceback; UTF-7 and EBCDIC read the page's markup as other characters."""
    page = french_page(charset if declared == "meta" else None, "cp1252")  # not UTF-8: the declaration is read
    record = article(page, content_type=f"text/html; charset={charset}" if declared == "header" else None)
    assert list(record.paragraphs) == FRENCH and record.title == "Fermeture du café"


def test_a_few_broken_bytes_do_not_change_the_charset() -> None:
    data = french_page("utf-8", "utf-8")
    broken = data.replace("fermé".encode(), b"ferm\xe9", 1)  # one stray Latin-1 byte in a UTF-8 page
    text = decode_html(broken)
    assert "ferm\ufffd" in text and "« c’est la fin d’une époque »" in text


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3000))
def test_decode_never_fails(data: bytes) -> None:
    assert isinstance(decode_html(data, "text/html; charset=utf-8"), str)


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdpv&;#\x00é\u200b")), max_size=400))
def test_markup_soup_is_a_result_or_an_input_error(soup: str) -> None:
    try:
        parse_html(("<html><body>" + soup).encode("utf-8"))
    except InputError as exc:
        assert str(exc).startswith("no article found (")


# --- normalised output and metadata ----------------------------------------------------------------


def test_subscribe_prompts_are_dropped_from_a_real_article() -> None:
    prompt = "<p>Already a subscriber? Sign in to continue reading.</p>"
    body = ("<article><h1>Bridge to close</h1>" + paragraphs_html(LONG[:6]) + prompt + paragraphs_html(LONG[6:])
            + "</article>")
    assert list(article(page(body)).paragraphs) == LONG


@pytest.mark.parametrize("prompt", [
    "Il vous reste 85 % de cet article à lire. La suite est réservée aux abonnés.",  # Le Monde
    "Abonnez-vous pour lire la suite.",
    "Suscríbete para seguir leyendo.",
    "Jetzt abonnieren und weiterlesen.",
    "Assine para continuar lendo.",
    "Abbonati per continuare a leggere.",
])
def test_subscribe_prompts_in_other_languages_are_dropped_and_make_a_stub(prompt: str) -> None:
    full = ("<article><h1>Bridge to close</h1>" + paragraphs_html(LONG[:6]) + f"<p>{prompt}</p>"
            + paragraphs_html(LONG[6:]))
    assert list(article(page(full + "</article>")).paragraphs) == LONG
    stub = "<article><h1>Council votes to close old bridge</h1>" + paragraphs_html(SENTENCES[:2]) + f"<p>{prompt}</p>"
    with pytest.raises(InputError, match="paywall stub"):
        parse_html(page(stub + "</article>"))


def test_prose_about_subscribers_is_kept() -> None:
    """A prompt is a line or two: a paragraph of reporting that happens to use its words stays."""
    prose = ("Les abonnés du réseau de bus pourront lire la suite du plan de travaux sur le site de la mairie, "
             "qui promet des navettes gratuites pendant toute la durée de la fermeture du vieux pont, ainsi "
             "qu'une réunion publique avec les ingénieurs avant la fin du mois prochain.")
    body = "<article><h1>Bridge to close</h1>" + paragraphs_html(LONG[:6] + [prose] + LONG[6:]) + "</article>"
    assert prose in article(page(body)).paragraphs


def test_paragraphs_are_normalised_but_typography_is_kept() -> None:
    messy = ("The cafe\u0301 owner\u200b said:  \u201cWe\u2019re   closing\u201d \u2014 for\n good "
             "after forty\u00adyears of serving the town\u2019s commuters and students alike.")
    body = "<article><h1>Bridge to close</h1>" + f"<p>{messy}</p>" + paragraphs_html() + "</article>"
    first = article(page(body)).paragraphs[0]
    assert first == ("The café owner said: \u201cWe\u2019re closing\u201d \u2014 for good after fortyyears of "
                     "serving the town\u2019s commuters and students alike.")


@pytest.mark.parametrize(("control", "kept"), [
    *((c, "Engineers had warned for years.") for c in ("\x08", "\x01", "\x0b", "&#x1b;", "&#X1B;", "&#8;", "&#27",
                                                       "&#x0c;")),
    ("\x1b[31m", "Engineers had [31mwarned for years."),  # the escape goes, the letters after it are text
    ("&#x1bc;", "Engineers had\u01bcwarned for years."),  # a reference to a letter, not to a control
])
@pytest.mark.parametrize("sites", [None, {"example.com": {"body": "article"}}], ids=["generic", "site rule"])
def test_a_control_character_in_a_paragraph_costs_neither_the_article_nor_the_text(
        control: str, kept: str, sites: dict[str, dict[str, Any]] | None) -> None:
    """One C0 control, typed or as a reference, once made the page "no article found (no body text)"."""
    body = ("<article><h1>Bridge to close</h1>" + paragraphs_html(SENTENCES[:3])
            + f"<p>Engineers had{control}warned for years.</p>" + paragraphs_html(SENTENCES[3:]) + "</article>")
    record = article(page(body), url="https://example.com/bridge", sites=sites)
    assert list(record.paragraphs) == [*SENTENCES[:3], kept, *SENTENCES[3:]]


def test_line_breaks_and_lists_become_paragraphs() -> None:
    body = ('<div class="story"><p>' + "<br>".join(SENTENCES[:2]) + "<br><br>" + SENTENCES[2] + "</p>"
            "<ul>" + paragraphs_html(SENTENCES[3:], tag="li") + "</ul></div>")
    record = article(page(body), url="https://example.com/a", sites={"example.com": {"body": ".story"}})
    assert list(record.paragraphs) == SENTENCES


# Lines set apart by single line breaks, and the paragraphs they should make: a break between units
# (a sentence's end, a lead-in's colon, standalone lines) splits; one inside a sentence does not.
BROKEN_LINES = [
    (["The overall rankings of the countries were as follows:", "1. Finland", "2. Norway", "3. Australia"],
     ["The overall rankings of the countries were as follows:", "1. Finland", "2. Norway", "3. Australia"]),
    (["Posted by Jane Doe", "March 3, 2024"], ["Posted by Jane Doe", "March 3, 2024"]),
    (["Residents said the closure came as a shock.", "Some had planned to move."],
     ["Residents said the closure came as a shock.", "Some had planned to move."]),
    (["Residents can follow the council on social media at", "riverside_council for updates."],
     ["Residents can follow the council on social media at riverside_council for updates."]),
    (["The inspectors listed rust, cracked welds,", "Loose rivets and worn bearings."],
     ["The inspectors listed rust, cracked welds, Loose rivets and worn bearings."]),
    (["The bridge closed on Monday. Engineers said the supports under the", "Victoria Road span were failing."],
     ["The bridge closed on Monday. Engineers said the supports under the Victoria Road span were failing."]),
    (["市議会は橋の閉鎖を決めた。", "工事は来月から始まる。"],
     ["市議会は橋の閉鎖を決めた。", "工事は来月から始まる。"]),
    (["市議会は橋の閉鎖を", "決めた。"], ["市議会は橋の閉鎖を 決めた。"]),
]


@pytest.mark.parametrize(("lines", "expected"), BROKEN_LINES)
@pytest.mark.parametrize("sites", [None, {"example.com": {"body": ".story"}}], ids=["generic", "site rule"])
def test_a_line_break_splits_a_paragraph_only_between_units(
        lines: list[str], expected: list[str], sites: dict[str, dict[str, Any]] | None) -> None:
    """Lines glued into one paragraph read as one giant sentence (any edit shows the whole block
    changed); a break inside a sentence must not cut it for the diff engine."""
    body = ('<article class="story">' + paragraphs_html(SENTENCES[:3]) + "<p>" + "<br>".join(lines) + "</p>"
            + paragraphs_html(SENTENCES[3:]) + "</article>")
    record = article(page(body), url="https://example.com/a", sites=sites)
    assert list(record.paragraphs) == [*SENTENCES[:3], *expected, *SENTENCES[3:]]


def test_a_real_ranking_and_paragraphs_set_apart_by_line_breaks_are_paragraphs() -> None:
    cnn = article(fixture("cnn")).paragraphs
    assert cnn[cnn.index("The overall rankings of the countries were as follows:") + 1:][:2] == ("1. Finland",
                                                                                                  "2. Norway")
    yahoo = article(fixture("yahoo-4")).paragraphs  # Japanese paragraphs, each ending 。, one <br> apart
    assert len(yahoo) >= 9 and all(p.endswith("。") for p in yahoo[:8])


def test_long_runs_of_whitespace_and_punctuation_are_read_in_linear_time() -> None:
    """Hostile blocks: 200,000 spaces in a paragraph or between line breaks, and a short line of 50,000
    dots after "Loading" (quadratic for the old line-break and control patterns: about 30 s and 16 s)."""
    spaces, dots = " " * 200_000, "Loading" + "." * 50_000 + " done"
    body = (f'<div class="story"><p>{SENTENCES[0]}{spaces}{SENTENCES[1]}</p>'
            f"<p>{SENTENCES[2]}<br>{spaces}<br>{SENTENCES[3]}</p><p>{dots}</p>"
            + paragraphs_html(SENTENCES[4:]) + "</div>")
    record = article(page(body), url="https://example.com/a", sites={"example.com": {"body": ".story"}})
    assert list(record.paragraphs) == [f"{SENTENCES[0]} {SENTENCES[1]}", *SENTENCES[2:4], dots, *SENTENCES[4:]]



def test_trafilaturas_paragraph_text_query_is_answered_in_one_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """trafilatura asks the page (both passes) and its own output (when weighing readability's) for
    `//p//text()`, which libxml2 answers in time quadratic in the paragraphs (38 s for 39,000): newsdiff's
    trees answer it by one linear walk, with the text runs libxml2 would give."""
    from lxml import etree

    from newsdiff.sources import document

    answers: list[tuple[str, int, int]] = []  # (tree asked, text runs given, text runs libxml2 gives)
    walk = document.paragraph_texts

    def counted(top: Any, include_top: bool) -> list[str]:
        texts = walk(top, include_top)
        expected = etree.XPath("//p//text()" if include_top else ".//p//text()")(top)
        answers.append(("page" if isinstance(top, lxml.html.HtmlElement) else "output", len(texts), len(expected)))
        return texts

    monkeypatch.setattr(document, "paragraph_texts", counted)
    lines = [f"Line {n} of a long list that trafilatura reads paragraph by paragraph." for n in range(2000)]
    record = article(page("<article>" + paragraphs_html(lines) + "</article>"))
    assert list(record.paragraphs) == lines
    assert [tree for tree, _, _ in answers] == ["page", "page", "output"]
    assert all(given == expected == 2000 for _, given, expected in answers)


def _random_tree(rng: Any) -> Any:
    """A page's body grown at random from <p>, <b>, <div> and <span>, some holding text and tails,
    with comments and processing instructions among them and <p>s inside <p>s (which no parser makes,
    but trafilatura's rewrites can)."""
    from lxml import etree

    from newsdiff.sources.document import parse_document

    root = parse_document("<html><body></body></html>")
    nodes = [root.find("body")]
    for n in range(rng.randint(1, 40)):
        parent = rng.choice(nodes)
        kind = rng.random()
        if kind < 0.15:
            node = etree.Comment(f"c{n}") if kind < 0.1 else etree.ProcessingInstruction("pi", "x")
            parent.append(node)
        else:
            node = etree.SubElement(parent, rng.choice(["p", "p", "b", "div", "span"]))
            node.text = f"t{n}" if rng.random() < 0.7 else None
            nodes.append(node)
        node.tail = f"tail{n}" if rng.random() < 0.5 else None
    return root


@given(st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_the_linear_paragraph_text_is_libxml2s_answer(rng: Any) -> None:
    """Same text runs in the same order as libxml2's own evaluation, asked of every element, for the
    absolute query (from the document's root) and the relative one (below the element)."""
    from lxml import etree

    root = _random_tree(rng)
    for element in root.iter("*"):
        for query in ("//p//text()", ".//p//text()"):
            assert element.xpath(query) == [text for text in etree.XPath(query)(element) if text]


@pytest.mark.parametrize(("head", "url"), [
    ('<link rel="canonical" href="https://example.com/a"><meta property="og:url" content="https://example.com/b">',
     "https://example.com/a"),
    ('<meta property="og:url" content="https://example.com/b">', "https://example.com/b"),
    ('<link rel="canonical" href="/news/a"><meta property="og:url" content="https://example.com/b">',
     "https://example.com/news/a"),
    ('<link rel="canonical" href="//example.com/c">', "https://example.com/c"),
    ('<link rel="canonical" href="http://[bad">', None),
])
def test_url_from_the_page(head: str, url: str | None) -> None:
    body = "<article>" + paragraphs_html() + "</article>"
    assert article(page(body, head)).url == url
    assert article(page(body, head), url="https://given.example/x").url == "https://given.example/x"


@pytest.mark.parametrize(("head", "published", "byline"), [
    ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, '
     '{"@type": "NewsArticle", "headline": "Old bridge to close", "datePublished": "2024-05-01T10:30:00+01:00", '
     '"author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}]}]}</script>',
     "2024-05-01T09:30:00Z", "Jane Doe, John Roe"),
    ('<meta property="article:published_time" content="Wed, 01 May 2024 09:30:00 GMT">'
     '<meta name="author" content="By Jane Doe">',
     "2024-05-01T09:30:00Z", "Jane Doe"),
    ('<meta property="article:published_time" content="last Tuesday"><script '
     'type="application/ld+json">{broken</script>',
     None, None),
    # a JSON-LD block hidden from old parsers in a CDATA section or an HTML comment is still read
    *((f'<script type="application/ld+json">\n  {start}\n  {{"@type": "NewsArticle", "datePublished": '
       f'"2024-05-01T09:30:00Z", "author": {{"@type": "Person", "name": "Jane Doe"}}}}\n  {end}\n</script>',
       "2024-05-01T09:30:00Z", "Jane Doe") for start, end in (("<![CDATA[", "]]>"), ("<!--", "-->"))),
])
def test_metadata(head: str, published: str | None, byline: str | None) -> None:
    record = article(page("<article><h1>Bridge to close</h1>" + paragraphs_html() + "</article>", head))
    assert (record.published, record.byline) == (published, byline)


def test_a_visible_time_dates_the_article_when_nothing_else_does() -> None:
    assert article(fixture("ars-1")).published == "2015-04-16T20:02:01Z"
    sidebar = '<aside><time datetime="2024-04-30T08:00:00Z">Yesterday</time></aside>'
    dated = ('<article><h1>Bridge to close</h1><time datetime="2024-05-01T10:30:00+01:00">1 May</time>'
             + paragraphs_html() + "</article>")
    assert article(page(sidebar + dated)).published == "2024-05-01T09:30:00Z"
    declared = '<meta property="article:published_time" content="2024-05-01T07:00:00Z">'
    assert article(page(sidebar + dated, declared)).published == "2024-05-01T07:00:00Z"


def titled_page(title: str, head: str = "", h1s: tuple[str, ...] = ()) -> bytes:
    """A generic article page whose <title>, declared titles and <h1>s are given."""
    body = "".join(f"<h1>{h}</h1>" for h in h1s) + "<article>" + paragraphs_html() + "</article>"
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body>{body}</body></html>").encode()


@pytest.mark.parametrize(("title", "head", "h1s", "expected"), [
    # the visible headline wins when a declared title agrees with it, even one cut short
    ("Bridge to close - Example News", '<script type="application/ld+json">{"@type": "NewsArticle", '
     '"headline": "Council votes to close the old bridge after engineers warn of corro"}</script>',
     ("Council votes to close the old bridge after engineers warn of corrosion",),
     "Council votes to close the old bridge after engineers warn of corrosion"),
    # a section name in the <title> does not confirm an <h1> that is only that section's name
    ("Council votes to close old bridge | Environment | Example News",
     '<meta property="og:title" content="Council votes to close old bridge">', ("Environment",),
     "Council votes to close old bridge"),
    # without an <h1>: the declared title with the site name and the author cut off
    ("Council votes to close old bridge | Jane Doe | Example News",
     '<meta property="og:title" content="Council votes to close old bridge | Jane Doe">'
     '<meta name="author" content="Jane Doe"><meta property="og:site_name" content="Example News">', (),
     "Council votes to close old bridge"),
    # a page that names its app after the article: that name is no site name to cut away
    ("Council votes to close old bridge", '<meta name="application-name" content="Council votes to close old bridge">'
     '<meta property="og:title" content="Council votes to close old bridge">', (), "Council votes to close old bridge"),
    # a blog's name in the first <h1>, a prefix of '<title>Blog name: Post title': the <h1> the og:title confirms
    ("Riverside Notes Weekly: Council votes to close old bridge",
     '<meta property="og:title" content="Council votes to close old bridge">',
     ("Riverside Notes Weekly", "Council votes to close old bridge"), "Council votes to close old bridge"),
    # a kicker set in the <h1> above the headline the page declares, with or without a space: the declared one
    *(("Harbour works: Council votes to close old bridge - Example News",
       '<meta property="og:title" content="Council votes to close old bridge">', (h1,),
       "Council votes to close old bridge")
      for h1 in ("Harbour works: Council votes to close old bridge", "Harbour worksCouncil votes to close old bridge")),
    # every declared title is the site's name: the story's headline is its <h1>
    ("Riverside Notes: templates and designs", '<meta property="og:title" content="Riverside Notes: templates and '
     'designs"><meta property="og:site_name" content="Riverside Notes: templates and designs">',
     ("Council votes to close old bridge",), "Council votes to close old bridge"),
    # nothing agrees with the visible headline: the article's declared headline
    ("Example News", '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Old bridge to close"}'
     "</script>", ("Bridge to close",), "Old bridge to close"),
])
def test_headline_by_agreement(title: str, head: str, h1s: tuple[str, ...], expected: str) -> None:
    assert article(titled_page(title, head, h1s)).title == expected


# --- pages that are not articles -----------------------------------------------------------------


@pytest.mark.parametrize(("data", "reason"), [
    (page("<h1>Page not found</h1><p>Sorry, we could not find that page.</p>").replace(
        b"Bridge to close", b"404 - Page not found"), "an error page"),
    (page("<article><h1>Bridge to close</h1><p>" + SENTENCES[0]
          + "</p><div>Subscribe to read the full story.</div></article>",
          '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'),
     "paywalled: only"),
    (page("<nav>" + "".join(f'<h3><a href="/n/{i}">Story {i} headline</a></h3>' for i in range(30)) + "</nav>",
          '<meta property="og:type" content="website"><link rel="canonical" href="https://example.com/news/">'),
     "a section front"),
    (page("<article><h1>Council votes to close old bridge</h1>" + paragraphs_html(SENTENCES[:2])
          + "<div class='paywall'>Subscribe now to continue reading…</div></article>"), "paywall stub"),
    (page("<article><h1>Council votes to close old bridge</h1>" + paragraphs_html(SENTENCES[:3])
          + "<p>Already a subscriber? Log in to keep reading.</p><p>Subscribe for full access from $1 a week.</p>"
          "</article>"), "paywall stub"),
    (page("<p>Loading…</p>"), "no body text"),
    (page(""), "no body text"),
])
def test_pages_without_an_article(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=re.escape(reason)):
        parse_html(data)


@pytest.mark.parametrize("headline", ["404 residents evacuated after fire", "Error in vote count delays result",
                                      "Missing hiker not found after storm", "Forbidden City reopens to visitors"])
def test_a_short_story_whose_headline_holds_an_error_word_is_an_article(headline: str) -> None:
    # A short item (under 150 words) is refused as an error page only when a part of its title is error
    # words alone ("404 - Page not found"), not for a headline that uses one.
    data = page("<article><h1>Bridge to close</h1>" + paragraphs_html(SENTENCES) + "</article>").replace(
        b"Bridge to close", headline.encode())
    assert article(data).title == headline


NOT_FREE = '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'


def test_a_short_story_declared_not_free_is_an_article_without_a_paywall_on_the_page() -> None:
    # Outlets mark every story "not free" in their metadata; 88 words with no paywall box or prompt
    # are a short story (a sports result, a local item), not a paywall stub.
    body = "<article><h1>Council votes to close old bridge</h1>" + paragraphs_html(SENTENCES) + "</article>"
    record = article(page(body, NOT_FREE))
    assert list(record.paragraphs) == SENTENCES and 80 <= len(record.text.split()) < 150
    # The same page with the locked part it declares, or a box named for a paywall, is refused.
    locked = NOT_FREE.replace('false}', 'false, "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": false, '
                                        '"cssSelector": ".locked-story"}}')
    for head, extra in ((locked, "<div class='locked-story'></div>"), (NOT_FREE, "<div id='paywall-box'></div>")):
        with pytest.raises(InputError, match="paywalled: only"):
            parse_html(page(body.replace("</article>", extra + "</article>"), head))


LONG_HEAD = "<script>" + "var slot = 'advertising';\n" * 250 + "</script>"  # no "<p" in the first 4 KB


@pytest.mark.parametrize(("name", "title"), [
    ("la-nacion", "Una solución no violenta para la cuestión mapuche"),  # opens with a UTF-8 byte-order mark
    ("herald-sun-1", "Angry media won’t buckle over new surveillance laws"),  # opens with <!--?xml ...-->
])
def test_real_pages_with_a_prologue_are_read_as_html(name: str, title: str) -> None:
    parsed = parse_bytes(fixture(name))
    assert (parsed.format, parsed.versions[0].extractor, parsed.versions[0].title) == ("html", "generic", title)
    assert not any("<" in p for p in parsed.versions[0].paragraphs)


@pytest.mark.parametrize("data", [
    b"<!-- Served by a CMS, licence MIT -->\n" + page(paragraphs_html(), LONG_HEAD),
    b"\xef\xbb\xbf<!-- generated -->" + page(paragraphs_html(), LONG_HEAD),
    "\ufeff<!-- generated -->".encode("utf-16-le") + page(paragraphs_html(), LONG_HEAD, charset="utf-16-le"),
    "\ufeff".encode("utf-16-be") + page(paragraphs_html(), LONG_HEAD, charset="utf-16-be"),
    b'<?xml version="1.0" encoding="utf-8"?>\n<!-- x -->' + page(paragraphs_html(), LONG_HEAD),
])
def test_byte_order_marks_and_leading_comments_do_not_hide_html(data: bytes) -> None:
    assert list(article(data).paragraphs) == SENTENCES


def test_a_text_html_content_type_is_honoured() -> None:
    fragment = f"<title>Bridge to close</title>{LONG_HEAD}<div>{paragraphs_html()}</div>".encode()
    with pytest.raises(InputError, match="^not an article"):  # from its bytes alone, read as (odd) plain text
        parse_bytes(fragment)
    assert list(article(fragment, content_type="text/html; charset=utf-8").paragraphs) == SENTENCES


def test_not_html_is_refused_before_extraction() -> None:
    for data, reason in ((b"%PDF-1.7\n%\xe2\xe3", "binary"), (b'{"title": "x"}', "JSON")):
        with pytest.raises(InputError, match=reason):
            parse_bytes(data)
    assert parse_bytes(page("<article>" + paragraphs_html() + "</article>")).format == "html"


def test_truncated_and_malformed_pages() -> None:
    whole = page("<article><h1>Bridge to close</h1>" + paragraphs_html() + "</article>")
    cut = whole[: whole.index(SENTENCES[5].encode()) + 20]  # ends inside a paragraph, no closing tags
    record = article(cut)
    assert list(record.paragraphs[:5]) == SENTENCES[:5] and record.paragraphs[5] == SENTENCES[5][:20].strip()
    malformed = page("</div></div><article><p>" + "<p>".join(SENTENCES) + "</b></i><table><td>" + SENTENCES[0]
                     + "</article></span>")
    assert SENTENCES[2] in article(malformed).text


def test_deep_nesting() -> None:
    body = paragraphs_html()
    assert SENTENCES[0] in article(page("<div>" * 1000 + body + "</div>" * 1000)).text
    with pytest.raises(InputError, match="nested too deeply"):
        parse_html(page("<div>" * 5000 + body))


def test_huge_pages_finish_quickly() -> None:
    """A 20 MB page of inline script or of one attribute still yields its article; 20 MB of text is refused."""
    script = "<script>var state = " + json.dumps({"k": "v" * 20_000_000}) + ";</script>"
    start = time.perf_counter()
    record = article(page("<article><h1>Bridge to close</h1>" + paragraphs_html() + "</article>", script))
    assert list(record.paragraphs) == SENTENCES
    runaway = page(f'<div class="{"x" * 20_000_000}"><article><h1>Bridge to close</h1>' + paragraphs_html()
                   + "</article></div>")
    runaway_start = time.perf_counter()
    assert list(article(runaway).paragraphs) == SENTENCES  # a 20 MB class name, which class patterns choke on
    assert time.perf_counter() - runaway_start < 10  # once 20-45 s, with trafilatura matching patterns on it
    with pytest.raises(InputError, match="page too large"):
        parse_html(page("<article>" + paragraphs_html() * 25_000 + "</article>"))
    assert time.perf_counter() - start < 30  # a hang guard, not a speed figure (see scripts/bench_extract.py)


# --- through the CLI ------------------------------------------------------------------------------


def test_cli_parse_json_of_a_real_page(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    html_file = tmp_path / "telegraph.html"
    html_file.write_bytes(fixture("telegraph"))
    document = cli("parse", html_file, "--json").json
    assert document["format"] == "html" and document["extractor"] == "telegraph"
    assert document["url"].startswith("http://www.telegraph.co.uk/news/2017/11/16/")
    assert document["published"] == "2017-11-16T14:15:00Z" and document["byline"] == "Our Foreign Staff"
    assert document["paragraphs"][0].startswith("Zimbabwe President Robert Mugabe, his wife Grace")
    assert document["text"] == "\n\n".join(document["paragraphs"])
    given = cli("parse", html_file, "--url", "https://www.telegraph.co.uk/x", "--json").json
    assert given["url"] == "https://www.telegraph.co.uk/x"


def test_cli_names_the_file_that_has_no_article(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    front = tmp_path / "front.html"
    front.write_bytes(fixture("nytimes-5"))
    result = cli("parse", front)
    assert result.code == 1
    assert result.stderr.strip() == (f"newsdiff: {front}: no article found "
                                     "(a section front or index page, not an article)")


def test_suspect_extraction_is_not_stored(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """A later fetch that lost most of the article is reported, and the stored version stays."""
    whole = fixture("bbc-1")
    cut = whole[: whole.index(b"Mr Obama lands in Kenya later on Friday")]
    (tmp_path / "whole.html").write_bytes(whole)
    (tmp_path / "cut.html").write_bytes(cut)
    first = cli("import", tmp_path / "whole.html", "--json").json["imported"][0]
    assert first["versions"][0]["outcome"] == "new"
    second = cli("import", tmp_path / "cut.html")
    assert second.code == 0 and "suspect extraction, not stored" in second.stdout
    log = cli("log", str(first["article_id"]), "--json").json
    assert len(log["versions"]) == 1 and log["versions"][0]["extractor"] == "bbc"


# A page whose `.kicker` line changes on every fetch; a user's rule strips it.
KICKER_RULE = '[sites."{host}"]\nbody = ".story"\nstrip = [".kicker"]\n'
LONG = [f"{sentence} Paragraph {i} adds detail." for i, sentence in enumerate(SENTENCES * 2)]


def kicker_page(minutes: int, paragraphs: list[str] = LONG, url: str = "https://example.com/bridge") -> bytes:
    return page(f'<div class="story"><p class="kicker">Updated {minutes} minutes ago, with {minutes + 2} new comments '
                f"from readers below.</p>" + paragraphs_html(paragraphs) + "</div>",
                f'<link rel="canonical" href="{url}">')


def test_config_rules_reach_import_and_diff_of_files(cli: Callable[..., CliResult], db_path: Path,
                                                     tmp_path: Path) -> None:
    old, new = tmp_path / "old.html", tmp_path / "new.html"
    old.write_bytes(kicker_page(5))
    new.write_bytes(kicker_page(9))
    assert "9 minutes ago" in cli("diff", old, new, "--format", "json").stdout  # the generic path keeps the line
    (db_path.parent / "newsdiff.toml").write_text(KICKER_RULE.format(host="example.com"))
    assert cli("diff", old, new).stdout.startswith("no changes")
    assert cli("import", old).code == 0
    again = cli("import", new)
    assert again.code == 0 and "unchanged: same as version 1" in again.stdout
    version = cli("log", "https://example.com/bridge", "--json").json["versions"][0]
    assert version["extractor"] == "example.com" and re.match(r"newsdiff-\d+\+[0-9a-f]{8}/beautifulsoup4-",
                                                              version["extractor_version"])


def test_poll_extracts_with_config_rules_keeps_raw_html_and_guards_against_suspect_pages(
    cli: Callable[..., CliResult], db_path: Path
) -> None:
    """poll reads pages through the same rules and store path as import: a rule from the config
    file applies, the raw page is kept compressed, and a fetch that lost most of the article is
    reported as suspect and not stored, until the configured threshold allows it."""
    with Outlet() as outlet:
        url = outlet.url("/bridge")
        rule = KICKER_RULE.format(host="127.0.0.1")
        (db_path.parent / "newsdiff.toml").write_text(rule)
        first = kicker_page(5, url=url)
        outlet.routes["/bridge"] = served_page(first, content_type="text/html; charset=utf-8")
        assert cli("track", url).code == 0
        polled = cli("poll", "--json")
        assert polled.code == 0 and polled.json["new_versions"] == 1, polled
        log = cli("log", url, "--json").json
        assert log["versions"][0]["extractor"] == "127.0.0.1" and "+" in log["versions"][0]["extractor_version"]
        assert "minutes ago" not in cli("show", url, "--json").json["text"]
        assert cli("show", url, "--raw").stdout_bytes == first
        with sqlite3.connect(db_path) as db:
            (stored,) = db.execute("SELECT length(data) FROM raws").fetchone()
        assert stored < len(first) / 2

        outlet.routes["/bridge"] = served_page(kicker_page(9, LONG[:3], url=url),
                                               content_type="text/html; charset=utf-8")
        suspect = cli("poll", "--now", "--json")
        assert suspect.code == 0 and suspect.json["new_versions"] == 0
        words = ArticleRecord(paragraphs=tuple(LONG[:3])).word_count
        reason = f"{words} words against {log['versions'][0]['word_count']} in version 1"
        assert suspect.json["suspect"] == [{"url": url, "reason": reason}]
        assert f"{url}: suspect extraction, not stored ({reason})" in suspect.stderr
        assert len(cli("log", url, "--json").json["versions"]) == 1

        # A fetch that yields no article at all (an error page served as 200) is suspect too, not a failure.
        outlet.routes["/bridge"] = served_page(page("<h1>Oops</h1><p>Something went wrong.</p>"),
                                               content_type="text/html; charset=utf-8")
        empty = cli("poll", "--now", "--json")
        assert empty.code == 0 and empty.json["errors"] == [] and empty.json["new_versions"] == 0, empty
        assert [s["reason"].startswith("no article found") for s in empty.json["suspect"]] == [True]
        assert [e["kind"] for e in cli("log", url, "--json").json["events"]].count("suspect") == 2

        outlet.routes["/bridge"] = served_page(kicker_page(9, LONG[:3], url=url),
                                               content_type="text/html; charset=utf-8")
        (db_path.parent / "newsdiff.toml").write_text(rule + "[extraction]\nsuspect_ratio = 0.2\n")
        allowed = cli("poll", "--now", "--json")
        assert allowed.code == 0 and allowed.json["new_versions"] == 1 and allowed.json["suspect"] == []
        assert len(cli("log", url, "--json").json["versions"]) == 2


def test_ignore_patterns_drop_lines_and_sentences_before_storing(cli: Callable[..., CliResult], db_path: Path,
                                                                 tmp_path: Path) -> None:
    """A ticking "Updated N minutes ago" line or sentence makes no new version once a rule ignores it."""
    def ticking(minutes: int) -> bytes:
        return page(f"<p>Updated {minutes} minutes ago</p>" + paragraphs_html(SENTENCES[:3])
                    + f"<p>{SENTENCES[3]} Last checked {minutes} min ago.</p>" + paragraphs_html(SENTENCES[4:]),
                    '<link rel="canonical" href="https://example.com/bridge">')
    old, new = tmp_path / "old.html", tmp_path / "new.html"
    old.write_bytes(ticking(3))
    new.write_bytes(ticking(9))
    (db_path.parent / "newsdiff.toml").write_text(
        '[sites."example.com"]\nignore = ["Updated \\\\d+ minutes? ago", "(?i)last checked \\\\d+ min ago\\\\."]\n')
    parsed = cli("parse", old, "--json").json
    assert parsed["paragraphs"] == SENTENCES  # the line gone, the sentence cut from its paragraph
    assert cli("import", old).code == 0
    again = cli("import", new)
    assert again.code == 0 and "unchanged: same as version 1" in again.stdout, again


@pytest.mark.parametrize(("pattern", "message"), [
    ("(a)\\\\1", "invalid escape sequence"),  # a backreference: not linear-time
    ("(?=Updated)", "only linear-time patterns"),  # lookahead
    ("[unclosed", "bad ignore pattern"),
])
def test_ignore_patterns_are_checked_at_load(cli: Callable[..., CliResult], db_path: Path, tmp_path: Path,
                                             pattern: str, message: str) -> None:
    (db_path.parent / "newsdiff.toml").write_text(f'[sites."example.com"]\nignore = ["{pattern}"]\n')
    html_file = tmp_path / "page.html"
    html_file.write_bytes(page(paragraphs_html(SENTENCES)))
    result = cli("parse", html_file)
    assert result.code == 1 and message in result.stderr and result.stderr.count("\n") == 1, result


def test_when_the_precise_pass_finds_nothing_the_balanced_text_is_the_article(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blog and magazine layouts the precise pass gives up on (it returns nothing, so it marks no ends)
    still yield the text the balanced pass found, instead of "no body text on the page"."""
    from newsdiff.sources import extraction

    real = extraction._trafilatura
    monkeypatch.setattr(extraction, "_trafilatura",
                        lambda root, precision: [] if precision else real(root, precision))
    record = article(page("<article><h1>Bridge to close</h1>" + paragraphs_html() + "</article>"))
    assert list(record.paragraphs) == SENTENCES


def test_the_site_description_seo_plugins_add_to_every_page_does_not_make_a_front() -> None:
    graph = '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [%s]}</script>'
    body = "<article><h1>Council votes to close old bridge</h1>" + paragraphs_html() + "</article>"
    # The site's WebSite beside the page's own WebPage: a short page (a blog post, a local item) is read.
    record = article(page(body, graph % '{"@type": "WebSite"}, {"@type": "WebPage"}, {"@type": "Organization"}'))
    assert list(record.paragraphs) == SENTENCES
    # A page that describes itself as the website and nothing else, over little text, is a front.
    with pytest.raises(InputError, match="a section front"):
        parse_html(page(body, graph % '{"@type": "WebSite"}, {"@type": "Organization"}'))


def test_site_rule_selections_are_soupsieves_own() -> None:
    # A site rule asks soupsieve only about the elements a selector's last part names (tag, id, class,
    # attribute): every kind of selector must still find exactly what soupsieve finds on the whole page,
    # in page order, inside a node, and after elements are taken out of the tree.
    import bs4
    import soupsieve

    from newsdiff.sources.extraction import _Page

    html = gzip.decompress((FIXTURES / "readability-news" / "bbc-1" / "source.html.gz").read_bytes()).decode()
    html = html.replace("<body", '<body><div ID="Up" CLASS="a  B"><template><p class="x">hidden</p></template>'
                        '<P Data-X="1">one</P><p data-x>two</p></div', 1)
    selectors = ["p", "P", "#Up", "#up", ".B", ".b", "[DATA-X]", "[data-x='1']", "div > p + p", "*", "p:not(.x)",
                 "[class*='story']", "h1, h2, .x, #main-heading", ":is(p, li):nth-child(2)", "template p", "p:empty",
                 "article [data-component='text-block']", "meta[property='og:type']", "a[href^='https']", "svg|rect"]
    soup = bs4.BeautifulSoup(html, "lxml")
    page = _Page(soup)
    for selector in selectors:
        compiled = soupsieve.compile(selector, namespaces={"svg": "http://www.w3.org/2000/svg"})
        assert page.select(compiled) == compiled.select(soup), selector
    node = soup.select_one("article") or soup.body
    for selector in selectors[:12]:
        compiled = soupsieve.compile(selector)
        assert page.select(compiled, node) == compiled.select(node), selector
    for element in page.select(soupsieve.compile("p, figure")):
        page.decompose(element)
    for selector in ("p", "*", "[class]", "figure img"):
        compiled = soupsieve.compile(selector)
        assert page.select(compiled) == compiled.select(soup), selector


# Pages whose text changes with the options: precision (bbc-1), comments and fallbacks (yahoo-2, yahoo-4),
# fallbacks (yahoo-3).
@pytest.mark.parametrize("name", ["bbc-1", "yahoo-2", "yahoo-3", "yahoo-4"])
def test_each_trafilatura_pass_extracts_what_its_keyword_options_do(name: str) -> None:
    # The passes' options are built once and ask for trafilatura's XML tree without its plain-text
    # rendering and without the page's address (read only for links and images, both left out): each
    # pass must still give what trafilatura gives when asked with the options spelled out per call.
    import trafilatura

    from newsdiff.sources import extraction
    from newsdiff.sources.charset import decode_page
    from newsdiff.sources.document import linear_paragraph_text, parse_document, prune

    root = parse_document(decode_page(fixture(name))[0])
    prune(root)
    for precision in (True, False):
        with linear_paragraph_text():
            document = trafilatura.bare_extraction(
                root, url="https://example.com/news/story", fast=precision, favor_precision=precision,
                include_comments=False, include_tables=True, include_images=False, with_metadata=False,
                deduplicate=False)
        spelled_out = [p for p in map(clean_text, extraction._xml_paragraphs(document.body)) if p]
        assert extraction._trafilatura(root, precision) == spelled_out and spelled_out, (name, precision)


def test_the_standfirst_search_walks_the_page_from_the_headline_on_in_page_order() -> None:
    from newsdiff.sources.document import parse_document, prune
    from newsdiff.sources.metadata import _onwards

    root = parse_document(fixture("bbc-1").decode("utf-8"))
    prune(root)
    nodes = list(root.iter())
    for i in range(0, len(nodes), 7):  # every seventh node, deep and shallow ones alike
        assert list(_onwards(nodes[i])) == nodes[i:]


def test_a_page_whose_declared_address_urllib_cannot_read_keeps_its_article() -> None:
    """An `og:url` such as "http://[::1/x" (an unclosed bracket) is no address for the page, and the page is
    still read: the article is not lost over a broken tag."""
    body = "".join(f"<p>Paragraph {n} of the story says what the council decided on Tuesday, and why.</p>"
                   for n in range(5))
    page = (f'<html><head><meta property="og:url" content="http://[::1/x"><link rel="canonical" href="/story">'
            f"<title>Council backs plan</title></head><body><article><h1>Council backs plan</h1>{body}"
            f"</article></body></html>").encode()
    record = parse_bytes(page, content_type="text/html").versions[0]
    assert record.title == "Council backs plan" and len(record.paragraphs) == 5 and record.url is None
