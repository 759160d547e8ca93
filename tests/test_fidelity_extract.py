"""Extraction shapes where newsdiff used to lose text that trafilatura alone keeps (trafilatura's own
multilingual benchmark, scripts/bench_extract.py), each as a small invented page of the same shape."""

from __future__ import annotations

import pytest

from .test_html import SENTENCES, article, page, paragraphs_html

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
