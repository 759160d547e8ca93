"""Publishing: edits loaded from the store, rendered as feeds and a static site, written only when changed.

The one layer here that reads the store; `render.feed` and `render.site` only render what it hands them.
Each pair of versions is diffed once: its report is cached in the store (see `Reports`), so listings,
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
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from .alerts.rules import Filter
from .atomic import remove_stale_temps, write_atomic
from .diff import SENTENCES_KIND, Change
from .diffing import diff_versions, version_sentences
from .render import FEED_LIMIT, SITE_TITLE
from .render.edits import TAG_PREFIX, ArticleRef, Edit, VersionRef, clean, safe_url
from .render.htmlfrag import render_html
from .render.layout import layout
from .store import STORE_ERRORS, DamagedHistory, Store

if TYPE_CHECKING:  # feeds and pages import their renderers where they make them: `log` needs neither
    from .render import feed as feedrender

INDEX_EDITS = 100  # edits listed on the front page
MANIFEST = ".newsdiff-site.json"


def _digest(*parts: str) -> str:
    """A digest of the package's code under `parts` (files or folders): what made a cached result."""
    root, digest = Path(__file__).parent, hashlib.sha256()
    for part in parts:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.suffix in (".py", ".html", ".css")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(root).as_posix().encode("utf-8") + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# A cached report names the segmenter and the code of the engine and of the HTML fragment; a page's
# fingerprint adds every renderer, template and this module. An upgrade, or any change to that code,
# redoes the work once, and nothing made by older code is ever served.
ENGINE = f"{SENTENCES_KIND}/{_digest('diff', 'diffing.py', 'render/layout.py', 'render/htmlfrag.py')}"
SITE_FORMAT = f"{ENGINE}/{_digest('render', 'publish.py')}"
_EDIT_PREFIX = "edit/"
_EDIT_KIND = f"{_EDIT_PREFIX}{ENGINE}/"
_REPORT_KEYS = {"title", "summary", "cosmetic_only", "changes"}  # what listings read of a cached report
_FRESH = 64  # full lists of changes kept from diffing to rendering (an article's pairs are diffed together)

def article_ref(row: dict[str, Any]) -> ArticleRef:
    """An article row (from `Store.resolve` or `Store.articles`) as renderers see it."""
    return ArticleRef(row["id"], row["key"], row["url"], row["source"], row["title"],
                      None if row["title"] else row["display_title"])


def _side(row: dict[str, Any], prefix: str) -> VersionRef:
    return VersionRef(row[f"{prefix}_id"], row[f"{prefix}_number"], row[f"{prefix}_captured_at"],
                      row[f"{prefix}_title"], row[f"{prefix}_hash"], row[f"{prefix}_archived"])


def _kept(old: int, new: int, sentence: str) -> dict[str, Any]:
    """The engine's JSON entry for a sentence left exactly as it was."""
    return Change("unchanged", (old,), (new,), (sentence,), (sentence,), [("=", sentence)]).to_json()


def pack(changes: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[list[int]]]:
    """A report's changes without the sentences kept exactly as they were, and where those sat: runs of
    `[position, old index, new index, count]`. Listings never show kept sentences and their text is
    the new version's, so a cached report needs only these few numbers for them."""
    rest: list[dict[str, Any]] = []
    runs: list[list[int]] = []
    for change in changes:
        old, new, text = change["old_index"], change["new_index"], change["new"]
        if not (change["op"] == "unchanged" and len(old) == len(new) == len(text) == 1
                and change == _kept(old[0], new[0], text[0])):
            rest.append(change)
        elif runs and runs[-1][0] == len(rest) and runs[-1][1:3] == [old[0] - runs[-1][3], new[0] - runs[-1][3]]:
            runs[-1][3] += 1
        else:
            runs.append([len(rest), old[0], new[0], 1])
    return rest, runs


def unpack(
    changes: Sequence[dict[str, Any]], runs: Sequence[Sequence[int]], sentences: Sequence[str]
) -> list[dict[str, Any]]:
    """`pack` undone, given the new version's sentences: the engine's full list of changes."""
    out: list[dict[str, Any]] = []
    done = 0
    for position, old, new, count in runs:
        out.extend(changes[done:position])
        out.extend(_kept(old + k, new + k, sentences[new + k]) for k in range(count))
        done = position
    out.extend(changes[done:])
    return out


class Reports:
    """Diff reports through the engine (`diffing.diff_versions`, which caches each version's sentences).

    Each pair's report is diffed once and cached in the store, packed (see `pack`): `edit` reads it as
    listings and feed items need it, `full` restores the kept sentences a side-by-side page shows as
    context from the new version's text. The cache costs a few kilobytes per edit, not another copy of
    every article, and no page ever diffs a pair again. A pair diffed in this run keeps its full list of
    changes until its page is rendered, which comes soon after (`_FRESH` pairs at most).
    """

    def __init__(self, store: Store, *, cosmetic: bool = False, wanted: Filter | None = None) -> None:
        self.store, self.cosmetic, self.wanted = store, cosmetic, wanted
        self._kind = f"{_EDIT_KIND}{'cosmetic' if cosmetic else 'plain'}"
        self._fresh: OrderedDict[tuple[int, int], list[dict[str, Any]]] = OrderedDict()
        self._ledes: dict[int, str | None] = {}  # untitled articles' names (`Store.lede`), read once each

    def _diff(self, article_id: int, old: VersionRef, new: VersionRef) -> dict[str, Any]:
        """The pair through the engine: its report packed, with its HTML fragment."""
        report = diff_versions(self.store, article_id, old.number, new.number)
        document = report.to_json(all=True, cosmetic=self.cosmetic)
        self._fresh[old.id, new.id] = document["changes"]
        if len(self._fresh) > _FRESH:
            self._fresh.popitem(last=False)
        document["changes"], kept = pack(document["changes"])
        fragment = render_html(layout(report, cosmetic=self.cosmetic, hints=False))
        return {"report": document, "kept": kept, "fragment": fragment}

    def _packed(self, article_id: int, old: VersionRef, new: VersionRef) -> dict[str, Any]:
        """The pair's packed report and fragment, from the store's cache (when whole) or the engine."""
        cached = self.store.cached(new.id, f"{self._kind}/from-{old.id}", lambda: self._diff(article_id, old, new))
        if not (isinstance(cached, dict) and isinstance(cached.get("report"), dict) and "fragment" in cached
                and _REPORT_KEYS <= cached["report"].keys()):
            return self._diff(article_id, old, new)  # a damaged cache entry
        return cached

    def edit(self, article: ArticleRef, old: VersionRef, new: VersionRef) -> Edit:
        """The edit with its report minus kept sentences, and its HTML fragment.

        An edit shows its own versions' headlines, never the article's latest one: a new headline must
        not change every older diff page and feed item of the article.
        """
        cached = self._packed(article.id, old, new)
        return Edit(dataclasses.replace(article, title=None), old, new, cached["report"], cached["fragment"])

    def full(self, edit: Edit) -> Edit:
        """The edit with every sentence in its report, as a side-by-side page shows it."""
        article_id, old, new = edit.article.id, edit.old, edit.new
        cached = self._packed(article_id, old, new)
        if (changes := self._fresh.pop((old.id, new.id), None)) is None:
            record = self.store.record(article_id, new.number)
            sentences = [s for paragraph in version_sentences(self.store, new.id, record) for s in paragraph]
            try:
                changes = unpack(cached["report"]["changes"], cached["kept"], sentences)
            except (LookupError, TypeError, ValueError):  # a damaged cache entry: diff the pair again
                cached = self._diff(article_id, old, new)
                changes = self._fresh.pop((old.id, new.id))
        return dataclasses.replace(edit, report={**cached["report"], "changes": changes})

    def rows(self, **scope: Any) -> list[dict[str, Any]]:
        """The pairs (a version and the one before it) in `scope` (`Store.edit_pairs`), newest first, not yet diffed."""
        return self.store.edit_pairs(**scope)

    def edit_of(self, row: dict[str, Any]) -> Edit:
        article_id = row["article_id"]
        if not row["article_title"] and article_id not in self._ledes:
            self._ledes[article_id] = self.store.lede(article_id)
        article = ArticleRef(article_id, row["key"], row["url"], row["source"], row["article_title"],
                             None if row["article_title"] else self._ledes[article_id])
        return self.edit(article, _side(row, "old"), _side(row, "new"))

    def edits(self, **scope: Any) -> Iterator[Edit]:
        """Every edit in `scope` (`Store.edit_pairs`), newest first, made on demand: a feed of the newest
        50 never diffs the rest."""
        return map(self.edit_of, self.rows(**scope))

    def visible(self, edits: Iterable[Edit]) -> Iterator[Edit]:
        """Cosmetic-only edits are left out unless the reader asked for them, and edits a reader's filter
        (tags, fewest changed sentences: an alert rule's keys) does not want."""
        return (e for e in edits if (self.cosmetic or not e.cosmetic)
                and (self.wanted is None or self.wanted.wants(e.report, e.article.source)))

    def prune(self) -> None:
        """Forget reports cached by other versions of the code: nothing will read them again."""
        if self.store.has_stale_derived(_EDIT_PREFIX, _EDIT_KIND):
            try:
                with self.store.write():
                    self.store.drop_stale_derived(_EDIT_PREFIX, _EDIT_KIND)
            except STORE_ERRORS:
                pass  # read-only or busy: the next publish tries again


def version_edits(store: Store, article_id: int) -> dict[int, Edit | DamagedHistory]:
    """What each version of an article changed from the one before it, by version number (what `log`
    lists); a pair that cannot be rebuilt is its DamagedHistory, not the end of the listing. The
    reports are the site's: diffed once, cached in the store."""
    reports, found = Reports(store), {}
    for row in reports.rows(article_id=article_id):
        try:
            found[row["new_number"]] = reports.edit_of(row)
        except DamagedHistory as exc:
            found[row["new_number"]] = exc
    return found


def check_base_url(base_url: str | None) -> str | None:
    """The base URL with one trailing slash; ValueError unless it is an absolute http(s) URL with no query
    or fragment (page paths are joined onto it, and would lose or misplace either)."""
    if base_url is None:
        return None
    url = base_url.strip()
    if not url or safe_url(url) != url or "?" in url or "#" in url:
        raise ValueError(f"base URL must be an absolute http(s) URL without a query or fragment, not {base_url!r}")
    return url.rstrip("/") + "/"


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
    scope = {"article_id": None if article is None else article.id, "source": source}
    items = list(islice(reports.visible(reports.edits(**scope)), limit))
    since = store.first_capture(**scope)
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
                                                      row["content_hash"], row["archived"]))

    def feeds(directory: str, items: list[Edit], **scope: Any) -> None:
        since = min((v.captured_at for a in scope.get("articles", articles) for v in versions[a.id]), default=None)
        for fmt in feedrender.FORMATS:
            meta = _feed_meta(article=scope.get("article"), source=scope.get("source"), base_url=base,
                              fmt=fmt, title=title, since=since)
            writer.page(site.feed_path(directory, fmt), [meta, items],
                        partial(feedrender.render_feed, meta, items, _link_for(base), fmt))

    # Each page renders from its own arguments (bound by `partial`), never from the loop's variables.
    def diff_page(edit: Edit, previous: Edit | None, following: Edit | None) -> bytes:
        return site.render_diff(reports.full(edit), previous, following, title)

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
                partial(diff_page, edit, before, after),
            )
        if all_pairs:
            for j, new in enumerate(versions[article.id]):
                for old in versions[article.id][: max(j - 1, 0)]:
                    pair = Edit(dataclasses.replace(article, title=None), old, new, {})  # `full` loads its report
                    writer.page(site.diff_path(article.id, old.number, new.number), pair,
                                partial(diff_page, pair, None, None))
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
