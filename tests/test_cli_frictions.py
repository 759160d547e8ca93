"""What a new user meets first: help texts, usage errors, Ctrl-C, what a quiet poll says, `forget`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdiff.check import check
from newsdiff.cli import app
from newsdiff.model import parse_time
from newsdiff.store import Store

from .conftest import SEED_REUTERS, SEED_RT, on_terminal
from .track_server import Outlet, page, status

STORY = "Storm hits coast\n\n" + "\n\n".join(
    f"The storm left {n} homes without power on Tuesday, officials said." for n in range(3))


def _commands() -> Iterator[list[str]]:
    """Every command and sub-command the program has, as a user would type it."""
    import typer.main

    def walk(command: object, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), [])


def test_every_help_text_shows_plain_placeholders_not_python_types() -> None:
    runner = CliRunner()
    commands = list(_commands())
    assert ["forget"] in commands and ["feeds", "add"] in commands and len(commands) > 20
    for command in commands:
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        for python_type in ("<list[", "<str>", "<int>", "<Path>", "<path>", "<int range>", "{"):
            assert python_type not in result.stdout, (command, python_type, result.stdout)
    shown = {" ".join(c): runner.invoke(app, [*c, "--help"]).stdout for c in (["import"], ["feed"], ["diff"])}
    assert "Usage: root import [OPTIONS] [PATH...]" in shown["import"] and "--url URL" in shown["import"]
    assert "--format [rss|atom]" in shown["feed"] and "--limit N" in shown["feed"]
    assert "--format [text|json|markdown|html]" in shown["diff"]


@pytest.mark.parametrize(("args", "message"), [
    (["export", "--since", "yesterday"], "Invalid value for '--since': not an ISO 8601 time: 'yesterday'"),
    (["feed", "--format", "pdf"], "Invalid value for '--format' / '-f': 'pdf' is not one of rss, atom"),
    (["export", "--format", "pdf"], "'pdf' is not one of jsonl, csv"),
    (["diff", "a.txt", "b.txt", "--format", "pdf"], "'pdf' is not one of text, json, markdown, html"),
    (["parse", "x.txt", "--single-as", "both"], "'both' is not one of added, removed"),
    (["cron", "--every", "soon"], "Invalid value for '--every': expected a duration such as '15m'"),
    # Past the largest integer a database holds: once a traceback (OverflowError) or islice's own message.
    (["show", "1", "--version", str(2**64)], f"'--version' / '-v': {2**64} is larger than any number a database"),
    (["feed", "--limit", str(2**63)], f"Invalid value for '--limit': {2**63} is larger than any number"),
    (["stats", "--top", str(2**63)], f"Invalid value for '--top': {2**63} is larger than any number"),
    (["search", "x", "--limit", str(2**70)], "is larger than any number a database holds"),
    (["feed", "--min-changed", str(2**63)], "is larger than any number a database holds"),
    (["poll", "--limit", str(2**63)], "is larger than any number a database holds"),
    (["poll", "--jobs", "1001"], "Invalid value for '--jobs' / '-j': at most 1000 requests at once"),
])
def test_values_newsdiff_checks_itself_are_usage_errors(cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.code == 2 and result.stdout == "" and message in result.stderr, result
    assert result.stderr.startswith("Usage: ")  # the same shape as an unknown option's


@pytest.mark.parametrize("command", [["list"], ["import", "x.txt"], ["log", "1"], ["stats"], ["poll"]])
def test_a_db_that_is_a_folder_or_a_device_is_named_as_one(tmp_path: Path, command: list[str]) -> None:
    """SQLite says "disk I/O error" or "unable to open database file" for a folder, and that a device is a
    database from an older newsdiff."""
    (tmp_path / "x.txt").write_text("Storm hits coast\n\nThe storm left homes without power.\n", encoding="utf-8")
    args = [str(tmp_path / a) if a == "x.txt" else a for a in command]
    result = CliRunner().invoke(app, ["--db", str(tmp_path), *args])
    assert result.exit_code == 1 and result.output == f"newsdiff: {tmp_path} is a folder, not a database file\n"
    if Path("/dev/null").exists():
        result = CliRunner().invoke(app, ["--db", "/dev/null", *args])
        expected = "newsdiff: /dev/null is a device or a pipe, not a database file\n"
        assert (result.exit_code, result.output) == (1, expected)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["show", "1", "--raw"], ["show", "1", "--json"], ["list"], ["diff", "1"]])
def test_output_to_a_full_disk_is_one_line_and_exit_1(cli, db_path: Path, tmp_path: Path, args: list[str]) -> None:
    """`show --raw > page.html` on a full disk once ended in a traceback, whatever it had written."""
    for n, story in enumerate((STORY, STORY.replace("0 homes", "9 homes"))):
        (tmp_path / f"{n}.txt").write_text(story, encoding="utf-8")
        assert cli("import", tmp_path / f"{n}.txt", "--url", "https://example.org/storm").code == 0
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "newsdiff", "--db", str(db_path), *args], stdout=full,
                             stderr=subprocess.PIPE, text=True, timeout=120)
    assert (run.returncode, run.stderr) == (1, "newsdiff: cannot write the output: No space left on device\n")


def test_ctrl_c_exits_130_saying_interrupted(db_path: Path) -> None:
    """A poll stuck on a slow server, interrupted: one line, exit 130, the database as it was."""
    with Outlet() as outlet:
        outlet.routes["/slow"] = page("Slow story\n\nIt takes its time.", delay=30)
        assert CliRunner().invoke(app, ["--db", str(db_path), "track", outlet.url("/slow")]).exit_code == 0
        run = subprocess.Popen([sys.executable, "-m", "newsdiff", "--db", str(db_path), "poll", "--quiet"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while not outlet.hits["/slow"] and time.monotonic() < deadline:
            time.sleep(0.05)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=30)
    assert run.returncode == 130 and err.decode() == "newsdiff: interrupted\n" and out == b""
    store = Store.open(db_path)
    assert check(store).ok and store.db.execute("SELECT count(*) FROM versions").fetchone()[0] == 0


def test_counts_agree_with_their_nouns(cli, tmp_path: Path) -> None:
    cli("import", SEED_REUTERS, "--url", "https://example.org/a")
    assert cli("check").stdout.strip() == "ok: 1 article, 1 of 1 version rebuilt and verified, 1 raw input"
    assert cli("diff", "https://example.org/a").stderr == (
        "newsdiff: article 1 has only one version; nothing to compare\n")


# -- poll: when the next check is due, what went missing ----------------------------------------------


def test_a_poll_that_checks_nothing_says_when_the_next_check_is_due(cli) -> None:
    with Outlet() as outlet:
        outlet.routes["/story"] = page(STORY)
        cli("track", outlet.url("/story"))
        first = cli("poll", "--json").json
        assert first["articles_checked"] == 1 and first["new_versions"] == 1
        again = cli("poll", "--json").json
    assert again["articles_checked"] == 0
    due = datetime.fromisoformat(again["next_due"].replace("Z", "+00:00"))
    # changed just now: the schedule's first step, every 15 minutes
    assert timedelta(minutes=14) < due - datetime.now(timezone.utc) <= timedelta(minutes=15)
    assert again["next_due"] == parse_time(again["next_due"])


def test_the_terminal_summary_names_the_next_check_and_poll_now() -> None:
    from newsdiff.render.polling import summary_line

    now = datetime(2026, 12, 2, 13, 45, tzinfo=timezone.utc)
    summary = {"feeds_checked": 1, "feeds_not_modified": 1, "articles_discovered": 0, "articles_checked": 0,
               "not_modified": 1, "unchanged": 0, "new_versions": 1, "gone": 0, "suspect": [], "errors": [],
               "duration_s": 0.2, "next_due": "2026-12-02T13:59:00Z", "published": None}
    assert summary_line(summary, now) == (
        "1 feed (1 not modified), 0 new articles; checked 0 articles: 1 new version, 0 unchanged, 0 not modified, "
        "0 gone, 0 suspect, 0 errors (0.2 s); next check in 14 min (13:59 UTC); `newsdiff poll --now` checks "
        "everything now")
    assert summary_line({**summary, "next_due": None}, now).endswith(
        "nothing tracked yet (`newsdiff track URL` or `newsdiff feeds add URL`)")
    assert "next check in 2 h 5 min (15:50 UTC)" in summary_line({**summary, "next_due": "2026-12-02T15:50:00Z"}, now)


def test_a_tracked_url_that_is_404_is_said_even_by_a_quiet_poll(cli) -> None:
    with Outlet() as outlet:
        outlet.routes["/kept"] = page(STORY)
        cli("track", outlet.url("/missing"))
        cli("track", outlet.url("/kept"))
        assert cli("poll", "--quiet").code == 0
        outlet.routes["/kept"] = status(410)
        quiet = cli("poll", "--quiet", "--now")
        summary = cli("poll", "--now", "--json").json  # still gone: said once, when it went
    assert quiet.code == 0 and quiet.stdout == ""
    assert quiet.stderr == (f"newsdiff: {outlet.url('/kept')}: gone (HTTP 410); article 2 keeps its 1 version "
                            "and is checked again on its schedule\n")
    assert summary["gone"] == 0 and summary["gone_articles"] == []
    first = cli("log", "1", "--json").json["events"]
    assert [e["kind"] for e in first].count("gone") == 1


def test_the_first_poll_of_a_404_names_it_and_the_way_to_forget_it(cli) -> None:
    with Outlet() as outlet:
        cli("track", outlet.url("/missing"))
        result = cli("poll", "--json")
    assert result.json["gone_articles"] == [{"article_id": 1, "url": outlet.url("/missing"), "status": 404,
                                             "versions": 0}]
    assert result.stderr == (f"newsdiff: {outlet.url('/missing')}: not found (HTTP 404), nothing stored; "
                             "`newsdiff forget 1 --yes` removes the article\n")


# -- forget ----------------------------------------------------------------------------------------------


def _counts(db_path: Path) -> dict[str, int]:
    store = Store.open(db_path)
    tables = ("articles", "versions", "raws", "passages", "passages_fts", "events", "derived", "article_urls",
              "fetches")
    try:
        return {t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        store.close()


def test_forget_removes_an_article_and_everything_about_it(cli, db_path: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.txt"
    newer.write_text(SEED_REUTERS.read_text().replace("moribund peace talks", "quixotically stalled peace talks", 1))
    cli("import", SEED_RT, "--url", "https://example.org/kept")
    before = _counts(db_path)
    cli("import", SEED_REUTERS, "--url", "https://example.org/a?utm_source=x")
    cli("import", newer, "--url", "https://example.org/a")
    assert cli("log", "https://example.org/a").code == 0  # caches the pair's report in `derived`
    with_it = _counts(db_path)
    assert with_it["derived"] > before["derived"] and with_it["versions"] == before["versions"] + 2

    assert [a["article_id"] for a in cli("search", "quixotically", "--json").json["articles"]] == [2]
    refused = cli("forget", "https://example.org/a")
    assert refused.code == 2 and refused.stdout == "" and refused.stderr == (
        "newsdiff: forget deletes article 2 [https://example.org/a] and all its versions for good; add --yes to do "
        "it (`newsdiff untrack` only stops checking it)\n")
    assert _counts(db_path) == with_it

    done = cli("forget", "https://example.org/a", "--yes", "--json")
    assert done.code == 0, done
    assert done.json["article"]["id"] == 2 and done.json["removed"]["versions"] == 2
    assert done.json["removed"]["raws"] == 2 and done.json["removed"]["passages"] > 0
    assert _counts(db_path) == before
    assert cli("check").code == 0  # no orphan rows, no search index entry left behind
    assert cli("search", "quixotically", "--json").json["articles"] == []
    missing = cli("show", "https://example.org/a")
    assert missing.stderr == "newsdiff: no article 'https://example.org/a' in the database\n"
    assert cli("list", "--json").json["articles"][0]["url"] == "https://example.org/kept"


def test_forget_keeps_a_raw_input_another_article_still_uses(cli, db_path: Path) -> None:
    cli("import", SEED_REUTERS, "--url", "https://example.org/a")
    cli("import", SEED_REUTERS, "--url", "https://example.org/b")  # the same file: one raw, two articles
    result = cli("forget", "https://example.org/a", "--yes")
    assert result.code == 0 and result.stdout == (
        "forgot article 1 [https://example.org/a]: 1 version, 0 raw inputs, 0 events\n")  # a version is no event
    assert cli("show", "https://example.org/b", "--raw").stdout_bytes == SEED_REUTERS.read_bytes()
    assert cli("check").code == 0


def test_forget_of_an_unknown_article_is_one_line(cli) -> None:
    cli("import", SEED_REUTERS, "--url", "https://example.org/a")
    result = cli("forget", "nope", "--yes")
    assert result.code == 1 and result.stderr == "newsdiff: no article 'nope' in the database\n"


@pytest.mark.parametrize("ref", ["99999999999999999999", "\u00b2"])
def test_a_reference_that_looks_like_a_number_but_is_no_id_is_no_article(cli, ref: str) -> None:
    """Past the largest id a database holds, or a digit that is no ASCII digit: no such article, one line."""
    cli("import", SEED_REUTERS, "--url", "https://example.org/a")
    for command in (["show", ref], ["log", ref], ["forget", ref, "--yes"]):
        result = cli(*command)
        assert (result.code, result.stderr) == (1, f"newsdiff: no article {ref!r} in the database\n"), command


def test_a_file_whose_extraction_fails_is_one_line_naming_it_in_diff(cli, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever stops the extractor on a hostile file, `diff` of files names the file in one line, as
    `import` does, never a traceback."""
    import newsdiff.sources

    def choke(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(newsdiff.sources, "parse_bytes", choke)
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>A page.</p></body></html>", encoding="utf-8")
    result = cli("diff", page, page)
    assert result.code == 1 and result.stderr == (
        f"newsdiff: {page}: could not extract the article: RecursionError: maximum recursion depth exceeded\n")


def test_forget_is_a_library_call(db_path: Path) -> None:
    from newsdiff import import_paths

    store = Store.open(db_path)
    [result] = import_paths(store, [SEED_REUTERS], url="https://example.org/a")
    removed = store.forget(result.article_id)
    assert removed["versions"] == 1 and check(store).ok
    assert store.articles() == []


# -- tables at 80 columns ------------------------------------------------------------------------------------


def test_tables_at_80_columns_keep_the_time_of_day(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSDIFF_DB": str(tmp_path / "tty.db"), "COLUMNS": "80", "TERM": "xterm"}
    newer = tmp_path / "newer.txt"
    newer.write_text(SEED_REUTERS.read_text().replace("moribund peace talks", "stalled peace talks", 1))
    for path, at in ((SEED_REUTERS, "2026-12-02T13:59:07Z"), (newer, "2026-12-02T14:31:00Z")):
        imported = subprocess.run([sys.executable, "-m", "newsdiff", "import", str(path), "--captured-at", at,
                                   "--url", "https://example.org/a-rather-long-address/for-a-story-about-aleppo",
                                   "--title", "United Nations mediator says Syria peace talks could soon resume"],
                                  env=env, capture_output=True)
        assert imported.returncode == 0, imported
    for command, stamps in ((["list"], ["2026-12-02 14:31"]), (["log", "1"], ["2026-12-02 13:59", "2026-12-02 14:31"])):
        code, shown, _ = on_terminal(*command, env=env)
        screen = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", shown.decode("utf-8"))
        assert code == 0 and max(len(line) for line in screen.splitlines()) <= 80, screen
        assert all(stamp in screen for stamp in stamps), screen
        assert "2026-12-02T" not in screen, screen


# -- untitled articles ------------------------------------------------------------------------------------


LEDE = ("The United Nations mediator on Syria said moribund peace talks could soon be resumed if a faltering "
        "truce were extended to Aleppo.")
NAMED = "The United Nations mediator on Syria said moribund peace talks…"


def test_display_title_is_the_headline_else_the_first_words_of_the_lede() -> None:
    from newsdiff.model import display_title

    assert display_title("Storm hits coast", LEDE) == "Storm hits coast"
    assert display_title(None, LEDE + "\n\nMore.") == NAMED
    assert display_title(None, "Truce, at last:\n\nAleppo waits.") == "Truce, at last: Aleppo waits."
    assert display_title(None, "one two three four five six seven eight nine ten, eleven twelve thirteen") == (
        "one two three four five six seven eight nine ten…")
    assert display_title(None, "") is None and display_title(None, None) is None


def test_untitled_articles_are_named_by_their_lede_in_list_feeds_and_pages(cli, db_path: Path, tmp_path: Path) -> None:
    import feedparser

    from newsdiff.model import ArticleRecord

    store = Store.open(db_path)
    for at, toll in (("2026-12-02T10:00:00Z", "19"), ("2026-12-02T11:00:00Z", "21")):
        record = ArticleRecord(paragraphs=(LEDE, f"Fighting left {toll} dead, officials said on Tuesday."),
                               url="https://example.org/untitled", captured_at=at)
        assert store.add_version(record, key="https://example.org/untitled").outcome == "new"
    store.close()
    listed = cli("list")
    assert listed.stdout.splitlines()[1].endswith(f"\t{NAMED}")
    [row] = cli("list", "--json").json["articles"]
    assert row["title"] is None and row["display_title"] == NAMED
    assert cli("show", "1", "--json").json["article"]["display_title"] == NAMED
    [item] = feedparser.parse(cli("feed").stdout).entries
    assert item.title == f"Edited: {NAMED}"
    site = tmp_path / "site"
    assert cli("publish", site, "--base-url", "https://edits.example.org/").code == 0
    for page_path in ("articles.html", "a/1/index.html", "a/1/1-2.html", "index.html"):
        assert NAMED in (site / page_path).read_text(encoding="utf-8"), page_path
    assert "https://example.org/untitled</a>" not in (site / "articles.html").read_text(encoding="utf-8")


# -- feeds add checks what it is given --------------------------------------------------------------------

RSS = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>World news</title>'
       b"<item><title>One</title><link>https://example.org/one</link></item>"
       b"<item><title>Two</title><link>https://example.org/two</link></item></channel></rss>")
FRONT = ('<!DOCTYPE html><html><head><title>Front</title>'
         '<link rel="alternate" type="application/rss+xml" title="World news" href="/world.rss">'
         '<link rel="alternate" type="application/atom+xml" href="https://feeds.example.org/all.atom">'
         '<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">'
         '<link rel="stylesheet" type="application/rss+xml" href="/not-a-feed-link.rss">'
         '<link rel="alternate" type="application/rss+xml" title="Wipe&#27;[2J screen" href="/evil.rss">'
         '</head><body><p>Latest stories</p></body></html>')


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_feeds_add_fetches_the_url_and_refuses_what_is_not_a_feed(cli) -> None:
    with Outlet() as outlet:
        outlet.routes["/world.rss"] = page(RSS, content_type="application/rss+xml")
        outlet.routes["/front"] = page(FRONT, content_type="text/html; charset=utf-8")
        outlet.routes["/plain"] = page("Just words.\n\nNothing to read as a feed.")
        ok = cli("feeds", "add", outlet.url("/world.rss"))
        html = cli("feeds", "add", outlet.url("/front"))
        missing = cli("feeds", "add", outlet.url("/gone.rss"))
        plain = cli("feeds", "add", outlet.url("/plain"))
        forced = cli("feeds", "add", outlet.url("/gone.rss"), "--no-check")
        assert outlet.hits["/world.rss"] == 1 and outlet.hits["/gone.rss"] == 1  # --no-check fetched nothing
    closed = cli("feeds", "add", f"http://127.0.0.1:{_closed_port()}/rss")
    assert ok.code == 0 and ok.stdout == f"added feed {outlet.url('/world.rss')} (World news, 2 entries)\n"
    assert html.code == 1 and html.stdout == "" and html.stderr == (
        f"newsdiff: {outlet.url('/front')} is not a feed: an HTML page, not an RSS or Atom feed; the page links "
        f"“World news” {outlet.url('/world.rss')}, https://feeds.example.org/all.atom, “Wipe [2J screen” "
        f"{outlet.url('/evil.rss')} (--no-check adds it anyway)\n")  # no escape sequence reaches the terminal
    assert missing.code == 1 and missing.stderr == (
        f"newsdiff: {outlet.url('/gone.rss')} is not a feed: HTTP 404 Not Found (--no-check adds it anyway)\n")
    assert plain.code == 1 and "is not a feed: not an RSS or Atom feed" in plain.stderr
    assert closed.code == 1 and "is not a feed: cannot connect" in closed.stderr and closed.stderr.count("\n") == 1
    assert forced.code == 0 and forced.stdout == f"added feed {outlet.url('/gone.rss')}\n"
    assert [f["url"] for f in cli("feeds", "list", "--json").json["feeds"]] == [
        outlet.url("/world.rss"), outlet.url("/gone.rss")]
