"""The static site: pages and links, side-by-side diffs, incremental and atomic writes, identical bytes on
every run, hostile text that never becomes markup, and one diff page rendered in a real browser."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

from newsdiff import publish as publishing
from newsdiff.reports.compare import diff_versions
from newsdiff.publish import MANIFEST, article_ref, publish
from newsdiff.reports import compare
from newsdiff.reports.cache import Reports, engine
from newsdiff.render.edits import VersionRef
from newsdiff.store import Store

from .conftest import ROOT
from .track_server import Outlet, page
from .publish_helpers import (
    CDATA_END, IMG, MARKER, P1, P2, P3, QUOTES, RESCUE, SCRIPT, STORY, add, assert_inert, hostile_store, story_store,
)

BASE = "https://edits.example.org/"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _page(root: Path, path: str) -> lxml.html.HtmlElement:
    return assert_inert((root / path).read_bytes())


def _texts(doc: lxml.html.HtmlElement, css: str) -> list[str]:
    return [e.text_content().strip() for e in doc.cssselect(css)]


@pytest.fixture
def store(tmp_path: Path):
    s = story_store(tmp_path / "story.db")
    yield s
    s.close()


def test_site_pages_link_up_and_feeds_parse(store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = publish(store, site, base_url=BASE)
    story, quotes, still = (store.resolve(u)["id"] for u in (STORY, QUOTES, "https://news.example.org/2024/05/still"))
    expected = {"index.html", "articles.html", "style.css", "rss.xml", "atom.xml", "s/wire/index.html",
                "s/wire/rss.xml", "s/wire/atom.xml", "s/daily/index.html", "s/daily/rss.xml", "s/daily/atom.xml"}
    for article, pairs in ((story, ["1-2", "2-3"]), (quotes, ["1-2"]), (still, [])):
        expected |= {f"a/{article}/index.html", f"a/{article}/rss.xml", f"a/{article}/atom.xml"}
        expected |= {f"a/{article}/{pair}.html" for pair in pairs}
        expected |= {f"a/{article}/v{n}.html" for n in range(1, len(pairs) + 2)}  # each version's whole text
    assert set(_files(site)) == expected | {MANIFEST}
    assert sorted(result.written) == sorted(expected) and result.pages == len(expected)
    # Every link between pages leads to a page that exists; nothing is loaded from elsewhere.
    for path in (p for p in expected if p.endswith(".html")):
        doc = _page(site, path)
        for element, _attribute, link, _ in doc.iterlinks():
            if urlsplit(link).scheme:
                assert element.tag == "a" and "out" in element.get("class", ""), (path, link)
                continue
            assert (site / path).parent.joinpath(link).resolve().is_file(), (path, link)
    for path in (p for p in expected if p.endswith(".xml")):
        assert feedparser.parse((site / path).read_bytes()).bozo == 0, path
    index = _page(site, "index.html")
    assert _texts(index, ".edits a") == ["Headline changed: Storm hits coast \u2192 Storm kills 21 on coast",
                                         "Edited: Storm hits coast"]  # the cosmetic-only edit is not news
    article = _page(site, f"a/{quotes}/index.html")
    assert "(cosmetic only)" in article.text_content()


def test_diff_page_is_side_by_side(store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(store, site, base_url=BASE)
    story = store.resolve(STORY)["id"]
    first = _page(site, f"a/{story}/1-2.html")
    (changed,) = first.cssselect(".pair.op-changed")
    assert _texts(changed, ".old del") == ["19"] and _texts(changed, ".new ins") == ["21"]
    assert "Fighting the floods left up to 19 dead" in changed.cssselect(".old")[0].text_content()
    assert "number" in _texts(changed, ".tags .tag")
    second = _page(site, f"a/{story}/2-3.html")
    headline = second.cssselect(".pair.headline")[0]
    assert "hits" in _texts(headline, ".old del") and "Storm" not in _texts(headline, ".old del")
    assert headline.cssselect(".new")[0].text_content().strip() == "Storm kills 21 on coast"
    (added,) = second.cssselect(".pair.op-added")
    assert _texts(added, ".new ins") == [RESCUE] and _texts(added, ".old") == [""]
    # Unchanged sentences stay as context, the same on both sides.
    same = second.cssselect(".pair.same")
    assert same and all(len(set(_texts(pair, ".old, .new"))) == 1 for pair in same)
    assert [a.get("rel") for a in second.cssselect(".pager a")] == ["prev"]
    assert [a.get("rel") for a in first.cssselect(".pager a")] == ["next"]


def test_publishing_twice_gives_identical_bytes_and_rewrites_nothing(store, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    publish(store, one, base_url=BASE)
    publish(store, two, base_url=BASE)
    assert _files(one) == _files(two)
    stamps = {p: p.stat().st_mtime_ns for p in one.rglob("*") if p.is_file() and p.name != MANIFEST}
    again = publish(store, one, base_url=BASE)
    assert again.written == [] and again.skipped == again.pages
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_refresh_writes_only_what_a_new_version_changes(store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(store, site, base_url=BASE)
    story, quotes = store.resolve(STORY)["id"], store.resolve(QUOTES)["id"]
    add(store, STORY, ["A storm hit the coast on Tuesday. Fighting the floods left up to 23 dead, officials said.",
                       "The mayor said the town would rebuild."], title="Storm kills 23 on coast",
        at="2024-05-01T11:00:00Z", source="wire")
    result = publish(store, site, base_url=BASE)
    assert sorted(result.written) == sorted([
        f"a/{story}/3-4.html", f"a/{story}/2-3.html",  # the new page, and its predecessor's "next" link
        f"a/{story}/v4.html", f"a/{story}/v3.html",  # the new version's text, and its predecessor's "next" link
        f"a/{story}/index.html", f"a/{story}/rss.xml", f"a/{story}/atom.xml",
        "s/wire/index.html", "s/wire/rss.xml", "s/wire/atom.xml", "rss.xml", "atom.xml", "index.html", "articles.html",
    ])
    assert not [p for p in result.written if p.startswith((f"a/{quotes}/", "s/daily/"))]
    entries = feedparser.parse((site / "rss.xml").read_bytes()).entries
    assert entries[0].title == "Headline changed: Storm kills 21 on coast \u2192 Storm kills 23 on coast"


def test_all_pairs_and_stale_pages(store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    mine = site / "a" / "notes.txt"
    mine.write_text("kept")
    story = store.resolve(STORY)["id"]
    publish(store, site, base_url=BASE, all_pairs=True)
    skip = _page(site, f"a/{story}/1-3.html")
    assert _texts(skip, ".pair.op-changed:not(.headline) .old del") == ["19"]
    assert _texts(skip, ".pair.op-added .new ins") == [RESCUE]
    assert "1-3.html" in [a.get("href").rsplit("/", 1)[-1] for a in _page(site, f"a/{story}/index.html").iter("a")]
    result = publish(store, site, base_url=BASE)
    assert result.removed == [f"a/{story}/1-3.html"] and not (site / f"a/{story}/1-3.html").exists()
    assert mine.read_text() == "kept"  # only pages newsdiff wrote are ever removed


def test_pages_are_diffed_once_and_match_the_engine(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fourth version moves a paragraph to the top and splits a sentence: kept runs on both sides of changes.
    add(store, STORY, [P3, P1.replace("19", "21").replace(" on Tuesday.", " on Tuesday; it was the worst in years."),
                       P2 + " " + RESCUE], title="Storm kills 21 on coast", at="2024-05-01T11:00:00Z", source="wire")
    one, two = tmp_path / "one", tmp_path / "two"
    publish(store, one, base_url=BASE, all_pairs=True)
    story = store.resolve(STORY)["id"]
    refs = {v["number"]: VersionRef(v["id"], v["number"], v["captured_at"], v["title"], v["content_hash"])
            for v in store.versions(story)}
    article = article_ref(store.resolve(STORY))
    for cosmetic in (False, True):
        reports = Reports(store, cosmetic=cosmetic)
        for old, new in itertools.combinations(sorted(refs), 2):
            expected = diff_versions(store, story, old, new).to_json(all=True, cosmetic=cosmetic)
            assert reports.full(article, refs[old], refs[new]).report.to_json() == expected, (old, new, cosmetic)
    moves = _page(one, f"a/{story}/3-4.html").cssselect(".pair.op-moved")  # the page marks where they came from
    assert [_texts(m, ".where") + _texts(m, ".new") for m in moves] == [
        ["from sentence 6 to 1", "Residents were told to stay indoors."],
        ["from sentence 7 to 2", "Power was cut to 4,000 homes."]]

    def engine(*args: object) -> None:
        raise AssertionError("a cached pair was diffed again")

    monkeypatch.setattr(compare, "diff_versions", engine)
    publish(store, two, base_url=BASE, all_pairs=True)  # every page again, from the cache alone
    assert _files(one) == _files(two)


def test_reports_cached_by_other_code_are_dropped(store, tmp_path: Path) -> None:
    version = store.version_row(store.resolve(STORY)["id"], 2)["id"]
    with store.write():
        store.db["derived"].insert({"version_id": version, "kind": "edit/older-engine/plain/from-1", "data": "{}"})
    publish(store, tmp_path / "site", base_url=BASE)
    kinds = [row[0] for row in store.db.execute("SELECT kind FROM derived WHERE kind GLOB 'edit/*'")]
    assert kinds and all(kind.startswith(f"edit/{engine()}/") for kind in kinds)


def test_damaged_cached_reports_are_diffed_again(store, tmp_path: Path) -> None:
    publish(store, tmp_path / "one", base_url=BASE)
    rows = list(store.db.execute("SELECT rowid, data FROM derived WHERE kind GLOB 'edit/*' ORDER BY rowid"))
    assert len(rows) == 3
    out_of_range, junk = (json.loads(zlib.decompress(data)) for _, data in rows[1:])  # kept compressed
    out_of_range["kept"] = [[0, 0, 999, 2]]
    junk["kept"] = "junk"
    with store.write():
        for (rowid, _), damage in zip(rows, [[], out_of_range, junk], strict=True):
            store.db.execute("UPDATE derived SET data = ? WHERE rowid = ?", [json.dumps(damage), rowid])
    publish(store, tmp_path / "two", base_url=BASE)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_a_cosmetic_edit_left_unmarked_shows_each_side_as_it_was(store, tmp_path: Path) -> None:
    publish(store, tmp_path / "site", base_url=BASE)
    page = _page(tmp_path / "site", f"a/{store.resolve(QUOTES)['id']}/1-2.html")
    (first, *_) = page.cssselect(".pair.same")
    assert not page.cssselect("del, ins")  # the quote style is not news...
    assert '"we are ready"' in _texts(first, ".old")[0]  # ...but the left column is still the old text
    assert "\u201cwe are ready\u201d" in _texts(first, ".new")[0]


def test_a_failed_write_leaves_the_old_page_whole(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    publish(store, site, base_url=BASE)
    before = _files(site)
    add(store, STORY, ["Everything was rewritten."], title="New", at="2024-05-02T08:00:00Z", source="wire")

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        publish(store, site, base_url=BASE)
    monkeypatch.undo()
    assert _files(site) == before  # no half page, no stray temp file
    assert publish(store, site, base_url=BASE).written  # and the next run completes the job


def test_hostile_text_never_becomes_markup(tmp_path: Path) -> None:
    store = hostile_store(tmp_path / "hostile.db")
    site = tmp_path / "site"
    publish(store, site, base_url=BASE, cosmetic=True)
    article = store.resolve("https://evil.example.net/story")["id"]
    pages = [p for p in _files(site) if p.endswith(".html")]
    for path in pages:
        doc = _page(site, path)  # no script, handler, script URL or image anywhere
        assert not [a for a in doc.iter("a") if "javascript" in (a.get("href") or "").lower()]
    diff = _page(site, f"a/{article}/1-2.html")
    text = diff.text_content()
    for payload in (SCRIPT, IMG, CDATA_END, MARKER):
        assert payload in text
    assert diff.findtext(".//title").startswith(f"Headline changed: {SCRIPT} council \u2192 {IMG} council{CDATA_END}")
    assert "\x07" not in text and "\x1b" not in text
    whole = _page(site, f"a/{article}/v2.html").text_content()  # the version's full text, every payload as text
    for payload in (SCRIPT, IMG, CDATA_END, MARKER, '<a href="javascript:alert(1)">this</a>'):
        assert payload in whole
    sources = [p for p in _files(site) if p.startswith("s/")]
    assert sources and all(p.count("/") == 2 and "<" not in p for p in sources)
    for path in (p for p in _files(site) if p.endswith(".xml")):
        lxml.etree.fromstring((site / path).read_bytes())
        assert feedparser.parse((site / path).read_bytes()).bozo == 0
    store.close()


def test_every_version_has_a_page_with_its_whole_text(store: Store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(store, site, base_url=BASE)
    article = store.resolve(STORY)["id"]
    first, last = _page(site, f"a/{article}/v1.html"), _page(site, f"a/{article}/v3.html")
    assert _texts(first, ".fulltext p") == [P1, P2, P3] and first.findtext(".//h1") == "Storm hits coast"
    assert _texts(last, ".fulltext p") == [P1.replace("19", "21"), P2 + " " + RESCUE, P3]
    assert last.findtext(".//h1") == "Storm kills 21 on coast"
    assert [a.get("href") for a in last.cssselect(".pager a")] == [f"../../a/{article}/v2.html",
                                                                   f"../../a/{article}/2-3.html"]
    links = {a.get("href") for a in _page(site, f"a/{article}/index.html").iter("a")}
    assert {f"../../a/{article}/v{n}.html" for n in (1, 2, 3)} <= links
    diff_links = [a.get("href") for a in _page(site, f"a/{article}/2-3.html").cssselect(".columns a")]
    assert diff_links == [f"../../a/{article}/v2.html", f"../../a/{article}/v3.html"]
    # a new headline rewrites the new version's page and its neighbour's "next" link, no other version page
    stamps = {p: (site / p).stat().st_mtime_ns for p in _files(site) if "/v" in p}
    add(store, STORY, [P1, P2], title="Storm: the toll", at="2024-05-01T11:00:00Z", source="wire")
    result = publish(store, site, base_url=BASE)
    assert sorted(p for p in result.written if "/v" in p) == [f"a/{article}/v3.html", f"a/{article}/v4.html"]
    assert all((site / p).stat().st_mtime_ns == t for p, t in stamps.items() if not p.endswith("/v3.html"))


def test_publish_and_poll_commands(cli, db_path: Path, tmp_path: Path) -> None:
    story_store(db_path).close()
    site = tmp_path / "site"
    result = cli("publish", site, "--base-url", "https://edits.example.org/news")
    assert result.code == 0 and result.stdout.startswith(f"{site}: 29 pages, 29 written, 0 unchanged"), result
    assert "https://edits.example.org/news/a/" in (site / "rss.xml").read_text()
    result = cli("publish", site, "--base-url", "https://edits.example.org/news", "--json")
    assert result.json["written"] == [] and result.json["pages"] == 29
    for bad in ("ftp://x", "https://edits.example.org/?page=1", "https://edits.example.org/#top", "/news"):
        result = cli("publish", site, "--base-url", bad)
        assert result.code == 2 and result.stderr.endswith(
            f"Error: Invalid value for '--base-url': base URL must be an absolute http(s) URL without a query or "
            f"fragment, not {bad!r}\n"), (bad, result)
        polled = cli("poll", "--publish", site, "--base-url", bad)
        assert polled.code == 2 and polled.stderr.endswith(result.stderr.splitlines()[-1] + "\n")
    fresh = tmp_path / "fresh"
    assert cli("poll", "--publish", fresh).stderr == "newsdiff: --publish needs --base-url, the site's public URL\n"
    result = cli("poll", "--publish", fresh, "--base-url", BASE, "--json")
    assert result.code == 0 and (fresh / "index.html").is_file(), result  # a first run builds the site


def test_a_poll_that_stores_a_new_version_refreshes_the_site(cli, db_path: Path, tmp_path: Path) -> None:
    site, publishing_poll = tmp_path / "site", ("poll", "--now", "--publish", tmp_path / "site", "--base-url", BASE)
    text = "Storm hits coast\n\nA storm hit the coast. Up to 19 dead, officials said.\n\nSchools closed."
    with Outlet() as outlet:
        outlet.routes["/storm"] = page(text)
        assert cli("track", outlet.url("/storm"), "--source", "wire").code == 0
        first = cli(*publishing_poll, "--json")
        assert first.code == 0 and first.json["new_versions"] == 1, first
        assert first.json["published"] == {"directory": str(site), "url": BASE, "refreshed": True,
                                           "written": len([p for p in site.rglob("*") if p.is_file()]) - 1,
                                           "removed": 0}  # every page but the manifest
        assert feedparser.parse((site / "rss.xml").read_bytes()).entries == []  # one version: nothing edited yet
        stamps = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
        quiet = cli(*publishing_poll, "--json")
        assert quiet.json["new_versions"] == 0 and {p: p.stat().st_mtime_ns for p in site.rglob("*")} == stamps
        assert quiet.json["published"]["refreshed"] is False and quiet.json["published"]["written"] == 0
        outlet.routes["/storm"] = page(text.replace("19", "21"))
        again = cli(*publishing_poll, "--json")
    assert again.code == 0 and again.json["new_versions"] == 1, again
    (item,) = feedparser.parse((site / "rss.xml").read_bytes()).entries
    article = cli("list", "--json").json["articles"][0]["id"]
    assert item.title == "Edited: Storm hits coast" and item.link == f"{BASE}a/{article}/1-2.html"
    assert _texts(_page(site, f"a/{article}/1-2.html"), ".op-changed .new ins") == ["21"]


def test_poll_refreshes_a_site_with_the_settings_it_was_published_with(cli, db_path: Path, tmp_path: Path) -> None:
    story_store(db_path).close()
    site = tmp_path / "site"
    result = cli("publish", site, "--base-url", BASE, "--all", "--title", "My Site", "--limit", "1", "--cosmetic")
    assert result.code == 0, result
    with Outlet() as outlet:
        outlet.routes["/storm"] = page("Storm\n\nA storm hit the coast. Up to 19 dead, officials said.")
        assert cli("track", outlet.url("/storm"), "--source", "wire").code == 0
        polled = cli("poll", "--now", "--publish", site, "--base-url", BASE, "--json")  # no --all, --title...
    assert polled.code == 0 and polled.json["new_versions"] == 1, polled
    story = next(a["id"] for a in cli("list", "--json").json["articles"] if a["url"] == STORY)
    index = _page(site, "index.html")
    assert index.findtext(".//title") == "My Site" and len(index.cssselect(".edits li")) == 3  # cosmetic one too
    assert (site / f"a/{story}/1-3.html").is_file()  # the --all page survives the refresh
    assert len(feedparser.parse((site / "rss.xml").read_bytes()).entries) == 1
    # Without --base-url the site's own is used; one given explicitly wins, the other settings stay.
    assert cli("poll", "--publish", site).code == 0
    other = "https://mirror.example.net/edits/"
    assert cli("poll", "--publish", site, "--base-url", other).code == 0
    assert feedparser.parse((site / "rss.xml").read_bytes()).entries[0].link.startswith(other)
    assert _page(site, "articles.html").findtext(".//title") == "My Site" and (site / f"a/{story}/1-3.html").is_file()
    assert publishing.recorded_settings(site) == {"base_url": other, "all_pairs": True, "cosmetic": True, "limit": 1,
                                                 "title": "My Site", "tags": [], "min_changed": 0}


def test_a_failed_refresh_is_retried_by_the_next_poll(cli, db_path: Path, tmp_path: Path) -> None:
    site, publishing_poll = tmp_path / "site", ("poll", "--now", "--publish", tmp_path / "site", "--base-url", BASE)
    text = "Storm hits coast\n\nA storm hit the coast. Up to 19 dead, officials said."
    with Outlet() as outlet:
        outlet.routes["/storm"] = page(text)
        assert cli("track", outlet.url("/storm"), "--source", "wire").code == 0
        assert cli(*publishing_poll).code == 0
        article = cli("list", "--json").json["articles"][0]["id"]
        blocker = site / f"a/{article}/1-2.html"
        blocker.mkdir()  # a directory where the new diff page must go
        outlet.routes["/storm"] = page(text.replace("19", "21"))
        failed = cli(*publishing_poll)
        assert failed.code == 2 and failed.stderr == f"newsdiff: {blocker}: publish failed: Is a directory\n", failed
        blocker.rmdir()
        retried = cli(*publishing_poll, "--json")  # nothing new at the outlet, yet the site is out of date
    assert retried.code == 0 and retried.json["new_versions"] == 0 and retried.json["errors"] == [], retried
    assert _texts(_page(site, f"a/{article}/1-2.html"), ".op-changed .new ins") == ["21"]
    assert len(feedparser.parse((site / "rss.xml").read_bytes()).entries) == 1


def test_a_source_page_and_whitespace_between_links(store, tmp_path: Path) -> None:
    add(store, STORY, [P1.replace("19", "23"), P2 + " " + RESCUE, P3], title="Storm kills 23 on coast",
        at="2024-05-01T11:00:00Z", source="wire")
    site = tmp_path / "site"
    publish(store, site, base_url=BASE, cosmetic=True)
    story = store.resolve(STORY)["id"]
    wire = _page(site, "s/wire/index.html")
    assert _texts(wire, ".edits a") == ["Headline changed: Storm kills 21 on coast \u2192 Storm kills 23 on coast",
                                        "Headline changed: Storm hits coast \u2192 Storm kills 21 on coast",
                                        "Edited: Storm hits coast"]
    # The elements of a line are separate words, not run together ("wireEdited", "versions 1\u20132versions").
    first = _texts(_page(site, "index.html"), ".edits li")[0]
    assert " wire Headline changed: Storm kills 21" in " ".join(first.split())
    pager = _texts(_page(site, f"a/{story}/2-3.html"), ".pager")[0]
    assert " ".join(pager.split()) == "\u2190 versions 1\u20132 versions 3\u20134 \u2192"


# -- a real browser ------------------------------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


def _browser(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed here (scripts/ci_install_chromium.sh installs it on Debian)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
             "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([chromium, *flags, *args], capture_output=True, timeout=120, check=True)


def _pixels(png: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and rows of an 8-bit RGB(A) PNG (what Chromium writes), filters undone."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    data, pos = b"", 8
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw, stride, rows = zlib.decompress(data), width * bpp, []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, corner = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def _count(rows: list[bytes], bpp: int, hex_colour: str) -> int:
    rgb = bytes.fromhex(hex_colour)
    return sum(row[x:x + 3] == rgb for row in rows for x in range(0, len(row), bpp))


def test_diff_page_in_a_browser_on_a_phone(store, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(store, site, base_url=BASE)
    page = site / f"a/{store.resolve(STORY)['id']}/1-2.html"
    shots = ROOT / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "diff-page-phone.png"
    shot.unlink(missing_ok=True)
    _browser(["--window-size=390,700", f"--screenshot={shot}", page.as_uri()], tmp_path)
    width, height, bpp, rows = _pixels(shot.read_bytes())
    assert (width, height) == (390, 700)
    # The stylesheet loaded (the page's CSP allows exactly that) and the highlights show in their colours.
    assert _count(rows, bpp, "ffe3e1") > 50 and _count(rows, bpp, "dcf5e3") > 50
    dom = lxml.html.document_fromstring(_browser(["--dump-dom", page.as_uri()], tmp_path).stdout)
    assert [d.text for d in dom.cssselect(".op-changed .old del")] == ["19"]


def test_hostile_page_runs_nothing_in_a_browser(tmp_path: Path) -> None:
    store = hostile_store(tmp_path / "hostile.db")
    site = tmp_path / "site"
    publish(store, site, base_url=BASE)
    page = site / f"a/{store.resolve('https://evil.example.net/story')['id']}/1-2.html"
    dom = lxml.html.document_fromstring(_browser(["--dump-dom", page.as_uri()], tmp_path).stdout)
    assert dom.get("data-pwned") is None and MARKER in dom.text_content()
    assert not list(dom.iter("script", "img"))
    store.close()


# -- the installer .ci/run calls -----------------------------------------------------------------------------

INSTALLER = ROOT / "scripts" / "ci_install_chromium.sh"
STAND_IN = """#!/bin/sh
case "$*" in *--version*) echo "Chromium 120.0 (stand-in)" ;; *) echo "<html><body><p>ok</p></body></html>" ;; esac
"""


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _install(tmp_path: Path, apt_get: str | None, *,
             installed: bool = False) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the installer as root on a machine whose PATH has the usual tools but no Chromium. `apt_get` is
    a stand-in's shell code (it logs its calls; `install` may put a stand-in Chromium on PATH)."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("bash", "sh", "env", "timeout", "mktemp", "rm", "grep", "head", "ln"):
        (tools / tool).symlink_to(shutil.which(tool))
    _script(tools / "id", "#!/bin/sh\necho 0\n")
    _script(tmp_path / "chromium", STAND_IN)
    if installed:
        (tools / "chromium").symlink_to(tmp_path / "chromium")
    if apt_get is not None:
        _script(tools / "apt-get", f"#!/bin/sh\necho \"$DEBIAN_FRONTEND $*\" >> {tmp_path}/apt.log\n{apt_get}\n")
    result = subprocess.run([str(tools / "bash"), str(INSTALLER)], capture_output=True, text=True, timeout=60,
                            env={"PATH": str(tools), "HOME": str(tmp_path)})
    log = tmp_path / "apt.log"
    return result, log.read_text() if log.exists() else ""


def test_installer_on_a_fresh_debian_machine(tmp_path: Path) -> None:
    result, log = _install(tmp_path, f'case "$*" in *" install "*) ln -s {tmp_path}/chromium {tmp_path}/bin ;; esac')
    assert result.returncode == 0, result.stderr
    update, install = log.splitlines()  # package lists refreshed first (a fresh machine has none), unattended
    assert update.startswith("noninteractive ") and update.endswith(" update")
    assert install.startswith("noninteractive ") and {"install", "-y", "chromium"} <= set(install.split())
    assert result.stdout == f"ci_install_chromium: Chromium 120.0 (stand-in) at {tmp_path}/bin/chromium\n"


@pytest.mark.parametrize(("apt_get", "calls", "message"), [
    (None, [], "no apt-get here; install Chromium by hand to run its tests"),
    ('case "$*" in *update*) exit 100 ;; esac', ["update"], "apt-get update failed"),
    ('case "$*" in *install*) exit 100 ;; esac', ["update", "install"], "apt-get install chromium failed"),
    ("exit 0", ["update", "install"], "the chromium package is installed but no chromium is on PATH"),
])
def test_installer_fails_soft(tmp_path: Path, apt_get: str | None, calls: list[str], message: str) -> None:
    result, log = _install(tmp_path, apt_get)
    assert result.returncode == 1 and result.stderr == f"ci_install_chromium: {message}\n", result
    assert ["install" if " install " in line else "update" for line in log.splitlines()] == calls


def test_installer_leaves_an_installed_chromium_alone(tmp_path: Path) -> None:
    result, log = _install(tmp_path, "exit 1", installed=True)
    assert result.returncode == 0 and log == "" and result.stdout.startswith("ci_install_chromium: Chromium"), result
