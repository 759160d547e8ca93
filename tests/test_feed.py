"""Feeds of edits: what a feed reader gets (round-tripped through feedparser), stable ids, deterministic
bytes, and hostile text that stays text."""

from __future__ import annotations

import calendar
import re
from pathlib import Path

import feedparser
import lxml.etree
import pytest

from newsdiff import ArticleRecord, Store
from newsdiff.diff import diff_records
from newsdiff.publish import article_ref, feed
from newsdiff.render.edits import ArticleRef, Edit, VersionRef
from newsdiff.render.feed import NO_PAGE, FeedMeta, render_feed
from newsdiff.render.htmlfrag import render_html
from newsdiff.render.layout import layout
from newsdiff.reports import Report

from .publish_helpers import (
    P2, CDATA_END, HOSTILE, IMG, QUOTES, SCRIPT, STORY, add, assert_inert, hostile_store, story_store,
)

BASE = "https://edits.example.org/site/"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM = "{http://www.w3.org/2005/Atom}"


def _epoch(iso: str) -> int:
    return calendar.timegm(tuple(int(x) for x in re.findall(r"\d+", iso)[:6]) + (0, 0, 0))


@pytest.fixture
def store(tmp_path: Path):
    s = story_store(tmp_path / "story.db")
    yield s
    s.close()


def _parse(data: bytes) -> feedparser.FeedParserDict:
    lxml.etree.fromstring(data)  # well-formed XML, or this raises
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_round_trips_through_feedparser(store, fmt: str) -> None:
    parsed = _parse(feed(store, fmt=fmt, base_url=BASE))
    assert parsed.version == ("rss20" if fmt == "rss" else "atom10")
    titles = [e.title for e in parsed.entries]
    # Newest first; the cosmetic-only edit of the quotes article is left out.
    assert titles == ["Headline changed: Storm hits coast \u2192 Storm kills 21 on coast", "Edited: Storm hits coast"]
    newest, older = parsed.entries
    assert calendar.timegm(newest.published_parsed) == _epoch("2024-05-01T10:00:00Z")
    assert calendar.timegm(older.published_parsed) == _epoch("2024-05-01T09:00:00Z")
    # The feed's own date is the newest item's, not the time the feed was made.
    assert calendar.timegm(parsed.feed.updated_parsed) == _epoch("2024-05-01T10:00:00Z")
    article_id = store.resolve(STORY)["id"]
    assert newest.link == f"{BASE}a/{article_id}/2-3.html"
    assert older.link == f"{BASE}a/{article_id}/1-2.html"
    digest = store.version_row(article_id, 3)["content_hash"]
    assert newest.id.startswith("tag:") and newest.id.endswith("/v3-" + digest[:12])
    assert len({newest.id, older.id}) == 2
    # The change itself: a plain summary, and the sentence diff with the figure struck and inserted.
    assert older.summary.startswith("1 sentence changed.")
    assert "19 dead" in older.summary and "21 dead" in older.summary
    html = older.content[0].value
    doc = assert_inert(html)
    assert [d.text for d in doc.iter("del")] == ["19"] and [i.text for i in doc.iter("ins")] == ["21"]
    assert RESCUE_TEXT in newest.content[0].value
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [BASE + ("rss.xml" if fmt == "rss" else "atom.xml")]


RESCUE_TEXT = "Rescue teams arrived from the capital."


def test_rss_dates_are_rfc822_and_atom_dates_rfc3339(store) -> None:
    rss = lxml.etree.fromstring(feed(store, fmt="rss"))
    assert rss.findtext("channel/item/pubDate") == "Wed, 01 May 2024 10:00:00 +0000"
    assert rss.findtext("channel/lastBuildDate") == "Wed, 01 May 2024 10:00:00 +0000"
    atom = lxml.etree.fromstring(feed(store, fmt="atom"))
    assert atom.findtext(f"{ATOM}updated") == "2024-05-01T10:00:00+00:00"
    assert atom.findtext(f"{ATOM}entry/{ATOM}updated") == "2024-05-01T10:00:00+00:00"


def test_without_base_url_items_link_to_the_article(store) -> None:
    parsed = _parse(feed(store))
    assert {e.link for e in parsed.entries} == {STORY}
    assert not [link for link in parsed.feed.get("links", []) if link.rel == "self"]


@pytest.mark.parametrize("scope", ["all", "article", "source"])
def test_rss_channel_link_is_the_html_page(store, scope: str) -> None:
    story = article_ref(store.resolve(STORY))
    args, page = {"all": ({}, "index.html"), "article": ({"article": story}, f"a/{story.id}/index.html"),
                  "source": ({"source": "wire"}, "s/wire/index.html")}[scope]
    channel = lxml.etree.fromstring(feed(store, fmt="rss", base_url=BASE, **args)).find("channel")
    assert channel.findtext("link") == BASE + page  # not the feed itself, which is the atom:link rel=self
    assert channel.find(f"{ATOM}link").get("href").endswith("rss.xml")


def test_without_base_url_the_channel_link_is_still_a_web_page(store, tmp_path: Path) -> None:
    story = article_ref(store.resolve(STORY))
    hostile = hostile_store(tmp_path / "hostile.db")
    cases = [(store, {"article": story}, STORY), (store, {}, NO_PAGE), (store, {"source": "wire"}, NO_PAGE),
             (hostile, {"article": article_ref(hostile.resolve(HOSTILE))}, NO_PAGE)]  # a javascript: article URL
    for db, args, expected in cases:
        for fmt in ("rss", "atom"):
            parsed = _parse(feed(db, fmt=fmt, cosmetic=True, **args))
            assert parsed.feed.link == expected, (args, fmt)
    hostile.close()


def test_cosmetic_versions_only_when_asked(store) -> None:
    titles = [e.title for e in _parse(feed(store, cosmetic=True)).entries]
    assert titles == ["Headline changed: Storm hits coast \u2192 Storm kills 21 on coast", "Edited: Plan",
                      "Edited: Storm hits coast"]


def test_items_count_hidden_cosmetic_changes_without_command_line_hints(store) -> None:
    # Version 3 of the quotes article changes a date and, in passing, the quote style.
    add(store, QUOTES, ['He said "we are ready" to reporters. The plan starts on Friday.'], title="Plan",
        at="2024-05-02T08:00:00Z", source="daily")
    newest = _parse(feed(store, source="daily")).entries[0]
    content = newest.content[0].value
    assert "(1 cosmetic change hidden)" in content and "--cosmetic" not in content
    assert "--cosmetic" not in newest.summary


def test_a_change_late_in_a_long_sentence_shows_in_the_summary(store) -> None:
    long = ("The United Nations mediator said moribund peace talks on the conflict could soon be resumed if a "
            "faltering truce were extended to the city, something the foreign minister said he hoped would be "
            "announced after a meeting of the security council in the coming hours.")
    add(store, QUOTES, [long], title="Talks", at="2024-05-02T08:00:00Z", source="daily")
    add(store, QUOTES, [long.replace("hours", "days")], title="Talks", at="2024-05-02T09:00:00Z", source="daily")
    summary = _parse(feed(store, source="daily", limit=1)).entries[0].summary
    old, new = summary.split("\n")[1].removeprefix("Changed: ").split(" \u2192 ")
    assert old.endswith("in the coming hours.\u201d") and new.endswith("in the coming days.\u201d")
    assert old.startswith("\u201c\u2026") and len(old) <= 242 and len(new) <= 242


def test_titles_of_articles_without_a_headline(tmp_path: Path) -> None:
    from newsdiff import Store

    store = Store.open(tmp_path / "untitled.db")
    url = "https://news.example.org/untitled"
    add(store, url, ["First words. Second words."], title=None, at="2024-05-01T08:00:00Z", source="wire")
    add(store, url, ["First words. Second words, changed."], title=None, at="2024-05-01T09:00:00Z", source="wire")
    add(store, url, ["First words. Second words, changed."], title="A headline at last", at="2024-05-01T10:00:00Z",
        source="wire")
    titles = [e.title for e in _parse(feed(store, fmt="atom")).entries]
    assert titles == ["Headline changed: (no headline) \u2192 A headline at last", f"Edited: {url}"]
    store.close()


def test_scope_and_limit(store) -> None:
    story = article_ref(store.resolve(STORY))
    assert [e.title for e in _parse(feed(store, article=story, limit=1)).entries] == [
        "Headline changed: Storm hits coast \u2192 Storm kills 21 on coast"]
    assert _parse(feed(store, source="daily")).entries == []
    assert len(_parse(feed(store, source="daily", cosmetic=True)).entries) == 1
    per_article = _parse(feed(store, fmt="atom", article=story, base_url=BASE))
    assert per_article.feed.title == "Edits to Storm kills 21 on coast"
    assert per_article.feed.link == f"{BASE}a/{story.id}/index.html"
    with pytest.raises(LookupError, match="no source 'nobody'"):
        feed(store, source="nobody")


def test_same_database_same_bytes_and_ids_never_change(store, tmp_path: Path) -> None:
    first = feed(store, fmt="atom", base_url=BASE)
    assert feed(store, fmt="atom", base_url=BASE) == first
    ids = [e.id for e in _parse(first).entries]
    # A later edit adds an item on top; the ids already in readers' hands stay exactly as they were.
    add(store, QUOTES, ["He said \u201cwe are ready\u201d to reporters. The plan starts on Friday."], title="Plan",
        at="2024-05-02T08:00:00Z", source="daily")
    again = [e.id for e in _parse(feed(store, fmt="atom", base_url=BASE)).entries]
    assert again[1:] == ids and again[0] not in ids
    # Ids do not depend on where the site is published either.
    assert [e.id for e in _parse(feed(store, fmt="atom")).entries] == again


def test_empty_feed_is_valid_and_dated_from_the_data(tmp_path: Path) -> None:
    from newsdiff import Store

    store = Store.open(tmp_path / "empty.db")
    add(store, STORY, ["Only one version."], title="One", at="2024-05-01T08:00:00Z", source="wire")
    for fmt in ("rss", "atom"):
        parsed = _parse(feed(store, fmt=fmt))
        assert parsed.entries == []
        assert calendar.timegm(parsed.feed.updated_parsed) == _epoch("2024-05-01T08:00:00Z")
    store.close()


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_hostile_text_stays_text(tmp_path: Path, fmt: str) -> None:
    store = hostile_store(tmp_path / "hostile.db")
    data = feed(store, fmt=fmt, cosmetic=True)
    parsed = _parse(data)
    (entry,) = parsed.entries
    root = lxml.etree.fromstring(data)
    # A javascript: article URL is never offered as a link, in any element or attribute.
    assert "javascript:" not in entry.get("link", "")
    assert not [v for e in root.iter() for v in [e.text or "", *e.attrib.values()] if v.startswith("javascript:")]
    if fmt == "rss":
        title = root.findtext("channel/item/title")
        html = root.findtext(f"channel/item/{CONTENT}")
        summary = assert_inert(root.findtext("channel/item/description")).text_content()  # readers render it as HTML
    else:
        title = root.findtext(f"{ATOM}entry/{ATOM}title")
        html, summary = root.findtext(f"{ATOM}entry/{ATOM}content"), root.findtext(f"{ATOM}entry/{ATOM}summary")
        assert root.find(f"{ATOM}entry/{ATOM}summary").get("type") == "text"
    # Control characters are gone; everything else arrives exactly, as text.
    assert title == f"Headline changed: {SCRIPT} council \u2192 {IMG} council{CDATA_END}"
    doc = assert_inert(html)
    text = doc.text_content()
    assert SCRIPT in text and IMG in text and CDATA_END in text
    assert "\x07" not in data.decode("utf-8") and "\x1b" not in data.decode("utf-8")
    assert SCRIPT in summary
    store.close()


def test_lone_surrogates_and_controls_never_break_the_xml() -> None:
    """Text the store cannot even hold can still reach a renderer from a parse: it must not break the feed."""
    old = ArticleRecord(paragraphs=("Broken \ud800 byte here. Second sentence.",), title="Bad \udcff title")
    new = ArticleRecord(paragraphs=("Broken \ud800 byte there\x0b. Second sentence.",), title="Bad \udcff title!\x01")
    report = diff_records(old, new)
    article = ArticleRef(1, "k\udc80", "https://example.org/\ud800", "src\x02", "Bad \udcff title")
    edit = Edit(article, VersionRef(1, 1, "2024-01-01T00:00:00Z", old.title, "a" * 64),
                VersionRef(2, 2, "2024-01-01T01:00:00Z", new.title, "b" * 64),
                Report.of(report, fragment=render_html(layout(report))))
    meta = FeedMeta(id="tag:example.org,2024:x", title="T\udc00", description="D\x00")
    for fmt in ("rss", "atom"):
        data = render_feed(meta, [edit], lambda e: e.article.url, fmt)
        parsed = _parse(data)
        assert parsed.entries[0].title == "Headline changed: Bad \ufffd title \u2192 Bad \ufffd title!"
        assert "Broken \ufffd byte" in parsed.entries[0].content[0].value


def test_fifty_items_by_default_newest_first(cli, db_path: Path) -> None:
    from newsdiff import Store

    store = Store.open(db_path)
    for n in range(1, 53):  # 52 versions: 51 edits
        add(store, STORY, [f"Up to {n} dead, officials said. Schools were closed."], title="Storm",
            at=f"2024-05-{1 + n // 24:02d}T{n % 24:02d}:00:00Z", source="wire")
    store.close()
    result = cli("feed", "--format", "atom")
    ids = [e.id for e in _parse(result.stdout.encode()).entries]
    assert len(ids) == 50 and ids[0].split("/")[-1].startswith("v52-") and ids[-1].split("/")[-1].startswith("v3-")


def test_feed_command(cli, db_path: Path, tmp_path: Path) -> None:
    story_store(db_path).close()
    out = tmp_path / "edits.atom"
    result = cli("feed", "--format", "atom", "--article", STORY, "--base-url", BASE, "--out", out)
    assert result.code == 0 and result.stdout == "", result
    assert [e.title for e in _parse(out.read_bytes()).entries][-1] == "Edited: Storm hits coast"
    result = cli("feed", "--limit", "1")
    assert result.code == 0 and len(_parse(result.stdout.encode()).entries) == 1
    for args, message in [
        (["--article", "https://nowhere.example/"], "no article 'https://nowhere.example/' in the database"),
        (["--out", tmp_path / "missing" / "f.xml"], "No such file or directory"),
    ]:
        result = cli("feed", *args)
        assert result.code == 1 and message in result.stderr and result.stderr.count("\n") == 1, result
    for args, message in [  # values newsdiff checks itself are usage errors, like an unknown option
        (["--format", "json"], "'json' is not one of rss, atom"),
        (["--base-url", "javascript:alert(1)"], "base URL must be an absolute http(s) URL"),
        (["--base-url", "https://edits.example.org/?site=1"], "without a query or fragment"),
        (["--base-url", "https://edits.example.org/#edits"], "without a query or fragment"),
    ]:
        result = cli("feed", *args)
        assert result.code == 2 and message in result.stderr and result.stdout == "", result


def _busy_store(db: str) -> Store:
    """Five articles edited in turns, several edits captured at the same second, one capture backdated
    and one cosmetic edit: the orders a page boundary could get wrong."""
    from newsdiff import Store

    store = Store.open(db)
    for round_ in range(4):
        for n in range(5):
            at = f"2024-05-0{1 + round_}T08:00:0{n % 2}Z"  # two articles share every second
            figure = 10 * round_ + n
            paragraphs = [f"Article {n} reports {figure} arrests today. Police gave the figure.", P2]
            if n == 4 and round_ >= 2:  # the last edit of article 4 changes only the quote style
                quoted = "\u201cPolice\u201d" if round_ == 2 else '"Police"'
                paragraphs = [f"Article 4 reports 33 arrests today. {quoted} gave the figure.", P2]
            add(store, f"https://news.example.org/{n}", paragraphs, title=f"Story {n}", at=at,
                source="wire" if n % 2 else "daily")
    add(store, "https://news.example.org/0", ["Article 0 reports 1 arrest today. Police gave the figure.", P2],
        title="Story 0", at="2024-04-30T08:00:00Z", source="daily")  # backdated: becomes version 1
    return store


def test_a_limited_or_paged_read_of_edits_is_the_start_of_the_whole_list(any_db: str) -> None:
    from newsdiff.reports.cache import Reports

    store = _busy_store(any_db)
    whole = store.edit_pairs()
    assert len(whole) == 16
    keys = [(p["new_captured_at"], p["new_id"]) for p in whole]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    for n in (1, 2, 3, 7, 16, 50):
        assert store.edit_pairs(limit=n) == whole[:n]
        assert store.edit_pairs(source="wire", limit=n) == [p for p in whole if p["source"] == "wire"][:n]
    for size in (1, 2, 3, 5, 16):
        paged, after = [], None
        while page := store.edit_pairs(limit=size, after=after):
            paged.extend(page)
            after = (page[-1]["new_captured_at"], page[-1]["new_id"])
        assert paged == whole, size
    # A version stored between two pages shows on top of the next read, never inside the later pages.
    first = store.edit_pairs(limit=5)
    add(store, "https://news.example.org/3", ["Article 3 reports 99 arrests today. Police gave the figure.", P2],
        title="Story 3", at="2024-06-01T08:00:00Z", source="wire")
    rest = store.edit_pairs(after=(first[-1]["new_captured_at"], first[-1]["new_id"]))
    assert first + rest == whole
    assert store.edit_pairs(limit=1)[0]["new_captured_at"] == "2024-06-01T08:00:00Z"
    # Edits read page by page are the edits of the whole list, and a feed of N shows the first N of them.
    reports = Reports(store)
    everything = [(e.old.id, e.new.id) for e in reports.edits(page=3)]
    assert everything == [(p["old_id"], p["new_id"]) for p in store.edit_pairs()]
    entries = [e.id for e in _parse(feed(store, fmt="atom", limit=100)).entries]
    assert len(entries) == 16  # 17 edits, one only cosmetic
    for n in (1, 4, 15, 16):
        assert [e.id for e in _parse(feed(store, fmt="atom", limit=n)).entries] == entries[:n]
    store.close()
