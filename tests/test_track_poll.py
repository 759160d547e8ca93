"""`newsdiff poll` against a real local outlet: real feeds and pages, edits, schedule, and misbehaving servers."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from newsdiff.config import SUSPECT_RATIO, load_config
from newsdiff.model import format_time
from newsdiff.store import Store
from newsdiff.track.fetch import Fetched, Fetcher
from newsdiff.track import poll as poll_module
from newsdiff.track.poll import poll
from newsdiff.track.registry import track
from newsdiff.track.settings import FetchSettings, TrackSettings

from .conftest import FIXTURES
from .track_server import (
    Handler, Outlet, alternate, article_paths, endless, gzip_bomb, page, redirect, reset, rewritten_feed,
    sequence, slow, status,
)

JSON_KEYS = {"feeds_checked", "articles_discovered", "articles_deferred", "articles_checked", "not_modified",
             "feeds_not_modified", "unchanged", "new_versions", "reader_changes", "gone", "gone_articles", "suspect",
             "errors", "duration_s", "next_due", "published"}
# Real pages, cheap to extract, handed out in turn to the feeds' article links.
PAGES = ["wapo-1", "wapo-2", "ars-1", "cnn", "heise", "telegraph", "citylab-1", "lemonde-1"]
FAST_LIMITS = """
[fetch]
retries = 2
backoff = 0.01
max_retry_after = "2s"
connect_timeout = 1
read_timeout = 0.5
total_timeout = 3
max_bytes = 1000000
jobs = 8
per_host = 4
"""


def real_page(name: str) -> bytes:
    return gzip.decompress((FIXTURES / "readability-news" / name / "source.html.gz").read_bytes())


def serve(outlet: Outlet, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
    """A page with an ETag that changes with its content, as most servers send."""
    outlet.routes[path] = page(body, content_type=content_type, etag=f'"{hashlib.sha1(body).hexdigest()[:16]}"')


def rss(outlet: Outlet, paths: list[str], *, truncated: bool = False) -> bytes:
    items = "".join(f"<item><title>{p.strip('/')}</title><link>{outlet.url(p)}</link></item>" for p in paths)
    document = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Faults</title>{items}'
    return (document if truncated else document + "</channel></rss>").encode()


def text_page(title: str, sentence: str) -> str:
    return f"{title}\n\n" + "\n\n".join(f"{sentence} Paragraph {i} adds detail for readers." for i in range(4))


@pytest.fixture
def cli(any_cli):
    """Every command-line poll test here runs on SQLite and on PostgreSQL alike."""
    return any_cli


@pytest.fixture
def outlet(db_path: Path) -> Iterator[Outlet]:
    (db_path.parent / "newsdiff.toml").write_text(FAST_LIMITS, encoding="utf-8")
    with Outlet() as running:
        yield running


@pytest.fixture
def wapo(outlet: Outlet) -> dict[str, str]:
    """The two real Washington Post feeds, rewritten to this outlet, and a real page behind every link."""
    served: dict[str, str] = {}
    for name in ("wapo-national.xml", "wapo-politics.xml"):
        feed = rewritten_feed(name, outlet.base)
        outlet.routes[f"/{name}"] = page(feed, content_type="application/rss+xml; charset=utf-8",
                                         etag=f'W/"{name}-1"', last_modified="Sat, 07 Jan 2017 18:00:00 GMT")
        for path in article_paths(feed, outlet.base):
            if path not in served:
                served[path] = PAGES[len(served) % len(PAGES)]
                serve(outlet, path, real_page(served[path]))
    return served


def test_poll_discovers_stores_and_then_sees_exactly_one_edit(cli, outlet: Outlet, wapo: dict[str, str]) -> None:
    for name in ("wapo-national.xml", "wapo-politics.xml"):
        assert cli("feeds", "add", outlet.url(f"/{name}"), "--source", "wapo").code == 0

    first = cli("poll", "--json")
    assert first.code == 0 and first.stderr == "", first
    summary = first.json
    assert cli("feeds", "list", "--json").json["feeds"][0]["etag"] == 'W/"wapo-national.xml-1"'  # as received
    assert set(summary) == JSON_KEYS
    assert (summary["feeds_checked"], summary["articles_discovered"], summary["articles_checked"],
            summary["new_versions"], summary["errors"]) == (2, 38, 38, 38, [])
    articles = cli("list", "--json").json["articles"]
    assert len(articles) == 38  # 20 + 24 entries, 6 stories in both feeds
    assert all(a["source"] == "wapo" and a["tracked"] == 1 and a["versions"] == 1 for a in articles)

    quiet = cli("poll")  # nothing is due yet: no output at all, as cron wants
    assert (quiet.code, quiet.stdout, quiet.stderr) == (0, "", "")
    feed_requests = outlet.requests["/wapo-national.xml"]
    assert feed_requests[-1]["If-None-Match"] == 'W/"wapo-national.xml-1"'
    assert feed_requests[-1]["If-Modified-Since"] == "Sat, 07 Jan 2017 18:00:00 GMT"
    assert all(r["User-Agent"].startswith("newsdiff/") for r in feed_requests)

    edited = next(path for path, name in wapo.items() if name == "wapo-1")
    body = real_page("wapo-1")
    assert b"killing at least 19 people" in body
    serve(outlet, edited, body.replace(b"killing at least 19 people", b"killing at least 21 people"))

    again = cli("poll", "--now", "--json")
    assert again.code == 0, again
    assert (again.json["new_versions"], again.json["not_modified"], again.json["unchanged"]) == (1, 39, 0)
    assert (again.json["feeds_checked"], again.json["feeds_not_modified"], again.json["articles_checked"]) == (2, 2, 38)
    log = cli("log", outlet.url(edited), "--json").json
    assert [v["number"] for v in log["versions"]] == [1, 2]
    diff = cli("diff", outlet.url(edited), "--format", "json")
    assert diff.code == 0, diff
    assert "21 people" in diff.stdout and "19 people" in diff.stdout
    assert sum(a["versions"] for a in cli("list", "--json").json["articles"]) == 39


def test_feed_validators_survive_a_304_without_them(cli, outlet: Outlet, db_path: Path) -> None:
    feed = rss(outlet, [])
    outlet.routes["/feed"] = sequence(
        page(feed, content_type="application/rss+xml", etag='"v1"', last_modified="Mon, 02 Jan 2017 10:00:00 GMT"),
        status(304),
    )
    cli("feeds", "add", "--no-check", outlet.url("/feed"))
    assert cli("poll").code == 0
    assert cli("poll", "--json").json["not_modified"] == 1
    (row,) = cli("feeds", "list", "--json").json["feeds"]
    assert (row["etag"], row["last_modified"], row["last_status"]) == ('"v1"', "Mon, 02 Jan 2017 10:00:00 GMT", 304)
    assert outlet.requests["/feed"][1]["If-None-Match"] == '"v1"'


def test_a_story_in_two_feeds_under_different_links_is_one_article(cli, outlet: Outlet) -> None:
    serve(outlet, "/story", text_page("One story", "The council voted on Tuesday.").encode(),
          "text/plain; charset=utf-8")
    outlet.routes["/a"] = page(rss(outlet, ["/story?utm_source=rss"]), content_type="application/rss+xml")
    outlet.routes["/b"] = page(rss(outlet, ["/story#comments"]), content_type="application/rss+xml")
    cli("feeds", "add", "--no-check", outlet.url("/a"))
    cli("feeds", "add", "--no-check", outlet.url("/b"))
    summary = cli("poll", "--json").json
    assert (summary["articles_discovered"], summary["new_versions"]) == (1, 1)
    assert outlet.hits["/story"] == 1
    assert [a["url"] for a in cli("list", "--json").json["articles"]] == [outlet.url("/story")]


def test_misbehaving_servers_are_each_reported_and_nothing_wrong_is_stored(cli, outlet: Outlet) -> None:
    liberation = real_page("liberation-1")
    faults = {
        "/slow": slow(2.0),
        "/500": status(500),
        "/429-then-ok": sequence(status(429, {"Retry-After": "1"}),
                                 page(text_page("Patient server", "Come back in a second."))),
        "/429-long": status(429, {"Retry-After": "3600"}),
        "/reset": reset,
        "/loop-a": redirect("/loop-b", 302),
        "/loop-b": redirect("/loop-a", 302),
        "/410": status(410),
        "/endless": endless,
        "/bomb": gzip_bomb(60_000_000),
        "/cp1252-declared-utf8": page(liberation.decode("utf-8").encode("cp1252", "xmlcharrefreplace"),
                                      content_type="text/html; charset=utf-8"),
        "/utf8-declared-latin1": page(liberation, content_type="text/html; charset=iso-8859-1"),
        "/latin1-text": page("Caf\u00e9 society\n\nThe caf\u00e9 reopened today after a long winter break."
                             .encode("latin-1"),
                             content_type="text/plain; charset=utf-8"),
        "/ok": page(text_page("Calm page", "Nothing odd happens here.")),
    }
    outlet.routes.update(faults)
    # a feed cut off mid-document still yields its entries, and says it was broken
    outlet.routes["/faults.xml"] = page(rss(outlet, [p for p in faults if p != "/loop-b"], truncated=True),
                                        content_type="application/rss+xml")
    outlet.routes["/not-a-feed"] = page(b"<!DOCTYPE html><html><body><p>Our feeds moved.</p></body></html>",
                                        content_type="text/html")
    cli("feeds", "add", "--no-check", outlet.url("/faults.xml"))
    cli("feeds", "add", "--no-check", outlet.url("/not-a-feed"))

    started = time.monotonic()
    result = cli("poll", "--json")
    assert time.monotonic() - started < 15
    assert result.code == 2, result
    summary = result.json
    errors = {e["url"][len(outlet.base):]: e["error"] for e in summary["errors"]}
    assert errors.keys() == {"/faults.xml", "/not-a-feed", "/slow", "/500", "/429-long", "/reset", "/loop-a",
                             "/endless", "/bomb", "/latin1-text"}
    assert errors["/faults.xml"].startswith("malformed feed") and "read 13 entries" in errors["/faults.xml"]
    assert errors["/not-a-feed"].startswith("not an RSS or Atom feed")
    assert errors["/slow"] == "no data for 0.5 s"
    assert errors["/500"] == "HTTP 500 Internal Server Error (after 3 attempts)"
    assert "Retry-After 3600 s is beyond the 2 s limit" in errors["/429-long"]
    assert errors["/reset"].startswith("connection broken") and errors["/reset"].endswith("(after 3 attempts)")
    assert errors["/loop-a"].startswith("more than 5 redirects")
    assert errors["/endless"] == errors["/bomb"] == "response larger than 1,000,000 bytes, not read further"
    assert "not valid UTF-8" in errors["/latin1-text"]
    assert (outlet.hits["/500"], outlet.hits["/429-long"], outlet.hits["/reset"]) == (3, 1, 3)
    retried = outlet.requests["/429-then-ok"]
    assert retried[1]["_at"] - retried[0]["_at"] >= 0.9  # Retry-After honoured

    lines = result.stderr.splitlines()
    assert len(lines) == len(errors) + 1 and all(line.startswith(f"newsdiff: {outlet.base}") for line in lines)
    assert (summary["gone"], summary["new_versions"], summary["articles_checked"]) == (1, 4, 13)
    [gone] = summary["gone_articles"]
    assert f"newsdiff: {gone['url']}: not found (HTTP {gone['status']}), nothing stored; " \
           f"`newsdiff forget {gone['article_id']} --yes` removes the article" in lines
    stored = {a["url"][len(outlet.base):]: a for a in cli("list", "--json").json["articles"]}
    assert {p for p, a in stored.items() if a["versions"]} == {
        "/429-then-ok", "/cp1252-declared-utf8", "/utf8-declared-latin1", "/ok"}
    assert stored["/410"]["status"] == "gone"
    expected = cli("show", outlet.url("/utf8-declared-latin1"), "--json").json["text"]
    assert "Un troisième Français a été tué" in expected
    assert cli("show", outlet.url("/cp1252-declared-utf8"), "--json").json["text"] == expected


def test_permanent_redirect_moves_the_article_and_the_old_url_still_finds_it(cli, outlet: Outlet) -> None:
    outlet.routes["/old"] = redirect("/new", 301)
    serve(outlet, "/new", text_page("Moved story", "The page moved house.").encode(), "text/plain")
    outlet.routes["/feed"] = page(rss(outlet, ["/old"]), content_type="application/rss+xml")
    cli("feeds", "add", "--no-check", outlet.url("/feed"))
    assert cli("poll").code == 0
    moved = cli("log", outlet.url("/old"), "--json").json["article"]
    assert moved["url"] == outlet.url("/new")

    assert cli("poll", "--now", "--json").json["articles_discovered"] == 0  # the feed still lists /old
    assert outlet.hits["/old"] == 1  # checks go straight to the new address
    assert len(cli("list", "--json").json["articles"]) == 1


@pytest.mark.parametrize("code", [302, 303, 307])
def test_a_temporary_redirect_on_the_first_fetch_gives_the_address_later_ones_do_not(cli, outlet: Outlet,
                                                                                    code: int) -> None:
    outlet.routes["/click?id=7"] = redirect("/hop", code)
    outlet.routes["/hop"] = redirect("/story", code)  # a chain counts as a whole
    serve(outlet, "/story", text_page("Clicked story", "Reached through a click counter.").encode(), "text/plain")
    cli("track", outlet.url("/click?id=7"))
    assert cli("poll", "--json").json["new_versions"] == 1
    article = cli("log", outlet.url("/click?id=7"), "--json").json["article"]
    assert article["url"] == outlet.url("/story")
    cli("poll", "--now")
    assert (outlet.hits["/click?id=7"], outlet.hits["/story"]) == (1, 2)  # checked at the story's address

    outlet.routes["/story"] = redirect("/maintenance", code)  # once it has a history: followed, not remembered
    serve(outlet, "/maintenance", text_page("Down for maintenance", "Back soon, we promise.").encode(), "text/plain")
    cli("poll", "--now")
    cli("poll", "--now")
    assert outlet.hits["/story"] == 4
    assert cli("log", outlet.url("/story"), "--json").json["article"]["url"] == outlet.url("/story")


def test_redirects_to_the_front_page_never_merge_stories(cli, outlet: Outlet) -> None:
    """Two new stories whose first fetch lands on the home page (taken down, a consent wall) stay two."""
    serve(outlet, "/", text_page("Home", "Welcome to the front page of the outlet.").encode(), "text/plain")
    for path, code in (("/a", 302), ("/b", 301)):
        outlet.routes[path] = redirect("/", code)
        cli("track", outlet.url(path))
    cli("poll")
    urls = sorted(a["url"] for a in cli("list", "--json").json["articles"])
    assert urls == [outlet.url("/a"), outlet.url("/b")]


def test_a_move_is_remembered_even_when_the_new_address_answers_304(cli, outlet: Outlet) -> None:
    body = text_page("Moving story", "The page keeps its words and its ETag.").encode()
    serve(outlet, "/old", body, "text/plain")
    cli("track", outlet.url("/old"))
    assert cli("poll", "--json").json["new_versions"] == 1
    serve(outlet, "/new", body, "text/plain")  # same bytes, same ETag
    outlet.routes["/old"] = redirect("/new", 301)
    moved = cli("poll", "--now", "--json").json
    assert (moved["not_modified"], moved["errors"]) == (1, [])
    assert cli("log", outlet.url("/old"), "--json").json["article"]["url"] == outlet.url("/new")
    cli("poll", "--now")
    assert outlet.hits["/old"] == 2 and outlet.hits["/new"] == 2  # the third check went straight there


@pytest.mark.parametrize(("link", "code"), [("/r/1", 301), ("/track?to=story", 302)])  # a feed proxy, a click counter
def test_a_feed_link_redirecting_to_a_story_another_feed_lists_is_one_article(cli, outlet: Outlet, link: str,
                                                                              code: int) -> None:
    serve(outlet, "/story", text_page("Shared story", "Both feeds carry it.").encode(), "text/plain")
    outlet.routes[link] = redirect("/story", code)
    outlet.routes["/direct"] = page(rss(outlet, ["/story"]), content_type="application/rss+xml")
    outlet.routes["/proxied"] = page(rss(outlet, [link]), content_type="application/rss+xml")
    cli("feeds", "add", "--no-check", outlet.url("/direct"))
    cli("feeds", "add", "--no-check", outlet.url("/proxied"))
    first = cli("poll", "--json").json
    assert (first["articles_discovered"], first["new_versions"], first["errors"]) == (2, 1, [])
    (article,) = cli("list", "--json").json["articles"]
    assert article["url"] == outlet.url("/story") and article["versions"] == 1
    assert cli("log", outlet.url(link), "--json").json["article"]["id"] == article["id"]
    assert cli("poll", "--now", "--json").json["articles_discovered"] == 0
    assert outlet.hits[link] == 1


def test_config_feeds_outlive_a_command_run_without_the_config(cli, outlet: Outlet, db_path: Path) -> None:
    (db_path.parent / "newsdiff.toml").unlink()  # no config beside the database
    config = db_path.parent / "conf" / "x.toml"
    config.parent.mkdir()
    config.write_text(f'feeds = ["{outlet.url("/feed")}"]\n' + FAST_LIMITS, encoding="utf-8")
    outlet.routes["/feed"] = page(rss(outlet, []), content_type="application/rss+xml", etag='"f1"')
    assert cli("poll", "--config", config).code == 0
    (row,) = cli("feeds", "list", "--json").json["feeds"]  # run without the config: its feed stays, state and all
    assert (row["url"], row["etag"]) == (outlet.url("/feed"), '"f1"')
    assert cli("poll", "--config", config, "--json").json["not_modified"] == 1
    assert outlet.requests["/feed"][-1]["If-None-Match"] == '"f1"'
    config.write_text(FAST_LIMITS, encoding="utf-8")  # a config in effect that no longer lists it does drop it
    assert cli("--config", config, "feeds", "list", "--json").json["feeds"] == []


def test_gone_is_an_event_and_a_return_is_noticed(cli, outlet: Outlet, any_db: str) -> None:
    cli("track", outlet.url("/story"))
    outlet.routes["/story"] = status(404)
    assert cli("poll", "--json").json["gone"] == 1
    still = cli("poll", "--now", "--json").json  # already known to be gone: counted as neither
    assert (still["articles_checked"], still["gone"], still["unchanged"]) == (1, 0, 0)
    serve(outlet, "/story", text_page("Back again", "The story was restored.").encode(), "text/plain")
    assert cli("poll", "--now", "--json").json["new_versions"] == 1
    store = Store.open(any_db)
    kinds = [r[0] for r in store.db.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds == ["tracked", "gone", "back"]  # the new version is its own row, not also an event
    assert store.resolve(outlet.url("/story"))["status"] == "active"
    # A reader sees the disappearance and the return in the article's log.
    events = cli("log", outlet.url("/story"), "--json").json["events"]
    assert [(e["kind"], e["detail"].get("status")) for e in events] == [("tracked", None), ("gone", 404),
                                                                        ("back", None)]
    human = cli("log", outlet.url("/story")).stdout
    assert "\tgone\t" in human and "status=404" in human and "\tback\t" in human


def test_every_check_is_recorded_with_its_outcome_including_polls_with_now(cli, outlet: Outlet,
                                                                          any_db: str) -> None:
    """A poll records each article check in `fetches`, whether or not the article is due again after it:
    `--now` checks articles that are not due, and their checks count as much as scheduled ones."""
    serve(outlet, "/story", text_page("A story", "The first text.").encode(), "text/plain")
    cli("track", outlet.url("/story"))
    assert cli("poll", "--json").json["new_versions"] == 1
    assert cli("poll", "--now", "--json").json["articles_checked"] == 1
    outlet.routes["/story"] = status(404)
    assert cli("poll", "--now", "--json").json["gone"] == 1
    store = Store.open(any_db)
    outcomes = [r[0] for r in store.db.execute("SELECT outcome FROM fetches WHERE article_id IS NOT NULL ORDER BY id")]
    assert outcomes[0] == "new" and outcomes[-1] == "gone" and len(outcomes) == 3, outcomes


def test_a_page_restored_unchanged_under_its_old_etag_is_back(cli, outlet: Outlet, any_db: str) -> None:
    body = text_page("Pulled and restored", "The story was taken down for a while.").encode()
    serve(outlet, "/story", body, "text/plain")
    cli("track", outlet.url("/story"))
    assert cli("poll", "--json").json["new_versions"] == 1
    restored = outlet.routes["/story"]
    outlet.routes["/story"] = status(410)
    assert cli("poll", "--now", "--json").json["gone"] == 1
    outlet.routes["/story"] = restored  # same bytes, same ETag: a conditional GET would get a 304
    back = cli("poll", "--now", "--json").json
    assert (back["new_versions"], back["unchanged"], back["errors"]) == (0, 1, [])
    store = Store.open(any_db)
    assert store.resolve(outlet.url("/story"))["status"] == "active"
    assert [r[0] for r in store.db.execute("SELECT kind FROM events ORDER BY id")] == ["tracked", "gone", "back"]
    assert "If-None-Match" not in outlet.requests["/story"][-1]
    assert cli("poll", "--now", "--json").json["not_modified"] == 1  # conditional again once read in full


def test_an_ab_flip_flop_stores_two_versions_not_one_per_poll(cli, outlet: Outlet) -> None:
    outlet.routes["/ab"] = alternate(page(text_page("Headline A", "Version A of the story.")),
                                     page(text_page("Headline B", "Version B of the story.")))
    cli("track", outlet.url("/ab"))
    counts = [cli("poll", "--now", "--json").json["new_versions"] for _ in range(5)]
    assert counts == [1, 1, 0, 0, 0]
    assert len(cli("log", outlet.url("/ab"), "--json").json["versions"]) == 2


def test_schedule_follows_age_and_retires_quiet_articles(outlet: Outlet, db_path: Path) -> None:
    serve(outlet, "/s", text_page("Scheduled", "Checked when due.").encode(), "text/plain")
    store = Store.open(db_path)
    settings = load_config(None, db_path).track
    track(store, outlet.url("/s"))
    start = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)

    def checked(after: timedelta) -> int:
        return poll(store, settings, now=start + after).articles_checked

    assert checked(timedelta(0)) == 1
    assert checked(timedelta(minutes=10)) == 0  # checked every 15 minutes while fresh
    assert checked(timedelta(minutes=15)) == 1
    hits = outlet.hits["/s"]
    assert checked(timedelta(minutes=20)) == 0 and outlet.hits["/s"] == hits  # nothing due: no request at all
    assert checked(timedelta(days=2)) == 1
    assert checked(timedelta(days=2, hours=2)) == 0  # every 3 hours in its first week
    assert checked(timedelta(days=2, hours=3)) == 1
    assert checked(timedelta(days=41)) == 1  # quiet for 40 days: this check retires it
    row = store.resolve(outlet.url("/s"))
    assert (row["status"], row["next_check_at"]) == ("retired", None)
    assert checked(timedelta(days=60)) == 0
    assert poll(store, settings, now=start + timedelta(days=60), check_all=True).articles_checked == 0


def test_tracking_an_article_last_changed_long_ago_does_not_retire_it_at_once(cli, outlet: Outlet,
                                                                              tmp_path: Path) -> None:
    body = text_page("An old story", "It was imported from an archive.")
    outlet.routes["/old"] = page(body)
    archived = tmp_path / "old.txt"
    archived.write_text(body, encoding="utf-8")
    assert cli("import", archived, "--url", outlet.url("/old"), "--captured-at", "2015-03-20T10:00:00Z").code == 0
    assert cli("track", outlet.url("/old")).stdout.startswith("tracking again article 1")
    summary = cli("poll", "--json").json
    assert (summary["articles_checked"], summary["unchanged"]) == (1, 1)
    (article,) = cli("list", "--json").json["articles"]
    assert article["status"] == "active" and article["tracked"] == 1


def test_limit_takes_never_checked_articles_first(cli, outlet: Outlet) -> None:
    for i in range(6):
        outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Story number {i} happened."))
        cli("track", outlet.url(f"/{i}"))
    assert cli("poll", "--limit", "4", "--json").json["articles_checked"] == 4
    rest = cli("poll", "--limit", "4")  # two new versions stored, not a terminal: nothing printed at all
    assert (rest.code, rest.stdout, rest.stderr) == (0, "", "")
    assert all(outlet.hits[f"/{i}"] == 1 for i in range(6))


def test_limit_takes_the_most_overdue_first(outlet: Outlet, db_path: Path) -> None:
    store = Store.open(db_path)
    settings = load_config(None, db_path).track
    start = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(4):
        outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Story number {i} happened."))
        track(store, outlet.url(f"/{i}"))
    assert poll(store, settings, now=start).articles_checked == 4
    later = start + timedelta(hours=2)
    with store.write():
        for i, overdue in enumerate([10, 60, 5, 30]):  # minutes past due at `later`
            store.db.execute("UPDATE articles SET next_check_at = ? WHERE url = ?",
                             [format_time(later - timedelta(minutes=overdue)), outlet.url(f"/{i}")])
    assert poll(store, settings, now=later, limit=2).articles_checked == 2
    assert [outlet.hits[f"/{i}"] for i in range(4)] == [1, 2, 1, 2]


def forty_stories(store: Store, outlet: Outlet) -> None:
    for i in range(40):
        outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Story number {i} happened."))
        track(store, outlet.url(f"/{i}"))


def spied_claims(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict[str, Any], int]]:
    """Each claim of due articles made from now on: the keyword arguments it was given (the poll's sets of
    ids copied as they were then), and the rows it got."""
    seen: list[tuple[dict[str, Any], int]] = []
    due_articles = store.due_articles

    def spy(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        given = {name: set(value) if isinstance(value, set) else value for name, value in kwargs.items()}
        rows = due_articles(*args, **kwargs)
        seen.append((given, len(rows)))
        return rows

    monkeypatch.setattr(store, "due_articles", spy)
    return seen


def test_a_poll_alone_on_its_file_claims_many_articles_at_once(outlet: Outlet, db_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Each claim sorts the due articles and leaves out those already checked, so a poll alone on its file
    claims them in large batches: with one request in flight, 40 articles take one claim and a last empty
    one, not one per four articles (which made a `--now` poll of 20,000 articles spend a minute claiming)."""
    (db_path.parent / "newsdiff.toml").write_text(FAST_LIMITS.replace("jobs = 8", "jobs = 1"))
    store = Store.open(db_path)
    settings = load_config(None, db_path).track
    forty_stories(store, outlet)
    claims = spied_claims(store, monkeypatch)
    assert poll(store, settings, check_all=True).articles_checked == 40
    assert [got for _, got in claims] == [40, 0]
    assert all(outlet.hits[f"/{i}"] == 1 for i in range(40))


def test_a_poll_passes_each_claim_only_what_it_has_in_flight(outlet: Outlet, db_path: Path, any_db: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The articles a poll has checked are left out of its next claims by their check time, so what it
    hands each claim stays within one batch however many it has checked (it was the whole list so far:
    a `--now` poll of a million articles sent a million ids with each claim). A poll started in the same
    second as the one before it still checks every article again."""
    (db_path.parent / "newsdiff.toml").write_text(FAST_LIMITS.replace("jobs = 8", "jobs = 1"))
    monkeypatch.setattr(poll_module, "CLAIM_ALONE", 4)  # a file's batch as a server's: four per request in flight
    store = Store.open(any_db)
    settings = load_config(None, db_path).track
    forty_stories(store, outlet)
    claims = spied_claims(store, monkeypatch)

    def handed() -> list[int]:  # ids each claim was given to leave out or to give again
        return [len(given["skip"]) + len(given.get("again", ())) for given, _ in claims]

    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert poll(store, settings, now=now, check_all=True).articles_checked == 40
    assert len(claims) == 11 and max(handed()) <= 4  # ten claims of four, and a last empty one
    claims.clear()
    assert poll(store, settings, now=now, check_all=True).articles_checked == 40  # the same second
    assert all(outlet.hits[f"/{i}"] == 2 for i in range(40))
    assert handed()[0] == 40 and handed()[-1] == 0  # those the first poll checked in that second, then none


@pytest.mark.parametrize(("jobs", "per_host", "peak"), [(8, 2, 2), (3, 4, 3)])
def test_concurrency_respects_jobs_and_the_per_host_limit(cli, outlet: Outlet, db_path: Path,
                                                          jobs: int, per_host: int, peak: int) -> None:
    (db_path.parent / "newsdiff.toml").write_text(FAST_LIMITS.replace("per_host = 4", f"per_host = {per_host}"))
    for i in range(8):
        outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Slow story {i}."), delay=0.2)
        cli("track", outlet.url(f"/{i}"))
    started = time.monotonic()
    assert cli("poll", "--jobs", str(jobs), "--json").json["new_versions"] == 8
    assert outlet.peak == peak
    assert time.monotonic() - started >= 0.2 * -(-8 // peak)  # rounds of `peak` requests


def test_a_trickling_body_is_cut_off_and_a_refused_connection_retried(outlet: Outlet) -> None:
    def trickle(handler: Handler) -> None:  # a byte at a time, each well inside the read timeout
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.05)

    outlet.routes["/trickle"] = trickle
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings = FetchSettings(read_timeout=0.5, total_timeout=1.0, retries=2, backoff=0.01)

    async def fetch_both() -> tuple[Fetched, Fetched]:
        async with Fetcher(settings, is_named=lambda host: host == "127.0.0.1") as fetcher:
            return await fetcher.get(outlet.url("/trickle")), await fetcher.get(f"http://127.0.0.1:{closed}/story")

    trickled, refused = asyncio.run(fetch_both())
    assert (trickled.error, trickled.attempts, trickled.body) == ("took longer than 1 s in all", 1, b"")
    assert refused.error and refused.error.startswith("cannot connect") and refused.attempts == 3


def slow_page(paragraphs: int = 39_000) -> bytes:
    """A page under the element cap that takes seconds to extract (short paragraphs by the ten thousand)."""
    body = "".join(f"<p>Line {n}.</p>" for n in range(paragraphs))
    return f"<html><head><title>A long list</title></head><body><article>{body}</article></body></html>".encode()


def test_a_page_slow_to_extract_costs_that_article_alone_and_stalls_no_fetch(cli, outlet: Outlet, db_path: Path,
                                                                             any_db: str) -> None:
    """Extraction runs off the event loop, in worker processes, each page under `extract_timeout`.

    In-line, the slow page held the loop for many seconds: the healthy pages, still arriving (each
    delayed), timed out (total_timeout 3 s) although their servers answered in 1.5 s.
    """
    limits = (FAST_LIMITS.replace("read_timeout = 0.5", "read_timeout = 3")
              .replace("max_bytes = 1000000", "max_bytes = 3000000"))
    # 1 s: the slow page takes about 3 s (linear since trafilatura's paragraph-text query is), a real one 0.1 s
    (db_path.parent / "newsdiff.toml").write_text(limits + 'extract_timeout = "1s"\n')
    outlet.routes["/slow"] = page(slow_page(), content_type="text/html; charset=utf-8")
    healthy = [f"/{name}" for name in PAGES[:5]]
    for path, name in zip(healthy, PAGES[:5], strict=True):
        outlet.routes[path] = page(real_page(name), content_type="text/html; charset=utf-8", delay=1.5)
    for path in ["/slow", *healthy]:
        cli("track", outlet.url(path))
    result = cli("poll", "--json")
    summary = result.json
    assert result.code == 2, result
    assert summary["errors"] == [{"url": outlet.url("/slow"),
                                  "error": "extraction stopped after 1 s (extract_timeout)"}]
    assert summary["new_versions"] == len(healthy)
    store = Store.open(any_db)
    fetched = dict(store.db.execute("SELECT url, outcome FROM fetches WHERE article_id IS NOT NULL").fetchall())
    assert fetched == {outlet.url("/slow"): "error", **{outlet.url(p): "new" for p in healthy}}


def test_extraction_in_workers_stores_what_extraction_in_process_stores(outlet: Outlet, tmp_path: Path) -> None:
    """Each page's version (or refusal) is the same whether extracted in worker processes or in the poll's own."""
    paths = [*(f"/{name}" for name in PAGES), "/short"]
    for name in PAGES:
        outlet.routes[f"/{name}"] = page(real_page(name), content_type="text/html; charset=utf-8")
    outlet.routes["/short"] = page(b"<html><body><p>Too short.</p></body></html>", content_type="text/html")
    stored, now = {}, datetime.now(timezone.utc)
    for workers in (0, 2):
        store = Store.open(tmp_path / f"{workers}.db")
        for path in paths:
            track(store, outlet.url(path))
        summary = poll(store, load_config(None, tmp_path / f"{workers}.db").track, workers=workers, now=now)
        assert summary.new_versions == len(PAGES)
        assert summary.errors == [{"url": outlet.url("/short"), "error": "no article found (only 2 words of text)"}]
        stored[workers] = {row["url"]: store.record(row["id"]) for row in store.articles()
                           if row["url"] != outlet.url("/short")}
    assert len(stored[2]) == len(PAGES) and stored[0] == stored[2]


def test_poll_through_an_httpx_mock_transport_stores_the_page(tmp_path: Path) -> None:
    """A library caller may hand poll an `httpx.MockTransport`, whose `Response(text=...)` arrives with
    its body already read; the page is stored, not refused as a stream read twice."""
    import httpx

    url = "https://news.example.com/story"
    page = text_page("Mock story", "The council approved the budget on Tuesday.")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text=page))
    store = Store.open(tmp_path / "news.db")
    track(store, url, None)
    summary = poll(store, load_config(None, tmp_path / "news.db").track, transport=transport, workers=0)
    assert summary.errors == []
    article = store.resolve(url)
    assert [v["number"] for v in store.versions(article["id"])] == [1]
    assert "approved the budget" in " ".join(store.as_record(store.version_row(article["id"], None)).paragraphs)


# -- a page met again byte for byte ----------------------------------------------------------------


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URL of every page handed to extraction, in order: a spy on the extraction pool."""
    from newsdiff.sources.pool import ParsePool

    calls: list[str] = []
    parse = ParsePool.parse

    async def spy(self: ParsePool, data: bytes, *, url: str | None = None,
                  content_type: str | None = None) -> object:
        calls.append(url or "")
        return await parse(self, data, url=url, content_type=content_type)

    monkeypatch.setattr(ParsePool, "parse", spy)
    return calls


STORY = """<!doctype html><html><head><title>Council backs flood plan</title></head><body><article>
<h1>Council backs flood plan</h1><p>The city council on Tuesday approved a flood defence plan for the riverside
district after a debate that ran late into the evening, with {votes} members voting in favour.</p>
<p>The plan pays for new barriers along the river and for drains under the main road, which flooded twice
last winter. Officials put its cost at twelve million, to be spent over four years.</p>
<p>Residents who had campaigned for the works welcomed the vote, and shop owners said the closures during
building worried them. Work starts in the spring, the council said.</p></article>{tail}</body></html>"""


def story(votes: int = 21, tail: str = "") -> bytes:
    return STORY.format(votes=votes, tail=tail).encode()


def _story_read_once(outlet: Outlet, db: str, db_path: Path) -> tuple[Store, TrackSettings, str]:
    """The outlet's story tracked and read into its first version by a poll: (store, settings, its URL)."""
    url = outlet.url("/story")
    outlet.routes["/story"] = page(story(), content_type="text/html; charset=utf-8")
    store = Store.open(db)
    settings = load_config(None, db_path).track
    track(store, url)
    assert poll(store, settings, check_all=True).new_versions == 1
    return store, settings, url


def test_a_page_met_again_byte_for_byte_is_unchanged_without_being_extracted(outlet: Outlet, any_db: str,
                                                                             db_path: Path,
                                                                             extracted: list[str]) -> None:
    """Served without validators, the same bytes come back as a 200 on every poll: the second poll records
    them unchanged (counted, logged and scheduled as an unchanged page) without extracting; new bytes with
    the same text are extracted and unchanged, new text is extracted and a new version."""
    url = outlet.url("/story")
    outlet.routes["/story"] = page(story(), content_type="text/html; charset=utf-8")
    store = Store.open(any_db)
    settings = load_config(None, db_path).track
    track(store, url)
    start = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert poll(store, settings, now=start).new_versions == 1 and extracted == [url]
    again = poll(store, settings, now=start + timedelta(hours=1))
    assert (again.articles_checked, again.unchanged, again.not_modified, again.new_versions, again.errors) == (
        1, 1, 0, 0, [])
    assert extracted == [url] and outlet.hits["/story"] == 2  # fetched, not extracted
    row = store.resolve(url)
    assert not {"page_digest", "claimed_by", "lease_until"} & set(row)  # as `log --json` shows it: no bookkeeping
    assert row["last_checked_at"] == format_time(start + timedelta(hours=1))
    assert row["next_check_at"] > format_time(start + timedelta(hours=1))  # the schedule moved on
    outlet.routes["/story"] = page(story(tail="<!-- rendered again -->"), content_type="text/html; charset=utf-8")
    assert poll(store, settings, now=start + timedelta(hours=2)).unchanged == 1 and len(extracted) == 2
    assert poll(store, settings, now=start + timedelta(hours=3)).unchanged == 1 and len(extracted) == 2
    outlet.routes["/story"] = page(story(votes=23), content_type="text/html; charset=utf-8")
    assert poll(store, settings, now=start + timedelta(hours=4)).new_versions == 1 and len(extracted) == 3
    assert poll(store, settings, now=start + timedelta(hours=5)).unchanged == 1 and len(extracted) == 3
    outcomes = [r[0] for r in store.db.execute("SELECT outcome FROM fetches WHERE article_id IS NOT NULL ORDER BY id")]
    assert outcomes == ["new", "same", "same", "same", "new", "same"]
    assert [v["number"] for v in store.versions(row["id"])] == [1, 2]


@pytest.mark.parametrize("change", ["site rule", "trafilatura"])
def test_a_page_is_extracted_again_once_what_reads_it_changes(outlet: Outlet, any_db: str, db_path: Path,
                                                             extracted: list[str], change: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes are read again after the user changes the outlet's site rule or after an upgrade of the
    extractor: what they read as may differ, and only extracting them tells."""
    import trafilatura

    from newsdiff.sources import ParseOptions

    store, settings, url = _story_read_once(outlet, any_db, db_path)
    assert poll(store, settings, check_all=True).unchanged == 1 and len(extracted) == 1
    options = ParseOptions()
    if change == "site rule":
        options = ParseOptions(sites={"127.0.0.1": {"body": "article", "strip": "h1"}})
    else:
        monkeypatch.setattr(trafilatura, "__version__", f"{trafilatura.__version__}.post1")
    read_again = poll(store, settings, options=options, check_all=True)
    assert (read_again.errors, len(extracted)) == ([], 2)
    assert poll(store, settings, options=options, check_all=True).articles_checked == 1 and len(extracted) == 2


# A site rule the user adds after the story was first read: the same page then reads without its last paragraph.
READS_SHORTER = {"127.0.0.1": {"body": "article", "strip": "p:nth-of-type(3)"}}


def _alerts_queued(store: Store) -> list[int]:
    """The version numbers the alert queue holds, oldest first."""
    return [row["version"] for row in store.alerts_with_status("pending", "sent", "skipped", "failed")]


def _watched(store: Store) -> None:
    """An alert rule on the store, as a poll run by the command line attaches the config's."""
    from newsdiff.alerts import queue
    from newsdiff.alerts.rules import alert_rules

    queue.attach(store, alert_rules([{"name": "desk", "url": "json://127.0.0.1:9/hook"}]))


@pytest.mark.parametrize("edited", [False, True], ids=["page unchanged", "page edited too"])
def test_a_page_read_differently_by_newsdiff_is_no_edit_of_the_outlet(outlet: Outlet, any_db: str, db_path: Path,
                                                                      extracted: list[str], edited: bool) -> None:
    """A rule change (or an upgrade) that reads the same page differently: the latest version's own page is
    read again, and that reading is stored as a version marked as newsdiff's change, never alerted, in no
    feed and no `search --changed`; an edit the outlet made meanwhile follows it as an edit of its own,
    holding the outlet's change alone. Once read so, pages are not read twice."""
    from newsdiff import publish
    from newsdiff.api import Archive
    from newsdiff.export import pair_records, version_records
    from newsdiff.render.polling import summary_line
    from newsdiff.render.site import article_path
    from newsdiff.search import search_changed
    from newsdiff.sources import ParseOptions

    store, settings, url = _story_read_once(outlet, any_db, db_path)
    _watched(store)
    if edited:
        outlet.routes["/story"] = page(story(votes=23), content_type="text/html; charset=utf-8")
    options = ParseOptions(sites=READS_SHORTER)
    result = poll(store, settings, options=options, check_all=True)
    assert (result.reader_changes, result.new_versions, result.unchanged, result.errors) == (
        1, int(edited), int(not edited), [])
    assert len(extracted) == 3  # the page just fetched, and the latest version's own page again
    assert "1 page read differently by newsdiff" in summary_line(result.as_json(), datetime.now(timezone.utc))
    article_id = store.resolve(url)["id"]
    marked = store.db.execute("SELECT number, reader_change FROM versions WHERE article_id = ? ORDER BY number",
                              [article_id]).fetchall()
    assert [tuple(row) for row in marked] == [(1, None), (2, 1), (3, None)][:2 + edited]
    assert _alerts_queued(store) == [3][:edited]
    items = publish.feed(store, fmt="atom").decode()
    assert ("Residents who had campaigned" not in items) and items.count("<entry>") == int(edited)
    assert search_changed(store, "residents") == []  # the paragraph left by the rule, not by the outlet
    assert [r["reader_change"] for r in version_records(store)] == [False, True, False][:2 + edited]
    assert [r["reader_change"] for r in pair_records(store)] == [True, False][:1 + edited]
    site_dir = db_path.parent / "site"
    publish.publish(store, site_dir, base_url="https://diffs.example.org/")
    article_page = (site_dir / article_path(store.resolve(url)["id"])).read_text(encoding="utf-8")
    assert article_page.count("(read differently by newsdiff, same page)") == 1
    assert (site_dir / "index.html").read_text(encoding="utf-8").count("Council backs flood plan") == int(edited)
    with Archive(any_db) as archive:
        lines = [v["changes"] for v in archive.log(article_id).versions]
    assert lines[1]["reader_change"] and lines[1]["line"].startswith("read differently by newsdiff, same page: ")
    if edited:  # the outlet's edit, alone: the vote count, not the paragraph the new rule leaves out
        assert not lines[2]["reader_change"] and lines[2]["summary"] == {
            "changed": 1, "added": 0, "removed": 0, "moved": 0, "split": 0, "merged": 0, "unchanged": 2}
    again = poll(store, settings, options=options, check_all=True)
    assert (again.unchanged, again.reader_changes, len(extracted)) == (1, 0, 3)  # the page met again: not read
    outlet.routes["/story"] = page(story(votes=25), content_type="text/html; charset=utf-8")
    later = poll(store, settings, options=options, check_all=True)
    assert (later.new_versions, later.reader_changes, len(extracted)) == (1, 0, 4)  # its reader known: read once


def test_a_page_read_differently_at_the_address_it_now_comes_from_is_a_reader_change(outlet: Outlet, any_db: str,
                                                                                      db_path: Path) -> None:
    """The same page, now reached through a redirect to a host a new site rule names: the kept page is read
    again at the address the page came from this time, where the rule applies, so the shorter reading is
    newsdiff's change and nobody is alerted. Read at the article's own address, the kept page read as before
    and the rule's cut was taken for the outlet's edit."""
    from newsdiff.sources import ParseOptions

    store, settings, url = _story_read_once(outlet, any_db, db_path)
    _watched(store)
    moved = outlet.url("/moved").replace("127.0.0.1", "localhost")
    outlet.routes["/story"] = redirect(moved, 302)
    outlet.routes["/moved"] = page(story(), content_type="text/html; charset=utf-8")
    options = ParseOptions(sites={"localhost": READS_SHORTER["127.0.0.1"]})
    settings = replace(settings, fetch=replace(settings.fetch, allow_private_hosts=True))  # localhost is unnamed
    result = poll(store, settings, options=options, check_all=True)
    assert (result.reader_changes, result.new_versions, result.errors) == (1, 0, [])
    assert outlet.hits["/moved"] == 1 and _alerts_queued(store) == []


def test_a_page_newsdiff_now_reads_far_shorter_is_a_reader_change_not_a_suspect_fetch(outlet: Outlet, any_db: str,
                                                                                       db_path: Path) -> None:
    """A reader that now leaves out most of a page (photo captions an upgrade no longer reads as text): the
    page is not half-loaded, its kept copy reads as short, so the short reading is a reader change, and the
    page is not refused as suspect on every poll from then on."""
    from newsdiff.sources import ParseOptions

    body = " ".join(f"The council met on day {n} and debated the flood plan before it voted." for n in range(6))
    captions = "".join(f'<p class="caption">Photo {n}: residents of the riverside district watch the water rise '
                       f"after the storm on Tuesday evening, as council officials inspect the barriers.</p>"
                       for n in range(6))
    outlet.routes["/story"] = page(f"<html><head><title>Council backs flood plan</title></head><body><article>"
                                   f"<h1>Council backs flood plan</h1><p>{body}</p>{captions}</article></body></html>"
                                   .encode(), content_type="text/html; charset=utf-8")
    store = Store.open(any_db)
    settings = load_config(None, db_path).track
    track(store, outlet.url("/story"))
    assert poll(store, settings, check_all=True).new_versions == 1
    options = ParseOptions(sites={"127.0.0.1": {"body": "article", "strip": "p.caption"}})
    result = poll(store, settings, options=options, check_all=True, suspect_ratio=SUSPECT_RATIO)  # 84 words of 222
    assert (result.reader_changes, result.new_versions, result.suspect) == (1, 0, [])
    assert poll(store, settings, options=options, check_all=True, suspect_ratio=SUSPECT_RATIO).unchanged == 1


def _tracked_before(outlet: Outlet, any_db: str, db_path: Path, monkeypatch: pytest.MonkeyPatch, *, sqlite: str,
                    postgresql: str, column: str) -> tuple[Store, str]:
    """The outlet's story tracked on a database made before one migration (SQLite's `sqlite`, PostgreSQL's
    `postgresql`), which adds `column` to articles; then opened, so migrated: (store, the story's URL)."""
    from newsdiff.store import migrations, postgres

    url = outlet.url("/story")
    outlet.routes["/story"] = page(story(), content_type="text/html; charset=utf-8")
    with monkeypatch.context() as before:
        if any_db == str(db_path):
            earlier = [f for f in migrations.migrations.functions if f.__name__ != sqlite]
            assert len(earlier) == len(migrations.migrations.functions) - 1
            before.setattr(migrations.migrations, "functions", earlier)
        else:
            older = [m for m in postgres.MIGRATIONS if m[0] != postgresql]
            assert len(older) == len(postgres.MIGRATIONS) - 1
            before.setattr(postgres, "MIGRATIONS", older)
        old = Store.open(any_db)
        track(old, url)
        assert column not in [d[0] for d in old.db.execute("SELECT * FROM articles LIMIT 0").description]
        old.close()
    store = Store.open(any_db)
    assert store.db.execute(f"SELECT {column} FROM articles").fetchall() == [(None,)]
    return store, url


def test_an_edit_read_as_before_is_an_edit_when_what_read_the_latest_version_is_unknown(
        outlet: Outlet, any_db: str, db_path: Path, extracted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's m016 and PostgreSQL's m010 on a database made before them leave what read each article
    unknown. An edit then has the poll read the kept page again; it reads as the version did, so the edit
    is an edit, and alerts."""
    store, url = _tracked_before(outlet, any_db, db_path, monkeypatch, sqlite="m016_reader_change",
                                 postgresql="m010_reader_change", column="read_by")
    settings = load_config(None, db_path).track
    assert poll(store, settings, check_all=True).new_versions == 1 and extracted == [url]
    with store.write():  # the version as an older release left it: read by a reader nobody recorded
        store.update_article(store.resolve(url)["id"], {"read_by": None})
    _watched(store)
    outlet.routes["/story"] = page(story(votes=23), content_type="text/html; charset=utf-8")
    result = poll(store, settings, check_all=True)
    assert (result.new_versions, result.reader_changes, len(extracted)) == (1, 0, 3)  # its page read again
    assert _alerts_queued(store) == [2]
    if any_db == str(db_path):  # the view Datasette shows says which versions are newsdiff's change
        assert store.db.execute("SELECT version, reader_change FROM article_versions").fetchall() == [(1, 0), (2, 0)]


def test_a_page_that_reverts_is_read_twice_only_until_its_reader_is_known(outlet: Outlet, any_db: str,
                                                                         db_path: Path, extracted: list[str]) -> None:
    """What read the latest version unknown (a database from before readers were recorded) and a page that
    reads as an earlier version, a revert on every poll: its kept page is read again once, found to read
    as the version does, and from then on the page alone is extracted."""
    store, settings, url = _story_read_once(outlet, any_db, db_path)
    outlet.routes["/story"] = page(story(votes=23), content_type="text/html; charset=utf-8")
    assert poll(store, settings, check_all=True).new_versions == 1 and len(extracted) == 2
    with store.write():
        store.update_article(store.resolve(url)["id"], {"read_by": None})
    outlet.routes["/story"] = page(story(tail="<!-- the first text again -->"), content_type="text/html; charset=utf-8")
    for extractions in (4, 5, 6):  # the page and the kept one, then the page alone
        result = poll(store, settings, check_all=True)
        assert (result.new_versions, result.reader_changes, len(extracted)) == (0, 0, extractions)
    outcomes = [r[0] for r in store.db.execute("SELECT outcome FROM fetches WHERE article_id IS NOT NULL ORDER BY id")]
    assert outcomes == ["new", "new", "revert", "revert", "revert"]


def test_the_same_file_imported_again_and_read_differently_is_no_edit(any_cli, any_db: str, db_path: Path,
                                                                      tmp_path: Path) -> None:
    """`import` of the very file the latest version was read from, read differently now (a site rule added
    since): a version marked as newsdiff's change, said so, and never alerted; a changed file is an edit."""
    url = "https://news.example/story"
    saved = tmp_path / "story.html"
    saved.write_bytes(story())
    config = db_path.parent / "newsdiff.toml"
    config.write_text('[[alerts]]\nname = "desk"\nurl = "json://127.0.0.1:9/hook"\n', encoding="utf-8")
    assert any_cli("import", str(saved), "--url", url).code == 0
    config.write_text(config.read_text(encoding="utf-8")
                      + '[sites."news.example"]\nbody = "article"\nstrip = "p:nth-of-type(3)"\n', encoding="utf-8")
    again = any_cli("import", str(saved), "--url", url)
    assert again.code == 0 and "stored version 2: the input of version 1 read differently by newsdiff, no edit" in (
        again.stdout)
    assert any_cli("import", str(saved), "--url", url, "--json").json["imported"][0]["versions"][0]["outcome"] == "same"
    saved.write_bytes(story(votes=23))
    edited = any_cli("import", str(saved), "--url", url, "--json").json["imported"][0]["versions"][0]
    assert (edited["outcome"], edited["number"], edited["reader_change"]) == ("new", 3, False)
    store = Store.open(any_db)
    try:
        assert _alerts_queued(store) == [3]
    finally:
        store.close()


def test_a_page_once_suspect_or_reverted_to_is_extracted_on_every_poll_as_before(outlet: Outlet, any_db: str,
                                                                               db_path: Path,
                                                                               extracted: list[str]) -> None:
    """Only a page read as the latest version skips extraction: after a suspect fetch the page is read in full
    again, and a page that reads as an earlier version is a revert each time it is met, as it always was."""
    url = outlet.url("/story")
    first, stub = story(), b"<html><head><title>Sorry</title></head><body><p>Not here.</p></body></html>"
    outlet.routes["/story"] = page(first, content_type="text/html; charset=utf-8")
    store = Store.open(any_db)
    settings = load_config(None, db_path).track
    track(store, url)
    assert poll(store, settings, check_all=True).new_versions == 1
    outlet.routes["/story"] = page(stub, content_type="text/html; charset=utf-8")
    assert len(poll(store, settings, check_all=True).suspect) == 1
    outlet.routes["/story"] = page(first, content_type="text/html; charset=utf-8")
    assert poll(store, settings, check_all=True).unchanged == 1 and len(extracted) == 3  # read in full again
    outlet.routes["/story"] = page(story(votes=23), content_type="text/html; charset=utf-8")
    assert poll(store, settings, check_all=True).new_versions == 1
    outlet.routes["/story"] = page(first, content_type="text/html; charset=utf-8")
    for _ in range(2):
        assert poll(store, settings, check_all=True).unchanged == 1
    assert len(extracted) == 6
    outcomes = [r[0] for r in store.db.execute("SELECT outcome FROM fetches WHERE article_id IS NOT NULL ORDER BY id")]
    assert outcomes == ["new", "suspect", "same", "new", "revert", "revert"]


def test_a_version_stored_by_another_command_has_the_next_poll_extract_the_page(outlet: Outlet, any_db: str,
                                                                              db_path: Path,
                                                                              extracted: list[str]) -> None:
    """The digest stands for the page the latest version was read from; a version added otherwise (an
    import) is not that page, so the page is read again and found to revert to the version before."""
    from newsdiff.model import ArticleRecord

    store, settings, url = _story_read_once(outlet, any_db, db_path)
    key = store.resolve(url)["key"]
    imported = ArticleRecord(paragraphs=("An imported text.",), title="Imported")
    assert store.add_version(imported, key=key).outcome == "new"
    assert poll(store, settings, check_all=True).unchanged == 1 and len(extracted) == 2
    assert store.db.execute("SELECT outcome FROM fetches ORDER BY id DESC LIMIT 1").fetchone()[0] == "revert"


def test_a_database_made_before_page_digests_is_migrated_and_then_skips_pages_met_again(
        outlet: Outlet, any_db: str, db_path: Path, extracted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's m015 and PostgreSQL's m009 on a database made before them: an article tracked there has no
    digest yet, so the first poll after the upgrade extracts its page as before, and the next one does not."""
    store, url = _tracked_before(outlet, any_db, db_path, monkeypatch, sqlite="m015_page_digest",
                                 postgresql="m009_page_digest", column="page_digest")
    settings = load_config(None, db_path).track
    assert poll(store, settings, check_all=True).new_versions == 1 and extracted == [url]
    assert poll(store, settings, check_all=True).unchanged == 1 and extracted == [url]
