"""Extraction shapes where newsdiff used to lose text that trafilatura alone keeps (trafilatura's own
multilingual benchmark, scripts/bench_extract.py), each as a small invented page of the same shape, or as
the real page where the shape is how trafilatura's two passes cut one page differently."""

from __future__ import annotations

import gzip

import pytest

from newsdiff.model import InputError

from .conftest import FIXTURES
from .test_html import SENTENCES, article, page, paragraphs_html, titled_page

TEASER = "<div class='intro'><p>The bridge divided the council for a whole evening of talks.</p></div>"


@pytest.mark.parametrize("box", [
    "<div style='border: 1px solid #ccc'>{}</div>",  # an inline border: a box to trafilatura's precise pass
    "<div class='bottom'>{}</div>",  # a class trafilatura's precise pass reads as page-bottom chrome
    "<header>{}</header>",  # a theme that wraps the whole story in <header>
])
def test_article_text_in_a_box_the_precise_pass_drops_is_kept(box: str) -> None:
    # The precise pass keeps only the one-line teaser above the text: its ends mark no article, and
    # the page used to be refused as "only 11 words of text".
    record = article(page(TEASER + box.format(paragraphs_html())))
    assert list(record.paragraphs)[-len(SENTENCES):] == SENTENCES


@pytest.mark.parametrize(("title", "head", "h1s", "expected"), [
    # the <h1> typeset with curly quotes, the declared title as published: the declared wording
    ("Bridge to close", '<meta property="og:title" content="Mayor says bridge is &quot;beyond repair&quot;">',
     ("Mayor says bridge is “beyond repair”",), 'Mayor says bridge is "beyond repair"'),
    # the declared title is the <h1> and its source in brackets: the whole declared headline
    ("Bridge to close - Example Portal",
     '<meta property="og:title" content="Council closes old bridge (Daily Courier)">'
     '<meta property="og:site_name" content="Example Portal">', ("Council closes old bridge",),
     "Council closes old bridge (Daily Courier)"),
    # ... but a site name in brackets is cut like a ' | Site' suffix
    ("Bridge to close", '<meta property="og:title" content="Council closes old bridge (Example News)">'
     '<meta property="og:site_name" content="Example News">', (), "Council closes old bridge"),
    # an all-capitals declared title does not replace the <h1>'s wording
    ("Bridge to close", '<meta property="og:title" content="COUNCIL CLOSES OLD BRIDGE">',
     ("Council closes old bridge",), "Council closes old bridge"),
    # a separator left dangling once a CMS has joined the headline to an empty site name
    ("Council closes old bridge -", "", (), "Council closes old bridge"),
    ("Council closes old bridge | | Example News", '<meta property="og:site_name" content="Example News">', (),
     "Council closes old bridge"),
    # JSON-LD strings are not HTML: a character reference in one is decoded, not shown
    ("Example News", '<script type="application/ld+json">{"@type": "NewsArticle", '
     '"headline": "Bridge &#038; ferry to close &#8211; council"}</script>', (), "Bridge & ferry to close – council"),
    # ... and one a CMS escaped twice in a <meta> content
    ("Example News", '<meta property="og:title" content="Mayor says bridge is &amp;quot;beyond repair&amp;quot;">',
     (), 'Mayor says bridge is "beyond repair"'),
    # the <h1> is the whole <title>, site name and all: the declared headline without it
    ("Council closes old bridge | Example News", '<meta property="og:title" content="Council closes old bridge">'
     '<meta property="og:site_name" content="Example News">', ("Council closes old bridge | Example News",),
     "Council closes old bridge"),
    # ... but an <h1> longer than the declared title by more than the site's name is the headline
    ("Council closes old bridge | Example News", '<meta property="og:title" content="Council closes old bridge">'
     '<meta property="og:site_name" content="Example News">', ("Council closes old bridge - Example News says",),
     "Council closes old bridge - Example News says"),
    # a subtitle or a date set inside the <h1>, after the declared title: the declared title
    *(("Council closes old bridge", '<meta property="og:title" content="Council closes old bridge">', (h1,),
       "Council closes old bridge") for h1 in (
        'Council closes old bridge <span class="subtitle">Ferries to run until the new one opens</span>',
        '<span class="primary">Council closes old bridge</span><small>1 May 2024 • Transport, Local</small>')),
    # ... but an <h1> that runs on past the declared title in the same text is the whole headline
    ("Council closes old bridge", '<meta property="og:title" content="Council closes old bridge">',
     ("Council closes old bridge after engineers find corrosion",),
     "Council closes old bridge after engineers find corrosion"),
    # the only <h1>, that no declared title agrees with, is the blog's name at the shorter end of the <title>:
    # the rest of the <title>
    ("Council closes old bridge | Riverside Notes", "", ("Riverside Notes",), "Council closes old bridge"),
    # ... while an <h1> that is the longer end of it is the headline
    ("Notes | Council closes old bridge", "", ("Council closes old bridge",), "Council closes old bridge"),
    # ... but a blog's name after a '|' is no headline under a kicker: only a title '<kicker>: <h1>' confirms it
    ("Bridge news | Riverside Notes Weekly", '<meta property="og:title" content="Council closes old bridge">',
     ("Riverside Notes Weekly",), "Council closes old bridge"),
    # a declared title that is the <h1> after a shorter kicker and a colon confirms the <h1>, without the kicker
    ("Example News: Council closes old bridge", '<meta property="og:title" content="Press releases">',
     ("Council closes old bridge",), "Council closes old bridge"),
    ("Bridge to close", '<meta property="og:title" content="Transport: Council closes old bridge">',
     ("Council closes old bridge",), "Council closes old bridge"),
    # a kicker in an element of its own, even one longer than the headline, before the title the page declares
    ("Council closes old bridge", '<meta property="og:title" content="Press releases">',
     ('<span class="kicker">Press release of the department of transport and public works</span> '
      "<span>Council closes old bridge</span>",), "Council closes old bridge"),
    # a theme's CSS set inside the <h1> is not part of its text
    ("Example News", "", ("<style>h1 span { color: #707070 }</style><span>Council closes old bridge</span>",),
     "Council closes old bridge"),
    # a title part without a letter or digit (rating stars) is furniture, like a site name
    ("Bridge to close", '<meta property="og:title" content="Council closes old bridge » ☆☆☆☆☆ - Example News">'
     '<meta property="og:site_name" content="☆☆☆☆☆ - Example News">', ("Council closes old bridge",),
     "Council closes old bridge"),
])
def test_headline_in_the_page_metadata_own_wording(title: str, head: str, h1s: tuple[str, ...], expected: str) -> None:
    assert article(titled_page(title, head, h1s)).title == expected


def test_a_description_that_is_the_body_with_a_link_glued_on_is_no_standfirst() -> None:
    # A CMS that fills the description with the whole story: the element showing it is the body itself,
    # with a "Read more" link after the text. It was shown twice, the second time as a standfirst.
    link = "<p><a href='/ferry'>Read more: Ferry timetable for the summer</a></p>"
    body = "<h1>Council votes to close old bridge</h1><div class='entry'>" + paragraphs_html() + link + "</div>"
    record = article(page(body, f'<meta name="description" content="{" ".join(SENTENCES)}">'))
    assert record.standfirst is None and list(record.paragraphs) == SENTENCES


def test_a_standfirst_that_shares_its_first_sentence_with_the_body_is_kept() -> None:
    standfirst = f"{SENTENCES[0]} The ferry will run every half hour."
    body = (f"<h1>Council votes to close old bridge</h1><p class='standfirst'>{standfirst}</p>"
            f"<article>{paragraphs_html()}</article>")
    record = article(page(body, f'<meta name="description" content="{standfirst}">'))
    assert record.standfirst == standfirst and list(record.paragraphs) == SENTENCES


SITE_GRAPH = ('<script type="application/ld+json">{"@graph": [{"@type": "WebSite", "name": "Example Union"}, '
              '{"@type": "Organization", "name": "Example Union"}]}</script>')


def test_a_short_story_with_the_site_graph_and_og_type_article_is_an_article() -> None:
    # SEO plugins put the site's WebSite and Organization on every page; og:type says this one is an
    # article, so its 90 words are not a section front's.
    body = "<article><h1>Council votes to close old bridge</h1>" + paragraphs_html() + "</article>"
    record = article(page(body, SITE_GRAPH + '<meta property="og:type" content="article">'))
    assert list(record.paragraphs) == SENTENCES
    with pytest.raises(InputError, match="a section front"):
        article(page(body, SITE_GRAPH))


def test_a_post_given_whole_only_in_noscript_is_read() -> None:
    # A blog that renders its post by script: the text is in a template script and, whole, in a <noscript>.
    text = paragraphs_html(SENTENCES * 2)
    body = ("<noscript><p>Please enable JavaScript to see the comments.</p></noscript><div class='post-body'>"
            f"<script type='text/template'>{text}</script><noscript>{text}</noscript></div>")
    record = article(page(body))
    assert list(record.paragraphs) == SENTENCES * 2


def test_a_precise_pass_sharing_only_a_heading_with_the_balanced_one_marks_no_ends() -> None:
    # A real page (trafilatura's benchmark) whose 99 numbered tips the precise pass gives one a paragraph
    # and the balanced pass as one run; the two share only the "Mehr Themen:" heading below them. Read
    # as the article's ends, that heading was all the precise pass marked, and the first 15 tips were lost.
    data = gzip.decompress((FIXTURES / "trafilatura-eval" / "emotion.de.selfcare.html.gz").read_bytes())
    paragraphs = article(data).paragraphs
    assert paragraphs[paragraphs.index("3. Einen Spaziergang machen."):][:2] == ("3. Einen Spaziergang machen.",
                                                                                 "4. Hilft immer: Soulfood.")
    assert "32. Dir selbst Blumen kaufen." in paragraphs


LEAD = "The old bridge will close to traffic next month, the council decided after a long evening of talks."


@pytest.mark.parametrize(("under_headline", "after_body", "expected"), [
    # a CMS's news teaser right under the headline (TYPO3's "teaser-text", an "article-intro") is the standfirst
    (f"<p class='date'>3 March 2024</p><div class='teaser-text'><p>{LEAD}</p></div>", "", LEAD),
    (f"<p class='article-intro'>{LEAD}</p>", "", LEAD),
    # ... but a teaser further down, past the article's text, is another story's
    ("", f"<div class='teaser'><p>{LEAD}</p></div>", None),
    # ... and so is a card right under it that is a link
    (f"<div class='teaser'><a href='/ferry'>{LEAD}</a></div>", "", None),
    # an element named like a standfirst or an intro that is the lead picture with its caption, or a byline
    # with the author's picture, is no standfirst
    (f"<div class='article-lead'><figure><img src='bridge.jpg'><figcaption>{LEAD}</figcaption></figure></div>",
     "", None),
    ("<div class='entry-subtitle'><img src='jane.jpg'>By Jane Doe, Riverside Courier, 3 March 2024, 08:13</div>",
     "", None),
    # an intro that only repeats the headline
    ("<div class='intro'>Council votes to close old bridge after a long evening of talks</div>", "", None),
])
def test_a_standfirst_is_taken_from_a_teaser_right_under_the_headline_only_when_it_is_text_of_its_own(
        under_headline: str, after_body: str, expected: str | None) -> None:
    body = ("<h1>Council votes to close old bridge after a long evening of talks</h1>" + under_headline
            + f"<article>{paragraphs_html(SENTENCES * 2)}</article>" + after_body)
    record = article(page(body))
    assert record.standfirst == expected and list(record.paragraphs) == SENTENCES * 2


@pytest.mark.parametrize("where", ["first", "last"])
def test_an_opening_or_closing_paragraph_holding_a_link_the_precise_pass_leaves_out_is_kept(where: str) -> None:
    # trafilatura's precise pass drops the text of a link set in <span class="link"> ("…above all to ."), so its
    # opening paragraph matched none of the balanced pass's, and the article started at the second.
    linked = ("The council voted on Tuesday to close the old bridge, a blow above all to "
              '<span class="link"><a href="/ferry">the ferry operators</a></span>.')
    text = "The council voted on Tuesday to close the old bridge, a blow above all to the ferry operators."
    rest = paragraphs_html(SENTENCES[1:] * 2)
    body = f"<p>{linked}</p>{rest}" if where == "first" else f"{rest}<p>{linked}</p>"
    paragraphs = list(article(page(f"<h1>Council votes to close old bridge</h1><article>{body}</article>")).paragraphs)
    assert paragraphs == ([text, *SENTENCES[1:] * 2] if where == "first" else [*SENTENCES[1:] * 2, text])
