"""History from (and, with [archive] wayback = true, evidence to) a fake Wayback Machine on 127.0.0.1."""

from __future__ import annotations

import html
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from xml.etree import ElementTree

import pytest

from .test_warc import CANONICAL, FIRST, SECOND
from .track_server import Outlet, page
from .warc_helpers import article_page
from .wayback_server import Wayback

ATOM = "{http://www.w3.org/2005/Atom}"
THIRD = [*SECOND, "Repairs are now expected to last until the end of the summer."]


@pytest.fixture
def wayback(db_path: Path) -> Iterator[Wayback]:
    server = Wayback()
    server.captures[CANONICAL] = [
        ("20240301100000", "A", article_page("Bridge to close", FIRST)),
        ("20240301180000", "B", b"<html><body><p>Sorry, this page is busy.</p></body></html>"),
        ("20240302083000", "C", article_page("Bridge to close", SECOND)),
        ("20240303090000", "D", article_page("Bridge to close", FIRST)),  # the text went back to the first one
        ("20240304090000", "E", article_page("Bridge to stay shut all summer", THIRD)),
    ]
    (db_path.parent / "newsdiff.toml").write_text(
        f'[archive]\nwayback_base = "{server.base}"\ninterval = 0.2\n[fetch]\nbackoff = 0.1\n')
    yield server
    server.close()


def test_captures_become_versions_at_their_times_and_a_second_run_fetches_nothing(cli, wayback: Wayback) -> None:
    wayback.throttle["/web/20240302083000id_/" + CANONICAL] = 1  # one 429 with Retry-After: 1, then the page
    result = cli("import", "--wayback", CANONICAL + "?utm_source=x", "--json")
    assert result.code == 0, result
    captures = result.json["captures"]
    assert [(c["timestamp"], c["outcome"]) for c in captures] == [
        ("20240301100000", "stored"), ("20240301180000", "refused"), ("20240302083000", "stored"),
        ("20240303090000", "unchanged"), ("20240304090000", "stored")]
    assert "no article found" in captures[1]["reason"]
    log = cli("log", CANONICAL, "--json").json["versions"]
    assert [v["captured_at"] for v in log] == ["2024-03-01T10:00:00Z", "2024-03-02T08:30:00Z", "2024-03-04T09:00:00Z"]
    assert cli("show", CANONICAL, "--version", "1", "--raw").stdout_bytes == article_page("Bridge to close", FIRST)
    retried = [t for t, path in wayback.times if path == "/web/20240302083000id_/" + CANONICAL]
    assert len(retried) == 2 and retried[1] - retried[0] >= 0.9  # Retry-After waited for
    starts = sorted(t for t, _ in wayback.times)
    assert min(b - a for a, b in pairwise(starts)) >= 0.15  # never faster than the interval
    fetched = sum(wayback.hits.values())
    again = cli("import", "--wayback", CANONICAL)
    assert again.code == 0, again
    assert sum(wayback.hits.values()) == fetched + 1  # the listing only
    assert again.stdout.count("handled by an earlier run") == 5


def test_from_and_to_narrow_the_listing_and_a_later_run_fills_in(cli, wayback: Wayback) -> None:
    first = cli("import", "--wayback", CANONICAL, "--from", "2024-03-02", "--to", "2024-03-02")
    assert first.code == 0, first
    assert first.stdout == "capture 20240302083000 (2024-03-02T08:30:00Z): stored version 1\n"
    rest = cli("import", "--wayback", CANONICAL, "--json")
    outcomes = {c["timestamp"]: c["outcome"] for c in rest.json["captures"]}
    assert outcomes == {"20240301100000": "stored", "20240301180000": "refused", "20240302083000": "done before",
                        "20240303090000": "unchanged", "20240304090000": "stored"}
    log = cli("log", CANONICAL, "--json").json["versions"]  # the earlier capture took its place in time
    assert [v["captured_at"][:10] for v in log] == ["2024-03-01", "2024-03-02", "2024-03-04"]


def test_a_server_that_keeps_refusing_stops_the_run_for_later(cli, wayback: Wayback) -> None:
    wayback.throttle["/web/20240302083000id_/" + CANONICAL] = 10
    wayback.retry_after = "0"
    result = cli("import", "--wayback", CANONICAL, "--json")
    assert result.code == 2, result
    assert [c["outcome"] for c in result.json["captures"]] == ["stored", "refused"]
    assert "rate-limited (status 429" in result.stderr and "3 captures left for the next run" in result.stderr
    wayback.throttle.clear()
    later = cli("import", "--wayback", CANONICAL, "--json")
    assert [c["outcome"] for c in later.json["captures"]] == ["done before", "done before", "stored", "unchanged",
                                                              "stored"]


def test_listing_errors_and_bad_options_are_one_line(cli, wayback: Wayback, tmp_path: Path) -> None:
    wayback.throttle["/cdx/search/cdx"] = 10
    wayback.retry_after = "0"
    listed = cli("import", "--wayback", CANONICAL)
    assert listed.code == 1 and "capture list: status 429" in listed.stderr and listed.stderr.count("\n") == 1
    assert cli("import", "--wayback", "ftp://x").stderr.startswith("newsdiff: --wayback: not an http(s) URL")
    assert "--from: not an ISO 8601 time" in cli("import", "--wayback", CANONICAL, "--from", "soon").stderr
    both = cli("import", str(tmp_path), "--wayback", CANONICAL)
    assert both.code == 2 and "not both" in both.stderr
    assert cli("import").code == 2
    wayback.throttle.clear()
    empty = cli("import", "--wayback", "https://news.example.com/never")
    assert empty.code == 0 and "holds no capture" in empty.stdout


def test_a_listed_timestamp_that_is_no_time_is_passed_over_not_the_end_of_the_run(cli, wayback: Wayback) -> None:
    """The listing is the archive's (or a mirror's) text: 14 digits with a month 13 once stopped the
    whole import with strptime's own words ("unconverted data remains")."""
    wayback.captures[CANONICAL][1:1] = [("20241399000000", "X", b"<html></html>"), ("20240230120000", "Y", b"")]
    result = cli("import", "--wayback", CANONICAL, "--json")
    assert result.code == 0, result
    assert [c["timestamp"] for c in result.json["captures"]] == [
        "20240301100000", "20240301180000", "20240302083000", "20240303090000", "20240304090000"]


@pytest.mark.parametrize("base", ["http://ann:s3cret@127.0.0.1:8/", "http://ann:s3cret@127.0.0.1:99999", "http://ann@a.b"])
def test_a_wayback_base_naming_a_user_or_password_is_refused_without_showing_it(cli, db_path: Path, base: str) -> None:
    """Every capture's address is logged in `fetches`: a password there would be stored, and it was shown
    whole in the error for a bad port."""
    (db_path.parent / "newsdiff.toml").write_text(f'[archive]\nwayback_base = "{base}"\n')
    result = cli("import", "--wayback", CANONICAL)
    assert result.code == 1 and "wayback_base must not name a user or password" in result.stderr
    assert "s3cret" not in result.stderr and "ann" not in result.stderr and result.stderr.count("\n") == 1


def _save_config(db_path: Path, wayback: Wayback) -> None:
    (db_path.parent / "newsdiff.toml").write_text(
        f'[archive]\nwayback = true\nwayback_base = "{wayback.base}"\ninterval = 0\n')


@pytest.fixture
def outlet() -> Iterator[Outlet]:
    """An outlet on 127.0.0.1 whose story (a URL with a query, which pages must escape) a poll reads."""
    with Outlet() as running:
        yield running


def _story(outlet: Outlet, sentences: list[str]) -> tuple[str, bytes]:
    """The story's URL and a page of it whose canonical link names that URL."""
    url = outlet.url("/story?id=7&part=2")
    body = article_page("Bridge to close", sentences).replace(
        b"</head>", f'<link rel="canonical" href="{html.escape(url)}"></head>'.encode())
    outlet.routes["/story?id=7&part=2"] = page(body, content_type="text/html; charset=utf-8")
    return url, body


def test_each_polled_version_is_saved_and_its_snapshot_shown_and_linked(
        cli, db_path: Path, tmp_path: Path, wayback: Wayback, outlet: Outlet, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdiff.archive.save import send_saves
    from newsdiff.alerts.deliver import SendSummary
    from newsdiff.archive.settings import archive_settings
    from newsdiff.store import Store

    _save_config(db_path, wayback)
    monkeypatch.setenv("IA_ACCESS", "access-key-1")
    monkeypatch.setenv("IA_SECRET", "secret-key-2")
    url, body = _story(outlet, SECOND)
    assert cli("track", url).code == 0
    imported = tmp_path / "page.html"  # history of the tracked article, captured now: an import, never saved
    imported.write_bytes(body.replace(b"Monday", b"Sunday"))
    assert cli("import", imported).code == 0
    first = cli("poll", "--json")  # version 2 stored and submitted; the job is still pending
    assert first.code == 0, first
    assert first.json["new_versions"] == 1
    assert first.json["alerts"] == {"sent": 0, "skipped": 0, "retrying": [], "failed": []}
    [save] = wayback.saves
    assert save["form"]["url"] == url and save["accept"] == "application/json"
    assert save["authorization"] == "LOW access-key-1:secret-key-2"
    summary = SendSummary()
    store = Store.open(db_path)
    send_saves(store, archive_settings({"wayback_base": wayback.base, "interval": 0}), summary, force=True)
    assert summary.sent == 1 and len(wayback.saves) == 1  # the job's status read, not submitted again
    snapshot = f"{wayback.base}/web/20240305120000/{url}"
    assert cli("show", url, "--json").json["archived"] == snapshot
    versions = cli("log", url, "--json").json["versions"]
    assert [v["archived"] for v in versions] == [None, snapshot]
    assert snapshot in cli("log", url).stdout
    dump = "\n".join(store.db.iterdump())
    assert "secret-key-2" not in dump and "access-key-1" not in dump
    # the feed item and the diff page link the archived copy, escaped
    escaped = html.escape(snapshot)
    link = f'<p class="archived"><a href="{escaped}">archived copy</a></p>'
    rss = ElementTree.fromstring(cli("feed", "--format", "rss").stdout_bytes).find("channel/item")
    assert rss is not None
    assert rss.findtext("description", "").endswith(f"Archived copy: {escaped}")  # read as HTML: escaped once
    assert rss.findtext("{http://purl.org/rss/1.0/modules/content/}encoded", "").endswith(link)
    atom = ElementTree.fromstring(cli("feed", "--format", "atom").stdout_bytes).find(f"{ATOM}entry")
    assert atom is not None
    assert atom.findtext(f"{ATOM}summary", "").endswith(f"Archived copy: {snapshot}")  # plain text
    assert atom.findtext(f"{ATOM}content", "").endswith(link)
    site = tmp_path / "site"
    assert cli("publish", site, "--base-url", "https://edits.example.org/").code == 0
    article_id = cli("show", url, "--json").json["article"]["id"]
    diff_page = (site / f"a/{article_id}/1-2.html").read_text()
    assert f'<a class="archived" href="{escaped}"' in diff_page and diff_page.count("archived copy") == 1
    assert f'<a class="archived" href="{escaped}"' in (site / f"a/{article_id}/v2.html").read_text()
    # a snapshot saved after publishing refreshes the site
    with store.write():
        store.event(article_id, "archived", {"url": snapshot + "?again"}, version_id=versions[0]["id"])
    refreshed = cli("poll", "--publish", site, "--json")
    assert refreshed.json["published"]["refreshed"] is True
    assert (site / f"a/{article_id}/1-2.html").read_text().count("archived copy") == 2


def test_a_refused_save_backs_off_and_a_given_up_one_is_listed_by_check(cli, db_path: Path, wayback: Wayback,
                                                                        outlet: Outlet) -> None:
    from newsdiff.alerts.deliver import SendSummary
    from newsdiff.archive.save import send_saves
    from newsdiff.archive.settings import archive_settings
    from newsdiff.store import Store

    _save_config(db_path, wayback)
    wayback.throttle["/save"] = 1
    wayback.retry_after = "120"
    cli("track", _story(outlet, FIRST)[0])
    refused = cli("poll")
    assert refused.code == 2 and "HTTP 429" in refused.stderr and "will retry" in refused.stderr
    store = Store.open(db_path)
    row = store.db.execute("SELECT not_before, next_attempt_at FROM alerts").fetchone()
    assert row[0] is not None and row[0] == row[1]  # Retry-After kept, even by --now
    summary = SendSummary()
    send_saves(store, archive_settings({"wayback_base": wayback.base, "interval": 0}), summary, force=True)
    assert len(wayback.saves) == 0 and summary.sent == 0
    store.db.execute("UPDATE alerts SET queued_at = '2000-01-01T00:00:00Z', not_before = NULL, "
                     "next_attempt_at = NULL")
    wayback.throttle["/save"] = 1
    given_up = cli("poll")
    assert given_up.code == 2 and "given up" in given_up.stderr
    check = cli("check")
    assert check.code != 0 and "@wayback" in check.stdout + check.stderr
