"""`newsdiff diff` through the CLI: stored versions, files, dumps, every format, errors; and the
renderers' escaping of hostile article text."""

from __future__ import annotations

import gzip
import io
import json
import re
import sqlite3
import zlib
from html import unescape
from pathlib import Path

import pytest
from rich.console import Console

from newsdiff.reports import compare
from newsdiff.diff import SENTENCES_KIND, diff_records
from newsdiff.model import ArticleRecord
from newsdiff.render import htmlfrag, markdown, text
from newsdiff.render.layout import layout
from newsdiff.sources import parse_bytes

from .conftest import FIXTURES, SEED_DUMP, SEED_REUTERS, SEED_RT

URL = "https://www.reuters.com/article/us-mideast-crisis-syria-russia-idUSKCN0XU0Y6"
EDIT = ("killing or injuring dozens", "killing at least 19")


@pytest.fixture
def stored(cli, tmp_path: Path) -> Path:
    """An article with two versions: the Reuters seed, then the same with one figure changed."""
    edited = tmp_path / "edited.txt"
    edited.write_text(SEED_REUTERS.read_text().replace(*EDIT))
    assert cli("import", SEED_REUTERS, "--url", URL, "--captured-at", "2016-05-03T10:00:00Z").code == 0
    assert cli("import", edited, "--url", URL, "--captured-at", "2016-05-03T14:00:00Z").code == 0
    return edited


def test_diff_article_previous_to_latest(cli, stored: Path) -> None:
    result = cli("diff", URL)
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == "1 sentence changed"
    assert lines[1] == "version 1 (2016-05-03T10:00:00Z) -> version 2 (2016-05-03T14:00:00Z)"
    assert "killing [-or injuring dozens-]{+at least 19+}." in result.stdout
    # Each change: a heading, the end of the sentence before it as context, then the marked-up sentence.
    assert lines[3:5] == [
        "@ sentence 18: changed [number, wording]",
        '  … can imagine that we can restart (peace) talks at the same time."',
    ]
    assert lines[5].startswith("  De Mistura's optimism was at odds")


def test_log_says_what_each_version_changed(cli, stored: Path, tmp_path: Path) -> None:
    third = tmp_path / "third.txt"
    third.write_text(stored.read_text().replace("at least 19", "at least 21").replace(
        "\n\n(Reporting by", "\n\nCorrection: an earlier version of this story gave a toll of 19.\n\n(Reporting by"))
    assert cli("import", third, "--url", URL, "--captured-at", "2016-05-03T18:00:00Z").code == 0
    lines = cli("log", URL).stdout.splitlines()
    assert lines[1].split("\t")[:5] == ["version", "captured", "words", "hash", "changes"]
    assert [line.split("\t")[4] for line in lines[2:]] == [
        "first version", "1 sentence changed (number, wording)",
        "1 sentence changed, 1 added (number, correction)"]
    versions = cli("log", URL, "--json").json["versions"]
    assert versions[0]["changes"] is None
    assert versions[2]["changes"] == {
        "summary": {"unchanged": 18, "changed": 1, "added": 1, "removed": 0, "moved": 0, "split": 0, "merged": 0},
        "headline_changed": False, "cosmetic_only": False, "reader_change": False, "tags": ["number", "correction"],
        "line": "1 sentence changed, 1 added"}



def test_log_names_a_version_that_cannot_be_rebuilt_and_goes_on(cli, stored: Path, db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE versions SET data = ? WHERE number = 1", [b"not zlib"])
    damaged = cli("log", URL)
    assert damaged.code == 2 and damaged.stdout.splitlines()[3].split("\t")[4] == "cannot be rebuilt", damaged
    assert damaged.stderr.splitlines() == [
        "newsdiff: left out of the changes listed: article 1 version 1: its delta does not fit version 2 (Error -3 "
        "while decompressing data: incorrect header check)",
        "newsdiff: some versions could not be rebuilt; `newsdiff check` lists all damage"]
    as_json = cli("log", URL, "--json")
    assert as_json.code == 2 and as_json.json["versions"][1]["changes"]["damaged"].startswith("article 1 version 1:")


def test_diff_article_json_and_versions(cli, stored: Path) -> None:
    document = cli("diff", URL, "1", "2", "--format", "json").json
    assert document["from"]["version"] == 1 and document["to"]["version"] == 2
    assert document["summary"]["changed"] == 1
    [change] = document["changes"]
    assert ["-", "or injuring dozens"] in change["words"] and ["+", "at least 19"] in change["words"]
    backwards = cli("diff", URL, "2", "1", "--format", "json").json
    assert ["+", "or injuring dozens"] in backwards["changes"][0]["words"]
    everything = cli("diff", URL, "--all", "--format", "json").json
    assert len(everything["changes"]) == sum(everything["summary"].values())


def test_sentences_are_segmented_once_per_version(cli, stored: Path, db_path: Path, monkeypatch) -> None:
    assert cli("diff", URL).code == 0
    kinds = [row[0] for row in sqlite3.connect(db_path).execute("SELECT kind FROM derived")]
    assert kinds.count(SENTENCES_KIND + "+zlib") == 2  # kept compressed, under a kind of their own

    def refuse(paragraphs):  # a second diff must read the cache, not segment again
        raise AssertionError("segmented again")

    monkeypatch.setattr(compare, "segment_bounds", refuse)
    assert "1 sentence changed" in cli("diff", URL).stdout


def test_sentence_cache_holds_bounds_not_text(cli, stored: Path, db_path: Path) -> None:
    uncached = cli("diff", URL, "--all", "--cosmetic", "--format", "json").json  # segments, then caches
    db = sqlite3.connect(db_path)
    query = "SELECT data FROM derived WHERE kind = ? ORDER BY version_id"
    data = [zlib.decompress(row[0]).decode() for row in db.execute(query, [SENTENCES_KIND + "+zlib"])]  # compressed
    assert len(data) == 2 and not any(re.search(r"[^\d\[\], ]", text) for text in data)  # numbers only
    # Per paragraph, the offsets where its second, third ... sentences begin: every old sentence is there.
    old_sentences = sum(len(c["old_index"]) for c in uncached["changes"])
    assert sum(len(bounds) + 1 for bounds in json.loads(data[0])) == old_sentences
    assert cli("diff", URL, "--all", "--cosmetic", "--format", "json").json == uncached
    old, new = (parse_bytes(path.read_bytes()).versions[0] for path in (SEED_REUTERS, stored))
    assert uncached["changes"] == diff_records(old, new).to_json(all=True, cosmetic=True)["changes"]
    # A damaged entry is not trusted: the version is segmented again and the report stays the same.
    damaged = db.execute("UPDATE derived SET data = ? WHERE kind = ?",
                         [json.dumps([[10**6]]), SENTENCES_KIND + "+zlib"])
    assert damaged.rowcount == 2
    db.commit()
    assert cli("diff", URL, "--all", "--cosmetic", "--format", "json").json == uncached


def test_diff_two_files_in_every_format(cli, stored: Path) -> None:
    plain = cli("diff", SEED_REUTERS, stored)
    assert plain.code == 0 and plain.stdout.startswith("1 sentence changed\n")
    assert "000_aba298a48d93a9a3.txt -> edited.txt" in plain.stdout
    md = cli("diff", SEED_REUTERS, stored, "--format", "markdown").stdout
    assert "killing ~~or injuring dozens~~**at least 19**\\." in md
    html = cli("diff", SEED_REUTERS, stored, "--format", "html").stdout
    assert "killing <del>or injuring dozens</del><ins>at least 19</ins>." in html
    assert html.startswith('<section class="newsdiff-report">')


def test_diff_two_html_pages(cli, tmp_path: Path) -> None:
    """Two captures of a real BBC page: the article is extracted from each, then compared."""
    page = gzip.decompress((FIXTURES / "readability-news/bbc-1/source.html.gz").read_bytes()).decode("utf-8")
    old, new = tmp_path / "old.html", tmp_path / "new.html"
    old.write_text(page, encoding="utf-8")
    new.write_text(page.replace('said it was "distressing"', "said it was &ldquo;deeply distressing&rdquo;")
                   .replace("He vowed to keep trying, but the BBC", "He vowed to keep trying. The BBC"),
                   encoding="utf-8")
    document = cli("diff", old, new, "--format", "json").json
    title = "Obama admits US gun laws are his 'biggest frustration'"
    assert (document["title"]["old"], document["title"]["new"], document["title"]["changed"]) == (title, title, False)
    changed, split = document["changes"]
    assert (changed["op"], changed["tags"]) == ("changed", ["quote", "wording"])
    assert ["-", '"distressing"'] in changed["words"] and ["+", "“deeply distressing”"] in changed["words"]
    assert (split["op"], split["new"][1][:8], split["tags"]) == ("split", "The BBC'", ["punctuation", "wording"])
    assert document["summary"]["unchanged"] > 30 and document["from"]["label"] == "old.html"


def test_two_outlets_and_the_quote_they_share(cli) -> None:
    document = cli("diff", SEED_REUTERS, SEED_RT, "--format", "json", "--all").json
    quote = [c for c in document["changes"] if any("we will be back on the right track" in s for s in c["old"])]
    assert [c["op"] for c in quote] in (["unchanged"], ["moved"])


def test_diff_a_dump_on_its_own(cli) -> None:
    result = cli("diff", SEED_DUMP)
    assert result.code == 0, result
    assert result.stdout.splitlines()[0] == "no changes"
    assert "(version 2) -> " in result.stdout and "(version 3)" in result.stdout


def test_cosmetic_flag(cli, tmp_path: Path) -> None:
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text('The envoy said "we will try" on Tuesday.\n\nFighting left 19 dead.\n')
    new.write_text("The envoy said “we will try” on Tuesday.\n\nFighting left 19 dead.\n")
    hidden = cli("diff", old, new)
    assert hidden.stdout.splitlines()[0] == "only cosmetic changes (1 cosmetic change hidden; --cosmetic shows them)"
    assert "@ " not in hidden.stdout
    shown = cli("diff", old, new, "--cosmetic")
    assert "@ sentence 1: changed [cosmetic]" in shown.stdout
    assert cli("diff", old, new, "--format", "json").json["cosmetic_only"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-article"], "no article 'no-such-article' in the database"),
        ([URL, "1", "9"], "has no version 9 (versions: 1-2)"),
        ([str(SEED_REUTERS)], "holds one version; give an older and a newer file to compare"),
        ([str(SEED_REUTERS), "missing.txt"], "no such file: missing.txt"),
        ([str(SEED_DUMP), str(SEED_REUTERS)], "holds 2 versions; diff a two-version dump on its own"),
    ],
)
def test_errors_are_one_line(cli, stored: Path, args: list[str], message: str) -> None:
    result = cli("diff", *args)
    assert result.code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_unreadable_file_named_in_the_error(cli, tmp_path: Path) -> None:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0" + bytes(200))
    result = cli("diff", binary, SEED_REUTERS)
    assert result.code == 1 and result.stderr.strip() == f"newsdiff: {binary}: binary file, not an article"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([URL, "one", "2"], "version numbers are whole numbers, not 'one'"),
        ([URL, "2"], "give two version numbers (ARTICLE A B), or none for previous -> latest"),
        ([URL, "--format", "pdf"],
         "Invalid value for '--format' / '-f': 'pdf' is not one of text, json, markdown, html"),
        ([URL, "--json", "--format", "html"], "--json contradicts --format html"),
    ],
)
def test_a_bad_command_line_exits_2(cli, stored: Path, args: list[str], message: str) -> None:
    result = cli("diff", *args)
    assert result.code == 2 and message in result.stderr and result.stdout == "", result


def test_diff_takes_json_like_every_read_command(cli, stored: Path) -> None:
    as_json = cli("diff", URL, "--json")
    assert as_json.code == 0 and as_json.json == cli("diff", URL, "--format", "json").json
    assert as_json.json["summary"]["changed"] >= 1


def test_single_version_article(cli) -> None:
    assert cli("import", SEED_REUTERS, "--url", URL).code == 0
    result = cli("diff", URL)
    assert result.code == 1 and result.stderr == "newsdiff: article 1 has only one version; nothing to compare\n"


# -- renderers and hostile text -------------------------------------------------------------------

HOSTILE_OLD = 'Officials said <script>alert("x")</script> & [bold]nothing[/bold] *more* happened.'
HOSTILE_NEW = 'Officials said <img src=x onerror=alert(1)> & [bold]nothing[/bold] *more* happened.'


def hostile_layout():
    old = ArticleRecord(("The envoy flew to Moscow.", HOSTILE_OLD), title="<b>Truce</b>")
    new = ArticleRecord(("The envoy flew to Moscow.", HOSTILE_NEW), title="<b>Truce</b> & talks")
    return layout(diff_records(old, new))


def test_html_fragment_escapes_everything() -> None:
    html = htmlfrag.render_html(hostile_layout())
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    [body] = re.findall(r'<p class="newsdiff-text">(.*)</p>', html)
    assert unescape(re.sub("<ins>.*?</ins>", "", body).replace("<del>", "").replace("</del>", "")) == HOSTILE_OLD
    assert unescape(re.sub("<del>.*?</del>", "", body).replace("<ins>", "").replace("</ins>", "")) == HOSTILE_NEW
    assert "<strong>Headline:</strong> &lt;b&gt;Truce&lt;/b&gt;<ins> &amp; talks</ins>" in html


def test_markdown_escapes_markup() -> None:
    """Rendered by CommonMark (markdown-it) and by Python-Markdown (which Apprise uses to turn a Markdown
    alert into HTML), hostile article text is text: no tag, no link, no emphasis it did not ask for."""
    import markdown as python_markdown
    from markdown_it import MarkdownIt

    md = markdown.render_markdown(hostile_layout())
    assert "<script" not in md and "<img" not in md
    assert r"\[bold\]nothing\[/bold\] \*more\*" in md
    for rendered in (MarkdownIt("commonmark").render(md), python_markdown.markdown(md)):
        assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
        assert "<a " not in rendered and "[bold]nothing[/bold] *more*" in unescape(rendered)


def test_markdown_leaves_a_lone_ampersand_and_greater_than_as_typed() -> None:
    """Services that render Markdown but no HTML (Discord, Slack) would show `&amp;` as typed: an `&` or a
    `>` is written as an entity only where it could start markup; a `<` always is."""
    assert markdown.escape("AT&T and Q&A: 5 > 3") == "AT&T and Q&A: 5 > 3"
    assert markdown.escape("<b>x</b> &amp; A < B") == "&lt;b>x&lt;/b> &amp;amp; A &lt; B"
    assert markdown.escape("> a quotation\n> goes on &") == "&gt; a quotation\n&gt; goes on &amp;"


def test_terminal_output_does_not_interpret_article_text_as_markup() -> None:
    buffer = io.StringIO()
    text.print_rich(hostile_layout(), Console(file=buffer, force_terminal=True, color_system="standard", width=200))
    out = buffer.getvalue()
    assert "[bold]nothing[/bold]" in out
    assert "\x1b[9;31m" in out and "\x1b[1;32m" in out  # struck red deletions, bold green insertions


def test_plain_text_markers() -> None:
    out = text.render_text(hostile_layout())
    assert out.splitlines()[0] == "1 sentence changed; headline changed"
    assert "Headline: <b>Truce</b>{+ & talks+}" in out
    assert 'said <[-script>alert("x")</script-]{+img src=x onerror=alert(1)+}> & [bold]' in out
