"""The static site's pages: latest edits, articles, one page per article and per source, side-by-side diff pages.

Pure rendering from edits (see `edits.py`): no store access. Jinja2 autoescapes every value and a
`finalize` hook strips what HTML cannot carry, so hostile article text always lands as text; links
pass `safe_url`, so a `javascript:` URL is shown, never followed. Pages use relative links (the site
works from any host or from disk), one stylesheet, no scripts, and a Content-Security-Policy that
forbids scripts anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..model import ArticleRecord
from .edits import ArticleRef, Edit, VersionRef, clean, parse_utc, safe_url

if TYPE_CHECKING:
    from jinja2 import Environment

CSS_PATH = "style.css"
FEED_FILES = {"rss": "rss.xml", "atom": "atom.xml"}
CONTEXT = 1  # unchanged sentences shown on each side of a change; longer runs fold into <details>


def article_dir(article_id: int) -> str:
    return f"a/{article_id}"


def article_path(article_id: int) -> str:
    return f"{article_dir(article_id)}/index.html"


def diff_path(article_id: int, old: int, new: int) -> str:
    return f"{article_dir(article_id)}/{old}-{new}.html"


def version_path(article_id: int, number: int) -> str:
    return f"{article_dir(article_id)}/v{number}.html"


def source_dir(source: str) -> str:
    """A path segment for a source name: readable when the name is, unique always."""
    slug = re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")[:40]
    if slug != source:
        slug = f"{slug}-{hashlib.sha256(source.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}".lstrip("-")
    return f"s/{slug}"


def source_path(source: str) -> str:
    return f"{source_dir(source)}/index.html"


def feed_path(directory: str, fmt: str) -> str:
    return f"{directory}/{FEED_FILES[fmt]}" if directory else FEED_FILES[fmt]


@dataclass(frozen=True)
class ArticleListing:
    """One line of the articles page."""

    article: ArticleRef
    versions: int
    last_captured_at: str | None


def _finalize(value: Any) -> Any:
    """Every `{{ value }}` passes here before escaping: control characters and lone surrogates go."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return Markup(clean(str(value)))
    return clean(str(value)) if isinstance(value, str) else value


def _when(value: str | None) -> str:
    return parse_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else ""


@cache
def _env() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape  # only when a page is made

    env = Environment(
        loader=PackageLoader("newsdiff.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = _when
    env.filters["safe_url"] = safe_url
    env.globals.update(
        article_path=article_path, diff_path=diff_path, version_path=version_path, source_path=source_path,
        feed_path=feed_path, css=CSS_PATH,
    )
    return env


def _page(template: str, root: str, **context: Any) -> bytes:
    return _env().get_template(template).render(root=root, **context).encode("utf-8")


def stylesheet() -> bytes:
    return resources.files("newsdiff.render").joinpath("site.css").read_bytes()


def render_index(edits: Sequence[Edit], sources: Sequence[str], articles: int, title: str) -> bytes:
    """The front page: the latest edits across all articles, newest first."""
    return _page("index.html", "", edits=edits, sources=sources, articles=articles, title=title)


def render_source(source: str, edits: Sequence[Edit], title: str) -> bytes:
    """One source's latest edits, newest first: the page its feeds stand for."""
    return _page("source.html", "../../", source=source, edits=edits, title=title)


def render_articles(listings: Sequence[ArticleListing], title: str) -> bytes:
    """Every article with its version count, most recently changed first."""
    return _page("articles.html", "", listings=listings, title=title)


def render_article(
    article: ArticleRef, versions: Sequence[VersionRef], edits: Sequence[Edit], title: str, *, all_pairs: bool = False,
) -> bytes:
    """One article: its versions, each with what changed since the one before (and, with `all_pairs`,
    links to its comparison with every earlier version)."""
    by_number = {e.new.number: e for e in edits}
    rows = [(v, by_number.get(v.number)) for v in versions]
    return _page("article.html", "../../", article=article, rows=rows, title=title, all_pairs=all_pairs)


def render_version(
    article: ArticleRef, version: VersionRef, record: ArticleRecord, previous: int | None, following: int | None,
    title: str,
) -> bytes:
    """One version's whole text as captured: headline, byline, standfirst, times and every paragraph,
    with links to its neighbours and to what changed from the one before (`previous`, `following`:
    their numbers, or None)."""
    return _page("version.html", "../../", article=article, version=version, record=record, previous=previous,
                 following=following, title=title)


Same = tuple[str, str]  # an unchanged sentence as the old and the new version have it (cosmetic edits differ)


@dataclass(frozen=True)
class Block:
    """A stretch of a diff page: one change, or a run of unchanged sentences (middle part folded)."""

    change: dict[str, Any] | None = None
    shown_before: tuple[Same, ...] = ()
    folded: tuple[Same, ...] = ()
    shown_after: tuple[Same, ...] = ()

    @property
    def parts(self) -> tuple[tuple[tuple[Same, ...], bool], ...]:
        """The unchanged sentences as shown, each stretch with whether it is folded."""
        return (self.shown_before, False), (self.folded, True), (self.shown_after, False)


def blocks(changes: Sequence[dict[str, Any]]) -> list[Block]:
    """Changes in reading order, with unchanged runs cut down to CONTEXT sentences around each change."""
    result: list[Block] = []
    run: list[Same] = []

    def flush(first: bool, last: bool) -> None:
        if not run:
            return
        before = [] if first else run[:CONTEXT]
        after = [] if last else run[len(before):][-CONTEXT:]
        folded = run[len(before): len(run) - len(after)]
        if len(folded) == 1:  # folding one sentence saves nothing
            before, folded = before + folded, []
        result.append(Block(shown_before=tuple(before), folded=tuple(folded), shown_after=tuple(after)))
        run.clear()

    for change in changes:
        if change.get("op") == "unchanged":
            run.append((" ".join(change.get("old") or ()), " ".join(change.get("new") or ())))
            continue
        flush(first=not result, last=False)
        result.append(Block(change=change))
    flush(first=not result, last=True)
    return result


def render_diff(edit: Edit, previous: Edit | None, following: Edit | None, title: str) -> bytes:
    """Side by side, old left and new right, sentence by sentence, headline change on top.

    `previous` / `following` are the neighbouring edits of the same article, for navigation.
    """
    headline = None
    if edit.headline_changed:
        change = edit.report.fields["title"]
        old, new = change.get("old") or "", change.get("new") or ""
        # Without word highlights from the engine, the whole old headline is struck and the new one inserted.
        headline = {"op": "changed", "old": [old], "new": [new],
                    "words": change.get("words") or [["-", old], ["+", new]]}
    return _page(
        "diff.html", "../../", edit=edit, headline=headline, blocks=blocks(edit.report.changes),
        previous=previous, following=following, title=title,
    )
