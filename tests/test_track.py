"""Tracking without the network: canonical URLs, feed entries, settings, schedule, cron text, registry commands."""

from __future__ import annotations

import re
import shlex
from datetime import timedelta
from pathlib import Path

import pytest

from newsdiff.config import load_config
from newsdiff.track.cron import cron_text, crontab_schedule
from newsdiff.track.feeds import parse_feed
from newsdiff.track.fetch import Request, interleave_hosts, retry_after_seconds
from newsdiff.track.settings import ScheduleSettings, parse_duration
from newsdiff.urls import canonical_url, feed_url

from .conftest import cli_for
from .track_server import FEEDS


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("https://www.example.com/a/b?utm_source=rss&utm_medium=feed#comments", "https://www.example.com/a/b"),
        ("HTTPS://WWW.EXAMPLE.COM:443/Story.html", "https://www.example.com/Story.html"),
        ("http://example.com:8080/x?id=7&fbclid=abc&page=2", "http://example.com:8080/x?id=7&page=2"),
        ("http://example.com", "http://example.com/"),
        ("  http://example.com/x?q=a%20b&gclid=1  ", "http://example.com/x?q=a%20b"),
        ("https://example.com/x?flag&utm_campaign=y", "https://example.com/x?flag"),
    ],
)
def test_canonical_url_strips_what_does_not_identify_the_story(given: str, canonical: str) -> None:
    assert canonical_url(given) == canonical


@pytest.mark.parametrize("bad", ["ftp://example.com/a", "mailto:x@example.com", "/relative/path", "http://"])
def test_canonical_url_refuses_non_web_urls(bad: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        canonical_url(bad)
    with pytest.raises(ValueError, match="not an http"):
        feed_url(bad)


@pytest.mark.parametrize(
    ("given", "spelled"),
    [
        ("HTTP://Host.Example:80/f1", "http://host.example/f1"),
        ("https://host.example:443/Feed.xml#top", "https://host.example/Feed.xml"),
        ("http://host.example:8080", "http://host.example:8080/"),
        # a feed's query may choose what it serves: kept whole, even what an article URL would lose
        ("https://host.example/f?feedtype=rss&partner=x&utm_source=y", "https://host.example/f?feedtype=rss&partner=x&utm_source=y"),
    ],
)
def test_feed_url_is_one_spelling_that_keeps_the_query(given: str, spelled: str) -> None:
    assert feed_url(given) == spelled


def test_feed_entries_prefer_a_permalink_guid_and_ignore_other_guids() -> None:
    feed = parse_feed(
        b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
        <item><title>One</title><link>http://feeds.example.net/~r/x/1</link><guid>https://news.example.com/one</guid></item>
        <item><title>Two</title><link>https://news.example.com/two?utm_source=rss#top</link>
              <guid isPermaLink="false">https://news.example.com/?p=2</guid></item>
        <item><title>Three</title><link>/three</link><guid isPermaLink="false">three-id</guid></item>
        <item><title>No link</title><guid isPermaLink="false">x</guid></item>
        </channel></rss>""",
        url="https://news.example.com/feed",
    )
    assert feed.problem is None
    assert [e.urls for e in feed.entries] == [
        ("https://news.example.com/one", "http://feeds.example.net/~r/x/1"),
        ("https://news.example.com/two",),
        ("https://news.example.com/three",),
    ]
    assert [e.title for e in feed.entries] == ["One", "Two", "Three"]


@pytest.mark.parametrize("junk", [
    b"<guid " * 20_000,  # unclosed tags
    b"<guid isPermaLink='false'><![CDATA[x" * 5_000,  # unclosed CDATA sections
    b"<guid isPermaLink='false'>" + b" " * 2_000,  # whitespace that could be split three ways
])
def test_hostile_guid_markup_is_read_in_linear_time(junk: bytes) -> None:
    """Text shaped like guids, in a description, is scanned once (the old pattern took 6, 4 and 2 s on
    these); a real CDATA guid marked isPermaLink="false" is still no permalink."""
    feed = parse_feed(
        b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
        <item><title>One</title><link>http://feeds.example.net/~r/x/1</link><guid>https://news.example.com/one</guid></item>
        <item><title>Two</title><link>https://news.example.com/two</link>
              <guid isPermaLink="false"> <![CDATA[https://news.example.com/?p=2]]> </guid></item>
        <item><title>Junk</title><description><![CDATA[""" + junk + b"""]]></description></item>
        </channel></rss>""",
        url="https://news.example.com/feed",
    )
    assert feed.problem is None
    assert [e.urls for e in feed.entries] == [
        ("https://news.example.com/one", "http://feeds.example.net/~r/x/1"),
        ("https://news.example.com/two",),
    ]


def test_atom_entries_are_keyed_by_their_link_not_their_id() -> None:
    feed = parse_feed(
        b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
        <entry><title>One</title><id>https://news.example.com/?p=101</id>
               <link rel="alternate" href="https://news.example.com/2024/one?utm_medium=atom"/></entry>
        <entry><title>Two</title><id>tag:news.example.com,2024:102</id><link href="https://news.example.com/two"/></entry>
        </feed>""",
        url="https://news.example.com/atom.xml",
    )
    assert feed.problem is None
    assert [e.urls for e in feed.entries] == [
        ("https://news.example.com/2024/one", "https://news.example.com/?p=101"),
        ("https://news.example.com/two",),
    ]


def test_real_feed_fixture_parses_cleanly() -> None:
    feed = parse_feed((FEEDS / "wapo-politics.xml").read_bytes(), url="https://www.washingtonpost.com/feed")
    assert feed.problem is None and feed.title == "Politics" and len(feed.entries) == 24
    assert all(e.urls[0].startswith("https://www.washingtonpost.com/") for e in feed.entries)


def test_malformed_feed_yields_what_it_can_and_says_so() -> None:
    data = (FEEDS / "wapo-national.xml").read_bytes()
    cut = data[: data.index(b"<item>", data.index(b"<item>", data.index(b"<item>") + 1) + 1) + 300]
    feed = parse_feed(cut, url="https://www.washingtonpost.com/feed")
    assert len(feed.entries) == 2
    assert feed.problem and feed.problem.startswith("malformed feed") and "read 2 entries" in feed.problem


@pytest.mark.parametrize("body", [b"<html><body><p>A web page</p></body></html>", b"just words", b"{\"a\": 1}"])
def test_a_document_that_is_no_feed_is_reported(body: bytes) -> None:
    feed = parse_feed(body, url="https://example.com/feed", content_type="text/html")
    assert feed.entries == [] and feed.problem and feed.problem.startswith("not an RSS or Atom feed")


def test_schedule_slows_down_as_an_article_settles() -> None:
    schedule = ScheduleSettings()
    assert schedule.interval(timedelta(hours=1)) == timedelta(minutes=15)
    assert schedule.interval(timedelta(hours=12)) == timedelta(hours=1)
    assert schedule.interval(timedelta(days=3)) == timedelta(hours=3)
    assert schedule.interval(timedelta(days=35)) == timedelta(days=1)
    assert schedule.retire_after == timedelta(days=40)


def test_config_holds_feeds_schedule_and_fetch_limits(tmp_path: Path) -> None:
    config = tmp_path / "newsdiff.toml"
    config.write_text(
        """
feeds = ["https://a.example/rss", {url = "https://b.example/atom", source = "bee"}]
[schedule]
retire_after = "10d"
steps = [{until = "2h", every = "5m"}, {until = "3d", every = "6h"}]
[fetch]
jobs = 4
per_host = 1
read_timeout = "5s"
extract_timeout = "1m"
user_agent = "newsdiff (ops@example.org)"
""",
        encoding="utf-8",
    )
    track = load_config(None, tmp_path / "news.db").track
    assert [(f.url, f.source) for f in track.feeds] == [("https://a.example/rss", None),
                                                        ("https://b.example/atom", "bee")]
    assert track.schedule.retire_after == timedelta(days=10)
    assert track.schedule.interval(timedelta(hours=1)) == timedelta(minutes=5)
    assert track.schedule.interval(timedelta(days=5)) == timedelta(hours=6)
    assert (track.fetch.jobs, track.fetch.per_host, track.fetch.read_timeout, track.fetch.extract_timeout) == (4, 1,
                                                                                                               5.0,
                                                                                                               60.0)
    assert track.fetch.user_agent == "newsdiff (ops@example.org)"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[fetch]\njobs = 0", "fetch.jobs and fetch.per_host must be at least 1"),
        ("[fetch]\nspeed = 3", "fetch: unknown key \"speed\" (known: "),
        ("[fetch]\nextract_timeout = '0.5s'", "fetch.extract_timeout: expected 1s to 60m, got '0.5s'"),
        ("[fetch]\nextract_timeout = '2h'", "fetch.extract_timeout: expected 1s to 60m, got '2h'"),
        ("[schedule]\nretire_after = 'soon'", "schedule.retire_after: expected a duration"),
        ("[schedule]\nsteps = [{until = '1d', every = '1h'}, {until = '2h', every = '5m'}]", "increasing order"),
        ("feeds = 'https://a.example/rss'", "feeds: expected a list"),
        ("feeds = ['ftp://a.example/rss']", "feeds: not an http(s) URL: 'ftp://a.example/rss'"),
        ("feeds = [{url = 'https://a.example/rss', source = 7}]", "feeds: source for https://a.example/rss"),
        # typos name the nearest known key
        ('feed = ["https://a.example/rss"]', 'unknown key "feed" (did you mean "feeds"?)'),
        ("[fetc]\njobs = 2", 'unknown key "fetc" (did you mean "fetch"?)'),
        ("[fetch]\njbos = 2", 'fetch: unknown key "jbos" (did you mean "jobs"?)'),
        ("[schedule]\nretire = '3d'", 'schedule: unknown key "retire" (did you mean "retire_after"?)'),
        ("[extraction]\nsuspect = 0.3", '[extraction]: unknown key "suspect" (did you mean "suspect_ratio"?)'),
        ("feeds = [{url = 'https://a.example/rss', sorce = 'x'}]", 'unknown key "sorce" (did you mean "source"?)'),
        ("colour = 1", 'unknown key "colour" (known: alerts, archive, extraction, feeds, fetch, schedule, sites)'),
        # values too large for any clock or counter
        ("[fetch]\nread_timeout = inf", "fetch.read_timeout: at most 3650 days, got inf"),
        ("[fetch]\nread_timeout = nan", "fetch.read_timeout: must be a duration of 0 or more, got nan"),
        ('[fetch]\ntotal_timeout = "99999999999999999999d"', "fetch.total_timeout: at most 3650 days"),
        ("[fetch]\nbackoff = 99999999999999999999", "fetch.backoff: at most 3650 days"),
        ("[schedule]\nretire_after = 1e300", "schedule.retire_after: at most 3650 days, got 1e+300"),
        ("[schedule]\nsteps = [{until = '1d', every = '99999999999w'}]", "schedule.steps.every: at most 3650 days"),
        ("[fetch]\nretries = 9999999999999", "fetch.retries: expected a whole number from 0 to 20"),
        ("[fetch]\nmax_bytes = 99999999999999999999", "fetch.max_bytes: expected a whole number from 0 to"),
        ('[fetch]\nuser_agent = "newsdiff\\r\\nX-Injected: 1"', "fetch.user_agent: expected printable ASCII"),
        ('[fetch]\nuser_agent = "newsdiff \\u001b[2J"', "fetch.user_agent: expected printable ASCII"),
    ],
)
def test_bad_tracking_config_is_one_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        load_config(config, tmp_path / "news.db")
    assert str(config) in str(caught.value) and "\n" not in str(caught.value)


def test_durations() -> None:
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration(30) == timedelta(seconds=30)
    with pytest.raises(ValueError):
        parse_duration("-5m")


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_requests_are_interleaved_by_host() -> None:
    urls = ["http://a/1", "http://a/2", "http://a/3", "http://b/1", "http://c/1", "http://b/2"]
    ordered = [r.url for r in interleave_hosts([Request(u, None) for u in urls])]
    assert ordered == ["http://a/1", "http://b/1", "http://c/1", "http://a/2", "http://b/2", "http://a/3"]


@pytest.mark.parametrize(
    ("every", "fields"),
    [("15m", "*/15 * * * *"), ("1m", "* * * * *"), ("1h", "0 * * * *"), ("6h", "0 */6 * * *"), ("1d", "0 0 * * *")],
)
def test_crontab_schedules(every: str, fields: str) -> None:
    assert crontab_schedule(parse_duration(every)) == fields


@pytest.mark.parametrize("every", ["7m", "90s", "5h", "30s"])
def test_periods_cron_cannot_keep_are_refused(every: str) -> None:
    with pytest.raises(ValueError):
        crontab_schedule(parse_duration(every))


def test_cron_text_names_the_database_absolutely(tmp_path: Path) -> None:
    text = cron_text(tmp_path / "my news.db", timedelta(minutes=10),
                     ["/opt/bin/newsdiff", "--db", str(tmp_path / "my news.db")])
    line = next(ln for ln in text.splitlines() if ln.startswith("*/10 "))
    assert line == f"*/10 * * * * /opt/bin/newsdiff --db '{tmp_path}/my news.db' poll --quiet"
    assert f"30 4 * * 0 /opt/bin/newsdiff --db '{tmp_path}/my news.db' vacuum > /dev/null" in text.splitlines()
    assert "OnUnitActiveSec=600s" in text and "Type=oneshot" in text and "SuccessExitStatus=75" in text
    assert "newsdiff-poll-my-news.service" in text and "newsdiff-poll-my-news.timer" in text
    assert '# and once, so the timer keeps running while you are logged out: loginctl enable-linger "$USER"' in text


def test_cron_command_prints_units_for_this_database(cli, db_path: Path) -> None:
    result = cli("cron", "--every", "30m")
    assert result.code == 0, result
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("*/30 * * * * ")]
    program, *args = shlex.split(line.removeprefix("*/30 * * * * "))
    assert Path(program).is_absolute() and args == ["--db", str(db_path.resolve()), "poll", "--quiet"]
    assert Path(program).name == "newsdiff" or args[:2] == ["-m", "newsdiff"]
    assert f"ExecStart={line.removeprefix('*/30 * * * * ')}" in result.stdout
    bad = cli("cron", "--every", "7m")
    assert bad.code == 2 and bad.stdout == ""
    assert "Invalid value for '--every': cron cannot run every 7 minutes" in bad.stderr


def test_cron_names_the_config_and_refuses_one_it_cannot_read(cli, db_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('feeds = ["https://a.example/rss"]\n', encoding="utf-8")
    result = cli("--config", config, "cron")
    assert result.code == 0 and f"--config {config.resolve()} poll --quiet" in result.stdout
    missing = cli("--config", tmp_path / "nope.toml", "cron")
    assert (missing.code, missing.stdout) == (1, "") and "does not exist" in missing.stderr


def test_config_beside_the_database_and_config_option_agree(cli, db_path: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "other" / "settings.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('feeds = ["https://elsewhere.example/rss"]\n', encoding="utf-8")
    (db_path.parent / "newsdiff.toml").write_text('feeds = ["https://beside.example/rss"]\n', encoding="utf-8")
    assert [r["url"] for r in cli("feeds", "list", "--json").json["feeds"]] == ["https://beside.example/rss"]
    listed = cli("--config", elsewhere, "feeds", "list", "--json").json["feeds"]
    assert [r["url"] for r in listed] == ["https://elsewhere.example/rss"]  # the config in force decides
    refused = cli("--config", elsewhere, "feeds", "remove", "https://elsewhere.example/rss")
    assert refused.code == 1 and "config file" in refused.stderr


def test_a_poll_that_cannot_run_exits_1_with_one_line(cli, db_path: Path) -> None:
    (db_path.parent / "newsdiff.toml").write_text("feeds = ['feed.xml']\n", encoding="utf-8")
    result = cli("poll", "--json")
    assert (result.code, result.stdout) == (1, "")
    config = db_path.parent / "newsdiff.toml"
    assert result.stderr == f"newsdiff: config file {config}: feeds: not an http(s) URL: 'feed.xml'\n"
    other = db_path.parent / "other.toml"
    other.write_text("[fetch]\njobs = 2\n", encoding="utf-8")
    assert cli("poll", "--config", other, "--json").code == 0  # poll's own --config is read instead


def test_feeds_add_list_remove(cli) -> None:
    assert cli("feeds", "add", "--no-check", "https://news.example.com/rss", "--source", "example").code == 0
    again = cli("feeds", "add", "--no-check", "https://news.example.com/rss")
    assert again.code == 0 and "already" in again.stdout
    assert cli("feeds", "add", "--no-check", "https://other.example.org/atom.xml").code == 0
    rows = cli("feeds", "list", "--json").json["feeds"]
    assert [(r["url"], r["source"], r["last_checked_at"]) for r in rows] == [
        ("https://news.example.com/rss", "example", None),
        ("https://other.example.org/atom.xml", "other.example.org", None),
    ]
    assert cli("feeds", "remove", "https://news.example.com/rss").code == 0
    assert [r["url"] for r in cli("feeds", "list", "--json").json["feeds"]] == ["https://other.example.org/atom.xml"]
    missing = cli("feeds", "remove", "https://news.example.com/rss")
    assert missing.code == 1 and "no feed" in missing.stderr
    bad = cli("feeds", "add", "file:///etc/passwd")
    assert bad.code == 1 and "not an http(s) URL" in bad.stderr


def test_config_feeds_are_listed_and_cannot_be_removed_by_command(cli, db_path: Path) -> None:
    (db_path.parent / "newsdiff.toml").write_text('feeds = [{url = "https://cfg.example/rss", source = "cfg"}]\n')
    rows = cli("feeds", "list", "--json").json["feeds"]
    assert [(r["url"], r["source"]) for r in rows] == [("https://cfg.example/rss", "cfg")]
    refused = cli("feeds", "remove", "https://cfg.example/rss")
    assert refused.code == 1 and "config file" in refused.stderr


def test_a_feed_taken_out_of_the_config_is_no_longer_tracked(cli, db_path: Path) -> None:
    config = db_path.parent / "newsdiff.toml"
    config.write_text('feeds = ["https://a.example/rss", "https://b.example/rss", "https://c.example/rss"]\n')
    assert cli("feeds", "add", "--no-check",
               "https://c.example/rss").stdout.startswith("feed https://c.example/rss is already")
    cli("feeds", "add", "--no-check", "https://d.example/rss", "--source", "dee")
    assert len(cli("feeds", "list", "--json").json["feeds"]) == 4
    config.write_text('feeds = [{url = "https://a.example/rss", source = "ay"}]\n')
    rows = cli("feeds", "list", "--json").json["feeds"]
    # b was only ever in the config; c and d were also added by command, so they stay
    assert [(r["url"], r["source"]) for r in rows] == [
        ("https://a.example/rss", "ay"), ("https://c.example/rss", "c.example"), ("https://d.example/rss", "dee")]


def test_feeds_are_one_row_however_their_url_is_spelled(cli, db_path: Path) -> None:
    assert cli("feeds", "add", "--no-check", "http://host.example/f1").code == 0
    again = cli("feeds", "add", "--no-check", "HTTP://Host.Example:80/f1#latest")
    assert again.code == 0 and "already" in again.stdout
    cli("feeds", "add", "--no-check", "https://host.example/f2?feedtype=rss")
    (db_path.parent / "newsdiff.toml").write_text('feeds = ["HTTPS://CFG.example:443/rss"]\n')
    listed = [r["url"] for r in cli("feeds", "list", "--json").json["feeds"]]
    assert listed == ["http://host.example/f1", "https://host.example/f2?feedtype=rss", "https://cfg.example/rss"]
    refused = cli("feeds", "remove", "https://cfg.example/rss")
    assert refused.code == 1 and "config file" in refused.stderr
    assert cli("feeds", "remove", "http://HOST.example:80/f1").code == 0
    assert [r["url"] for r in cli("feeds", "list", "--json").json["feeds"]] == listed[1:]


def test_track_and_untrack(cli) -> None:
    first = cli("track", "https://news.example.com/story?utm_source=twitter#top", "--source", "ex")
    assert first.code == 0 and first.stdout.startswith("tracking article 1")
    again = cli("track", "https://news.example.com/story")
    assert again.code == 0 and "tracking again article 1" in again.stdout
    listed = cli("list", "--json").json["articles"]
    assert [(a["url"], a["source"], a["tracked"]) for a in listed] == [("https://news.example.com/story", "ex", 1)]
    assert cli("untrack", "https://news.example.com/story?utm_medium=x").code == 0
    assert cli("list", "--json").json["articles"][0]["tracked"] == 0
    missing = cli("untrack", "https://news.example.com/other")
    assert missing.code == 1 and "no article" in missing.stderr
    assert cli("track", "not a url").code == 1


def test_cron_for_a_server_names_the_server_in_its_units_not_a_file() -> None:
    from newsdiff.dburl import parse_db

    result = cli_for("postgresql://ann:hunter2@db.example:5433/news")("cron")
    assert result.code == 0, result
    assert "Description=newsdiff poll for postgresql://ann@db.example:5433/news\n" in result.stdout
    assert "newsdiff.db" not in result.stdout and "hunter2" not in result.stdout
    assert "newsdiff-poll-news.timer" in result.stdout  # one unit per database, as for files
    assert "newsdiff-poll-other.timer" in cron_text(parse_db("postgresql://db.example/other"), timedelta(hours=1),
                                                    ["newsdiff"])


def test_a_page_announcing_a_feed_at_a_broken_address_costs_that_link_alone() -> None:
    """urljoin refuses an IPv6 address without its closing bracket: `feeds add` of such a page once failed
    with urllib's bare "Invalid IPv6 URL" instead of naming the page's other feeds."""
    from newsdiff.track.feeds import linked_feeds

    page = (b'<html><head><link rel="alternate" type="application/rss+xml" title="Broken" href="http://[::1/x">'
            b'<link rel="alternate" type="application/rss+xml" title="World" href="/world.rss"></head></html>')
    assert linked_feeds(page, "https://news.example.org/") == (("World", "https://news.example.org/world.rss"),)
