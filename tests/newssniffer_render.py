"""Test-side NewsSniffer diff pages: two article versions in, the page's HTML and its scraped text out.

Built the way NewsSniffer's diff view builds its page: a header paragraph, a `table.version_diff`
whose first rows hold the version numbers, titles and capture times, then one row per paragraph
pair aligned by a balanced LCS traversal, with changed paragraphs re-joined from a word-level diff.
The live site writes paragraph text unescaped; here it is escaped so that any text round-trips.

`scrape` turns the HTML into the text a scraper keeps (the form of seed 003): tags gone,
whitespace folded, each header paragraph a line with blank lines between, each table row a line.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import lxml.html

ENDINGS = {
    "final": "It will not be checked again for changes.",
    "stale": "It last changed over 40 days ago and won't be checked again for changes.",
    "checking": "The next check for changes will be {next}",
}


@dataclass
class Dump:
    """Everything one diff page shows."""

    old: list[str]
    new: list[str]
    old_title: str = "Russia and UN discuss new Aleppo truce"
    new_title: str | None = None  # None: same as old_title
    source: str = "guardian"
    url: str = "http://www.theguardian.com/world/2016/may/03/russia-united-nations-discuss-aleppo-truce-syria"
    labels: tuple[int, int] = (2, 3)
    changes: int = 5
    ending: str = "stale"
    first_seen: datetime = datetime(2016, 5, 3, 9, 12, tzinfo=timezone.utc)
    times: tuple[datetime, datetime] | None = (
        datetime(2016, 5, 3, 11, 40, 2, tzinfo=timezone.utc),
        datetime(2016, 9, 7, 8, 3, 51, tzinfo=timezone.utc),
    )  # None: the page has no time row
    gap: str = "4 months later"

    @property
    def titles(self) -> tuple[str, str]:
        return self.old_title, self.new_title if self.new_title is not None else self.old_title


def align(old: list[str], new: list[str]) -> Iterator[tuple[str, str | None, str | None]]:
    """(kind, old, new) per row: LCS matches, and between them changes first, then the surplus."""
    i = j = 0
    blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks()
    for a, b, size in blocks:
        while i < a and j < b:
            yield "changed", old[i], new[j]
            i, j = i + 1, j + 1
        yield from (("removed", old[k], None) for k in range(i, a))
        yield from (("added", None, new[k]) for k in range(j, b))
        for k in range(size):
            yield "same", old[a + k], new[b + k]
        i, j = a + size, b + size


def _word_cells(old: str, new: str) -> tuple[str, str]:
    """A changed paragraph's two cells, from a word-level LCS over words split on whitespace."""
    a, b = old.split(), new.split()
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            left += [f" {html.escape(w, False)}" for w in a[i1:i2]]
            right += [f" {html.escape(w, False)} " for w in b[j1:j2]]
            continue
        left += [f"<del> {html.escape(w, False)} </del>" for w in a[i1:i2]]
        right += [f"<ins> {html.escape(w, False)} </ins>" for w in b[j1:j2]]
    return f"<del>{''.join(left)}</del>", f"<ins>{''.join(right)}</ins>"


def _cells(kind: str, old: str | None, new: str | None) -> tuple[str, str]:
    if kind == "same":
        return html.escape(old or "", False), html.escape(new or "", False)
    if kind == "removed":
        return f"<del>{html.escape(old or '', False)}</del>", ""
    if kind == "added":
        return "", f"<ins>{html.escape(new or '', False)}</ins>"
    return _word_cells(old or "", new or "")


def _ruby(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _long(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%B %d, %Y %H:%M")


def render_html(dump: Dump) -> str:
    """The whole diff page, layout included."""
    e = html.escape
    old_title, new_title = dump.titles
    seen = dump.first_seen
    next_check = seen + timedelta(hours=3)
    ending = ENDINGS[dump.ending].format(
        next=f"<time datetime='{next_check.isoformat()}'>{_long(next_check)}</time>"
    )
    if old_title == new_title:
        title_cells = f'\t<th class="title">{e(old_title)}</th>\n\t<th class="title">{e(new_title)}</th>'
    else:
        title_cells = (f'\t<th class="title"><del>{e(old_title)}</del></th>\n'
                       f'\t<th class="title"><ins>{e(new_title)}</ins></th>')
    time_row = ""
    if dump.times:
        t_old, t_new = dump.times
        time_row = (
            f'<tr>\n\t<td class="time"><time datetime="{t_old.isoformat()}">{_ruby(t_old)}</time></td>\n'
            f'\t<td class="time">\n\t\t<time datetime="{t_new.isoformat()}">\n\t\t{_ruby(t_new)}\n\t\t</time> \n'
            f"\t\t({e(dump.gap)})\n\t</td>\n</tr>\n"
        )
    body = "\n".join(
        "<tr><td>{}</td><td>{}</td></tr>".format(*_cells(*row)) for row in align(dump.old, dump.new)
    )
    b, a = dump.labels
    return f"""<!DOCTYPE html>
<html>
<head>
\t<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
\t<title>'{e(new_title)}' diff viewer ({b}/{a}) - News Sniffer</title>
\t<link href="{e(dump.url)}" rel="external alternate author" title="Original article"/>
</head>
<body>
\t<header><div id="header" class="header"><nav class="navigation"><ul id="nav" class="menu">
\t\t<li><a href="/versions">News Article Revisions</a></li><li><a href="/blog/">Blog</a></li>
\t</ul></nav></div></header>
\t<div id="content" class="wrap">
<p>This article is from the source '<cite>{e(dump.source)}</cite>' and was first published or seen
on <time datetime='{seen.isoformat()}'>{_long(seen)} (UTC)</time>.

{ending}
</p>

<p>You can find the current article at its original source at <cite class="article_url"><a href="{e(dump.url)}"
 rel="alternate external author">{e(dump.url)}</a></cite></p>

<p>The article has changed <var>{dump.changes}</var> times. There is an <a href="/articles/1.rss" class="feed rss"
 rel="alternate">RSS feed of changes</a> available.</p>

<div class="version_list pagination">
<a href="/articles/1/diff/{b}/{b - 1}" class="prev_page">Previous version</a>
<span class="current">{a}</span>
<span class="next_page disabled">Next version</span>
</div>

<table class="version_diff">
<tr>
\t<th class="version"><small>Version {b}</small></th>
\t<th class="version"><small>Version {a}</small></th>
</tr>
<tr id="title">
{title_cells}
</tr>
{time_row}{body}
</table>
\t</div>
\t<footer><div id="footer"><p>Currently monitoring 123,456 news articles
\twith 1,234,567 different versions.</p></div></footer>
</body>
</html>
"""


def _fold(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def scrape(page: str, *, heading: str | None = None, keep_times: bool = False) -> str:
    """The page as scraped text. `heading`: a page heading the scraper put on the title row (seed 003
    has one); `keep_times=False` loses the text inside `<time>` elements, as seed 003 did."""
    doc = lxml.html.document_fromstring(page)
    if not keep_times:
        for stamp in doc.iter("time"):
            stamp.text = None
            for child in stamp:
                child.drop_tree()
    content = doc.get_element_by_id("content")
    paragraphs = [_fold(p) for p in content.findall("p")]
    rows = [f"{heading} {_fold(tr)}" if heading is not None and tr.get("id") == "title" else _fold(tr)
            for tr in content.find("table").findall("tr")]
    return "\n\n".join(paragraphs) + "\n\n" + "\n".join(rows)
