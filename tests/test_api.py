"""The verbs API: `newsdiff.open()` and the typed results of each `Archive` method; the README's
"Use from Python" examples run as written and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import newsdiff
from newsdiff.api import Archive, NoDatabase, NotAFeed
from newsdiff.model import NotFound
from newsdiff.results import ArticleLog, Exported, ImportResult, PollResult, SearchResult, Stats, Vacuumed, VersionView

from .conftest import ROOT, SEED_DUMP, SEED_REUTERS

URL = "https://example.org/council"
MONDAY = "Council approves budget\n\nThe council met on Monday. The vote was 7 to 2.\n\nThe mayor welcomed it.\n"
TUESDAY = "Council approves budget\n\nThe council met on Monday. The vote was 6 to 3.\n\nThe mayor welcomed it.\n"


def readme_examples() -> list[str]:
    """The Python code blocks of the README's "Use from Python" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Use from Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_readme_examples_print_what_their_comments_say(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = readme_examples()
    assert len(examples) >= 2
    monkeypatch.chdir(tmp_path)  # they write their files and database where they run
    for code in examples:  # in order: the second polls the database the first filled
        expected = [m.group(1) for m in re.finditer(r"^\s*print\(.*\)\s+# (.*)$", code, flags=re.M)]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
        assert out.getvalue().splitlines() == expected


def test_help_lists_every_verb_and_importing_loads_nothing_heavy() -> None:
    verbs = [name for name in vars(Archive) if not name.startswith("_") and callable(getattr(Archive, name))]
    code = "import json, newsdiff, sys; help(newsdiff); print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for verb in verbs:
        assert re.search(rf"\b{verb}\b", done.stdout), verb
    loaded = {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}
    assert not {"sqlite_utils", "lxml", "httpx", "trafilatura"} & loaded


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with newsdiff.open(tmp_path / "news.db") as opened:
        for name, text in (("monday.txt", MONDAY), ("tuesday.txt", TUESDAY)):
            (tmp_path / name).write_text(text, encoding="utf-8")
            opened.import_paths([tmp_path / name], url=URL, source="example")
        yield opened


def test_import_gives_one_typed_result_per_file_and_bad_files_do_not_stop_the_others(
        archive: Archive, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = archive.import_paths([SEED_REUTERS, tmp_path / "empty.txt"], url="https://example.org/a")
    assert isinstance(result, ImportResult)
    assert [r.added for r in result.files] == [1, 0]
    assert [r.path for r in result.errors] == [str(tmp_path / "empty.txt")]
    assert result.to_json()["imported"][0]["url"] == "https://example.org/a"


def test_list_log_show_diff_and_search_return_typed_results(archive: Archive) -> None:
    (listed,) = archive.articles()
    assert (listed.url, listed.source, listed.versions, listed.name) == (URL, "example", 2, "Council approves budget")
    assert archive.articles("example") == (listed,)

    log = archive.log(URL)
    assert isinstance(log, ArticleLog) and log.damaged == ()
    assert [v["number"] for v in log.versions] == [1, 2]
    assert log.versions[0]["changes"] is None
    assert log.versions[1]["changes"]["line"] == "1 sentence changed"
    assert log.versions[1]["changes"]["tags"] == ["number"]

    shown = archive.show(URL, 1)
    assert isinstance(shown, VersionView)
    assert (shown.number, shown.record.title) == (1, "Council approves budget")
    assert "7 to 2" in shown.record.paragraphs[0] and shown.raw is not None
    assert archive.raw(URL, 1) == MONDAY.encode()

    report = archive.diff(URL)
    assert [(c.old, c.new) for c in report.edits] == [(("The vote was 7 to 2.",), ("The vote was 6 to 3.",))]

    found = archive.search("vote")
    assert isinstance(found, SearchResult) and not found.more
    assert [hit.versions for hit in found.hits] == [[1, 2]]
    changed = archive.search("7", changed=True)
    assert [(hit.from_version, hit.to_version) for hit in changed.hits] == [(1, 2)]  # type: ignore[union-attr]


def test_feed_export_stats_check_and_vacuum(archive: Archive, tmp_path: Path) -> None:
    assert b"The vote was 6 to 3." in archive.feed(fmt="atom")
    out = io.StringIO()
    assert archive.export(out) == Exported(damaged=())
    assert [json.loads(line)["version"] for line in out.getvalue().splitlines()] == [1, 2]  # one line per version
    stats = archive.stats()
    assert isinstance(stats, Stats) and (stats.articles, stats.versions, stats.edits) == (1, 2, 1)
    assert archive.check().ok
    vacuumed = archive.vacuum()
    assert isinstance(vacuumed, Vacuumed) and vacuumed.bytes_after is not None
    site = archive.publish(tmp_path / "site", base_url="https://news.example.org/")
    assert site.pages > 0 and (tmp_path / "site" / "index.html").exists()


def test_track_untrack_forget_and_errors_as_exceptions(archive: Archive) -> None:
    tracked = archive.track("https://example.org/other ")
    assert (tracked.url, tracked.created) == ("https://example.org/other", True)
    assert archive.untrack(tracked.article_id).article_id == tracked.article_id
    assert archive.track("https://example.org/other").created is False
    forgotten = archive.forget(URL)
    assert forgotten.removed["versions"] == 2
    with pytest.raises(NotFound):
        archive.log(URL)
    with pytest.raises(ValueError, match="no \\[\\[alerts\\]\\] rules"):
        archive.alerts()


def test_parse_stores_nothing_and_reading_a_missing_database_is_an_error(tmp_path: Path) -> None:
    with newsdiff.open(tmp_path / "none.db", create=False, access="read") as archive:
        assert archive.parse(SEED_DUMP).format == "newssniffer"
        with pytest.raises(NoDatabase, match="no database at"):
            archive.articles()
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(ValueError, match="access must be one of"):
        newsdiff.open(tmp_path / "x.db", access="append")


def test_poll_with_a_mock_transport_stores_the_page_and_refreshes_a_site(archive: Archive, tmp_path: Path) -> None:
    page = MONDAY.replace("7 to 2", "5 to 4")
    network = httpx.MockTransport(lambda request: httpx.Response(200, text=page))
    archive.track(URL)
    polled = archive.poll(check_all=True, transport=network, publish=tmp_path / "site",
                          base_url="https://news.example.org/")
    assert isinstance(polled, PollResult) and polled.ok and polled.alerts is None
    assert polled.summary.new_versions == 1
    assert polled.summary.published is not None and polled.summary.published["refreshed"]
    assert [v["number"] for v in archive.log(URL).versions] == [1, 2, 3]
    with pytest.raises(ValueError, match="--publish needs --base-url"):
        archive.poll(publish=tmp_path / "elsewhere", transport=network)


def test_feeds_are_checked_through_the_transport_and_a_page_that_is_no_feed_is_refused(archive: Archive) -> None:
    rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>City desk</title>'
           f'<item><link>{URL}</link><title>Council</title></item></channel></rss>')
    feeds = {
        "https://example.org/feed.xml": httpx.Response(200, text=rss, headers={"content-type": "application/rss+xml"}),
        "https://example.org/": httpx.Response(200, text="<html><body><p>Front page</p></body></html>",
                                               headers={"content-type": "text/html"}),
    }
    network = httpx.MockTransport(lambda request: feeds[str(request.url)])
    added = archive.add_feed("https://example.org/feed.xml", "city", transport=network)
    assert (added.url, added.added) == ("https://example.org/feed.xml", True)
    assert added.check is not None and (added.check.title, added.check.entries) == ("City desk", 1)
    with pytest.raises(NotAFeed, match="is not a feed"):
        archive.add_feed("https://example.org/", transport=network)
    assert [(f.url, f.source) for f in archive.feeds()] == [("https://example.org/feed.xml", "city")]
    assert archive.remove_feed(" https://example.org/feed.xml ") == "https://example.org/feed.xml"
    assert archive.feeds() == ()
