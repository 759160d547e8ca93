"""Publishing: edits loaded from the store, rendered as feeds and a static site, written only when changed.

The one layer here that reads the store; `render.feed` and `render.site` only render what it hands them.
Each pair of versions is diffed once: its report is cached in the store (see `reports.cache`), so listings,
feeds and side-by-side pages never diff it again. A site directory keeps a manifest of what each page
was made from, so a refresh after a poll renders only the pages whose inputs changed; pages are written
atomically (temp file, then rename) and only when their bytes differ, so a web server never serves half
a page. The manifest is written last, with the site's settings and a stamp of the database, so a refresh
keeps the site's own settings and a failed publish is retried (see `stale`).
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from .alerts.rules import Filter
from .atomic import remove_stale_temps, write_atomic
from .render import FEED_LIMIT, SITE_TITLE
from .render.edits import TAG_PREFIX, ArticleRef, Edit, VersionRef, check_base_url, clean
from .reports.cache import Reports, digest, engine
from .store import Store

if TYPE_CHECKING:  # feeds and pages import their renderers where they make them: `log` needs neither
    from .render import feed as feedrender

INDEX_EDITS = 100  # edits listed on the front page
MANIFEST = ".newsdiff-site.json"


# A page's fingerprint names the code of the reports it shows (`reports.cache.engine`) and of every
# renderer, template and this module: an upgrade, or any change to that code, renders it again once.
SITE_FORMAT = f"{engine()}/{digest('render', 'publish.py')}"


def article_ref(row: dict[str, Any]) -> ArticleRef:
    """An article row (from `Store.resolve` or `Store.articles`) as renderers see it."""
    return ArticleRef(row["id"], row["key"], row["url"], row["source"], row["title"],
                      None if row["title"] else row["display_title"])


def _absolute(base_url: str | None, path: str) -> str | None:
    return urljoin(base_url, path) if base_url else None


def _link_for(base_url: str | None) -> Callable[[Edit], str | None]:
    """Items link to their diff page on the site, or to the article itself when there is no site."""
    from .render import site

    def link(edit: Edit) -> str | None:
        if base_url:
            return _absolute(base_url, site.diff_path(edit.article.id, edit.old.number, edit.new.number))
        return edit.article.url
    return link


def _feed_meta(
    *, article: ArticleRef | None, source: str | None, base_url: str | None, fmt: str, title: str, since: str | None,
) -> feedrender.FeedMeta:
    """Id, title and links of the per-article, per-source or global feed; `since` dates an empty one."""
    from .render import feed as feedrender
    from .render import site

    if article is not None:
        directory, page = site.article_dir(article.id), site.article_path(article.id)
        name, feed_id = f"Edits to {article.name}", article.tag
        description = f"Every change {title} has seen in {clean(article.url) or article.name}, sentence by sentence"
    elif source is not None:
        directory, page = site.source_dir(source), site.source_path(source)
        name, feed_id = f"{title}: edits at {source}", f"{TAG_PREFIX}source/{directory.split('/', 1)[1]}"
        description = f"Every change to articles from {source}, sentence by sentence"
    else:
        directory, page = "", "index.html"
        name, feed_id = f"{title}: edits", f"{TAG_PREFIX}edits"
        description = "Every change to every tracked article, sentence by sentence"
    return feedrender.FeedMeta(
        id=feed_id, title=name, description=description,
        link=_absolute(base_url, page) or (article.url if article else None),
        self_url=_absolute(base_url, site.feed_path(directory, fmt)),
        fallback_updated=since or feedrender.FeedMeta.fallback_updated,
    )


def feed(
    store: Store,
    *,
    fmt: str = "rss",
    article: ArticleRef | None = None,
    source: str | None = None,
    limit: int = FEED_LIMIT,
    base_url: str | None = None,
    cosmetic: bool = False,
    title: str = SITE_TITLE,
    tags: Sequence[str] = (),
    min_changed: int = 0,
) -> bytes:
    """One feed document: the newest `limit` edits of one article, of one source, or of everything;
    with `tags`, only edits carrying one of them, with `min_changed`, only those changing that many
    sentences (the headline counts as one)."""
    from .render import feed as feedrender

    if fmt not in feedrender.FORMATS:
        raise ValueError(f"feed format must be rss or atom, not {fmt!r}")
    base_url = check_base_url(base_url)
    if source is not None:
        store.require_source(source)
    reports = Reports(store, cosmetic=cosmetic, wanted=_wanted(tags, min_changed))
    reports.prune()
    article_id = None if article is None else article.id
    items = list(islice(reports.visible(reports.edits(page=max(limit, 1), article_id=article_id,
                                                                  source=source)), limit))
    since = store.first_capture(article_id=article_id, source=source)
    meta = _feed_meta(article=article, source=source if article is None else None, base_url=base_url,
                      fmt=fmt, title=title, since=since)
    return feedrender.render_feed(meta, items, _link_for(base_url), fmt)


def _wanted(tags: Sequence[str], min_changed: int) -> Filter | None:
    """A reader's filter, as an alert rule's `tags` and `min_changed` (cosmetic edits are `Reports`' own)."""
    return Filter(tags=tuple(tags), min_changed=min_changed, cosmetic=True) if tags or min_changed else None


# -- the static site -----------------------------------------------------------------------------


@dataclass
class PublishResult:
    """What a publish did: pages written, pages rendered but identical, pages skipped, stale pages removed."""

    directory: str
    written: list[str] = field(default_factory=list)
    identical: int = 0
    skipped: int = 0
    removed: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return len(self.written) + self.identical + self.skipped

    def to_json(self) -> dict[str, Any]:
        return {"directory": self.directory, "pages": self.pages, "written": self.written,
                "identical": self.identical, "skipped": self.skipped, "removed": self.removed}


def _identity(value: Any) -> Any:
    """How a fingerprint sees a value: an edit by its article and two versions (its report follows from
    them, given SITE_FORMAT), any other record field by field."""
    if isinstance(value, Edit):
        return [value.article, value.old, value.new]
    if dataclasses.is_dataclass(value):
        return [getattr(value, f.name) for f in dataclasses.fields(value)]
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _fingerprint(parts: Any) -> str:
    data = json.dumps(parts, default=_identity, ensure_ascii=True)
    return hashlib.sha256(data.encode("ascii")).hexdigest()[:32]


class SiteWriter:
    """Writes pages into a site directory, skipping those whose inputs match the last run's manifest."""

    def __init__(self, root: Path, settings: dict[str, Any]) -> None:
        """`settings` is what every page depends on (site title, options): changing it re-renders all."""
        if root.exists() and not root.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a directory", str(root))
        self.root, self.settings = root, settings
        self.started = time.time()
        self.result = PublishResult(str(root))
        self.keys: dict[str, str] = {}
        try:
            self.previous: dict[str, str] = dict(_manifest(root).get("pages", {}))
        except (TypeError, ValueError):
            self.previous = {}  # a damaged manifest: render everything, compare bytes

    def page(self, path: str, inputs: Any, render: Callable[[], bytes]) -> None:
        """Make sure `path` holds `render()`; `inputs` is everything the page depends on."""
        key = self.keys[path] = _fingerprint([SITE_FORMAT, self.settings, path, inputs])
        target = self.root / path
        if self.previous.get(path) == key and target.is_file():
            self.result.skipped += 1
            return
        data = render()
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                self.result.identical += 1
                return
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        self.result.written.append(path)

    def finish(self, database: str) -> PublishResult:
        """Remove pages an earlier run wrote that this one did not, then record this run's manifest: last,
        so that only a publish that completed leaves one matching the database (`database`, see `_stamp`)."""
        inside = self.root.resolve()
        if self.root.is_dir():  # a publish killed mid-write left its temp files: nothing will rename them now
            remove_stale_temps(self.root, self.started)
        for path in sorted(set(self.previous) - set(self.keys)):
            target = self.root / path
            if target.resolve().is_relative_to(inside) and target.is_file():  # a doctored manifest reaches no further
                target.unlink()
                self.result.removed.append(path)
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = {"format": SITE_FORMAT, "settings": self.settings, "database": database,
                    "pages": dict(sorted(self.keys.items()))}
        write_atomic(self.root / MANIFEST, (json.dumps(manifest, indent=0) + "\n").encode("utf-8"))
        return self.result


def _newest_first(edits: Iterable[Edit]) -> list[Edit]:
    return sorted(edits, key=lambda e: (e.new.captured_at, e.new.id), reverse=True)


_SETTINGS: dict[str, type] = {"base_url": str, "all_pairs": bool, "cosmetic": bool, "limit": int, "title": str,
                              "tags": list, "min_changed": int}


def _settings(
    *, base_url: str, all_pairs: bool = False, cosmetic: bool = False, limit: int = FEED_LIMIT,
    title: str = SITE_TITLE, tags: Sequence[str] = (), min_changed: int = 0,
) -> dict[str, Any]:
    """A site's settings as its manifest records them (keys as `_SETTINGS`, the base URL normalised)."""
    return {"base_url": check_base_url(base_url), "all_pairs": all_pairs, "cosmetic": cosmetic, "limit": limit,
            "title": title, "tags": list(tags), "min_changed": min_changed}


def _manifest(root: Path) -> dict[str, Any]:
    """The manifest the last completed publish left in `root`; {} when there is none or it is damaged."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _stamp(store: Store, rows: Iterable[dict[str, Any]]) -> str:
    """What the site shows of the database (`Store.articles` rows: each article, its version count and
    latest capture; the snapshots saved to the Wayback Machine): a new version, article, headline, URL or
    archived copy changes it."""
    archived = store.count_events("archived")
    return _fingerprint([archived, [[article_ref(row), row["versions"], row["last_captured_at"]] for row in rows]])


def recorded_settings(directory: str | Path) -> dict[str, Any]:
    """The settings the site in `directory` was last published with, as `publish` keyword arguments, so that
    a refresh keeps its --all, --cosmetic, --limit and --title; {} for a new site. Junk entries are dropped."""
    recorded = _manifest(Path(directory)).get("settings")
    if not isinstance(recorded, dict):
        return {}
    return {key: value for key, value in recorded.items() if key in _SETTINGS and type(value) is _SETTINGS[key]}


def stale(store: Store, directory: str | Path, **settings: Any) -> bool:
    """Whether publishing with `settings` would change the site: the database changed since the last
    completed publish, the settings or code differ, or the last publish failed (it left no new manifest)."""
    manifest = _manifest(Path(directory))
    return (manifest.get("format") != SITE_FORMAT or manifest.get("settings") != _settings(**settings)
            or manifest.get("database") != _stamp(store, store.articles()))


def publish(
    store: Store,
    directory: str | Path,
    *,
    base_url: str,
    all_pairs: bool = False,
    cosmetic: bool = False,
    limit: int = FEED_LIMIT,
    title: str = SITE_TITLE,
    tags: Sequence[str] = (),
    min_changed: int = 0,
) -> PublishResult:
    """Write (or refresh) the static site in `directory`: index, article pages, diff pages and feeds;
    `tags` and `min_changed` keep only the edits a reader asked for in listings and feeds."""
    from .render import feed as feedrender
    from .render import site

    settings = _settings(base_url=base_url, all_pairs=all_pairs, cosmetic=cosmetic, limit=limit, title=title,
                         tags=tags, min_changed=min_changed)
    base = settings["base_url"]
    writer = SiteWriter(Path(directory), settings)
    reports = Reports(store, cosmetic=cosmetic, wanted=_wanted(tags, min_changed))
    reports.prune()
    rows = store.articles()
    articles = [article_ref(row) for row in rows]
    listing = {row["id"]: row for row in rows}
    versions: dict[int, list[VersionRef]] = defaultdict(list)
    for row in store.all_versions():
        versions[row["article_id"]].append(VersionRef(row["id"], row["number"], row["captured_at"], row["title"],
                                                      row["content_hash"], row["archived"],
                                                      bool(row["reader_change"])))

    def feeds(directory: str, items: list[Edit], **scope: Any) -> None:
        since = min((v.captured_at for a in scope.get("articles", articles) for v in versions[a.id]), default=None)
        for fmt in feedrender.FORMATS:
            meta = _feed_meta(article=scope.get("article"), source=scope.get("source"), base_url=base,
                              fmt=fmt, title=title, since=since)
            writer.page(site.feed_path(directory, fmt), [meta, items],
                        partial(feedrender.render_feed, meta, items, _link_for(base), fmt))

    # Each page renders from its own arguments (bound by `partial`), never from the loop's variables.
    def diff_page(article: ArticleRef, old: VersionRef, new: VersionRef, previous: Edit | None,
                  following: Edit | None) -> bytes:
        return site.render_diff(reports.full(article, old, new), previous, following, title)

    def version_page(own: ArticleRef, version: VersionRef, previous: int | None, following: int | None) -> bytes:
        return site.render_version(own, version, store.record(own.id, version.number), previous, following, title)

    writer.page("style.css", hashlib.sha256(site.stylesheet()).hexdigest(), site.stylesheet)
    everything: list[Edit] = []
    for article in articles:
        mine = [reports.edit(article, old, new) for old, new in pairwise(versions[article.id])]
        everything.extend(mine)
        for i, edit in enumerate(mine):
            before, after = (mine[i - 1] if i else None), (mine[i + 1] if i + 1 < len(mine) else None)
            writer.page(
                site.diff_path(article.id, edit.old.number, edit.new.number),
                [edit, before and before.new.number, after and after.new.number],
                partial(diff_page, edit.article, edit.old, edit.new, before, after),
            )
        if all_pairs:
            for j, new in enumerate(versions[article.id]):
                for old in versions[article.id][: max(j - 1, 0)]:
                    pair = [dataclasses.replace(article, title=None), old, new]  # as an edit's fingerprint
                    writer.page(site.diff_path(article.id, old.number, new.number), pair,
                                partial(diff_page, article, old, new, None, None))
        # A version's page shows its own headline, never the article's latest one: a new headline must
        # not rewrite every older version's page.
        own = dataclasses.replace(article, title=None)
        numbers = [v.number for v in versions[article.id]]
        for i, version in enumerate(versions[article.id]):
            previous = numbers[i - 1] if i else None
            following = numbers[i + 1] if i + 1 < len(numbers) else None
            writer.page(site.version_path(article.id, version.number), [own, version, previous, following],
                        partial(version_page, own, version, previous, following))
        writer.page(site.article_path(article.id), [article, versions[article.id], mine],
                    partial(site.render_article, article, versions[article.id], mine, title, all_pairs=all_pairs))
        feeds(site.article_dir(article.id), _newest_first(reports.visible(mine))[:limit],
              article=article, articles=[article])

    visible = _newest_first(reports.visible(everything))
    sources = sorted({a.source for a in articles if a.source})
    for source in sources:
        theirs = [e for e in visible if e.article.source == source]
        feeds(site.source_dir(source), theirs[:limit], source=source,
              articles=[a for a in articles if a.source == source])
        writer.page(site.source_path(source), theirs[:INDEX_EDITS],
                    partial(site.render_source, source, theirs[:INDEX_EDITS], title))
    feeds("", visible[:limit])
    writer.page("index.html", [visible[:INDEX_EDITS], sources, len(articles)],
                lambda: site.render_index(visible[:INDEX_EDITS], sources, len(articles), title))
    listings = [site.ArticleListing(a, listing[a.id]["versions"], listing[a.id]["last_captured_at"]) for a in articles]
    writer.page("articles.html", listings, lambda: site.render_articles(listings, title))
    return writer.finish(_stamp(store, rows))
