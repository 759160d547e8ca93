"""Fault injection: hostile and broken links, internal addresses, resets, a locked database, huge feeds.

Every server here listens on loopback (127.0.0.1, and 127.0.0.2 for "an internal host"); links to other
internal addresses (169.254.169.254, 10.1.2.3, ...) must be refused before any connection is tried.
"""

from __future__ import annotations

import gc
import ipaddress
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore
import pytest

from newsdiff.store import sqlite as store_module
from newsdiff.cli import main
from newsdiff.config import load_config
from newsdiff.store import Store
from newsdiff.track.registry import add_feed
from newsdiff.urls import BadURL, check_url, private_address, shown

from .test_track_poll import FAST_LIMITS, text_page
from .test_track_poll import outlet as outlet  # the fixture, shared with the poll tests
from .track_server import Handler, Outlet, page, redirect

RSS = "application/rss+xml"


def items(*links: str, dates: list[str] | None = None) -> bytes:
    """An RSS document whose items link to `links` exactly as given (already XML text: `&#127;` stays)."""
    body = "".join(
        f"<item><title>Item {i}</title><link>{link}</link>"
        + (f"<pubDate>{dates[i]}</pubDate>" if dates else "") + "</item>"
        for i, link in enumerate(links)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>{body}'
            '</channel></rss>').encode()


@pytest.fixture(autouse=True)
def outside_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A safety net under every connection the tests make: one to an address outside loopback is recorded
    and fails at once, so that even a broken guard never reaches a real network."""
    attempts: list[str] = []
    connect = httpcore.AnyIOBackend.connect_tcp

    async def loopback_only(self: httpcore.AnyIOBackend, host: str, port: int, *args: Any,
                            **kwargs: Any) -> httpcore.AsyncNetworkStream:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:  # a name: the guard resolves names before connecting, so none should arrive here
            loopback = False
        if not loopback:
            attempts.append(host)
            raise httpcore.ConnectError(f"the test network reaches loopback only, not {host}")
        return await connect(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", loopback_only)
    yield attempts
    assert attempts == []


@pytest.fixture
def internal() -> Iterator[Outlet]:
    """A server on 127.0.0.2: Linux routes all of 127/8 to the loopback interface."""
    with Outlet("127.0.0.2") as running:
        running.routes["/secret"] = page(text_page("Internal page", "Nothing a feed should reach."))
        yield running


def stored(cli) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {a["url"]: a["versions"] for a in cli("list", "--json").json["articles"]}


def test_every_bad_link_costs_its_own_item_and_every_healthy_article_is_stored(cli, outlet: Outlet,
                                                                               internal: Outlet) -> None:
    port = outlet.base.rsplit(":", 1)[1]
    healthy = [outlet.url(f"/story-{i}") for i in range(4)]
    for i in range(4):
        outlet.routes[f"/story-{i}"] = page(text_page(f"Story {i}", f"Healthy story {i} happened today."))
    outlet.routes["/to-bad-idna"] = redirect("http://xn--ls8h.example/", 302)
    outlet.routes["/to-bad-ipv6"] = redirect("http://[::1/x", 302)  # urljoin's ValueError once ended the whole poll
    outlet.routes["/to-internal"] = redirect(internal.url("/secret"), 302)
    outlet.routes["/to-localhost"] = redirect(f"http://localhost:{port}/via-redirect", 302)
    long_link = outlet.url("/" + "a" * 70_000)
    # (link as written in the feed's XML, URL the poll names, start of the reason given)
    bad = [
        ("http://127.0.0.1:99999/x", "http://127.0.0.1:99999/x", "port is not a number from 1 to 65535"),
        ("http://127.0.0.1:abc/x", "http://127.0.0.1:abc/x", "port is not a number from 1 to 65535"),
        (outlet.url("/del&#127;x"), outlet.url("/del\\x7fx"), "control character '\\x7f' in URL"),
        (long_link, shown(long_link), "URL longer than 8,192 characters"),
        ("http://\u2603\ufe0f.example/x", "http://\u2603\ufe0f.example/x", "invalid international host name"),
        (outlet.url("/to-bad-idna"), outlet.url("/to-bad-idna"),
         "redirected to a bad URL: invalid international host name: 'http://xn--ls8h.example/'"),
        (outlet.url("/to-bad-ipv6"), outlet.url("/to-bad-ipv6"), "redirected to a bad URL: invalid IPv6 address"),
        (internal.url("/secret"), internal.url("/secret"), "refused: 127.0.0.2 is internal (loopback)"),
        (outlet.url("/to-internal"), outlet.url("/to-internal"), "refused: 127.0.0.2 is internal (loopback)"),
        (outlet.url("/to-localhost"), outlet.url("/to-localhost"), "refused: localhost resolves to "),
        (f"http://localhost:{port}/via-name", f"http://localhost:{port}/via-name", "refused: localhost resolves to "),
        (f"http://[::1]:{port}/via-ipv6", f"http://[::1]:{port}/via-ipv6", "refused: ::1 is internal (loopback)"),
        (f"http://0.0.0.0:{port}/via-any", f"http://0.0.0.0:{port}/via-any",
         "refused: 0.0.0.0 is internal (unspecified)"),
        ("http://169.254.169.254/latest/meta-data/", "http://169.254.169.254/latest/meta-data/",
         "refused: 169.254.169.254 is internal (link-local)"),
        ("http://10.1.2.3/x", "http://10.1.2.3/x", "refused: 10.1.2.3 is internal (private)"),
        ("http://[fd00::1]/x", "http://[fd00::1]/x", "refused: fd00::1 is internal (private)"),
        ("http://239.1.2.3/x", "http://239.1.2.3/x", "refused: 239.1.2.3 is internal (multicast)"),
    ]
    outlet.routes["/feed.xml"] = page(items(*healthy[:2], *(link for link, _, _ in bad), *healthy[2:]),
                                      content_type=RSS)
    # ESC is not even allowed in XML 1.0: the feed is malformed, yet its good item is still taken
    outlet.routes["/esc.xml"] = page(items(outlet.url("/esc&#27;[2Jx"), outlet.url("/story-0")), content_type=RSS)
    assert cli("feeds", "add", outlet.url("/feed.xml")).code == 0
    assert cli("feeds", "add", outlet.url("/esc.xml")).code == 0

    result = cli("poll", "--json")
    assert result.code == 2, result  # finished, some inputs failed
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr and "\x7f" not in result.stderr
    errors = result.json["errors"]
    named = Counter(error["url"] for error in errors)
    assert named == Counter([shown_url for _, shown_url, _ in bad] + [outlet.url("/esc\\x1b[2Jx"),
                                                                      outlet.url("/esc.xml")])
    reasons = {error["url"]: error["error"] for error in errors}
    for _, shown_url, reason in bad:
        assert reasons[shown_url].startswith(reason), (shown_url, reasons[shown_url])
    assert reasons[outlet.url("/esc\\x1b[2Jx")].startswith("control character '\\x1b' in URL")
    assert reasons[outlet.url("/esc.xml")].startswith("malformed feed")
    assert len(result.stderr.splitlines()) == len(errors)

    assert {url: stored(cli)[url] for url in healthy} == dict.fromkeys(healthy, 1)
    assert sum(internal.hits.values()) == 0  # refused before connecting, also when a redirect led there
    assert outlet.hits["/via-redirect"] == outlet.hits["/via-name"] == outlet.hits["/via-ipv6"] == 0
    assert outlet.hits["/via-any"] == 0


def test_a_bad_url_stored_by_an_older_version_is_reported_not_a_crash(cli, outlet: Outlet, db_path: Path) -> None:
    outlet.routes["/fine"] = page(text_page("Fine", "A perfectly ordinary story."))
    cli("track", outlet.url("/fine"))
    store = Store.open(db_path)
    with store.write():  # as an older newsdiff stored it: its checks let DEL through
        store.db["articles"].insert({"key": outlet.url("/old\x7f"), "url": outlet.url("/old\x7f"), "tracked": 1,
                                     "status": "active", "created_at": "2024-01-01T00:00:00Z",
                                     "next_check_at": "2024-01-01T00:00:00Z"})
    result = cli("poll", "--json")
    assert result.code == 2 and "Traceback" not in result.stderr, result
    assert [e["error"] for e in result.json["errors"]] == [
        f"control character '\\x7f' in URL: '{outlet.url('/old')}\\x7f'"]
    assert stored(cli)[outlet.url("/fine")] == 1


@pytest.mark.parametrize(("url", "reason"), [
    ("http://example.com:99999/x", "port is not a number from 1 to 65535"),
    ("http://example.com:abc/x", "port is not a number from 1 to 65535"),
    ("http://example.com:0/x", "port is not a number from 1 to 65535"),
    ("http://example.com/a\x7fb", "control character '\\x7f' in URL"),
    ("http://example.com/a\x1b[2Jb", "control character '\\x1b' in URL"),
    ("http://example.com/a\x85b", "control character '\\x85' in URL"),
    ("http://example.com/" + "a" * 8_200, "URL longer than 8,192 characters"),
    ("http://\u2603\ufe0f.example/x", "invalid international host name"),
    ("http://xn--ls8h.example/", "invalid international host name"),
    ("http://exa mple.com/", "invalid host name"),
    ("http://-bad-.example/", "invalid host name"),
    ("http://[::1/x", "invalid IPv6 address"),
    ("http://[fe80::1%25eth0]/x", "invalid IPv6 address"),
    ("http://[v1.example]/x", "invalid IPv6 address"),  # an IPvFuture literal, once tracked as http://v1.example/x
    ("http://[127.0.0.1]/x", "invalid IPv6 address"),
    ("ftp://example.com/x", "not an http(s) URL"),
])
def test_a_bad_url_is_a_one_line_error_for_track_and_feeds_add(cli, url: str, reason: str) -> None:
    with pytest.raises(BadURL) as caught:
        check_url(url)
    assert caught.value.reason == reason
    for command in (["track", url], ["feeds", "add", url]):
        result = cli(*command)
        assert (result.code, result.stdout) == (1, ""), result
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"newsdiff: {reason}: '") and line.isprintable()
    assert cli("list", "--json").json["articles"] == [] and cli("feeds", "list", "--json").json["feeds"] == []


@pytest.mark.parametrize("url", ["http://example.com:8080/a?b=c", "https://b\u00fccher.example/x", "http://[2001:db8::1]/",
                                 "http://xn--bcher-kva.example/", "HTTP://Example.COM", "http://under_score.example/"])
def test_good_urls_pass_the_check(url: str) -> None:
    assert check_url(f"  {url} ") == url


def test_hosts_the_user_named_may_be_internal(cli, outlet: Outlet, internal: Outlet) -> None:
    """A feed on 127.0.0.2 and an article given to `track` there are fetched: the user named that host."""
    internal.routes["/feed"] = page(items(internal.url("/secret")), content_type=RSS)
    internal.routes["/tracked"] = page(text_page("Tracked page", "The user asked for this one."))
    cli("feeds", "add", internal.url("/feed"))
    cli("track", internal.url("/tracked"))
    result = cli("poll", "--json")
    assert (result.code, result.json["new_versions"], result.json["errors"]) == (0, 2, []), result


def test_allow_private_hosts_lets_feed_items_reach_internal_hosts(cli, db_path: Path, outlet: Outlet,
                                                                   internal: Outlet) -> None:
    outlet.routes["/feed"] = page(items(internal.url("/secret")), content_type=RSS)
    cli("feeds", "add", outlet.url("/feed"))
    (db_path.parent / "newsdiff.toml").write_text(FAST_LIMITS + "allow_private_hosts = true\n", encoding="utf-8")
    result = cli("poll", "--json")
    assert (result.code, result.json["new_versions"]) == (0, 1), result
    assert internal.hits["/secret"] == 1


def reset_mid_body(handler: Handler) -> None:
    """Headers and part of the body, then a TCP reset."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(b"Half a story\n\n" + b"x" * 5000)
    handler.wfile.flush()
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def test_a_connection_reset_mid_body_names_the_reason(cli, outlet: Outlet) -> None:
    outlet.routes["/reset"] = reset_mid_body
    cli("track", outlet.url("/reset"))
    (error,) = cli("poll", "--json").json["errors"]
    assert error["error"] == "connection broken: connection reset by peer (after 3 attempts)"


def test_a_huge_feed_is_taken_newest_first_a_few_at_a_time(cli, db_path: Path, outlet: Outlet) -> None:
    (db_path.parent / "newsdiff.toml").write_text(FAST_LIMITS + "max_new_per_feed = 3\n", encoding="utf-8")
    # listed oldest first, so feed order and date order disagree; one item has no date
    days = [f"Mon, {day:02d} Jan 2024 12:00:00 GMT" for day in (1, 2, 3, 4, 5, 6, 7)]
    links = [outlet.url(f"/{i}") for i in range(7)]
    for i in range(8):
        outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", f"Story number {i} of the big feed."))
    outlet.routes["/feed"] = page(items(*links, outlet.url("/7"), dates=[*days, ""]), content_type=RSS,
                                  etag='"big"')
    cli("feeds", "add", "--no-check", outlet.url("/feed"))  # only the polls' requests below
    taken: list[set[str]] = []
    for _ in range(3):
        result = cli("poll", "--json")
        assert result.code == 0, result
        taken.append(set(stored(cli)) - set().union(*taken))
    assert taken == [set(links[4:7]), set(links[1:4]), {links[0], outlet.url("/7")}]
    assert [r.get("If-None-Match") for r in outlet.requests["/feed"]] == [None, None, None]
    assert cli("poll", "--now", "--json").json["articles_discovered"] == 0
    assert outlet.requests["/feed"][-1]["If-None-Match"] == '"big"'  # all taken: conditional again


def test_the_summary_counts_what_was_left_for_later(cli, db_path: Path, outlet: Outlet) -> None:
    (db_path.parent / "newsdiff.toml").write_text(FAST_LIMITS + "max_new_per_feed = 2\n", encoding="utf-8")
    outlet.routes["/feed"] = page(items(*(outlet.url(f"/{i}") for i in range(5))), content_type=RSS)
    cli("feeds", "add", outlet.url("/feed"))
    summary = cli("poll", "--json").json
    assert (summary["articles_discovered"], summary["articles_deferred"]) == (2, 3)


@pytest.mark.parametrize(("toml", "message"), [
    ("max_new_per_feed = 0", "fetch.max_new_per_feed: expected 1 to 10,000, got 0"),
    ("max_new_per_feed = 10001", "fetch.max_new_per_feed: expected 1 to 10,000, got 10001"),
    ("max_new_per_feed = 'lots'", "fetch.max_new_per_feed: expected a whole number from 0 to"),
    ("allow_private_hosts = 'yes'", "fetch.allow_private_hosts: expected true or false, got 'yes'"),
])
def test_new_fetch_keys_are_checked(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "newsdiff.toml"
    config.write_text(f"[fetch]\n{toml}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_config(config, tmp_path / "x.db")


def test_a_write_lock_held_too_long_is_exit_75_naming_the_holder(db_path: Path, outlet: Outlet,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 300)
    outlet.routes["/feed"] = page(items(*(outlet.url(f"/{i}") for i in range(4))), content_type=RSS)
    for i in range(4):
        outlet.routes[f"/{i}"] = page(text_page(f"Story {i}", "Slow to answer."), delay=1.0)
    store = Store.open(db_path)
    add_feed(store, outlet.url("/feed"))
    store.close()
    holder = subprocess.Popen(  # takes the write lock when told to, and keeps it
        [sys.executable, "-c", "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "sys.stdin.readline(); c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(30)",
         str(db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdin is not None and holder.stdout is not None

    def take_the_lock() -> None:  # once the poll has stored the feed and waits for its articles
        while outlet.hits["/0"] == 0:
            time.sleep(0.01)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "held\n"

    taker = threading.Thread(target=take_the_lock)
    taker.start()
    try:
        # the poll meets the lock inside its event loop, with fetches in flight; then `track` meets it
        for args in (["poll", "--json"], ["track", outlet.url("/elsewhere")]):
            monkeypatch.setattr(sys, "argv", ["newsdiff", "--db", str(db_path), *args])
            with warnings.catch_warnings(record=True) as caught, pytest.raises(SystemExit) as exited:
                warnings.simplefilter("always")
                try:
                    main()
                finally:
                    gc.collect()  # a coroutine never awaited would warn here
            out, err = capsys.readouterr()
            assert (exited.value.code, out, [str(w.message) for w in caught]) == (75, "", []), err
            assert len(err.splitlines()) == 1
            assert err.startswith(f"newsdiff: another process (pid {holder.pid}, ")
            assert err.endswith(f") has held the write lock on {db_path} for longer than 0.3 s: try again later\n")
    finally:
        taker.join(10)
        holder.kill()
        holder.wait()
    assert Store.open(db_path).db.execute("SELECT count(*) FROM versions").fetchone()[0] == 0  # nothing half-written


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
    ("fc00::1", "private"), ("fd12:3456::1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("100.64.0.1", "non-public"), ("192.0.2.7", "private"), ("240.0.0.1", "reserved"),
    ("93.184.216.34", None), ("172.32.0.1", None), ("2606:4700::1111", None),
])
def test_internal_addresses_are_told_from_public_ones(address: str, kind: str | None) -> None:
    assert private_address(address) == kind
